"""CIFAR-style study nets of 6n+2 layers (He et al. 2015 §4.2): residual, plain and pre-activation.

Every model has `stem`, `stages` (each a sequence of blocks) and `head`; every block has `residual` (F),
`shortcut` (a module, or None for plain blocks) and `post` (ReLU for original blocks, identity for
pre-activation ones), so programs can delete a block from outside. Residual shortcuts are option A of the
paper: identity, and where the width doubles a stride-2 subsample padded with zero channels. Option A adds
no parameters, which is why the counts match Table 6 (0.27 M at 20 layers ... 1.7 M at 110).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from ..errors import CheckpointError

KINDS = ("plain", "residual", "preact")
DEPTHS = (20, 32, 44, 56, 110)
WIDTHS = (16, 32, 64)
NUM_CLASSES = 10


class PadShortcut(nn.Module):
    """Option A: subsample with the stride and pad the new channels with zeros (no parameters)."""

    def __init__(self, in_channels: int, out_channels: int, stride: int):
        super().__init__()
        self.extra = out_channels - in_channels
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x[:, :, :: self.stride, :: self.stride]
        if self.extra:
            x = nn.functional.pad(x, (0, 0, 0, 0, 0, self.extra))
        return x


def _conv(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)


class StudyBlock(nn.Module):
    """post(residual(x) + shortcut(x)), or post(residual(x)) when `shortcut` is None."""

    def __init__(self, residual: nn.Module, shortcut: nn.Module | None, post: nn.Module, downsampling: bool):
        super().__init__()
        self.residual = residual
        self.shortcut = shortcut
        self.post = post
        self.downsampling = downsampling

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.residual(x)
        if self.shortcut is not None:
            out = out + self.shortcut(x)
        return self.post(out)


def _block(kind: str, in_channels: int, out_channels: int, stride: int) -> StudyBlock:
    downsampling = stride != 1 or in_channels != out_channels
    if kind == "preact":
        # Full pre-activation (He et al. 2016, Fig. 4e): BN -> ReLU -> conv twice, nothing after the addition.
        residual = nn.Sequential(
            nn.BatchNorm2d(in_channels),
            nn.ReLU(),
            _conv(in_channels, out_channels, stride),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(),
            _conv(out_channels, out_channels),
        )
        post: nn.Module = nn.Identity()
    else:
        residual = nn.Sequential(
            _conv(in_channels, out_channels, stride),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(),
            _conv(out_channels, out_channels),
            nn.BatchNorm2d(out_channels),
        )
        post = nn.ReLU()
    if kind == "plain":
        shortcut = None
    elif downsampling:
        shortcut = PadShortcut(in_channels, out_channels, stride)
    else:
        shortcut = nn.Identity()
    return StudyBlock(residual, shortcut, post, downsampling)


class StudyNet(nn.Module):
    """stem -> stages (3 × n blocks, widths 16/32/64 on full/half/quarter maps) -> head (pool, fc)."""

    def __init__(self, kind: str = "residual", depth: int = 20, num_classes: int = NUM_CLASSES):
        super().__init__()
        if kind not in KINDS:
            raise CheckpointError(f"Unknown study model kind {kind!r}: use one of {', '.join(KINDS)}.")
        if depth < 8 or (depth - 2) % 6:
            raise CheckpointError(f"A study net has 6n+2 layers (20, 32, 44, 56, 110 ...), not {depth}.")
        self.kind, self.depth = kind, depth
        n = (depth - 2) // 6
        stem: list[nn.Module] = [_conv(3, WIDTHS[0])]
        if kind != "preact":  # a pre-activation net's first block normalises the stem's output itself
            stem += [nn.BatchNorm2d(WIDTHS[0]), nn.ReLU()]
        self.stem = nn.Sequential(*stem)
        stages, channels = [], WIDTHS[0]
        for index, width in enumerate(WIDTHS):
            blocks = []
            for b in range(n):
                stride = 2 if index > 0 and b == 0 else 1
                blocks.append(_block(kind, channels, width, stride))
                channels = width
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.ModuleList(stages)
        head: list[nn.Module] = []
        if kind == "preact":  # the last addition is not normalised by any block
            head += [nn.BatchNorm2d(channels), nn.ReLU()]
        head += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, num_classes)]
        self.head = nn.Sequential(*head)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")

    def blocks(self) -> list[StudyBlock]:
        """All blocks in forward order."""
        return [block for stage in self.stages for block in stage]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for stage in self.stages:
            x = stage(x)
        return self.head(x)


def build_study_model(kind: str, depth: int) -> StudyNet:
    return StudyNet(kind, depth)


def weighted_layers(model: StudyNet) -> int:
    """The stem conv, every conv inside a residual branch and the head's linear layer (He et al.'s count)."""
    convs = sum(isinstance(m, nn.Conv2d) for m in model.stem.modules())
    convs += sum(isinstance(m, nn.Conv2d) for block in model.blocks() for m in block.residual.modules())
    return convs + sum(isinstance(m, nn.Linear) for m in model.head.modules())


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def save_study_model(model: StudyNet, path: str | Path, **meta: object) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    torch.save(
        {
            "format": "resnet-viz-study/1",
            "kind": model.kind,
            "depth": model.depth,
            "state_dict": model.state_dict(),
            "meta": meta,
        },
        path,
    )


def load_study_model(path: str | Path, device: str = "cpu") -> StudyNet:
    """An eval-ready study model from a checkpoint written by `depth-study`."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"No study checkpoint at {path}.")
    try:
        payload = torch.load(path, map_location=device, weights_only=True)
    except Exception as err:  # a truncated or foreign file: say so, no traceback
        raise CheckpointError(f"{path} is not a readable study checkpoint ({type(err).__name__}).") from err
    if not isinstance(payload, dict) or payload.get("format") != "resnet-viz-study/1":
        raise CheckpointError(f"{path} is not a study checkpoint (written by `resnet-viz depth-study`).")
    model = StudyNet(payload["kind"], int(payload["depth"]))
    model.load_state_dict(payload["state_dict"])
    return model.to(device).eval()
