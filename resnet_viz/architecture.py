"""What a ResNet is made of, read off the module itself: for the 'how it works' panel."""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn
from torchvision.models.resnet import BasicBlock, Bottleneck

from .i18n import pick
from .stages import STAGES, stage_label


@dataclass(frozen=True)
class StageArchitecture:
    label: str
    block: str  # "—" for the stem
    blocks: int
    identity_shortcuts: int
    projection_shortcuts: int  # 1×1 conv + BN on the shortcut where shape changes
    out_channels: int
    parameters: int


def describe(model: nn.Module) -> list[StageArchitecture]:
    rows = []
    stem_params = sum(p.numel() for m in (model.conv1, model.bn1) for p in m.parameters())
    rows.append(StageArchitecture(stage_label(STAGES[0]), "7×7 conv, 3×3 max-pool", 0, 0, 0, model.conv1.out_channels, stem_params))
    for spec in STAGES[1:]:
        stage = getattr(model, spec.name)
        blocks = list(stage.children())
        kind = "bottleneck 1×1-3×3-1×1" if isinstance(blocks[0], Bottleneck) else "basic 3×3-3×3"
        projections = sum(1 for b in blocks if isinstance(b, (BasicBlock, Bottleneck)) and b.downsample is not None)
        last = blocks[-1]
        out_channels = (last.conv3 if isinstance(last, Bottleneck) else last.conv2).out_channels
        rows.append(
            StageArchitecture(
                stage_label(spec), kind, len(blocks), len(blocks) - projections, projections,
                out_channels, sum(p.numel() for p in stage.parameters()),
            )
        )
    return rows


TEXT = {
    "en": {
        "total": "**{name}** — {total} M parameters",
        "stem_note": "Stem convention: the conv1 row is the stem's output *after* the 3×3 max-pool (56×56 for a 224 "
                     "input, like C1 in the lecture notes). He et al. 2015 (Deep Residual Learning), Table 1, lists "
                     "conv1 at 112×112 and counts the max-pool in conv2_x.",
        "head": "| stage | block | blocks | identity shortcuts | projection shortcuts | out channels | parameters |",
        "stem": "conv1 · stem (C1)", "stem_block": "7×7 conv, 3×3 max-pool",
        "bottleneck": "bottleneck 1×1-3×3-1×1", "basic": "basic 3×3-3×3",
        "head_row": "fc · head", "head_block": "avg-pool + {inputs}→{outputs} linear", "sum": "**total**",
    },
    "ko": {
        "total": "**{name}** — 매개변수 {total} M",
        "stem_note": "스템 기준: conv1 행은 3×3 최대 풀링 *뒤*의 스템 출력입니다 (224 입력에서 56×56, 강의 노트의 C1). "
                     "He et al. 2015 (Deep Residual Learning)의 표 1은 conv1의 출력을 112×112로 적고, 최대 풀링을 "
                     "conv2_x에 넣습니다.",
        "head": "| 단계 | 블록 종류 | 블록 수 | 항등 숏컷 | 프로젝션 숏컷 | 출력 채널 | 매개변수 |",
        "stem": "conv1 · 스템 (C1)", "stem_block": "7×7 합성곱, 3×3 최대 풀링",
        "bottleneck": "병목 블록 1×1-3×3-1×1", "basic": "기본 블록 3×3-3×3",
        "head_row": "fc · 분류기", "head_block": "평균 풀링 + {inputs}→{outputs} 선형", "sum": "**합계**",
    },
}


def markdown_table(model: nn.Module, name: str, lang: str = "en") -> str:
    """The stage table; its rows (stem, four stages, fc head) add up to the total parameters."""
    t = lambda key, **values: pick(TEXT, key, lang, **values)  # noqa: E731
    rows = describe(model)
    total = sum(p.numel() for p in model.parameters())
    fc_params = sum(p.numel() for p in model.fc.parameters())
    lines = [t("total", name=name, total=f"{total / 1e6:.1f}"), "", t("stem_note"), "", t("head"),
             "|---|---|---:|---:|---:|---:|---:|"]
    for index, row in enumerate(rows):
        blocks = str(row.blocks) if row.blocks else "—"
        label = t("stem") if index == 0 else row.label
        block = {"7×7 conv, 3×3 max-pool": t("stem_block"), "bottleneck 1×1-3×3-1×1": t("bottleneck"),
                 "basic 3×3-3×3": t("basic")}.get(row.block, row.block)
        lines.append(
            f"| {label} | {block} | {blocks} | {row.identity_shortcuts or '—'} | "
            f"{row.projection_shortcuts or '—'} | {row.out_channels} | {row.parameters / 1e6:.2f} M |"
        )
    lines.append(f"| {t('head_row')} | {t('head_block', inputs=model.fc.in_features, outputs=model.fc.out_features)} "
                 f"| — | — | — | {model.fc.out_features} | {fc_params / 1e6:.2f} M |")
    lines.append(f"| {t('sum')} | | | | | | **{total / 1e6:.2f} M** |")
    return "\n".join(lines)
