"""One analysis: predictions, stage activations and stage CAMs from one forward and one backward
(for one image, or for a batch of them at once)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import torch
from PIL import Image
from torchvision.transforms import functional as TF

from .cam import (
    CAM_METHODS,
    Normalization,
    check_normalization,
    get_method,
    normalize_cams,
    raw_stage_cams,
    scaled_stage_cams,
)
from .capture import capture_stage_outputs
from .errors import ModelChoiceError
from .images import ImageSource, load_image
from .models import ImageClassification, LoadedModel
from .stages import StageSpec, cam_stage_names, stage_label

ClassChoice = int | str | None


@dataclass(frozen=True)
class StageResult:
    spec: StageSpec  # which stage: torchvision's name, the paper's, its level
    activation: torch.Tensor  # (C, H, W), float32, CPU
    cam: np.ndarray | None  # (H, W) float32 in [0, 1] at the displayed image's size; None for the stem
    cam_raw: np.ndarray | None = None  # (h, w) before scaling, at the stage's resolution

    @property
    def name(self) -> str:  # torchvision: maxpool (the stem's output), layer1..layer4
        return self.spec.name

    @property
    def paper_name(self) -> str:  # conv1, conv2_x..conv5_x
        return self.spec.paper_name

    @property
    def level(self) -> str:  # C1..C5
        return self.spec.level

    @property
    def label(self) -> str:
        return stage_label(self.spec)

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.activation.shape)  # type: ignore[return-value]

    @property
    def shape_text(self) -> str:
        return "×".join(str(d) for d in self.shape)


@dataclass(frozen=True)
class Target:
    index: int
    label: str
    probability: float


@dataclass(frozen=True)
class AnalysisResult:
    model_name: str
    weights_status: str
    weights_label: str
    device: str
    method: str
    normalization: str
    image: Image.Image  # what the network sees: resized and centre-cropped, RGB
    predictions: list[tuple[str, float]]
    target: Target
    stages: tuple[StageResult, ...]
    seconds: float
    # The class subtracted from the target: the maps explain logit(target) − logit(contrast).
    contrast: Target | None = None

    def stage(self, name: str) -> StageResult:
        for stage in self.stages:
            if name in (stage.name, stage.paper_name, stage.level):
                return stage
        # torchvision's names for a timm model's stages ('layer4' is timm ResNetV2's 'stages.3')
        aliases = ("maxpool", "layer1", "layer2", "layer3", "layer4")
        if name in aliases and len(self.stages) == len(aliases):
            return self.stages[aliases.index(name)]
        raise KeyError(name)

    def _repr_png_(self) -> bytes:  # Jupyter shows the composite figure (resnet_viz/notebook.py)
        from .notebook import analysis_png

        return analysis_png(self)


def preprocess(transforms: ImageClassification, image: Image.Image) -> tuple[Image.Image, torch.Tensor]:
    """The displayed image (resize + centre crop) and the normalised batch made from it,
    equal to `transforms(image)`."""
    shown = TF.resize(
        image, transforms.resize_size, interpolation=transforms.interpolation, antialias=transforms.antialias
    )
    shown = TF.center_crop(shown, transforms.crop_size)
    tensor = TF.convert_image_dtype(TF.pil_to_tensor(shown), torch.float)
    tensor = TF.normalize(tensor, mean=transforms.mean, std=transforms.std)
    return shown, tensor.unsqueeze(0)


def resolve_target(categories: tuple[str, ...], target: ClassChoice, top1: int) -> int:
    """None is the top-1 class; an int is a class index; a str is a class name (any case)."""
    if target is None or target == "":
        return top1
    if isinstance(target, str) and not target.strip().lstrip("-").isdigit():
        wanted = target.strip().lower()
        for index, name in enumerate(categories):
            if name.lower() == wanted:
                return index
        raise ModelChoiceError("unknown_class", target=target, count=len(categories))
    index = int(target)
    if not 0 <= index < len(categories):
        raise ModelChoiceError("class_range", index=index, last=len(categories) - 1)
    return index


def check_contrast(method: str, categories: tuple[str, ...], contrast: ClassChoice) -> None:
    """Before the pass: a contrast needs gradients, and a name or index that exists."""
    if contrast is None or contrast == "":
        return
    if not get_method(method).uses_gradients:
        raise ModelChoiceError("contrast_agnostic", method=get_method(method).label)
    resolve_target(categories, contrast, 0)


_NHWC, _FROM_NHWC = (0, 2, 3, 1), (0, 3, 1, 2)


def _is_nhwc(tensor: torch.Tensor) -> bool:
    return tensor.dim() == 4 and not tensor.is_contiguous() and tensor.is_contiguous(memory_format=torch.channels_last)


def to_host(tensors: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    """float32 CPU copies of device tensors in ONE device-to-host transfer (one sync), not one per
    tensor. On the CPU too (a memory copy of ~1 ms): one code path, tested where no GPU is.
    Channels-last tensors are copied in their memory order and come back channels-last (same shape
    and values): reordering resnet50's activations to NCHW would cost 10 ms, the copy 0.4."""
    nhwc = [_is_nhwc(t) for t in tensors]
    flat = torch.cat(
        [(t.permute(_NHWC) if last else t).detach().float().reshape(-1) for t, last in zip(tensors, nhwc)]
    ).cpu()
    parts = flat.split([t.numel() for t in tensors])
    return [
        part.view([t.shape[d] for d in _NHWC]).permute(_FROM_NHWC) if last else part.view(t.shape)
        for part, t, last in zip(parts, tensors, nhwc)
    ]


