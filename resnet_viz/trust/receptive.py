"""Receptive fields of one unit of a stage: theoretical (from the real modules' geometry) and
effective (Luo et al., 2016: how much each input pixel moves the unit, by autograd)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..analysis import preprocess
from ..capture import capture_stage_outputs
from ..errors import ModelChoiceError
from ..images import ImageSource, load_image
from ..models import LoadedModel
from ..stages import STAGES

Interval = tuple[int, int]  # first and last input index, inclusive; may lie outside the image
SPATIAL = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)


@dataclass(frozen=True)
class ReceptiveField:
    stage: str
    row: int
    col: int
    box: tuple[int, int, int, int]  # (x0, y0, x1, y1) in input pixels, clipped to the image; x1, y1 exclusive
    size: int  # side length in pixels before clipping
    image_size: int
    grid: tuple[int, int]  # the stage's (rows, cols) for this input size


def _pair(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def _geometry(layer: nn.Module) -> tuple[tuple[int, int], ...]:
    """(kernel, stride, padding, dilation) per axis, read from the module itself."""
    dilation = getattr(layer, "dilation", 1)
    return tuple(_pair(v) for v in (layer.kernel_size, layer.stride, layer.padding, dilation))


def stage_path(model: nn.Module, stage: str) -> list[object]:
    """The spatial operations from the input to the stage's output, in order: a layer, or for a
    residual block a pair of branches (main path, shortcut: its 1×1 projection or nothing)."""
    if hasattr(model, "feature_info"):  # timm: deep stems, SE's global pooling, ResNetV2's nested stages
        raise ModelChoiceError(
            "Receptive fields are computed for torchvision's ResNets; timm models are not covered yet."
        )
    names = [s.name for s in STAGES]
    path: list[object] = [model.conv1, model.maxpool]
    for name in names[1 : names.index(stage) + 1]:
        for block in getattr(model, name).children():
            main = [m for n, m in block.named_children() if n != "downsample" and isinstance(m, SPATIAL)]
            shortcut = [m for m in (block.downsample or []) if isinstance(m, SPATIAL)] if block.downsample else []
            path.append((main, shortcut))
    return path


def _back(layers: list, interval: Interval, axis: int) -> Interval:
    """The input interval that an output interval of these layers depends on."""
    low, high = interval
    for item in reversed(layers):
        if isinstance(item, tuple):  # residual block: the union over its branches
            ends = [_back(branch, (low, high), axis) for branch in item]
            low, high = min(e[0] for e in ends), max(e[1] for e in ends)
            continue
        kernel, stride, padding, dilation = (g[axis] for g in _geometry(item))
        low = low * stride - padding
        high = high * stride - padding + dilation * (kernel - 1)
    return low, high


def _forward_size(layers: list, size: int, axis: int) -> int:
    for item in layers:
        if isinstance(item, tuple):
            size = _forward_size(item[0], size, axis)
            continue
        kernel, stride, padding, dilation = (g[axis] for g in _geometry(item))
        ceil = getattr(item, "ceil_mode", False)
        span = size + 2 * padding - dilation * (kernel - 1) - 1
        size = (-(-span // stride) if ceil else span // stride) + 1
    return size


def stage_name(stage: str) -> str:
    """torchvision's name of a stage given by any of its names (maxpool/conv1/stem, layer3/conv4_x/C4)."""
    for spec in STAGES:
        if stage in (spec.name, spec.paper_name, spec.level) or (stage == "stem" and spec.name == "maxpool"):
            return spec.name
    raise ModelChoiceError("unknown_stage", name=stage, choices=", ".join(s.name for s in STAGES))


def receptive_field(
    model: nn.Module | LoadedModel, stage: str, row: int, col: int, image_size: int | None = None
) -> ReceptiveField:
    """The theoretical receptive field of the unit at (row, col) of a stage's output, for a square
    input of `image_size` pixels (default: the model's crop size, 224)."""
    if isinstance(model, LoadedModel):
        image_size = image_size or int(model.transforms.crop_size[0])
        model = model.module
    image_size = int(image_size or 224)
    name = stage_name(stage)
    path = stage_path(model, name)
    grid = (_forward_size(path, image_size, 0), _forward_size(path, image_size, 1))
    if not (0 <= int(row) < grid[0] and 0 <= int(col) < grid[1]):
        raise ModelChoiceError(
            "unit_range", name=name, rows=grid[0], cols=grid[1], size=image_size, last_row=grid[0] - 1, row=row, col=col
        )
    y0, y1 = _back(path, (int(row), int(row)), 0)
    x0, x1 = _back(path, (int(col), int(col)), 1)
    clip = lambda v: max(0, min(image_size, v))  # noqa: E731
    box = (clip(x0), clip(y0), clip(x1 + 1), clip(y1 + 1))
    return ReceptiveField(name, int(row), int(col), box, int(y1 - y0 + 1), image_size, grid)


def effective_field(loaded: LoadedModel, image: ImageSource, stage: str, row: int, col: int) -> np.ndarray:
    """|∂ unit / ∂ input| summed over the colour channels, (H, W) float32. The unit is the stage's
    output at (row, col) summed over its channels. Hooks on the shared model, removed on exit."""
    name = stage_name(stage)
    _shown, batch = preprocess(loaded.transforms, load_image(image))
    batch = batch.to(loaded.device).requires_grad_(True)
    with loaded.lock, capture_stage_outputs(loaded.module, [name]) as outputs:
        loaded.module(batch)
        output = outputs[name]
        if not (0 <= row < output.shape[2] and 0 <= col < output.shape[3]):
            raise ModelChoiceError(
                "unit_missing", name=name, rows=output.shape[2], cols=output.shape[3], row=row, col=col
            )
        (gradient,) = torch.autograd.grad(output[0, :, row, col].sum(), batch)
        del outputs, output
    return gradient[0].abs().sum(0).float().cpu().numpy()


def parse_unit(text: str) -> tuple[str, int, int]:
    """'layer3:4,7' -> ('layer3', 4, 7)."""
    stage, _, position = text.partition(":")
    try:
        row, col = (int(v) for v in position.split(","))
    except ValueError:
        raise ModelChoiceError("unit_syntax", text=text) from None
    return stage_name(stage.strip()), row, col
