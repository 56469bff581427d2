"""One lab run on one image: norms, lesion sweep, gradient flow and shattering; lab.json."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import torch

from ..analysis import preprocess, resolve_target
from ..images import ImageSource, load_image
from ..models import LoadedModel
from .depths import DepthFlows, depth_gradient_flow
from .gradients import GradientFlow, Shattering, gradient_flow, plain_copy, shattering
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
    lesions: list[LesionResult]  # empty until the lesion sweep is done (see iter_lab)
    flow: GradientFlow | None
    shatter: Shattering | None

    @property
    def projection(self) -> list[bool]:
        return [n.info.shortcut == "projection" for n in self.norms]

    def _repr_png_(self) -> bytes:  # Jupyter shows the charts measured so far (resnet_viz/notebook.py)
        from ..notebook import lab_png

        return lab_png(self)


def iter_lab(
    loaded: LoadedModel,
    image: ImageSource,
    target: int | str | None = None,
    progress: Progress | None = None,
    shatter_points: int = 6,
) -> Iterator[tuple[str, LabResult]]:
    """The lab in its cheap-first order, yielding (part, result so far) after "norms", "lesion",
    "gradients" and "shattering", so a UI can show each chart as soon as it exists. Everything runs
    on a private copy of the model (the shared one is never patched); its lock is held only to copy."""
    report = progress or (lambda fraction, text: None)
    _, batch = preprocess(loaded.transforms, load_image(image))
    with loaded.lock:
        model = copy.deepcopy(loaded.module)
    batch = batch.to(loaded.device)
    report(0.02, "norms")
    norms = block_norms(model, batch)
    with torch.no_grad():
        logits = model(batch)[0]
    index = resolve_target(loaded.categories, target, int(logits.argmax()))
    probs = torch.softmax(logits.double(), 0)
    result = LabResult(
        loaded.name,
        loaded.weights_label,
        loaded.weights_status,
        index,
        loaded.categories[index],
        float(probs[index]),
        int(probs.argmax()),
        norms,
        [],
        None,
        None,
    )
    yield "norms", result
    intact, top1, lesions = lesion_sweep(
        model, batch, index, lambda i, n, name: report(0.05 + 0.6 * i / n, f"lesion {name} ({i + 1}/{n})")
    )
    result = replace(result, intact_prob=intact, intact_top1=top1, lesions=lesions)
    yield "lesion", result
    report(0.7, "gradient flow")
    plain = plain_copy(model)  # one plain copy for both gradient measurements
    result = replace(result, flow=gradient_flow(model, batch, index, plain=plain))
    yield "gradients", result
    report(0.85, "shattered gradients")
    result = replace(result, shatter=shattering(model, batch, index, points=shatter_points, plain=plain))
    report(1.0, "done")
    yield "shattering", result


def run_lab(
    loaded: LoadedModel,
    image: ImageSource,
    target: int | str | None = None,
    progress: Progress | None = None,
    shatter_points: int = 6,
) -> LabResult:
    """Every measurement of the lab (iter_lab run to the end)."""
    parts = list(iter_lab(loaded, image, target, progress, shatter_points))
    return parts[-1][1]  # each part carries the result so far; the last one every measurement


def run_depth_flow(
    loaded: LoadedModel,
    image: ImageSource,
    target: int | str | None = None,
    progress: Progress | None = None,
    seed: int = 0,
) -> DepthFlows:
    """Gradient flow at 18…152 layers (seeded random init) on this image, for the lab's class:
    `target`, or the chosen model's top-1 (its index, in the random nets' 1000 outputs)."""
    _, batch = preprocess(loaded.transforms, load_image(image))
    batch = batch.to(loaded.device)
    with loaded.lock, torch.no_grad():
        top1 = int(loaded.module(batch)[0].argmax())
    index = resolve_target(loaded.categories, target, top1)
    return depth_gradient_flow(batch, index, seed=seed, progress=progress)


def lab_json(result: LabResult) -> dict:
    """The schema of issue 9: one entry per block."""
    blocks = []
    for i, (norm, lesion) in enumerate(zip(result.norms, result.lesions)):
        blocks.append(
            {
                "name": norm.info.name,
                "stage": norm.info.stage,
                "shortcut": norm.info.shortcut,
                "residual_norm": norm.residual_norm,
                "shortcut_norm": norm.shortcut_norm,
                "ratio": norm.ratio,
                "cosine": norm.cosine,
                "lesion_target_prob": lesion.target_prob,
                "lesion_top1": lesion.top1,
                "input_grad_norm": result.flow.residual[i],
                "plain_input_grad_norm": result.flow.plain[i],
            }
        )
    return {"model": result.model, "weights": result.weights, "target": result.target, "blocks": blocks}
