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


def markdown_table(model: nn.Module, name: str) -> str:
    rows = describe(model)
    total = sum(p.numel() for p in model.parameters())
    lines = [
        f"**{name}** — {total / 1e6:.1f} M parameters",
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
    return "\n".join(lines)
