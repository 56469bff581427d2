"""One analysis: predictions, stage activations and stage CAMs from one forward and one backward."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image
from torchvision.transforms import functional as TF
from torchvision.transforms._presets import ImageClassification

from dataclasses import replace

from .cam import CAM_METHODS, Normalization, check_normalization, get_method, normalize_cams, raw_stage_cams
from .capture import capture_stage_outputs
from .errors import ModelChoiceError
from .images import ImageSource, load_image
from .models import LoadedModel
from .stages import CAM_STAGES, STAGES, stage_label


@dataclass(frozen=True)
class StageResult:
    name: str  # torchvision: maxpool (the stem's output), layer1..layer4
    paper_name: str  # conv1, conv2_x..conv5_x
    level: str  # C1..C5
    activation: torch.Tensor  # (C, H, W), float32, CPU
    cam: np.ndarray | None  # (H, W) float32 in [0, 1] at the displayed image's size; None for the stem
    cam_raw: np.ndarray | None = None  # (h, w) before scaling, at the stage's resolution

    @property
    def label(self) -> str:
        return stage_label(next(s for s in STAGES if s.name == self.name))

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

    def stage(self, name: str) -> StageResult:
        for stage in self.stages:
            if name in (stage.name, stage.paper_name, stage.level):
                return stage
        raise KeyError(name)


def preprocess(transforms: ImageClassification, image: Image.Image) -> tuple[Image.Image, torch.Tensor]:
    """The displayed image (resize + centre crop) and the normalised batch made from it,
    equal to `transforms(image)`."""
    shown = TF.resize(image, transforms.resize_size, interpolation=transforms.interpolation, antialias=transforms.antialias)
    shown = TF.center_crop(shown, transforms.crop_size)
    tensor = TF.convert_image_dtype(TF.pil_to_tensor(shown), torch.float)
    tensor = TF.normalize(tensor, mean=transforms.mean, std=transforms.std)
    return shown, tensor.unsqueeze(0)


def resolve_target(categories: tuple[str, ...], target: int | str | None, top1: int) -> int:
    """None is the top-1 class; an int is a class index; a str is a class name (any case)."""
    if target is None or target == "":
        return top1
    if isinstance(target, str) and not target.strip().lstrip("-").isdigit():
        wanted = target.strip().lower()
        for index, name in enumerate(categories):
            if name.lower() == wanted:
                return index
        raise ModelChoiceError(f"No class is named {target!r} in this model's {len(categories)} classes.")
    index = int(target)
    if not 0 <= index < len(categories):
        raise ModelChoiceError(f"Class {index} is out of range: this model has classes 0 to {len(categories) - 1}.")
    return index


def analyze(
    loaded: LoadedModel,
    image: ImageSource,
    target: int | str | None = None,
    method: str = "gradcam",
    top_k: int = 5,
    normalization: Normalization = "per-stage",
) -> AnalysisResult:
    """Predictions, every stage's activation and every residual stage's CAM for one image."""
    started = time.perf_counter()
    cam_method = get_method(method)
    check_normalization(normalization)  # before the expensive pass, not after it
    shown, batch = preprocess(loaded.transforms, load_image(image))
    model = loaded.module
    with loaded.lock, capture_stage_outputs(model) as stage_outputs:
        # Parameters are frozen, so this makes autograd track activations only: the backward
        # below computes gradients w.r.t. the stage outputs and nothing else.
        batch = batch.to(loaded.device).requires_grad_(True)
        logits = model(batch)
        probabilities = torch.softmax(logits.detach()[0].float(), dim=0)
        target_index = resolve_target(loaded.categories, target, int(probabilities.argmax()))
        cam_outputs = [stage_outputs[name] for name in CAM_STAGES]
        gradients = (
            torch.autograd.grad(logits[0, target_index], cam_outputs) if cam_method.uses_gradients else None
        )
        activations = {name: out.detach()[0] for name, out in stage_outputs.items()}
        del logits, cam_outputs, stage_outputs  # free the graph before leaving the lock
    # One copy to the host after all device work is queued.
    activations = {name: act.float().cpu() for name, act in activations.items()}
    probabilities = probabilities.cpu()
    raw_maps = raw_stage_cams(
        batch.detach(),
        [getattr(model, name) for name in CAM_STAGES],
        [activations[name][None] for name in CAM_STAGES],
        None if gradients is None else [g.float().cpu() for g in gradients],
        target_index,
        cam_method.key,
    )
    raw_by_stage = dict(zip(CAM_STAGES, raw_maps))
    cam_by_stage = dict(zip(CAM_STAGES, normalize_cams(raw_maps, shown.size, normalization)))
    k = max(1, min(int(top_k), len(loaded.categories)))
    top = torch.topk(probabilities, k)
    predictions = [(loaded.categories[i], float(p)) for p, i in zip(top.values.tolist(), top.indices.tolist())]
    stages = tuple(
        StageResult(spec.name, spec.paper_name, spec.level, activations[spec.name],
                    cam_by_stage.get(spec.name), raw_by_stage.get(spec.name))
        for spec in STAGES
    )
    return AnalysisResult(
        model_name=loaded.name,
        weights_status=loaded.weights_status,
        weights_label=loaded.weights_label,
        device=str(loaded.device),
        method=cam_method.key,
        normalization=normalization,
        image=shown,
        predictions=predictions,
        target=Target(target_index, loaded.categories[target_index], float(probabilities[target_index])),
        stages=stages,
        seconds=time.perf_counter() - started,
    )


def renormalized(result: AnalysisResult, normalization: Normalization) -> AnalysisResult:
    """The same analysis with the CAMs scaled per stage or on one shared scale; no recompute."""
    if normalization == result.normalization:
        return result
    cam_stages = [s for s in result.stages if s.cam_raw is not None]
    cams = dict(zip((s.name for s in cam_stages), normalize_cams([s.cam_raw for s in cam_stages], result.image.size, normalization)))
    stages = tuple(replace(s, cam=cams[s.name]) if s.name in cams else s for s in result.stages)
    return replace(result, stages=stages, normalization=normalization)


__all__ = ["AnalysisResult", "StageResult", "Target", "analyze", "preprocess", "renormalized", "CAM_METHODS"]
