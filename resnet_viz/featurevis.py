"""Feature visualisation (Olah, Mordvintsev & Schubert 2017, Distill; Lucid / Lucent): an input
optimised to excite one channel of a stage, or one class logit.

The image is parameterised as Lucid does: a Fourier spectrum scaled by 1/frequency (so that
gradient steps do not favour high frequencies), colours in a decorrelated space mapped to RGB by
the square root of ImageNet's colour covariance, a sigmoid to [0, 1]; each step sees a randomly
padded, jittered, scaled and rotated copy (transformation robustness). Written here in torch:
torch-lucent 0.1.8 pins kornia<=0.4.1 and installs pytest/coveralls at run time, and Captum's
optimisation module is not in any Captum release (only its optim-wip branch).

The network is run without hooks: the stage's output is the value of calling the stem and the
layers up to it, so nothing is registered on the shared module and no lock is needed."""

from __future__ import annotations

import math
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from .errors import ModelChoiceError
from .models import LoadedModel
from .trust.receptive import stage_name

Objective = Literal["mean", "max", "logit"]
OBJECTIVES: tuple[str, ...] = ("mean", "max", "logit")
Progress = Callable[[int, int], None]

# Lucid's square root of ImageNet's colour covariance (lucid/optvis/param/color.py), its columns
# scaled so that the largest has norm 1.
_COLOR_SVD_SQRT = np.asarray([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]], dtype=np.float32)
COLOR_CORRELATION = torch.from_numpy(_COLOR_SVD_SQRT / np.max(np.linalg.norm(_COLOR_SVD_SQRT, axis=0)))

# Lucent's standard_transforms, in pixels of a 224-pixel image (scaled to other sizes).
PAD, JITTER, FINE_JITTER = 12, 8, 4
SCALES = tuple(1 + (i - 5) / 50 for i in range(11))
ANGLES = tuple(range(-10, 11)) + (0,) * 5


@dataclass(frozen=True)
class VisRequest:
    stage: str  # any of a stage's names; stored as torchvision's (maxpool, layer1..layer4)
    channel: int  # the channel id; for the logit objective, the class index
    objective: str = "mean"
    size: int = 224
    steps: int = 128
    seed: int = 0
    # Lucid's 0.05 is for 512 steps; a lecture waits for ~50, where 0.2 gets 2-3x further (measured on resnet18).
    lr: float = 0.2


@dataclass(frozen=True)
class FeatureVis:
    request: VisRequest
    image: Image.Image  # RGB, request.size square, what the network was shown (before normalising)
    activation: float  # the objective on `image` itself, untransformed
    history: tuple[float, ...]  # the objective on each step's transformed copy
    seconds: float


def check_request(loaded: LoadedModel, request: VisRequest) -> VisRequest:
    """The request with its stage named as torchvision does; a clear message for what does not exist."""
    if request.objective not in OBJECTIVES:
        raise ModelChoiceError(f"Unknown objective {request.objective!r}: use one of {', '.join(OBJECTIVES)}.")
    name = stage_name(request.stage)
    if request.objective == "logit":
        count, what = loaded.num_classes, "Class"
    else:
        count, what = stage_channels(loaded.module, name), "Channel"
    if not 0 <= int(request.channel) < count:
        raise ModelChoiceError(f"{what} {request.channel} does not exist here: use 0 to {count - 1}.")
    if not 32 <= int(request.size) <= 512:
        raise ModelChoiceError(f"A visualisation size of {request.size} px is out of range: use 32 to 512.")
    if not 1 <= int(request.steps) <= 4096:
        raise ModelChoiceError(f"{request.steps} steps is out of range: use 1 to 4096.")
    return VisRequest(
        name,
        int(request.channel),
        request.objective,
        int(request.size),
        int(request.steps),
        int(request.seed),
        float(request.lr),
    )


def stage_channels(module: nn.Module, stage: str) -> int:
    """How many channels a stage's output has, read from its last convolution."""
    name = stage_name(stage)
    if name == "maxpool":
        return module.conv1.out_channels
    last_block = list(getattr(module, name).children())[-1]
    norm = getattr(last_block, "bn3", None) or last_block.bn2  # Bottleneck or BasicBlock
    return norm.num_features


