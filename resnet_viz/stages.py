"""The five stages of a ResNet (torchvision or timm), named by their module and as the paper names them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StageSpec:
    name: str  # torchvision module / graph node name
    paper_name: str  # He et al. 2015 (Deep Residual Learning), Table 1
    level: str  # C1..C5: this app's naming, C1 after the max-pool as the lecture notes (seed 001) have it
    description: str


# The stem's output is taken after max-pool: that is the tensor layer1 receives.
STAGES: tuple[StageSpec, ...] = (
    StageSpec("maxpool", "conv1", "C1", "stem: 7×7 conv, stride 2 + 3×3 max-pool (output stride 4)"),
    StageSpec("layer1", "conv2_x", "C2", "first residual stage, output stride 4"),
    StageSpec("layer2", "conv3_x", "C3", "output stride 8"),
    StageSpec("layer3", "conv4_x", "C4", "output stride 16"),
    StageSpec("layer4", "conv5_x", "C5", "last residual stage, output stride 32"),
)

# Grad-CAM is computed on the residual stages; the stem's map is mostly edges and its
# gradient would need a backward pass through all of layer1, for little insight.
CAM_STAGES: tuple[str, ...] = ("layer1", "layer2", "layer3", "layer4")


def stage_label(spec: StageSpec) -> str:
    """'layer1 · conv2_x (C2)': both names, because lectures use the paper's."""
    if spec.name == "maxpool":
        return f"conv1 · stem ({spec.level})"
    if spec.paper_name == "conv1":  # a timm stem: its module name, then the paper's
        return f"{spec.name} · conv1 stem ({spec.level})"
    return f"{spec.name} · {spec.paper_name} ({spec.level})"


_PAPER = (("conv1", "C1"), ("conv2_x", "C2"), ("conv3_x", "C3"), ("conv4_x", "C4"), ("conv5_x", "C5"))


def feature_info_stages(module_names: list[str], reductions: list[int]) -> tuple[StageSpec, ...]:
    """A timm model's stages from its feature_info (stem, then four stages): each named by its module
    in named_modules() ('act1', 'layer1' or 'stem.conv', 'stages.0'), the paper's name beside it."""
    if len(module_names) != 5:
        raise ValueError(f"feature_info lists {len(module_names)} features, not a stem and four stages")
    specs = []
    for i, (module, reduction, (paper, level)) in enumerate(zip(module_names, reductions, _PAPER)):
        what = "stem (timm's feature_info: before the max-pool)" if i == 0 else "residual stage"
        specs.append(StageSpec(module, paper, level, f"{what}, stride {reduction}"))
    return tuple(specs)


def model_stages(model: object) -> tuple[StageSpec, ...]:
    """The stages of a loaded model: timm's feature_info where it has one, else torchvision's five."""
    info = getattr(model, "feature_info", None)
    if isinstance(info, list) and info and isinstance(info[0], dict):
        return feature_info_stages([f["module"] for f in info], [int(f["reduction"]) for f in info])
    return STAGES


def cam_stage_names(stages: tuple[StageSpec, ...] = STAGES) -> tuple[str, ...]:
    """The four residual stages' module names (the stem has no CAM)."""
    return tuple(s.name for s in stages[1:])
