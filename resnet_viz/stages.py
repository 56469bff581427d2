"""The five stages of a torchvision ResNet, named as torchvision and the paper name them."""

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
    return f"{spec.name} · {spec.paper_name} ({spec.level})"

