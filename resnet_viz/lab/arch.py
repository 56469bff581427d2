"""Architecture read off the modules: multiply-adds (torch.utils.flop_counter, which counts 2 per
multiply-add), parameters, and the 18/34/50/101/152 comparison with ImageNet acc@1 from torchvision's
weights `meta`, all of one training recipe (IMAGENET1K_V1: 18 and 34 have no other)."""

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
# One recipe for every depth: DEFAULT is V1 for 18 and 34 but V2 (a 2021 recipe) for 50-152, and
# mixing them makes the 34 → 50 jump mostly the recipe's (resnet50: 76.1 % V1, 80.9 % V2).
RECIPE = "IMAGENET1K_V1"
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
    gflops: float  # GMACs: multiply-adds ×1e-9, torchvision's convention for meta['_ops'] (and the papers')
    acc1: float | None  # ImageNet top-1 of the RECIPE weights (meta)
    meta_params: int
    meta_gflops: float
    recipe: str = RECIPE
    acc1_default: float | None = None  # of the DEFAULT weights (V2 for 50-152), for the note


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
        meta = tv_models.get_model_weights(name)[RECIPE].meta
        default = tv_models.get_model_weights(name).DEFAULT
        rows.append(
            DepthRow(
                name,
                blocks,
                "bottleneck" if per_block == 3 else "basic",
                f"{depth} = 1 + {per_block}·({'+'.join(map(str, blocks))}) + 1",
                sum(p.numel() for p in model.parameters()),
                counter.get_total_flops() / 2e9,
                meta["_metrics"]["ImageNet-1K"]["acc@1"],
                meta["num_params"],
                meta["_ops"],
                RECIPE,
                default.meta["_metrics"]["ImageNet-1K"]["acc@1"],
            )
        )
    return tuple(rows)


TEXT = {
    "en": {
        "basic": "basic",
        "bottleneck": "bottleneck",
        "head": "| model | blocks per stage | block | layers | parameters | GMACs (multiply-adds) | "
        "ImageNet acc@1 ({recipe}) |",
        "note": "One training recipe for every depth: {recipe} (torchvision's DEFAULT for 50–152 is V2, a 2021 recipe "
        "with longer training and stronger augmentation: resnet50 {v2:.1f} % against {v1:.1f} % here; 18 and 34 "
        "have V1 only, so mixing them would make the 34 → 50 jump mostly the recipe's). GMACs = billions of "
        "multiply-adds, what the papers call FLOPs, for one 224×224 image. resnet50 is {r50:.1f} here against "
        "the paper's 3.8: torchvision's bottleneck nets are “V1.5”, with the stride 2 on the 3×3 conv instead "
        "of the first 1×1, which then runs at full resolution.",
    },
    "ko": {
        "basic": "기본",
        "bottleneck": "병목",
        "head": "| 모델 | 단계별 블록 수 | 블록 | 층 수 | 매개변수 | GMACs (곱셈-덧셈) | ImageNet acc@1 ({recipe}) |",
        "note": "모든 깊이에 같은 학습 레시피를 씁니다: {recipe}. (torchvision의 DEFAULT는 50–152에서 V2로, 더 오래 학습하고 "
        "더 강한 증강을 쓴 2021년 레시피입니다: resnet50이 V2는 {v2:.1f} %, 여기서는 {v1:.1f} %. 18과 34는 V1만 "
        "있으므로 섞으면 34 → 50의 향상이 대부분 레시피 차이가 됩니다.) GMACs = 224×224 이미지 한 장의 곱셈-덧셈 "
        "연산 수(10억 단위)로, 논문이 FLOPs라고 부르는 값입니다. resnet50은 논문의 3.8 대신 여기서 {r50:.1f}입니다: "
        "torchvision의 병목 망은 “V1.5”라서 스트라이드 2가 첫 1×1이 아니라 3×3 합성곱에 있고, 첫 1×1이 원래 "
        "해상도에서 계산됩니다.",
    },
}


def compare_markdown(lang: str = "en") -> str:
    """The depth comparison as a Markdown table, one recipe for all depths, with a note on units and recipes."""
    rows = compare_depths()
    lines = [pick(TEXT, "head", lang, recipe=RECIPE), "|---|---|---|---|---:|---:|---:|"]
    for r in rows:
        lines.append(
            f"| {r.name} | {'-'.join(map(str, r.blocks))} | {pick(TEXT, r.block, lang)} | {r.layers_formula} | "
            f"{r.parameters / 1e6:.1f} M | {r.gflops:.2f} | {r.acc1:.1f}% |"
        )
    r50 = next(r for r in rows if r.name == "resnet50")
    note = pick(TEXT, "note", lang, recipe=RECIPE, v1=r50.acc1, v2=r50.acc1_default, r50=r50.gflops)
    return "\n".join(lines) + "\n\n" + note
