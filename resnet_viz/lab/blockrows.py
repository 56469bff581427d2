"""The architecture, stage by stage and block by block, read off the live module (issue 9 §1):
each block's convs, its shortcut (identity, or projection: 1×1 conv + BN with its stride), output
shape, parameters and multiply-adds (MACs: the papers' "FLOPs" are multiply-adds). Shapes and MACs follow from the convs' own hyper-parameters, so no
forward pass (and no hook on the shared model) is needed."""

from __future__ import annotations

import html
from dataclasses import dataclass

from torch import nn
from torchvision.models.resnet import BasicBlock, Bottleneck

from ..i18n import pick
from ..stages import model_stages
from .blocks import residual_blocks


@dataclass(frozen=True)
class BlockRow:
    name: str  # "layer2.0"
    convs: str  # "1×1, 128 → 3×3, 128, stride 2 → 1×1, 512"
    shortcut: str  # "identity" | "projection"
    projection: str  # "1×1 conv 256→512, stride 2 + BN", "" for identity
    stride: int
    out_shape: tuple[int, int, int]
    parameters: int
    macs: int  # multiply-adds of the convs (torch's FlopCounterMode counts 2 per multiply-add: half of it)


@dataclass(frozen=True)
class StageRows:
    paper_name: str  # conv2_x
    name: str  # layer1
    block_type: str
    blocks: list[BlockRow]
    out_shape: tuple[int, int, int]
    parameters: int
    macs: int


