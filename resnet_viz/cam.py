"""Per-stage class activation maps from one forward and one backward: grad-cam's arithmetic,
in torch, on the tensors the pass already holds (any device, a batch at a time)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import torch
import torch.nn.functional as F

from .errors import ModelChoiceError

if TYPE_CHECKING:
    from pytorch_grad_cam.base_cam import BaseCAM

Normalization = Literal["per-stage", "shared"]
Tensor = torch.Tensor
# (activations, gradients) of one stage, (B, C, h, w) each -> the (B, h, w) map before its ReLU.
CamArithmetic = Callable[[Tensor, Tensor | None], Tensor]


def _spatial_sum(t: Tensor) -> Tensor:
    return t.sum(dim=(2, 3), keepdim=True)


def _weighted(weights: Tensor, activations: Tensor) -> Tensor:
    """BaseCAM.get_cam_image without eigen_smooth: channel weights times activations, summed."""
    return (weights * activations).sum(dim=1)


def _gradcam(a: Tensor, g: Tensor) -> Tensor:  # GradCAM.get_cam_weights
    return _weighted(g.mean(dim=(2, 3), keepdim=True), a)


def _gradcam_plus_plus(a: Tensor, g: Tensor) -> Tensor:  # GradCAMPlusPlus.get_cam_weights (eq. 19)
    g2 = g * g
    aij = g2 / (2 * g2 + _spatial_sum(a) * (g2 * g) + 0.000001)
    aij = torch.where(g != 0, aij, torch.zeros_like(aij))
    return _weighted(_spatial_sum(g.clamp_min(0) * aij), a)


def _xgradcam(a: Tensor, g: Tensor) -> Tensor:  # XGradCAM.get_cam_weights
    return _weighted(_spatial_sum(g * a / (_spatial_sum(a) + 1e-7)), a)


def _hirescam(a: Tensor, g: Tensor) -> Tensor:  # HiResCAM.get_cam_image
    return (g * a).sum(dim=1)


def _layercam(a: Tensor, g: Tensor) -> Tensor:  # LayerCAM.get_cam_image
    return (g.clamp_min(0) * a).sum(dim=1)


def top_eigenvector(gram: Tensor, block: int = 8, rounds: int = 8, tolerance: float = 1e-7) -> tuple[Tensor, Tensor]:
    """(largest eigenvalue (B,), its unit eigenvector (B, n)) of symmetric PSD matrices (B, n, n).

    Block power iteration (subspace iteration with `block` vectors, a Rayleigh–Ritz step every
    round) converges like (λ_{block+1}/λ₁)^steps, fast for activations whose spectrum falls quickly;
    a residual check falls back to the full eigendecomposition when it has not converged."""
    batch, n, _ = gram.shape
    if n <= 4 * block:
        values, vectors = torch.linalg.eigh(gram)
        return values[:, -1], vectors[:, :, -1]
    start = torch.randn(n, block, generator=torch.Generator().manual_seed(0), dtype=gram.dtype)  # same on every device
    basis = start.to(gram.device).expand(batch, n, block)
    for _ in range(rounds):
        for _ in range(5):
            basis, _ = torch.linalg.qr(gram @ basis)
        ritz_values, ritz_vectors = torch.linalg.eigh(basis.transpose(1, 2) @ gram @ basis)
        value, vector = ritz_values[:, -1], (basis @ ritz_vectors[:, :, -1:])[:, :, 0]
        residual = (gram @ vector[:, :, None])[:, :, 0] - value[:, None] * vector
        if bool((residual.norm(dim=1) <= tolerance * value.abs().clamp_min(1e-30)).all()):
            return value, vector
    values, vectors = torch.linalg.eigh(gram)
    return values[:, -1], vectors[:, :, -1]


def first_component_projection(activations: Tensor) -> Tensor:
    """grad-cam's get_2d_projection (B, C, h, w) -> (B, h, w): the centred activations projected on
    their first right singular vector, without the full SVD grad-cam takes (for layer1 a 3136×3136 U).

    The projection X·v₁ equals σ₁·u₁, so the top eigenvector of the smaller Gram matrix (XᵀX, C×C,
    or XXᵀ, hw×hw) is all it needs. An SVD fixes v₁ only up to its sign; grad-cam's EigenCAM keeps
    whichever sign LAPACK returns. We use the convention of grad-cam's own
    `get_2d_projection_with_sign_correction` (Seg-Eigen-CAM, eq. 13): flip the map when
    |min| > |max|, so the salient region is positive and the map does not depend on LAPACK.
    """
    batch, channels, height, width = activations.shape
    x = torch.nan_to_num(activations.float(), nan=0.0).flatten(2).transpose(1, 2)  # (B, hw, C)
    x = x - x.mean(dim=1, keepdim=True)
    if channels <= height * width:
        # float64 for the eigenproblem: close top eigenvalues make float32 drift
        _, vector = top_eigenvector((x.transpose(1, 2) @ x).double())
        projection = x @ vector.float()[:, :, None]
    else:
        value, vector = top_eigenvector((x @ x.transpose(1, 2)).double())
        projection = (vector * value[:, None].clamp_min(0).sqrt()).float()
    projection = projection.reshape(batch, height, width)
    flat = projection.flatten(1)
    flip = flat.min(dim=1).values.abs() > flat.max(dim=1).values.abs()
    return torch.where(flip[:, None, None], -projection, projection)


def _eigencam(a: Tensor, _g: Tensor | None) -> Tensor:  # EigenCAM.get_cam_image
    return first_component_projection(a)


@dataclass(frozen=True)
class CamMethod:
    key: str
    label: str
    # grad-cam's class the arithmetic is tested against, by name: importing grad-cam loads scikit-learn
    # and scipy (seconds), which an analysis never needs.
    cam_class_name: str
    arithmetic: CamArithmetic
    summary: str
    # What grad-cam itself says (tests/test_capture_and_cam.py): EigenCAM needs no backward.
    uses_gradients: bool = True

    @property
    def cam_class(self) -> type[BaseCAM]:
        import pytorch_grad_cam

        return getattr(pytorch_grad_cam, self.cam_class_name)


CAM_METHODS: dict[str, CamMethod] = {
    m.key: m
    for m in (
        CamMethod("gradcam", "Grad-CAM", "GradCAM", _gradcam, "channels weighted by their mean gradient"),
        CamMethod(
            "gradcam++",
            "Grad-CAM++",
            "GradCAMPlusPlus",
            _gradcam_plus_plus,
            "higher-order gradient weights; better for several objects",
        ),
        CamMethod("xgradcam", "XGrad-CAM", "XGradCAM", _xgradcam, "gradients weighted by normalised activations"),
        CamMethod(
            "hirescam", "HiResCAM", "HiResCAM", _hirescam, "element-wise gradient × activation; faithful to the model"
        ),
        CamMethod(
            "layercam", "LayerCAM", "LayerCAM", _layercam, "positive gradients per location; sharper in early stages"
        ),
        CamMethod(
            "eigencam",
            "EigenCAM",
            "EigenCAM",
            _eigencam,
            "first principal component of the activations; class-agnostic",
            uses_gradients=False,
        ),
    )
}


def get_method(key: str) -> CamMethod:
    try:
        return CAM_METHODS[key.lower()]
    except KeyError:
        raise ModelChoiceError("unknown_method", key=key, choices=", ".join(CAM_METHODS)) from None


def check_normalization(normalization: str) -> Normalization:
    if normalization not in ("per-stage", "shared"):
        raise ModelChoiceError("unknown_normalization", value=normalization)
    return normalization  # type: ignore[return-value]


def raw_stage_cams(
    activations: Sequence[Tensor], gradients: Sequence[Tensor] | None, method: str = "gradcam"
) -> list[Tensor]:
    """One non-negative (B, h, w) map per stage, at the stage's own resolution, before scaling,
    on the tensors' device: grad-cam's per-layer map, before it averages layers."""
    arithmetic = get_method(method).arithmetic
    grads = [None] * len(activations) if gradients is None else gradients
    return [arithmetic(a.float(), None if g is None else g.float()).clamp_min(0) for a, g in zip(activations, grads)]


def _scale(maps: Tensor) -> Tensor:
    """grad-cam's scale_cam_image without the resize: min to 0, then divide by (max + 1e-7), per map."""
    flat = maps.flatten(-2)
    maps = maps - flat.min(dim=-1).values[..., None, None]
    return maps / (1e-7 + maps.flatten(-2).max(dim=-1).values[..., None, None])