@dataclass(frozen=True)
class _Pass:
    probabilities: torch.Tensor  # (B, classes)
    targets: list[int]
    contrasts: list[int | None]
    activations: dict[str, torch.Tensor]  # (B, C, h, w), on the device, detached
    gradients: list[torch.Tensor] | None  # per CAM stage, (B, C, h, w)


def _forward_backward(
    loaded: LoadedModel,
    batch: torch.Tensor,
    targets: Sequence[ClassChoice],
    contrasts: Sequence[ClassChoice],
    uses_gradients: bool,
) -> _Pass:
    """One forward and (for gradient methods) one backward for the whole batch.

    The backward differentiates the SUM over images of logit(target) − logit(contrast): in eval mode
    the images do not interact (batch norm uses its running statistics), so each image's gradients
    are exactly its own."""
    model = loaded.module
    with loaded.lock, capture_stage_outputs(model, [s.name for s in loaded.stages]) as stage_outputs:
        # Parameters are frozen, so autograd tracks activations only: the backward computes
        # gradients w.r.t. the stage outputs and nothing else.
        logits = model(batch.to(loaded.device).requires_grad_(True))
        probabilities = torch.softmax(logits.detach().float(), dim=1)
        top1 = probabilities.argmax(dim=1).tolist()  # the one sync before the backward
        target_ids = [resolve_target(loaded.categories, t, top) for t, top in zip(targets, top1)]
        contrast_ids = [None if c in (None, "") else resolve_target(loaded.categories, c, 0) for c in contrasts]
        for target_id, contrast_id in zip(target_ids, contrast_ids):
            if target_id == contrast_id:
                raise ModelChoiceError("contrast_same", label=loaded.categories[target_id], index=target_id)
        gradients = None
        if uses_gradients:
            rows = torch.arange(len(target_ids), device=logits.device)
            objective = logits[rows, target_ids].sum()
            contrasted = [i for i, c in enumerate(contrast_ids) if c is not None]
            if contrasted:
                objective = objective - logits[contrasted, [contrast_ids[i] for i in contrasted]].sum()
            gradients = list(
                torch.autograd.grad(objective, [stage_outputs[name] for name in cam_stage_names(loaded.stages)])
            )
        activations = {name: out.detach() for name, out in stage_outputs.items()}
        del logits, stage_outputs  # free the graph before leaving the lock
    return _Pass(probabilities, target_ids, contrast_ids, activations, gradients)


def _target(loaded: LoadedModel, probabilities: torch.Tensor, index: int | None) -> Target | None:
    return None if index is None else Target(index, loaded.categories[index], float(probabilities[index]))


def analyze_batch(
    loaded: LoadedModel,
    images: Sequence[ImageSource],
    targets: Sequence[ClassChoice] | None = None,
    contrasts: Sequence[ClassChoice] | None = None,
    method: str = "gradcam",
    top_k: int = 5,
    normalization: Normalization = "per-stage",
) -> list[AnalysisResult]:
    """`analyze` for several images with ONE forward and ONE backward for all of them; each
    result equals the image's own analysis. `seconds` is each image's share of the batch's time."""
    started = time.perf_counter()
    get_method(method)  # both checked before decoding, not after it
    check_normalization(normalization)
    prepared = [preprocess(loaded.transforms, load_image(image)) for image in images]
    return analyze_prepared(
        loaded,
        [shown for shown, _ in prepared],
        torch.cat([batch for _, batch in prepared]),
        targets,
        contrasts,
        method,
        top_k,
        normalization,
        started,
    )


