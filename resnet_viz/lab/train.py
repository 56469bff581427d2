"""`train-demo`: a torchvision resnet18 trained here on drawn shapes, saved as a checkpoint the app loads."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torchvision import models as tv_models

from .shapes import SHAPES, dataset

# The app normalises every checkpoint's input with ImageNet's statistics (models._imagenet_defaults).
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


@dataclass(frozen=True)
class DemoConfig:
    steps: int = 300  # in all, the final phase included
    batch: int = 32
    train_images: int = 2000
    held_out: int = 200
    draw_size: int = 160
    # Progressive resizing: most steps at small sizes (cheap), each step at one of `sizes`; then a short
    # final phase at the app's own 224×224, because the app shows shapes 70-150 px across and a model
    # trained only on small pictures does not recognise them at that pixel scale.
    sizes: tuple[int, ...] = (64, 96, 128)
    final_size: int = 224
    final_steps: int = 70
    final_batch: int = 16
    lr: float = 2e-3
    seed: int = 0


@dataclass(frozen=True)
class DemoResult:
    held_out_accuracy: float  # at final_size, centre-cropped as the app does (no Grad-CAM)
    seconds: float
    steps: int
    config: dict


# The app resizes to 256 and centre-crops 224: the shape grows by 256/224 relative to the picture.
APP_ZOOM = 256 / 224


def to_batch(images: np.ndarray, size: int, zoom: float = 1.0) -> torch.Tensor:
    """uint8 (n, h, w, 3) -> normalised float (n, 3, size, size): resized to size·zoom, centre-cropped."""
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255
    scaled = round(size * zoom)
    if x.shape[-1] != scaled:
        x = F.interpolate(x, size=(scaled, scaled), mode="bilinear", antialias=True, align_corners=False)
    offset = (scaled - size) // 2
    x = x[..., offset : offset + size, offset : offset + size]
    return (x - MEAN) / STD


def new_model(seed: int) -> torch.nn.Module:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return tv_models.resnet18(num_classes=len(SHAPES))


@torch.no_grad()
def accuracy(model: torch.nn.Module, images: np.ndarray, labels: np.ndarray, size: int, zoom: float = 1.0) -> float:
    model.eval()
    correct = 0
    for start in range(0, len(images), 64):
        logits = model(to_batch(images[start : start + 64], size, zoom))
        correct += int((logits.argmax(1).numpy() == labels[start : start + 64]).sum())
    return correct / len(images)


def train_demo(config: DemoConfig = DemoConfig(), log=print) -> tuple[torch.nn.Module, DemoResult]:
    """Train from a fixed seed for a fixed number of steps; the held-out set has its own seed."""
    started = time.perf_counter()
    images, labels, _ = dataset(config.train_images, config.draw_size, seed=config.seed)
    test_images, test_labels, _ = dataset(config.held_out, config.draw_size, seed=config.seed + 10_000)
    model = new_model(config.seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=config.lr, total_steps=config.steps, pct_start=0.15
    )
    rng = np.random.default_rng(config.seed + 1)
    targets = torch.from_numpy(labels)
    for step in range(config.steps):
        model.train()
        final = step >= config.steps - config.final_steps
        pick = rng.choice(len(images), config.final_batch if final else config.batch, replace=False)
        size = config.final_size if final else int(rng.choice(config.sizes))
        # Random zoom up to the app's 256/224 crop: the shape sizes seen here cover the app's.
        x = to_batch(images[pick], size, zoom=float(rng.uniform(1.0, APP_ZOOM)))
        if rng.random() < 0.5:
            x = x.flip(-1)
        loss = F.cross_entropy(model(x), targets[pick])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % 20 == 0 or step == config.steps - 1:
            log(
                f"step {step + 1}/{config.steps}  size {size}  loss {loss.item():.3f}  {time.perf_counter() - started:.0f} s"
            )
    held_out = accuracy(model, test_images, test_labels, config.final_size, APP_ZOOM)
    model.eval()
    return model, DemoResult(held_out, time.perf_counter() - started, config.steps, asdict(config))


def save_demo(
    model: torch.nn.Module, result: DemoResult, out: str | Path, extra: dict | None = None
) -> dict[str, Path]:
    """model.pt (a state_dict), classes.txt (one name a line), train.json (what was measured)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"weights": out / "model.pt", "classes": out / "classes.txt", "report": out / "train.json"}
    torch.save(model.state_dict(), paths["weights"])
    paths["classes"].write_text("\n".join(SHAPES) + "\n", encoding="utf-8")
    paths["report"].write_text(json.dumps({**asdict(result), **(extra or {})}, indent=2), encoding="utf-8")
    return paths