def _conv_out(size: int, conv: nn.Conv2d | nn.MaxPool2d) -> int:
    kernel, stride, padding, dilation = (getattr(conv, a) for a in ("kernel_size", "stride", "padding", "dilation"))
    first = lambda v: v[0] if isinstance(v, tuple) else v
    k, s, p, d = first(kernel), first(stride), first(padding), first(dilation)
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _conv_macs(conv: nn.Conv2d, out_size: int) -> int:
    k = conv.kernel_size[0] * conv.kernel_size[1]
    return conv.out_channels * out_size * out_size * (conv.in_channels // conv.groups) * k


def _convs(block: nn.Module) -> list[nn.Conv2d]:
    names = ("conv1", "conv2", "conv3") if isinstance(getattr(block, "conv3", None), nn.Conv2d) else ("conv1", "conv2")
    return [getattr(block, name) for name in names]


def _block_row(name: str, block: nn.Module, size: int) -> tuple[BlockRow, int]:
    """The row and the block's output size, given its input size."""
    parts, macs, out = [], 0, size
    for conv in _convs(block):
        out = _conv_out(out, conv)
        macs += _conv_macs(conv, out)
        stride = conv.stride[0]
        parts.append(
            f"{conv.kernel_size[0]}×{conv.kernel_size[1]}, {conv.out_channels}"
            + (f", stride {stride}" if stride > 1 else "")
            + (f", {conv.groups} groups" if conv.groups > 1 else "")
        )  # ResNeXt's grouped 3×3
    stride = max(conv.stride[0] for conv in _convs(block))
    projection = ""
    if block.downsample is not None:
        conv = next(m for m in block.downsample.modules() if isinstance(m, nn.Conv2d))  # timm: after an avg-pool
        macs += _conv_macs(conv, _conv_out(size, conv))
        projection = f"1×1 conv {conv.in_channels}→{conv.out_channels}, stride {conv.stride[0]} + BN"
        if not any(isinstance(m, nn.BatchNorm2d) for m in block.downsample.modules()):  # ResNetV2: BN-ReLU comes first
            projection = projection.removesuffix(" + BN")
        if any(isinstance(m, nn.AvgPool2d) for m in block.downsample.modules()):  # ResNet-D: the stride is the pool's
            projection = "2×2 avg-pool, stride 2 + " + projection
    channels = _convs(block)[-1].out_channels
    row = BlockRow(
        name,
        " → ".join(parts),
        "projection" if projection else "identity",
        projection,
        stride,
        (channels, out, out),
        sum(p.numel() for p in block.parameters()),
        macs,
    )
    return row, out


def block_table(model: nn.Module, size: int = 224) -> list[StageRows]:
    """One entry per residual stage (conv2_x…conv5_x), each with its blocks, for a size×size input."""
    from ..architecture import block_kind

    specs = model_stages(model)
    out = size
    for name, module in model.named_modules():  # the stem's convs and pool, in order (timm's deep stem too)
        if name.startswith(specs[1].name):
            break
        if isinstance(module, (nn.Conv2d, nn.MaxPool2d)):
            out = _conv_out(out, module)
    papers = {spec.name: spec.paper_name for spec in specs}
    found = residual_blocks(model)
    stages = []
    for stage_name in [spec.name for spec in specs[1:]]:
        rows = []
        blocks = [(info, block) for info, block in found if info.stage == stage_name]
        for info, block in blocks:
            row, out = _block_row(info.name, block, out)
            rows.append(row)
        first = blocks[0][1]
        kind = (
            "Bottleneck 1×1-3×3-1×1, expansion 4"
            if isinstance(first, Bottleneck)
            else "BasicBlock 3×3-3×3"
            if isinstance(first, BasicBlock)
            else block_kind(first)
        )
        if isinstance(first, Bottleneck) and ("cardinality" in block_kind(first) or "ResNet's" in block_kind(first)):
            kind += " · " + block_kind(first).split(" · ", 1)[1]  # cardinality × group width, or the wider bottleneck
        stages.append(
            StageRows(
                papers[stage_name],
                stage_name,
                kind,
                rows,
                rows[-1].out_shape,
                sum(r.parameters for r in rows),
                sum(r.macs for r in rows),
            )
        )
    return stages


TEXT = {
    "en": {
        "block": "block",
        "convs": "residual branch F(x): kernel, channels",
        "shortcut": "shortcut",
        "out": "output",
        "params": "parameters",
        "identity": "identity",
        "projection": "projection",
        "blocks": "blocks",
        "stride": "stride",
        "hint": "Click a stage to see its blocks. Shapes for a {size}×{size} input; GMACs = billions of "
        "multiply-adds (what the papers call FLOPs).",
        "v15": "Stride placement: torchvision's bottleneck ResNets are “V1.5”: the stride 2 of the first block of "
        "layer2–layer4 sits on the 3×3 conv, not on the first 1×1 as in He et al. 2015 (and seeds 001 and "
        "004). The first 1×1 then runs at full resolution, so resnet50 costs 4.1 GMACs here against the "
        "paper's 3.8 GFLOPs (multiply-adds).",
    },
    "ko": {
        "block": "블록",
        "convs": "잔차 경로 F(x): 커널, 채널",
        "shortcut": "숏컷",
        "out": "출력",
        "params": "매개변수",
        "identity": "항등",
        "projection": "프로젝션",
        "blocks": "블록",
        "stride": "스트라이드",
        "hint": "단계를 누르면 블록이 펼쳐집니다. 모양은 {size}×{size} 입력 기준; GMACs = 곱셈-덧셈 연산 수(10억 단위)로, "
        "논문이 FLOPs라고 부르는 값입니다.",
        "v15": "스트라이드 위치: torchvision의 병목(bottleneck) ResNet은 “V1.5”입니다. layer2–layer4 첫 블록의 "
        "스트라이드 2가 He 외(2015) 논문(그리고 시드 001, 004)처럼 첫 1×1 합성곱이 아니라 3×3 합성곱에 "
        "있습니다. 그래서 첫 1×1이 원래 해상도에서 계산되어, resnet50은 논문의 3.8 GFLOPs(곱셈-덧셈) 대신 "
        "여기서 4.1 GMACs입니다.",
    },
}


def _shape(shape: tuple[int, int, int]) -> str:
    return "×".join(map(str, shape))


def _in_language(text: str, lang: str) -> str:
    """The rows are built in English (they are data too); the one word in them is translated here."""
    return html.escape(text.replace("stride", pick(TEXT, "stride", lang)))


def _shortcut_cell(row: BlockRow, lang: str) -> str:
    if row.shortcut == "identity":
        return f'<span class="rv-identity">{pick(TEXT, "identity", lang)}</span>'
    return f'<span class="rv-projection">{pick(TEXT, "projection", lang)}</span> {_in_language(row.projection, lang)}'


def block_table_html(stages: list[StageRows], lang: str = "en", size: int = 224) -> str:
    """Each stage a <details> row that opens onto its blocks, each marked identity or projection."""
    t = lambda key, **values: pick(TEXT, key, lang, **values)
    parts = [f'<div class="rv-blocks"><p>{t("hint", size=size)}</p>']
    if stages and stages[0].block_type.startswith("Bottleneck"):
        parts.append(f'<p class="rv-note">{t("v15")}</p>')
    for stage in stages:
        summary = (
            f"<b>{stage.paper_name} · {stage.name}</b> — {len(stage.blocks)} × {stage.block_type} · "
            f"{_shape(stage.out_shape)} · {stage.parameters / 1e6:.2f} M {t('params')} · "
            f"{stage.macs / 1e9:.2f} GMACs"
        )
        rows = "".join(
            f"<tr><td>{row.name}</td><td>{_in_language(row.convs, lang)}</td><td>{_shortcut_cell(row, lang)}</td>"
            f"<td>{_shape(row.out_shape)}</td><td>{row.parameters / 1e6:.3f} M</td></tr>"
            for row in stage.blocks
        )
        head = (
            f"<tr><th>{t('block')}</th><th>{t('convs')}</th><th>{t('shortcut')}</th><th>{t('out')}</th>"
            f"<th>{t('params')}</th></tr>"
        )
        parts.append(f"<details><summary>{summary}</summary><table>{head}{rows}</table></details>")
    return "".join(parts) + "</div>"
