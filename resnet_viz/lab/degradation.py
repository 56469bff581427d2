"""The degradation problem in miniature (He et al. 2016, Fig. 1 and 6): plain and residual
CIFAR-style nets made of torchvision's BasicBlock, two depths, trained on drawn shapes at 32×32;
training error against iterations."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models.resnet import BasicBlock, conv1x1

from .gradients import PlainBlock
from .shapes import dataset
from .train import to_batch


def cifar_net(depth: int, residual: bool, widths: tuple[int, int, int] = (8, 16, 32), classes: int = 5) -> nn.Module:
    """depth = 6n + 2 (He et al. §4.2): a 3×3 conv, three stages of n BasicBlocks, pooling, fc.
    Shortcuts where the shape changes are torchvision's 1×1 conv + BN projections (the paper's
    CIFAR nets used zero-padding). `residual=False`: every block outputs relu(F(x))."""
    if (depth - 2) % 6:
        raise ValueError(f"depth must be 6n+2 (8, 14, 20, 32, 56…), not {depth}")
    n = (depth - 2) // 6
    layers: list[nn.Module] = [
        nn.Conv2d(3, widths[0], 3, padding=1, bias=False),
        nn.BatchNorm2d(widths[0]),
        nn.ReLU(inplace=True),
    ]
    channels = widths[0]
    for stage, width in enumerate(widths):
        for i in range(n):
            stride = 2 if stage > 0 and i == 0 else 1
            down = None
            if stride != 1 or channels != width:
                down = nn.Sequential(conv1x1(channels, width, stride), nn.BatchNorm2d(width))
            block = BasicBlock(channels, width, stride, down)
            layers.append(block if residual else PlainBlock(block))
            channels = width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, classes)]
    return nn.Sequential(*layers)


@dataclass(frozen=True)
class DegradationConfig:
    depths: tuple[int, int] = (8, 20)
    steps: int = 300
    batch: int = 32
    train_images: int = 2000
    eval_every: int = 25
    eval_images: int = 256  # fixed subset of the training set: training error, not test error
    lr: float = 0.05
    widths: tuple[int, int, int] = (8, 16, 32)
    seed: int = 0


@dataclass
class Curve:
    depth: int
    residual: bool
    iterations: list[int] = field(default_factory=list)
    train_error: list[float] = field(default_factory=list)
    seconds: float = 0.0


@torch.no_grad()
def _error(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    wrong = int((model(x).argmax(1) != y).sum())
    model.train()
    return wrong / len(y)


def train_curve(
    config: DegradationConfig, depth: int, residual: bool, x: torch.Tensor, y: torch.Tensor, log=print
) -> Curve:
    """SGD with momentum from a fixed seed; the same batches for every net."""
    torch.manual_seed(config.seed)
    model = cifar_net(depth, residual, config.widths)
    optimizer = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=0.9, weight_decay=1e-4)
    rng = np.random.default_rng(config.seed)
    curve, started = Curve(depth, residual), time.perf_counter()
    probe = slice(0, config.eval_images)
    for step in range(config.steps + 1):
        if step % config.eval_every == 0:
            curve.iterations.append(step)
            curve.train_error.append(_error(model, x[probe], y[probe]))
        if step == config.steps:
            break
        pick = torch.from_numpy(rng.choice(len(x), config.batch, replace=False))
        loss = F.cross_entropy(model(x[pick]), y[pick])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    curve.seconds = time.perf_counter() - started
    log(
        f"{'residual' if residual else 'plain'}-{depth}: final training error {curve.train_error[-1]:.3f} ({curve.seconds:.0f} s)"
    )
    return curve


def run_degradation(config: DegradationConfig = DegradationConfig(), log=print) -> dict:
    images, labels, _ = dataset(config.train_images, 32, seed=config.seed + 5)
    x, y = to_batch(images, 32), torch.from_numpy(labels)
    curves = [train_curve(config, depth, residual, x, y, log) for residual in (False, True) for depth in config.depths]
    return {"config": asdict(config), "curves": [asdict(c) for c in curves], "torch": torch.__version__}


def save_json(report: dict, path: str | Path) -> None:
    Path(path).write_text(json.dumps(report, indent=1), encoding="utf-8")


LAST_EVALUATIONS = 4

VERDICT = {
    "en": {
        "yes": "Measured ({how}): the deeper plain net ends with a higher training error ({p2:.2f} vs {p1:.2f}, "
        "a gap of {gap:.2f}, larger than the spread of {spread:.2f}) and the deeper residual net does not "
        "({r2:.2f} vs {r1:.2f}): the degradation effect appears here.",
        "within": "Measured ({how}): the deeper plain net ends {gap:.2f} above the shallower one ({p2:.2f} vs {p1:.2f}), "
        "but the measured spread is {spread:.2f}: the gap is within the noise, so this run neither shows "
        "nor rules out the degradation effect. Residual {d1} {r1:.2f}, residual {d2} {r2:.2f}.",
        "no": "Measured ({how}): training error plain {d1} {p1:.2f}, plain {d2} {p2:.2f}, residual {d1} {r1:.2f}, "
        "residual {d2} {r2:.2f} (spread {spread:.2f}). The degradation effect does not appear at this small budget.",
        "how_points": "mean of the last {k} evaluations; spread = the largest max − min of those {k} over the curves",
        "how_seeds": "mean over {n} seeds of the last {k} evaluations; spread = the largest range over the seeds",
    },
    "ko": {
        "yes": "측정 결과({how}): 더 깊은 일반 망의 훈련 오차가 더 높고({p2:.2f} 대 {p1:.2f}, 차이 {gap:.2f}로 "
        "편차 {spread:.2f}보다 큼) 더 깊은 잔차망은 그렇지 않습니다({r2:.2f} 대 {r1:.2f}): 성능 저하 현상이 나타납니다.",
        "within": "측정 결과({how}): 더 깊은 일반 망의 훈련 오차가 얕은 망보다 {gap:.2f} 높지만({p2:.2f} 대 {p1:.2f}) "
        "측정 편차가 {spread:.2f}입니다. 차이가 잡음 범위 안에 있으므로, 이 실행으로는 성능 저하 현상이 "
        "나타난다고도 나타나지 않는다고도 할 수 없습니다. 잔차망 {d1}층 {r1:.2f}, {d2}층 {r2:.2f}.",
        "no": "측정 결과({how}): 훈련 오차 일반 망 {d1}층 {p1:.2f}, {d2}층 {p2:.2f}, 잔차망 {d1}층 {r1:.2f}, {d2}층 {r2:.2f} "
        "(편차 {spread:.2f}). 이 작은 예산에서는 성능 저하 현상이 나타나지 않습니다.",
        "how_points": "마지막 {k}회 평가의 평균, 편차 = 곡선마다 그 {k}회의 최댓값 − 최솟값 중 가장 큰 값",
        "how_seeds": "시드 {n}개에 걸친 마지막 {k}회 평가 평균의 평균, 편차 = 시드 사이 범위 중 가장 큰 것",
    },
}


def final_errors(report: dict, last: int = LAST_EVALUATIONS) -> tuple[dict[tuple[int, bool], tuple[float, float]], int]:
    """Per (depth, residual): (final training error, its spread), and the number of seeds.
    Final = mean of the last `last` evaluations (mean over seeds when curves carry a "seed");
    spread = the range over seeds when there are several, else the range of those last evaluations:
    single points swing by ±0.2 at this batch size."""
    tails: dict[tuple[int, bool], list[list[float]]] = {}
    for c in report["curves"]:
        tails.setdefault((c["depth"], c["residual"]), []).append([float(e) for e in c["train_error"][-last:]])
    seeds = min(len(runs) for runs in tails.values())
    result = {}
    for key, runs in tails.items():
        means = [float(np.mean(run)) for run in runs]
        spread = float(np.ptp(means)) if len(runs) > 1 else float(np.ptp(runs[0]))
        result[key] = (float(np.mean(means)), spread)
    return result, seeds


def verdict(report: dict, lang: str = "en") -> str:
    """One sentence: does the deeper plain net end worse than the shallower one by more than the
    measured spread, while the deeper residual net does not? It says what the spread was."""
    from ..i18n import pick

    final, seeds = final_errors(report)
    d1, d2 = sorted({c["depth"] for c in report["curves"]})
    (p1, sp1), (p2, sp2), (r1, sr1), (r2, sr2) = final[d1, False], final[d2, False], final[d1, True], final[d2, True]
    spread = max(sp1, sp2)
    gap = p2 - p1
    if gap > spread and r2 - r1 <= max(sr1, sr2):
        key = "yes"
    elif gap > 0 and gap <= spread:
        key = "within"
    else:
        key = "no"
        spread = max(sp1, sp2, sr1, sr2)
    how = (
        pick(VERDICT, "how_seeds", lang, n=seeds, k=LAST_EVALUATIONS)
        if seeds > 1
        else pick(VERDICT, "how_points", lang, k=LAST_EVALUATIONS)
    )
    return pick(VERDICT, key, lang, how=how, d1=d1, d2=d2, p1=p1, p2=p2, r1=r1, r2=r2, gap=gap, spread=spread)
