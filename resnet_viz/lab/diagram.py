"""A diagram of the model's block types drawn from its actual convs: kernel, channels, stride,
the skip path (identity or 1×1 projection) and the ⊕ where F(x) and x meet."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch
from torch import nn

from ..i18n import pick
from ..plotting import new_figure
from .blocks import is_preactivation, residual_blocks

TEXT = {
    "en": {"title": "{model}: the first block of each stage (×{counts} blocks)", "identity": "identity",
           "projection": "projection", "blocks": "× {n} blocks",
           "preact_add": "nothing after ⊕  {blocks}",
           "preact_note": "Pre-activation (He et al. 2016): BN → ReLU → conv inside the block and nothing after ⊕, so the "
                          "shortcut is a clean identity path from block to block. Post-activation blocks "
                          "(torchvision's) put a ReLU after ⊕."},
    "ko": {"title": "{model}: 각 단계의 첫 블록 (블록 수 ×{counts})", "identity": "항등(identity)",
           "projection": "사영(projection)", "blocks": "× 블록 {n}개",
           "preact_add": "⊕ 뒤에 아무것도 없음  {blocks}",
           "preact_note": "사전 활성화 (He 외 2016): 블록 안은 BN → ReLU → 합성곱 순서이고 ⊕ 뒤에는 아무것도 없어서, "
                          "숏컷이 블록에서 블록으로 이어지는 깨끗한 항등 경로입니다. 사후 활성화 블록(torchvision)은 "
                          "⊕ 뒤에 ReLU가 있습니다."},
}


def _conv_label(conv: nn.Conv2d) -> str:
    k = conv.kernel_size[0]
    stride = f", /{conv.stride[0]}" if conv.stride[0] != 1 else ""
    groups = f", g={conv.groups}" if conv.groups > 1 else ""  # ResNeXt: cardinality g (a short label: it fits the box)
    return f"{k}×{k} conv, {conv.in_channels}→{conv.out_channels}{stride}{groups}"


def _box(ax, x: float, y: float, text: str, colour: str) -> None:
    ax.add_patch(FancyBboxPatch((x - 1.25, y - 0.28), 2.5, 0.56, boxstyle="round,pad=0.03", fc=colour, ec="#374151", lw=0.8))
    ax.text(x, y, text, ha="center", va="center", fontsize=7.5)


def _draw_block(ax, x: float, block: nn.Module, stage: str, n_blocks: int, lang: str) -> None:
    convs = [m for name, m in block.named_children() if name.startswith("conv")]
    preact = is_preactivation(block)
    top = 0.8 * len(convs) + 0.6
    ax.text(x, top + 0.55, f"{stage}.0", ha="center", fontsize=9, weight="bold")
    ax.annotate("", (x, top - 0.25), (x, top + 0.3), arrowprops={"arrowstyle": "->", "lw": 0.8})
    y = top - 0.55
    for i, conv in enumerate(convs):
        if preact:  # BN → ReLU → conv, the order of He et al. 2016
            _box(ax, x, y, "BN + ReLU + " + _conv_label(conv), "#dcfce7")
        else:
            _box(ax, x, y, _conv_label(conv) + " + BN" + (" + ReLU" if i < len(convs) - 1 else ""), "#e0e7ff")
        if i < len(convs) - 1:
            ax.annotate("", (x, y - 0.52), (x, y - 0.28), arrowprops={"arrowstyle": "->", "lw": 0.8})
        y -= 0.8
    plus_y = y + 0.1
    ax.annotate("", (x, plus_y + 0.15), (x, y + 0.52), arrowprops={"arrowstyle": "->", "lw": 0.8})
    ax.text(x, plus_y, "⊕", ha="center", va="center", fontsize=16)
    side = x + 1.55
    ax.plot([x, side, side], [top + 0.1, top + 0.1, plus_y], color="#b45309", lw=1.2)
    ax.annotate("", (x + 0.15, plus_y), (side, plus_y), arrowprops={"arrowstyle": "->", "color": "#b45309", "lw": 1.2})
    if block.downsample is not None:
        conv = next(m for m in block.downsample.modules() if isinstance(m, nn.Conv2d))
        has_bn = any(isinstance(m, nn.BatchNorm2d) for m in block.downsample.modules())
        label = pick(TEXT, "projection", lang) + "\n" + _conv_label(conv) + (" + BN" if has_bn else "")
        if is_preactivation(block):  # timm's ResNetV2: the projection reads the pre-activated BN-ReLU(x)
            label += " of BN-ReLU(x)"
    else:
        label = pick(TEXT, "identity", lang)
    ax.text(side + 0.05, (top + plus_y) / 2, label, rotation=90, ha="left", va="center", fontsize=7, color="#b45309")
    blocks = pick(TEXT, "blocks", lang, n=n_blocks)
    after = pick(TEXT, "preact_add", lang, blocks=blocks) if preact else "ReLU  " + blocks
    ax.text(x, plus_y - 0.45, after, ha="center", fontsize=8)


def block_diagram(model: nn.Module, name: str, lang: str = "en") -> Figure:
    """One column per residual stage: its first block as the module really is."""
    found = residual_blocks(model)
    stage_names = list(dict.fromkeys(info.stage for info, _ in found))
    stages = [[(info, b) for info, b in found if info.stage == name] for name in stage_names]
    preact = is_preactivation(found[0][1])
    fig = new_figure(11.0, 5.2 if preact else 4.6)
    ax = fig.subplots()
    for i, stage in enumerate(stages):
        first_info, first = stage[0]
        _draw_block(ax, 1.6 + i * 3.6, first, first_info.name.removesuffix(".0"), len(stage), lang)
    counts = "+".join(str(len(s)) for s in stages)
    ax.set_title(pick(TEXT, "title", lang, model=name, counts=counts), fontsize=10)
    ax.set_xlim(0, 14.6)
    ax.set_ylim(-0.7, 3.9)
    if preact:
        fig.text(0.5, 0.01, pick(TEXT, "preact_note", lang), ha="center", va="bottom", fontsize=8, wrap=True)
    ax.axis("off")
    fig.tight_layout()
    return fig