def _resize(maps: Tensor, size: tuple[int, int]) -> Tensor:
    """(B, h, w) -> (B, H, W) bilinear with half-pixel centres: cv2.resize's INTER_LINEAR when enlarging."""
    width, height = size
    return F.interpolate(maps[:, None], size=(height, width), mode="bilinear", align_corners=False)[:, 0]


def scaled_stage_cams(
    raw_maps: Sequence[Tensor], size: tuple[int, int], normalization: Normalization = "per-stage"
) -> Tensor:
    """(B, stages, H, W) maps in [0, 1] at `size` (width, height), on the maps' device.

    'per-stage' is GradCAM(target_layers=[stage])'s own path: scale, resize, scale again (the
    re-normalisation of its one-layer mean); 'shared' puts every stage on one scale per image."""
    if check_normalization(normalization) == "per-stage":
        return torch.stack([_scale(_resize(_scale(raw), size)) for raw in raw_maps], dim=1)
    resized = torch.stack([_resize(raw, size) for raw in raw_maps], dim=1)
    low = resized.flatten(1).min(dim=1).values[:, None, None, None]
    high = resized.flatten(1).max(dim=1).values[:, None, None, None]
    return (resized - low) / (high - low + 1e-7)


def normalize_cams(
    raw_maps: Sequence[np.ndarray], size: tuple[int, int], normalization: Normalization = "per-stage"
) -> list[np.ndarray]:
    """One image's (h, w) raw maps -> maps in [0, 1] at `size`, as NumPy arrays (re-normalising a result)."""
    scaled = scaled_stage_cams(
        [torch.as_tensor(np.asarray(raw, np.float32))[None] for raw in raw_maps], size, normalization
    )
    return list(scaled[0].numpy())
