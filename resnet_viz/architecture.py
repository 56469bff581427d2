"""What a ResNet is made of, read off the module itself: for the 'how it works' panel."""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from .i18n import pick
from .stages import model_stages, stage_label


@dataclass(frozen=True)
class StageArchitecture:
    label: str
    block: str  # "—" for the stem
    blocks: int
    identity_shortcuts: int
    projection_shortcuts: int  # 1×1 conv + BN on the shortcut where shape changes
    out_channels: int
    parameters: int


def _first_conv(block: nn.Module, name: str) -> nn.Conv2d | None:
    conv = getattr(block, name, None)
    return conv if isinstance(conv, nn.Conv2d) else None


def block_kind(block: nn.Module) -> str:
    """What a stage's first block is, with what sets a family member apart: cardinality and the
    grouped 3×3 (ResNeXt), the bottleneck's width (Wide ResNet), squeeze-excitation, pre-activation."""
    from .lab.blocks import is_preactivation

    bottleneck = _first_conv(block, "conv3") is not None
    preact = is_preactivation(block)
    if preact:
        kind = (
            "pre-activation bottleneck BN-ReLU-1×1 · BN-ReLU-3×3 · BN-ReLU-1×1, nothing after ⊕"
            if bottleneck
            else "pre-activation basic BN-ReLU-3×3 · BN-ReLU-3×3, nothing after ⊕"
        )
    else:
        kind = "bottleneck 1×1-3×3-1×1" if bottleneck else "basic 3×3-3×3"
    if bottleneck:
        conv2, conv3 = block.conv2, block.conv3
        width, planes = conv2.out_channels, conv3.out_channels // 4  # expansion 4: output = 4 × planes
        if conv2.groups > 1:
            kind += f" · grouped 3×3: cardinality {conv2.groups} × {width // conv2.groups} channels (width {width})"
        elif width != planes:
            kind += f" · width {width} ({width / planes:g}× ResNet's {planes})"
        else:
            kind += f" · width {width}"
    if getattr(block, "se", None) is not None and not isinstance(block.se, nn.Identity):
        kind += " · squeeze-excitation"
    return kind


def _head_modules(model: nn.Module) -> list[nn.Module]:
    """The classifier (and ResNetV2's final BN-ReLU, which pre-activation moves out of the blocks)."""
    modules: list[nn.Module] = []
    if hasattr(model, "get_classifier"):
        if isinstance(getattr(model, "norm", None), nn.Module):
            modules.append(model.norm)
        modules.append(model.get_classifier())
        return modules
    return [model.get_submodule("fc")]


def _stem_text(model: nn.Module) -> str:
    if isinstance(getattr(model, "conv1", None), nn.Sequential):
        return "deep stem: three 3×3 convs, 3×3 max-pool"
    if hasattr(model, "stem") and not hasattr(model, "layer1"):
        return "7×7 conv, 3×3 max-pool (no BN-ReLU: the first block pre-activates)"
    return "7×7 conv, 3×3 max-pool"


