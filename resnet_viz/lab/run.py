"""One lab run on one image: norms, lesion sweep, gradient flow and shattering; lab.json."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import copy

import torch

from ..analysis import preprocess, resolve_target
from ..images import ImageSource, load_image
from ..models import LoadedModel
from .gradients import GradientFlow, Shattering, gradient_flow, shattering
from .lesion import LesionResult, lesion_sweep
from .norms import BlockNorms, block_norms

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class LabResult:
    model: str
    weights: str
    weights_status: str
    target: int
    target_label: str
    intact_prob: float
    intact_top1: int
    norms: list[BlockNorms]
    lesions: list[LesionResult]
    flow: GradientFlow
    shatter: Shattering

    @property
    def projection(self) -> list[bool]:
        return [n.info.shortcut == "projection" for n in self.norms]


def run_lab(loaded: LoadedModel, image: ImageSource, target: int | str | None = None,
            progress: Progress | None = None, shatter_points: int = 8) -> LabResult:
    """Every measurement on a private copy of the model (the shared one is never patched); the
    model's lock is held only while copying."""
    report = progress or (lambda fraction, text: None)
    _, batch = preprocess(loaded.transforms, load_image(image))
    with loaded.lock:
        model = copy.deepcopy(loaded.module)
    batch = batch.to(loaded.device)
    report(0.02, "norms")
    norms = block_norms(model, batch)
    with torch.no_grad():
        top1 = int(model(batch)[0].argmax())
    index = resolve_target(loaded.categories, target, top1)
    intact, top1, lesions = lesion_sweep(
        model, batch, index, lambda i, n, name: report(0.05 + 0.6 * i / n, f"lesion {name} ({i + 1}/{n})"))
    report(0.7, "gradient flow")
    flow = gradient_flow(model, batch, index)
    report(0.85, "shattered gradients")
    shatter = shattering(model, batch, index, points=shatter_points)
    report(1.0, "done")
    return LabResult(loaded.name, loaded.weights_label, loaded.weights_status, index, loaded.categories[index],
                     intact, top1, norms, lesions, flow, shatter)


def lab_json(result: LabResult) -> dict:
    """The schema of issue 9: one entry per block."""
    blocks = []
    for i, (norm, lesion) in enumerate(zip(result.norms, result.lesions)):
        blocks.append({
            "name": norm.info.name, "stage": norm.info.stage, "shortcut": norm.info.shortcut,
            "residual_norm": norm.residual_norm, "shortcut_norm": norm.shortcut_norm, "ratio": norm.ratio,
            "cosine": norm.cosine, "lesion_target_prob": lesion.target_prob, "lesion_top1": lesion.top1,
            "input_grad_norm": result.flow.residual[i], "plain_input_grad_norm": result.flow.plain[i],
        })
    return {"model": result.model, "weights": result.weights, "target": result.target, "blocks": blocks}