def forward_to(module: nn.Module, stage: str, x: torch.Tensor) -> torch.Tensor:
    """A torchvision ResNet's output at a stage (`maxpool` = the stem's output), or its logits for
    stage 'fc', computed by calling its children in order: no hooks on a module others share."""
    x = module.maxpool(module.relu(module.bn1(module.conv1(x))))
    if stage == "maxpool":
        return x
    for name in ("layer1", "layer2", "layer3", "layer4"):
        x = getattr(module, name)(x)
        if name == stage:
            return x
    return module.fc(torch.flatten(module.avgpool(x), 1))


def objective_value(module: nn.Module, request: VisRequest, batch: torch.Tensor) -> torch.Tensor:
    """One value per image: the channel's mean or max over positions, or the class logit."""
    if request.objective == "logit":
        return forward_to(module, "fc", batch)[:, request.channel]
    maps = forward_to(module, request.stage, batch)[:, request.channel]
    return maps.mean(dim=(1, 2)) if request.objective == "mean" else maps.amax(dim=(1, 2))


def _frequencies(height: int, width: int) -> torch.Tensor:
    fy = torch.fft.fftfreq(height)[:, None]
    fx = torch.fft.rfftfreq(width)[None, :]
    return torch.sqrt(fx * fx + fy * fy)


class FourierImage(nn.Module):
    """Lucid's fft_image + to_valid_rgb(decorrelate=True, sigmoid=True), for one square image."""

    def __init__(self, size: int, generator: torch.Generator, sd: float = 0.01, decay: float = 1.0) -> None:
        super().__init__()
        freqs = _frequencies(size, size)
        self.size = size
        self.register_buffer("scale", (1.0 / freqs.clamp_min(1.0 / size) ** decay)[None, None, :, :, None])
        self.spectrum = nn.Parameter(torch.randn((1, 3, *freqs.shape, 2), generator=generator) * sd)

    def forward(self) -> torch.Tensor:
        spectrum = torch.view_as_complex((self.scale * self.spectrum).contiguous())
        image = torch.fft.irfftn(spectrum, s=(self.size, self.size), norm="ortho") / 4.0  # Lucid's "magic" 4
        flat = image.permute(0, 2, 3, 1) @ COLOR_CORRELATION.T.to(image)
        return torch.sigmoid(flat.permute(0, 3, 1, 2))


def _shift(x: torch.Tensor, dx: int, dy: int, keep: int) -> torch.Tensor:
    return x[..., dy : dy + keep, dx : dx + keep]