def describe(model: nn.Module) -> list[StageArchitecture]:
    from .lab.blocks import residual_blocks

    specs = model_stages(model)
    stage_params = {
        spec.name: sum(p.numel() for p in model.get_submodule(spec.name).parameters()) for spec in specs[1:]
    }
    head_params = sum(p.numel() for m in _head_modules(model) for p in m.parameters())
    stem_params = sum(p.numel() for p in model.parameters()) - sum(stage_params.values()) - head_params
    info = getattr(model, "feature_info", None)
    stem_channels = info[0]["num_chs"] if isinstance(info, list) else model.conv1.out_channels
    rows = [StageArchitecture(stage_label(specs[0]), _stem_text(model), 0, 0, 0, stem_channels, stem_params)]
    found = residual_blocks(model)
    for spec in specs[1:]:
        blocks = [(info, b) for info, b in found if info.stage == spec.name]
        projections = sum(1 for info, _ in blocks if info.shortcut == "projection")
        last = blocks[-1][1]
        out_channels = (_first_conv(last, "conv3") or last.conv2).out_channels
        rows.append(
            StageArchitecture(
                stage_label(spec),
                block_kind(blocks[0][1]),
                len(blocks),
                len(blocks) - projections,
                projections,
                out_channels,
                stage_params[spec.name],
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
        "stem": "conv1 · stem (C1)",
        "stem_block": "7×7 conv, 3×3 max-pool",
        "bottleneck": "bottleneck 1×1-3×3-1×1",
        "basic": "basic 3×3-3×3",
        "head_row": "fc · head",
        "head_block": "avg-pool + {inputs}→{outputs} linear",
        "sum": "**total**",
    },
    "ko": {
        "total": "**{name}** — 매개변수 {total} M",
        "stem_note": "스템 기준: conv1 행은 3×3 최대 풀링 *뒤*의 스템 출력입니다 (224 입력에서 56×56, 강의 노트의 C1). "
        "He et al. 2015 (Deep Residual Learning)의 표 1은 conv1의 출력을 112×112로 적고, 최대 풀링을 "
        "conv2_x에 넣습니다.",
        "head": "| 단계 | 블록 종류 | 블록 수 | 항등 숏컷 | 프로젝션 숏컷 | 출력 채널 | 매개변수 |",
        "stem": "conv1 · 스템 (C1)",
        "stem_block": "7×7 합성곱, 3×3 최대 풀링",
        "bottleneck": "병목 블록 1×1-3×3-1×1",
        "basic": "기본 블록 3×3-3×3",
        "head_row": "fc · 분류기",
        "head_block": "평균 풀링 + {inputs}→{outputs} 선형",
        "sum": "**합계**",
    },
}


TIMM_STEM_NOTE = {
    "en": {
        "note": (
            "Stem convention (timm): the stem row is the module timm's feature_info names for the stem, *before* the "
            "max-pool (112×112 for a 224 input); torchvision's rows take it after the max-pool (56×56)."
        )
    },
    "ko": {
        "note": (
            "스템 규칙 (timm): 스템 행은 timm의 feature_info가 스템으로 지정한 모듈의 출력으로, 최대 풀링 *앞*입니다"
            "(224 입력에서 112×112). torchvision 모델의 행은 최대 풀링 뒤(56×56)를 씁니다."
        )
    },
}

FAMILY_NOTES = {
    "en": {
        "grouped": "**ResNeXt** (Xie et al. 2017): the 3×3 conv of each bottleneck is split into *cardinality* groups (32 × 4d: 32 groups of 4 channels each). Each group sees only its own channels; at about the same parameters and FLOPs as ResNet-50, the wider, grouped 3×3 is the one difference from it.",
        "wide": "**Wide ResNet** (Zagoruyko & Komodakis 2016, torchvision's bottleneck version): the same depth and block count as ResNet-50/101, with the bottleneck's inner 1×1 and 3×3 convs twice as wide (128 instead of 64 in layer1); the block's output channels stay the same.",
        "preact": "**Pre-activation** (He et al. 2016, ResNetV2): each block runs BN → ReLU → conv, and nothing follows the addition ⊕. The shortcut is a clean identity path from block to block: x_{l+1} = x_l + F(x_l). torchvision's (post-activation) blocks put a ReLU after ⊕, so their shortcut passes through a ReLU at every block. The final BN-ReLU sits in the head, after the last stage.",
        "se": "**Squeeze-excitation** (Hu et al. 2018): each block rescales its channels by weights computed from their global average, before ⊕.",
    },
    "ko": {
        "grouped": "**ResNeXt** (Xie 외 2017): 병목 블록의 3×3 합성곱을 *카디널리티* 개의 그룹으로 나눕니다 (32 × 4d: 채널 4개짜리 그룹 32개). 각 그룹은 자기 채널만 봅니다. 매개변수와 FLOPs는 ResNet-50과 거의 같고, 더 넓고 그룹으로 나뉜 3×3이 유일한 차이입니다.",
        "wide": "**Wide ResNet** (Zagoruyko & Komodakis 2016, torchvision의 병목 블록 판): 깊이와 블록 수는 ResNet-50/101과 같고, 병목 안쪽의 1×1과 3×3 합성곱 폭이 두 배입니다(layer1에서 64 대신 128). 블록의 출력 채널 수는 그대로입니다.",
        "preact": "**사전 활성화** (He 외 2016, ResNetV2): 블록마다 BN → ReLU → 합성곱 순서이고, 덧셈 ⊕ 뒤에는 아무것도 없습니다. 숏컷은 블록에서 블록으로 이어지는 깨끗한 항등 경로입니다: x_{l+1} = x_l + F(x_l). torchvision의 (사후 활성화) 블록은 ⊕ 뒤에 ReLU가 있어서, 숏컷이 블록마다 ReLU를 지납니다. 마지막 BN-ReLU는 마지막 스테이지 뒤, 헤드에 있습니다.",
        "se": "**Squeeze-excitation** (Hu 외 2018): 블록마다 ⊕ 앞에서 채널별 전역 평균으로 계산한 가중치로 채널의 크기를 조절합니다.",
    },
}


