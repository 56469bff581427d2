"""Faithfulness of each stage's map: grad-cam's ROAD metrics and a deletion curve.

A map is faithful when removing the pixels it ranks highest hurts the class most. ROAD
(Rong et al., 2022) removes pixels by noisy linear imputation, so the removal itself leaks little
shape; the deletion curve blurs them away step by step. Both run the model many times: on demand."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import torch

from ..analysis import AnalysisResult, analyze, preprocess
from ..images import ImageSource, load_image
from ..models import LoadedModel
from ..stages import CAM_STAGES

ROAD_PERCENTILES: tuple[int, ...] = (20, 50, 80)
DELETION_FRACTIONS: tuple[float, ...] = tuple(i / 10 for i in range(11))
DEFAULT_SEED = 0
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class StageFaithfulness:
    stage: str
    road_morf: float  # change in target probability, most relevant removed first (lower: more faithful)
    road_lerf: float  # least relevant removed first (higher: more faithful)
    road_combined: float  # (lerf - morf) / 2, averaged over the percentiles: higher is more faithful
    deletion: tuple[float, ...]  # target probability at each DELETION_FRACTIONS
    deletion_auc: float  # area under that curve: lower is more faithful


@dataclass(frozen=True)
class FaithfulnessResult:
    target: int
    target_label: str
    method: str
    stages: tuple[StageFaithfulness, ...]
    seconds: float
    forward_passes: int  # images run through the model (each ROAD call also re-runs the original)
    sparse_solves: int  # ROAD's noisy linear imputations: the slow part on a CPU

    def _repr_png_(self) -> bytes:  # Jupyter shows the ROAD and deletion charts (resnet_viz/notebook.py)
        from ..notebook import faithfulness_png

        return faithfulness_png(self)


def road_scores(
    model: torch.nn.Module,
    batch: torch.Tensor,
    cam: np.ndarray,
    target: int,
    percentiles: Sequence[int] = ROAD_PERCENTILES,
    seed: int = DEFAULT_SEED,
) -> tuple[float, float]:
    """(MoRF, LeRF) of grad-cam's ROAD metrics, averaged over the percentiles. The imputation adds
    noise from torch's global generator: seeded inside a forked RNG, so the same call gives the same score."""
    # Here, not at the top: grad-cam loads scikit-learn and scipy, seconds the app's start need not wait for.
    from pytorch_grad_cam.metrics.road import ROADLeastRelevantFirst, ROADMostRelevantFirst
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputSoftmaxTarget

    targets = [ClassifierOutputSoftmaxTarget(target)]
    cams = cam[None].astype(np.float32)
    morf, lerf = [], []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for percentile in percentiles:
            morf.append(float(ROADMostRelevantFirst(percentile)(batch, cams, targets, model)[0]))
            lerf.append(float(ROADLeastRelevantFirst(percentile)(batch, cams, targets, model)[0]))
    return float(np.mean(morf)), float(np.mean(lerf))


class BlurImputer:
    """Replace removed pixels by a strongly blurred copy of the image (the deletion metric's usual baseline)."""

    def __init__(self, sigma: float = 10.0) -> None:
        self.sigma = sigma

    def __call__(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        array = image.numpy().transpose(1, 2, 0)
        blurred = torch.from_numpy(cv2.GaussianBlur(array, (0, 0), self.sigma).transpose(2, 0, 1).copy())
        return image * mask + blurred * (1 - mask)  # mask: 1 = kept


def deletion_curve(
    model: torch.nn.Module,
    batch: torch.Tensor,
    cam: np.ndarray,
    target: int,
    fractions: Sequence[float] = DELETION_FRACTIONS,
) -> tuple[list[float], float]:
    """Target probability as the most relevant fraction of pixels is blurred away (grad-cam's
    RemoveMostRelevantFirst does the ranking), and the area under that curve."""
    from pytorch_grad_cam.metrics.perturbation_confidence import RemoveMostRelevantFirst

    mask = torch.from_numpy(cam.astype(np.float32))
    imputer = BlurImputer()
    batches = []
    for fraction in fractions:
        if fraction <= 0:
            batches.append(batch[0].cpu())
        elif fraction >= 1:
            batches.append(imputer(batch[0].cpu(), torch.zeros_like(mask)))
        else:
            batches.append(RemoveMostRelevantFirst(100 * (1 - fraction), imputer)(batch[0].cpu(), mask))
    with torch.no_grad():
        logits = model(torch.stack(batches).to(batch.device))
    probabilities = torch.softmax(logits.float(), dim=1)[:, target].cpu().tolist()
    steps = np.diff(np.asarray(fractions, dtype=np.float64))
    heights = (np.asarray(probabilities[1:]) + np.asarray(probabilities[:-1])) / 2
    return probabilities, float((steps * heights).sum())  # trapezoid rule, numpy 1 and 2 alike


def faithfulness(
    loaded: LoadedModel,
    image: ImageSource,
    target: int | str | None = None,
    method: str = "gradcam",
    stages: Sequence[str] = CAM_STAGES,
    seed: int = DEFAULT_SEED,
    progress: Progress | None = None,
    result: AnalysisResult | None = None,
) -> FaithfulnessResult:
    """ROAD and deletion per stage map. Cost: per stage 2×len(ROAD_PERCENTILES) imputations (a sparse
    solve each) and forwards, plus one batch of len(DELETION_FRACTIONS) images."""
    started = time.perf_counter()
    picture = load_image(image)
    report = progress or (lambda _f, _d: None)
    if result is None:
        report(0.0, "analysis")
        result = analyze(loaded, picture, target=target, method=method)
    _shown, batch = preprocess(loaded.transforms, picture)
    batch = batch.to(loaded.device)
    index = result.target.index
    scores = []
    for number, name in enumerate(stages):
        report((number + 0.5) / len(stages), name)
        cam = result.stage(name).cam
        with loaded.lock:  # plain forwards; the lock keeps them off another request's hooked pass
            morf, lerf = road_scores(loaded.module, batch, cam, index, seed=seed)
            curve, auc = deletion_curve(loaded.module, batch, cam, index)
        scores.append(StageFaithfulness(name, morf, lerf, (lerf - morf) / 2, tuple(curve), auc))
    passes = len(stages) * (4 * len(ROAD_PERCENTILES) + len(DELETION_FRACTIONS))
    return FaithfulnessResult(
        index,
        result.target.label,
        result.method,
        tuple(scores),
        time.perf_counter() - started,
        passes,
        len(stages) * 2 * len(ROAD_PERCENTILES),
    )
