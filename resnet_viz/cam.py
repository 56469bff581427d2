"""Per-stage class activation maps from one forward and one backward, computed by grad-cam."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import cv2
import numpy as np
import torch
from pytorch_grad_cam import EigenCAM, GradCAM, GradCAMPlusPlus, HiResCAM, LayerCAM, XGradCAM
from pytorch_grad_cam.base_cam import BaseCAM
from pytorch_grad_cam.utils.image import scale_cam_image
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
from torch import nn

from .errors import ModelChoiceError

Normalization = Literal["per-stage", "shared"]


@dataclass(frozen=True)
class CamMethod:
    key: str
    label: str
    cam_class: type[BaseCAM]
    uses_gradients: bool
    summary: str


CAM_METHODS: dict[str, CamMethod] = {
    m.key: m
    for m in (
        CamMethod("gradcam", "Grad-CAM", GradCAM, True, "channels weighted by their mean gradient"),
        CamMethod("gradcam++", "Grad-CAM++", GradCAMPlusPlus, True, "higher-order gradient weights; better for several objects"),
        CamMethod("xgradcam", "XGrad-CAM", XGradCAM, True, "gradients weighted by normalised activations"),
        CamMethod("hirescam", "HiResCAM", HiResCAM, True, "element-wise gradient × activation; faithful to the model"),
        CamMethod("layercam", "LayerCAM", LayerCAM, True, "positive gradients per location; sharper in early stages"),
        CamMethod("eigencam", "EigenCAM", EigenCAM, False, "first principal component of the activations; class-agnostic"),
    )
}


def get_method(key: str) -> CamMethod:
    try:
        return CAM_METHODS[key.lower()]
    except KeyError:
        raise ModelChoiceError(
            f"Unknown CAM method {key!r}: choose one of {', '.join(CAM_METHODS)}."
        ) from None


def check_normalization(normalization: str) -> Normalization:
    if normalization not in ("per-stage", "shared"):
        raise ModelChoiceError(f"Unknown normalisation {normalization!r}: use per-stage or shared.")
    return normalization  # type: ignore[return-value]


@lru_cache(maxsize=None)
def _cam_for(method: str) -> BaseCAM:
    """One stateless grad-cam object per method. Built on a stand-in module: grad-cam's constructor
    calls eval() on its model and walks its parameters, which we need neither of (and must not hook)."""
    return get_method(method).cam_class(nn.Linear(1, 1), target_layers=[])


def raw_stage_cams(
    input_tensor: torch.Tensor,
    stage_layers: Sequence[nn.Module],
    activations: Sequence[torch.Tensor],
    gradients: Sequence[torch.Tensor] | None,
    target_index: int,
    method: str = "gradcam",
) -> list[np.ndarray]:
    """One non-negative (h, w) map per stage, at the stage's own resolution, before scaling.

    grad-cam computes a map per target layer before averaging them; we feed it the
    activations and gradients of our single pass and stop before the averaging.
    """
    cam = _cam_for(get_method(method).key)
    targets = [ClassifierOutputTarget(target_index)]
    raw_maps = []
    for index, layer in enumerate(stage_layers):
        stage_activation = activations[index].detach().float().cpu().numpy()
        stage_gradient = None if gradients is None else gradients[index].detach().float().cpu().numpy()
        raw = cam.get_cam_image(input_tensor, layer, targets, stage_activation, stage_gradient, False)
        raw_maps.append(np.maximum(raw[0], 0))
    return raw_maps


def normalize_cams(raw_maps: Sequence[np.ndarray], size: tuple[int, int], normalization: Normalization = "per-stage") -> list[np.ndarray]:
    """Maps in [0, 1] at `size` (width, height).

    'per-stage' reproduces GradCAM(target_layers=[stage]) exactly; 'shared' puts every
    stage on one scale so their strengths can be compared.
    """
    if check_normalization(normalization) == "per-stage":
        # grad-cam's own path: scale+resize per layer, then the re-normalisation of the mean.
        return [scale_cam_image(scale_cam_image(raw[None], size))[0] for raw in raw_maps]
    resized = [cv2.resize(np.float32(raw), size) for raw in raw_maps]
    low = min(float(m.min()) for m in resized)
    high = max(float(m.max()) for m in resized)
    return [np.float32((m - low) / (high - low + 1e-7)) for m in resized]
