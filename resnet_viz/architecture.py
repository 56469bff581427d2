"""What a ResNet is made of, read off the module itself: for the 'how it works' panel."""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn
from torchvision.models.resnet import BasicBlock, Bottleneck

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


STEM_NOTE = {
    "en": ("Stem convention: the conv1 row is the stem's output *after* the 3×3 max-pool (56×56 for a 224 input, "
           "like C1 in the lecture notes). He et al. Table 1 lists conv1 at 112×112 and counts the max-pool in conv2_x."),
    "ko": ("스템 규칙: conv1 행은 3×3 최대 풀링 *뒤*의 스템 출력입니다(224 입력에서 56×56, 강의 노트의 C1). "
           "He 외 논문 표 1은 conv1을 112×112로 적고 최대 풀링을 conv2_x에 넣습니다."),
}


def markdown_table(model: nn.Module, name: str, lang: str = "en") -> str:
    """The stage table; its rows (stem, four stages, fc head) add up to the total parameters."""
    rows = describe(model)
    total = sum(p.numel() for p in model.parameters())
    fc_params = sum(p.numel() for p in model.fc.parameters())
    lines = [
        f"**{name}** — {total / 1e6:.1f} M parameters",
        "",
        STEM_NOTE.get(lang, STEM_NOTE["en"]),
        "",
        "| stage | block | blocks | identity shortcuts | projection shortcuts | out channels | parameters |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        blocks = str(row.blocks) if row.blocks else "—"
        lines.append(
            f"| {row.label} | {row.block} | {blocks} | {row.identity_shortcuts or '—'} | "
            f"{row.projection_shortcuts or '—'} | {row.out_channels} | {row.parameters / 1e6:.2f} M |"
        )
    lines.append(f"| fc · head | avg-pool + {model.fc.in_features}→{model.fc.out_features} linear | — | — | — | "
                 f"{model.fc.out_features} | {fc_params / 1e6:.2f} M |")
    lines.append(f"| **total** | | | | | | **{total / 1e6:.2f} M** |")
    return "\n".join(lines)
