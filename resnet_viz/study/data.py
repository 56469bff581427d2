"""The study's data: a procedural 10-class colour set drawn from a seed (offline), or CIFAR-10 from disk.

Each picture is one shape of its class (disc, ring, square, triangle, plus, star, crescent, two bars, checker,
L) at a random position, size and rotation, filled with a random colour and a random texture, on a random
colour gradient, with 1-3 distractor blobs and pixel noise. Colour carries no class information, and a shape
may be nearly the colour of its background, so the set is not separable by a shallow rule. Drawn at 2× and
averaged down (anti-aliasing), 16×16 by default: on the 2-core CPU a ResNet-56 step costs ~5× less than at
32×32, which buys the hundreds of iterations per run that the depth effects need.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from ..errors import ResnetVizError

CLASSES = ("disc", "ring", "square", "triangle", "plus", "star", "crescent", "two bars", "checker", "L")
SIZE = 16
_CHUNK = 1024


@dataclass(frozen=True)
class StudyDataSpec:
    """Which data a study uses. The held-out split is the last `test` pictures drawn from `seed`."""

    name: str = "procedural"
    seed: int = 0
    train: int = 20000
    test: int = 2000
    size: int = SIZE
    root: str | None = None

    def describe(self) -> dict:
        info = asdict(self)
        info["classes"] = list(CLASSES) if self.name == "procedural" else info.get("classes")
        return info


def _masks(label: np.ndarray, u: np.ndarray, v: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Soft-free (0/1) masks of each picture's shape in its own rotated, scaled frame (u, v in [-1, 1])."""
    r = np.sqrt(u * u + v * v)
    theta = np.arctan2(v, u)
    shapes = {
        0: r < 0.8,
        1: (r < 0.85) & (r > 0.5),
        2: (np.abs(u) < 0.7) & (np.abs(v) < 0.7),
        3: (v > -0.6) & (v < 0.8 - 0.0) & (np.abs(u) < (0.8 - v) * 0.6),
        4: ((np.abs(u) < 0.25) & (np.abs(v) < 0.85)) | ((np.abs(v) < 0.25) & (np.abs(u) < 0.85)),
        5: r < 0.45 + 0.4 * np.maximum(np.cos(5 * theta), 0) ** 2,
        6: (r < 0.85) & (np.sqrt((u - 0.4) ** 2 + v * v) > 0.6),
        7: ((np.abs(u - 0.45) < 0.18) | (np.abs(u + 0.45) < 0.18)) & (np.abs(v) < 0.85),
        8: (np.abs(u) < 0.8) & (np.abs(v) < 0.8) & ((np.floor((u + 0.8) / 0.4) + np.floor((v + 0.8) / 0.4)) % 2 == 0),
        9: (((u > -0.7) & (u < -0.25)) & (np.abs(v) < 0.8)) | ((v > 0.35) & (v < 0.8) & (u > -0.7) & (u < 0.7)),
    }
    out = np.zeros(u.shape, dtype=bool)
    for k, mask in shapes.items():
        out |= (label[:, None, None] == k) & mask
    return out