def family_notes(model: nn.Module, lang: str = "en") -> list[str]:
    """The paragraphs that explain what sets this model apart from ResNet-50, if anything."""
    from .lab.blocks import is_preactivation, residual_blocks

    first = residual_blocks(model)[0][1]
    found = []
    if is_preactivation(first):
        found.append("preact")
    conv2, conv3 = first.conv2, getattr(first, "conv3", None)
    if isinstance(conv3, nn.Conv2d) and conv2.groups > 1:
        found.append("grouped")
    elif isinstance(conv3, nn.Conv2d) and conv2.out_channels != conv3.out_channels // 4:
        found.append("wide")
    if getattr(first, "se", None) is not None and not isinstance(first.se, nn.Identity):
        found.append("se")
    return [pick(FAMILY_NOTES, key, lang) for key in found]


def _head_text(model: nn.Module, lang: str = "en") -> tuple[str, int, int]:
    fc = model.get_classifier() if hasattr(model, "get_classifier") else model.fc
    if isinstance(fc, nn.Conv2d):
        features, classes, kind = fc.in_channels, fc.out_channels, "1×1 conv"
        head = f"{pick(TEXT, 'head_block', lang, inputs=features, outputs=classes).rsplit(' ', 1)[0]} {kind}"
    else:
        features, classes = fc.in_features, fc.out_features
        head = pick(TEXT, "head_block", lang, inputs=features, outputs=classes)
    pre = "BN-ReLU + " if hasattr(model, "get_classifier") and hasattr(model, "norm") else ""
    return pre + head, features, classes


def markdown_table(model: nn.Module, name: str, lang: str = "en") -> str:
    """The stage table; its rows (stem, four stages, fc head) add up to the total parameters."""
    t = lambda key, **values: pick(TEXT, key, lang, **values)  # noqa: E731
    rows = describe(model)
    total = sum(p.numel() for p in model.parameters())
    fc_params = sum(p.numel() for m in _head_modules(model) for p in m.parameters())
    stem_note = pick(TIMM_STEM_NOTE, "note", lang) if hasattr(model, "feature_info") else t("stem_note")
    lines = [
        t("total", name=name, total=f"{total / 1e6:.1f}"),
        "",
        stem_note,
        "",
        *[line for text in family_notes(model, lang) for line in (text, "")],
        t("head"),
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for index, row in enumerate(rows):
        blocks = str(row.blocks) if row.blocks else "—"
        label = t("stem") if index == 0 else row.label
        block = {
            "7×7 conv, 3×3 max-pool": t("stem_block"),
            "bottleneck 1×1-3×3-1×1": t("bottleneck"),
            "basic 3×3-3×3": t("basic"),
        }.get(row.block, row.block)
        lines.append(
            f"| {label} | {block} | {blocks} | {row.identity_shortcuts or '—'} | "
            f"{row.projection_shortcuts or '—'} | {row.out_channels} | {row.parameters / 1e6:.2f} M |"
        )
    head, _, classes = _head_text(model, lang)
    lines.append(f"| {t('head_row')} | {head} | — | — | — | {classes} | {fc_params / 1e6:.2f} M |")
    lines.append(f"| {t('sum')} | | | | | | **{total / 1e6:.2f} M** |")
    return "\n".join(lines)