def _rotate_scale(x: torch.Tensor, angle_degrees: float, scale: float) -> torch.Tensor:
    theta = math.radians(angle_degrees)
    c, s = math.cos(theta) / scale, math.sin(theta) / scale
    matrix = torch.tensor([[c, -s, 0.0], [s, c, 0.0]], dtype=x.dtype, device=x.device)[None]
    grid = F.affine_grid(matrix, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


def transformed(image: torch.Tensor, rng: random.Random) -> torch.Tensor:
    """Lucent's standard_transforms: pad, jitter, scale, rotate, jitter; sizes relative to 224 px."""
    size = image.shape[-1]
    unit = size / 224
    pad, jitter, fine = (max(1, round(v * unit)) for v in (PAD, JITTER, FINE_JITTER))
    x = F.pad(image, (pad,) * 4, value=0.5)
    keep = x.shape[-1] - jitter
    x = _shift(x, rng.randrange(jitter + 1), rng.randrange(jitter + 1), keep)
    x = _rotate_scale(x, rng.choice(ANGLES), rng.choice(SCALES))
    keep = x.shape[-1] - fine
    return _shift(x, rng.randrange(fine + 1), rng.randrange(fine + 1), keep)


def _normalise(loaded: LoadedModel, pixels: torch.Tensor) -> torch.Tensor:
    mean = torch.tensor(loaded.transforms.mean, dtype=pixels.dtype, device=pixels.device).view(1, 3, 1, 1)
    std = torch.tensor(loaded.transforms.std, dtype=pixels.dtype, device=pixels.device).view(1, 3, 1, 1)
    return (pixels - mean) / std


def measure(loaded: LoadedModel, request: VisRequest, pixels: torch.Tensor) -> torch.Tensor:
    """The objective of images in [0, 1] (N, 3, H, W), normalised as the network's input is."""
    with torch.no_grad():
        return objective_value(loaded.module, request, _normalise(loaded, pixels.to(loaded.device)))


def visualise(loaded: LoadedModel, request: VisRequest, progress: Progress | None = None) -> FeatureVis:
    """Optimise an image to maximise the request's objective (Adam on the Fourier parameters)."""
    request = check_request(loaded, request)
    started = time.perf_counter()
    generator = torch.Generator().manual_seed(request.seed)
    rng = random.Random(request.seed)
    param = FourierImage(request.size, generator).to(loaded.device)
    optimizer = torch.optim.Adam(param.parameters(), lr=request.lr)
    history = []
    # torch.manual_seed is global state: nothing random here draws from it.
    for step in range(request.steps):
        pixels = param()
        value = objective_value(loaded.module, request, _normalise(loaded, transformed(pixels, rng)))[0]
        optimizer.zero_grad(set_to_none=True)
        (-value).backward()
        optimizer.step()
        history.append(float(value.detach()))
        if progress is not None:
            progress(step + 1, request.steps)
    with torch.no_grad():
        final = param().detach()
    activation = float(measure(loaded, request, final)[0])
    array = np.uint8(np.round(final[0].permute(1, 2, 0).clamp(0, 1).cpu().numpy() * 255))
    image = Image.fromarray(array, "RGB")
    return FeatureVis(request, image, activation, tuple(history), time.perf_counter() - started)


def weights_fingerprint(module: nn.Module) -> tuple[float, float]:
    """Two sums that tell weights apart when their names do not (a checkpoint rewritten in place)."""
    with torch.no_grad():
        return float(module.conv1.weight.double().sum()), float(module.fc.weight.double().sum())


class FeatureVisCache:
    """Visualisations per (model, weights, request); `computed` counts the optimisations run."""

    def __init__(self, size: int = 64) -> None:
        self._items: OrderedDict[tuple, FeatureVis] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()
        self.computed = 0

    @staticmethod
    def key(loaded: LoadedModel, request: VisRequest) -> tuple:
        return (loaded.name, loaded.weights_status, loaded.weights_label, weights_fingerprint(loaded.module), request)

    def get(self, loaded: LoadedModel, request: VisRequest) -> FeatureVis | None:
        key = self.key(loaded, check_request(loaded, request))
        with self._lock:
            return self._items.get(key)

    def visualise(self, loaded: LoadedModel, request: VisRequest, progress: Progress | None = None) -> FeatureVis:
        request = check_request(loaded, request)
        key = self.key(loaded, request)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        result = visualise(loaded, request, progress)
        with self._lock:
            self.computed += 1
            self._items[key] = result
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return result


def conv1_filters(module: nn.Module, scale: int = 5, gap: int = 3) -> Image.Image:
    """conv1's weights as RGB tiles (the weights themselves, no optimisation): each filter scaled by
    its own largest |weight| so that 0 is mid-grey, tiled 8 per row, each pixel `scale` px."""
    weights = module.conv1.weight.detach().float().cpu()  # (64, 3, 7, 7)
    peak = weights.abs().amax(dim=(1, 2, 3), keepdim=True).clamp_min(1e-12)
    tiles = (0.5 + 0.5 * weights / peak).clamp(0, 1)
    count, _, height, width = tiles.shape
    columns = 8
    rows = math.ceil(count / columns)
    side_h, side_w = height * scale, width * scale
    canvas = np.full((rows * (side_h + gap) - gap, columns * (side_w + gap) - gap, 3), 255, dtype=np.uint8)
    for index in range(count):
        row, column = divmod(index, columns)
        tile = np.uint8(np.round(tiles[index].permute(1, 2, 0).numpy() * 255))
        tile = tile.repeat(scale, axis=0).repeat(scale, axis=1)
        y, x = row * (side_h + gap), column * (side_w + gap)
        canvas[y : y + side_h, x : x + side_w] = tile
    return Image.fromarray(canvas, "RGB")