def analyze_prepared(
    loaded: LoadedModel,
    shown: Sequence[Image.Image],
    batch: torch.Tensor,
    targets: Sequence[ClassChoice] | None = None,
    contrasts: Sequence[ClassChoice] | None = None,
    method: str = "gradcam",
    top_k: int = 5,
    normalization: Normalization = "per-stage",
    started: float | None = None,
) -> list[AnalysisResult]:
    """analyze_batch on images already made by `preprocess` (e.g. by a DataLoader's workers)."""
    started = time.perf_counter() if started is None else started
    cam_method = get_method(method)
    check_normalization(normalization)
    count = len(shown)
    targets = [None] * count if targets is None else list(targets)
    contrasts = [None] * count if contrasts is None else list(contrasts)
    if not count == len(targets) == len(contrasts) == batch.shape[0]:
        raise ValueError("images, targets and contrasts must have the same length.")
    for contrast in contrasts:
        check_contrast(cam_method.key, loaded.categories, contrast)
    done = _forward_backward(loaded, batch, targets, contrasts, cam_method.uses_gradients)
    raw = raw_stage_cams(
        [done.activations[name] for name in cam_stage_names(loaded.stages)], done.gradients, cam_method.key
    )
    cams = scaled_stage_cams(raw, shown[0].size, normalization)  # (B, stages, H, W), on the device
    # One copy to the host after all device work is queued.
    host = to_host([*done.activations.values(), *raw, cams, done.probabilities])
    activations = dict(zip(done.activations, host))
    raw_host, cams_host, probabilities = host[len(activations) : -2], host[-2].numpy(), host[-1]
    k = max(1, min(int(top_k), len(loaded.categories)))
    seconds = (time.perf_counter() - started) / count
    results = []
    for i, image in enumerate(shown):
        top = torch.topk(probabilities[i], k)
        maps = {
            name: (cams_host[i, s], raw_host[s][i].numpy()) for s, name in enumerate(cam_stage_names(loaded.stages))
        }
        stages = tuple(
            StageResult(spec, activations[spec.name][i], *maps.get(spec.name, (None, None))) for spec in loaded.stages
        )
        results.append(
            AnalysisResult(
                model_name=loaded.name,
                weights_status=loaded.weights_status,
                weights_label=loaded.weights_label,
                device=str(loaded.device),
                method=cam_method.key,
                normalization=normalization,
                image=image,
                predictions=[
                    (loaded.categories[c], float(p)) for p, c in zip(top.values.tolist(), top.indices.tolist())
                ],
                target=_target(loaded, probabilities[i], done.targets[i]),
                stages=stages,
                seconds=seconds,
                contrast=_target(loaded, probabilities[i], done.contrasts[i]),
            )
        )
    return results


def analyze(
    loaded: LoadedModel,
    image: ImageSource,
    target: ClassChoice = None,
    method: str = "gradcam",
    top_k: int = 5,
    normalization: Normalization = "per-stage",
    contrast: ClassChoice = None,
) -> AnalysisResult:
    """Predictions, every stage's activation and every residual stage's CAM for one image.
    With `contrast` (a class index or name, like `target`) the maps explain logit(target) −
    logit(contrast): what makes this image more the target than the contrast class."""
    return analyze_batch(loaded, [image], [target], [contrast], method, top_k, normalization)[0]


def renormalized(result: AnalysisResult, normalization: Normalization) -> AnalysisResult:
    """The same analysis with the CAMs scaled per stage or on one shared scale; no recompute."""
    if normalization == result.normalization:
        return result
    cam_stages = [s for s in result.stages if s.cam_raw is not None]
    cams = dict(
        zip(
            (s.name for s in cam_stages),
            normalize_cams([s.cam_raw for s in cam_stages], result.image.size, normalization),
        )
    )
    stages = tuple(replace(s, cam=cams[s.name]) if s.name in cams else s for s in result.stages)
    return replace(result, stages=stages, normalization=normalization)


__all__ = [
    "AnalysisResult",
    "StageResult",
    "Target",
    "analyze",
    "analyze_batch",
    "analyze_prepared",
    "preprocess",
    "renormalized",
    "CAM_METHODS",
]
