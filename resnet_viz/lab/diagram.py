"""A diagram of the model's block types drawn from its actual convs: kernel, channels, stride,
the skip path (identity or 1×1 projection) and the ⊕ where F(x) and x meet."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch
from torch import nn
from torchvision.models.resnet import Bottleneck

from ..i18n import pick
from ..plotting import new_figure
from .blocks import is_preactivation, residual_blocks

TEXT = {
    "en": {
        "title": "{model}: the first block of each stage (×{counts} blocks)",
        "identity": "identity",
        "projection": "projection",
        "blocks": "× {n} blocks",
        "v15": "Stride 2 on the 3×3 conv: torchvision's “V1.5” (He et al. 2015 put it on the first 1×1).",
        "preact_add": "nothing after ⊕  {blocks}",
        "preact_note": "Pre-activation (He et al. 2016): BN → ReLU → conv inside the block and nothing after ⊕, so the "
        "shortcut is a clean identity path from block to block. Post-activation blocks "
        "(torchvision's) put a ReLU after ⊕.",
    },
    "ko": {
        "title": "{model}: 각 단계의 첫 블록 (블록 수 ×{counts})",
        "identity": "항등(identity)",
        "projection": "프로젝션(projection)",
        "blocks": "× 블록 {n}개",
        "v15": "스트라이드 2는 3×3 합성곱에: torchvision의 “V1.5” (He 외 2015는 첫 1×1에 둡니다).",
        "preact_add": "⊕ 뒤에 아무것도 없음  {blocks}",
        "preact_note": "사전 활성화 (He 외 2016): 블록 안은 BN → ReLU → 합성곱 순서이고 ⊕ 뒤에는 아무것도 없어서, "
        "숏컷이 블록에서 블록으로 이어지는 깨끗한 항등 경로입니다. 사후 활성화 블록(torchvision)은 "
        "⊕ 뒤에 ReLU가 있습니다.",
    },
}
# Sizes for a 7-inch figure shown ~682 px wide at 1280×720: 10 pt is ~13 px on screen.
FONT, SMALL = 10.5, 10.0


def _conv_label(conv: nn.Conv2d) -> str:
    k = conv.kernel_size[0]
    stride = f", /{conv.stride[0]}" if conv.stride[0] != 1 else ""
    groups = f", g={conv.groups}" if conv.groups > 1 else ""  # ResNeXt: cardinality g (a short label: it fits the box)
    return f"{k}×{k} conv, {conv.in_channels}→{conv.out_channels}{stride}{groups}"


def _box(ax, x: float, y: float, text: str, colour: str) -> None:
    ax.add_patch(
        FancyBboxPatch((x - 1.6, y - 0.36), 3.2, 0.72, boxstyle="round,pad=0.03", fc=colour, ec="#374151", lw=0.8)
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=FONT, linespacing=1.15)


def _draw_block(ax, block: nn.Module, stage: str, n_blocks: int, lang: str) -> None:
    """One stage's first block in its own axes: convs top to bottom, the skip path on the right."""
    x = 1.9
    convs = [m for name, m in block.named_children() if name.startswith("conv")]
    preact = is_preactivation(block)
    top = 1.0 * len(convs) + 0.4
    ax.text(x, top + 0.75, f"{stage}.0", ha="center", fontsize=FONT + 1, weight="bold")
    ax.annotate("", (x, top - 0.05), (x, top + 0.5), arrowprops={"arrowstyle": "->", "lw": 0.8})
    y = top - 0.45
    for i, conv in enumerate(convs):
        if preact:  # BN → ReLU → conv, the order of He et al. 2016
            _box(ax, x, y, "BN + ReLU +\n" + _conv_label(conv), "#dcfce7")
        else:
            _box(ax, x, y, _conv_label(conv) + "\nBN" + (" + ReLU" if i < len(convs) - 1 else ""), "#e0e7ff")
        if i < len(convs) - 1:
            ax.annotate("", (x, y - 0.64), (x, y - 0.36), arrowprops={"arrowstyle": "->", "lw": 0.8})
        y -= 1.0
    plus_y = y + 0.2
    ax.annotate("", (x, plus_y + 0.2), (x, y + 0.64), arrowprops={"arrowstyle": "->", "lw": 0.8})
    ax.text(x, plus_y, "⊕", ha="center", va="center", fontsize=18)
    side = x + 1.9
    ax.plot([x, side, side], [top + 0.25, top + 0.25, plus_y], color="#b45309", lw=1.2)
    ax.annotate("", (x + 0.2, plus_y), (side, plus_y), arrowprops={"arrowstyle": "->", "color": "#b45309", "lw": 1.2})
    if block.downsample is not None:
        conv = next(m for m in block.downsample.modules() if isinstance(m, nn.Conv2d))
        has_bn = any(isinstance(m, nn.BatchNorm2d) for m in block.downsample.modules())
        label = pick(TEXT, "projection", lang) + "\n" + _conv_label(conv) + (" + BN" if has_bn else "")
        if is_preactivation(block):  # timm's ResNetV2: the projection reads the pre-activated BN-ReLU(x)
            label += " of BN-ReLU(x)"
    else:
        label = pick(TEXT, "identity", lang)
    ax.text(
        side + 0.1,
        (top + plus_y) / 2,
        label,
        rotation=90,
        ha="left",
        va="center",
        fontsize=SMALL,
        color="#b45309",
        linespacing=1.1,
    )
    blocks = pick(TEXT, "blocks", lang, n=n_blocks)
    after = pick(TEXT, "preact_add", lang, blocks=blocks) if preact else "ReLU  " + blocks
    ax.text(x, plus_y - 0.6, after, ha="center", fontsize=FONT)
    ax.set_xlim(0, 5.0)
    ax.set_ylim(plus_y - 0.9, top + 1.15)
    ax.axis("off")


def block_diagram(model: nn.Module, name: str, lang: str = "en") -> Figure:
    """Two rows of two stages, each its first block as the module really is; for bottleneck nets a
    line says where torchvision puts the stride (V1.5), since the paper puts it elsewhere."""
    found = residual_blocks(model)
    stage_names = list(dict.fromkeys(info.stage for info, _ in found))
    stages = [[(info, b) for info, b in found if info.stage == stage_name] for stage_name in stage_names]
    preact = is_preactivation(found[0][1])
    # torchvision's own bottleneck puts the stride on the 3×3 (V1.5); the paper's on the first 1×1
    bottleneck = isinstance(found[0][1], Bottleneck)
    footnote = "preact_note" if preact else "v15" if bottleneck else None
    fig = new_figure(7.0, 8.2 if footnote else 6.6)
    axes = fig.subplots(2, 2).ravel()
    for ax, stage in zip(axes, stages):
        first_info, first = stage[0]
        _draw_block(ax, first, first_info.name.removesuffix(".0"), len(stage), lang)
    counts = "+".join(str(len(s)) for s in stages)
    fig.suptitle(pick(TEXT, "title", lang, model=name, counts=counts), fontsize=FONT + 1)
    if footnote:
        fig.text(
            0.5, 0.01, pick(TEXT, footnote, lang), ha="center", va="bottom", fontsize=SMALL, color="#374151", wrap=True
        )
    fig.subplots_adjust(left=0.01, right=0.99, top=0.94, bottom=0.07 if footnote else 0.01, wspace=0.05, hspace=0.08)
    return fig
