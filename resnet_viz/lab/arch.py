"""Architecture read off the modules: FLOPs (torch.utils.flop_counter), parameters, and the
18/34/50/101/152 comparison with ImageNet acc@1 from torchvision's weights `meta`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode
from torchvision import models as tv_models
from torchvision.models.resnet import Bottleneck

from ..i18n import pick

DEPTHS = (18, 34, 50, 101, 152)
STAGE_MODULES = ("conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool", "fc")


def module_flops(model: nn.Module, size: int = 224) -> dict[str, int]:
    """FLOPs (2 per multiply-add) of one forward at size×size, total and per top-level module."""
    x = torch.zeros(1, 3, size, size, device=next(model.parameters()).device)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(x)
    counts = counter.get_flop_counts()  # keys like "ResNet.layer1"
    flops = {"total": counter.get_total_flops()}
    for name in STAGE_MODULES:
        key = next((k for k in counts if k.endswith(f".{name}")), None)
        flops[name] = sum(counts[key].values()) if key else 0
    return flops


@dataclass(frozen=True)
class DepthRow:
    name: str
    blocks: tuple[int, int, int, int]
    block: str
    layers_formula: str  # 50 = 1 + 3·(3+4+6+3) + 1
    parameters: int
    gflops: float  # multiply-adds ×1e-9, torchvision's convention for meta['_ops']
    acc1: float | None  # ImageNet top-1 of the DEFAULT weights (meta)
    meta_params: int
    meta_gflops: float


@lru_cache(maxsize=1)
def compare_depths() -> tuple[DepthRow, ...]:
    """One row per depth, built on the meta device (no weights, no memory, no arithmetic)."""
    rows = []
    for depth in DEPTHS:
        name = f"resnet{depth}"
        with torch.device("meta"):
            model = tv_models.get_model(name, weights=None)
        x = torch.zeros(1, 3, 224, 224, device="meta")
        with FlopCounterMode(display=False) as counter:
            model(x)
        blocks = tuple(len(getattr(model, f"layer{i}")) for i in range(1, 5))
        per_block = 3 if isinstance(model.layer1[0], Bottleneck) else 2
        meta = tv_models.get_model_weights(name).DEFAULT.meta
        rows.append(DepthRow(
            name, blocks, "bottleneck" if per_block == 3 else "basic",
            f"{depth} = 1 + {per_block}·({'+'.join(map(str, blocks))}) + 1",
            sum(p.numel() for p in model.parameters()), counter.get_total_flops() / 2e9,
            meta["_metrics"]["ImageNet-1K"]["acc@1"], meta["num_params"], meta["_ops"],
        ))
    return tuple(rows)


TEXT = {
    "en": {"head": "| model | blocks per stage | block | layers | parameters | GFLOPs (mult-adds) | ImageNet acc@1 (DEFAULT weights, meta) |"},
    "ko": {"head": "| 모델 | 단계별 블록 수 | 블록 | 층 수 | 매개변수 | GFLOPs (곱-합) | ImageNet acc@1 (DEFAULT 가중치의 meta) |"},
}


def compare_markdown(lang: str = "en") -> str:
    """The depth comparison as a Markdown table."""
    lines = [pick(TEXT, "head", lang), "|---|---|---|---|---:|---:|---:|"]
    for r in compare_depths():
        lines.append(f"| {r.name} | {'-'.join(map(str, r.blocks))} | {r.block} | {r.layers_formula} | "
                     f"{r.parameters / 1e6:.1f} M | {r.gflops:.2f} | {r.acc1:.1f}% |")
    return "\n".join(lines)