def _draw(labels: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    n, big = len(labels), size * 2
    grid = (np.arange(big) + 0.5) / big * 2 - 1  # pixel centres in [-1, 1]
    y, x = np.meshgrid(grid, grid, indexing="ij")
    x, y = x[None], y[None]
    # Pose: centre within the middle 50 %, scale 0.5-0.8 of the picture, any rotation.
    cx, cy = rng.uniform(-0.25, 0.25, (2, n, 1, 1))
    scale = rng.uniform(0.5, 0.8, (n, 1, 1))
    angle = rng.uniform(0, 2 * np.pi, (n, 1, 1))
    dx, dy = (x - cx) / scale, (y - cy) / scale
    u = np.cos(angle) * dx + np.sin(angle) * dy
    v = -np.sin(angle) * dx + np.cos(angle) * dy
    mask = _masks(labels, u, v, rng)[:, None]  # n,1,H,W
    # Background: a linear gradient between two random colours.
    c0, c1 = rng.uniform(0, 1, (2, n, 3, 1, 1))
    g_angle = rng.uniform(0, 2 * np.pi, (n, 1, 1, 1))
    t = (np.cos(g_angle) * x[None] + np.sin(g_angle) * y[None] + 1.5) / 3
    background = c0 + (c1 - c0) * t
    # Foreground: a random colour modulated by a random sinusoidal texture.
    colour = rng.uniform(0, 1, (n, 3, 1, 1))
    freq = rng.uniform(1, 6, (n, 1, 1, 1))
    phase = rng.uniform(0, 2 * np.pi, (n, 1, 1, 1))
    t_angle = rng.uniform(0, 2 * np.pi, (n, 1, 1, 1))
    texture = np.sin(freq * (np.cos(t_angle) * x[None] + np.sin(t_angle) * y[None]) * np.pi + phase)
    depth = rng.uniform(0, 0.35, (n, 1, 1, 1))
    foreground = np.clip(colour * (1 + depth * texture), 0, 1)
    image = np.where(mask, foreground, background)
    # Clutter: 1-3 small blobs of random colours anywhere.
    for k in range(3):
        present = rng.uniform(size=(n, 1, 1, 1)) < (1.0 if k == 0 else 0.5)
        bx, by = rng.uniform(-1, 1, (2, n, 1, 1, 1))
        radius = rng.uniform(0.06, 0.14, (n, 1, 1, 1))
        blob = ((x[None] - bx) ** 2 + (y[None] - by) ** 2 < radius**2) & present
        image = np.where(blob, rng.uniform(0, 1, (n, 3, 1, 1)), image)
    image = image.reshape(n, 3, size, 2, size, 2).mean(axis=(3, 5))  # anti-aliased 2× -> 1×
    image = image + rng.normal(0, 0.04, image.shape)
    return np.clip(image, 0, 1).astype(np.float32)


def make_study_data(n: int, seed: int = 0, size: int = SIZE) -> tuple[torch.Tensor, torch.Tensor]:
    """`n` procedural pictures from `seed`: float (n, 3, size, size), standardised, and int64 labels.

    Deterministic per (n, seed, size). Labels are balanced (n // 10 each, the rest from the first classes)
    and shuffled."""
    if n < 1:
        raise ResnetVizError(f"make_study_data needs n >= 1, got {n}.")
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % len(CLASSES))
    chunks = [_draw(labels[i : i + _CHUNK], size, rng) for i in range(0, n, _CHUNK)]
    images = torch.from_numpy(np.concatenate(chunks))
    images = (images - 0.5) / 0.25  # the pixel values are ~uniform in [0, 1]: centre and scale them
    return images, torch.from_numpy(labels.astype(np.int64))


def load_study_split(
    spec: StudyDataSpec,
) -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """(train, held-out) tensors for a spec."""
    if spec.name == "procedural":
        images, labels = make_study_data(spec.train + spec.test, spec.seed, spec.size)
        return (images[: spec.train], labels[: spec.train]), (images[spec.train :], labels[spec.train :])
    if spec.name == "cifar10":
        return _cifar10(spec)
    raise ResnetVizError(f"Unknown study data {spec.name!r}: use procedural or cifar10.")


_CIFAR_MEAN = torch.tensor([0.4914, 0.4822, 0.4465]).view(1, 3, 1, 1)
_CIFAR_STD = torch.tensor([0.2470, 0.2435, 0.2616]).view(1, 3, 1, 1)


def _cifar10(spec: StudyDataSpec):
    """CIFAR-10 from `root`: torchvision's own files (cifar-10-batches-py) or an ImageFolder tree with
    train/ and test/ folders of one sub-folder per class. Never downloads."""
    from torchvision import datasets

    if not spec.root or not Path(spec.root).is_dir():
        raise ResnetVizError(f"--data cifar10 needs --root DIR with CIFAR-10 in it (got {spec.root!r}).")
    root = Path(spec.root)

    def tensors(dataset) -> tuple[torch.Tensor, torch.Tensor]:
        if hasattr(dataset, "data"):  # torchvision.datasets.CIFAR10: uint8 (n, 32, 32, 3)
            x = torch.from_numpy(np.asarray(dataset.data)).permute(0, 3, 1, 2).float() / 255
            y = torch.tensor(dataset.targets, dtype=torch.int64)
        else:
            pairs = [dataset[i] for i in range(len(dataset))]
            x = torch.stack([p[0] for p in pairs])
            y = torch.tensor([p[1] for p in pairs], dtype=torch.int64)
        if x.shape[-1] != spec.size:
            x = torch.nn.functional.interpolate(x, size=(spec.size, spec.size), mode="bilinear", antialias=True)
        return (x - _CIFAR_MEAN) / _CIFAR_STD, y

    try:
        if (root / "cifar-10-batches-py").is_dir():
            train = datasets.CIFAR10(str(root), train=True, download=False)
            test = datasets.CIFAR10(str(root), train=False, download=False)
        else:
            from torchvision import transforms

            to_tensor = transforms.ToTensor()
            train = datasets.ImageFolder(str(root / "train"), transform=to_tensor)
            test = datasets.ImageFolder(str(root / "test"), transform=to_tensor)
    except (OSError, RuntimeError, FileNotFoundError) as err:
        raise ResnetVizError(f"Could not read CIFAR-10 under {root}: {err}") from err
    (x, y), (tx, ty) = tensors(train), tensors(test)
    return (x[: spec.train], y[: spec.train]), (tx[: spec.test], ty[: spec.test])
