"""The trust checks as matplotlib Figures (via resnet_viz.plotting, never pyplot). Call inside
`plotting.style(lang)` and save there too."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from PIL import Image

from ..i18n import pick
from ..plotting import new_figure
from ..render import cam_overlay
from .faithfulness import DELETION_FRACTIONS, FaithfulnessResult
from .receptive import ReceptiveField
from .sanity import ClassCheck, SanityResult
from .text import TEXT, number


def _tile(axis, image: Image.Image, cam: np.ndarray, title: str) -> None:
    axis.imshow(cam_overlay(image, cam, 0.5))
    axis.set_title(title, fontsize=8)
    axis.set_axis_off()


def sanity_strip(result: SanityResult, lang: str = "en") -> Figure:
    """The original map, the map after each cumulative randomisation step (ρ and SSIM in the titles),
    and the two similarity curves against the step, in two rows."""
    columns = (len(result.steps) + 2 + 1) // 2
    figure = new_figure(2.1 * columns, 5.0)
    axes = figure.subplots(2, columns).ravel()
    _tile(axes[0], result.image, result.original, pick(TEXT, "original", lang))
    for axis, step in zip(axes[1:], result.steps):
        title = pick(TEXT, "randomized", lang, name=step.randomized_up_to) + "\n" + pick(
            TEXT, "scores", lang, rho=number(step.spearman, lang), ssim=number(step.ssim, lang))
        _tile(axis, result.image, step.cam, title)
    curve = axes[len(result.steps) + 1]
    names = [s.randomized_up_to for s in result.steps]
    # A flat map has no rank correlation: drawn as a gap, not as 0.
    curve.plot(names, [s.spearman for s in result.steps], marker="o", label="Spearman ρ")
    curve.plot(names, [s.ssim for s in result.steps], marker="s", label="SSIM")
    curve.axhline(0, color="#9ca3af", linewidth=0.8)
    curve.set_ylim(-0.3, 1.05)
    curve.tick_params(axis="x", labelrotation=60, labelsize=7)
    curve.tick_params(axis="y", labelsize=7)
    curve.legend(fontsize=7)
    for axis in axes[len(result.steps) + 2:]:
        axis.set_axis_off()
    figure.suptitle(pick(TEXT, "sanity_title", lang, stage=result.stage, method=result.method,
                         label=result.target_label, index=result.target), fontsize=9)
    figure.subplots_adjust(left=0.03, right=0.99, bottom=0.1, top=0.86, wspace=0.12, hspace=0.35)
    return figure


def class_check_figure(check: ClassCheck, method: str, lang: str = "en") -> Figure:
    """Top-1 map beside the maps of a random and of the least likely class."""
    figure = new_figure(6.0, 2.8)
    axes = figure.subplots(1, 3)
    titles = [pick(TEXT, "top1", lang, label=check.labels[0]),
              pick(TEXT, "random", lang, label=check.labels[1]) + "\n"
              + pick(TEXT, "rho", lang, rho=number(check.spearman_random, lang)),
              pick(TEXT, "least", lang, label=check.labels[2]) + "\n"
              + pick(TEXT, "rho", lang, rho=number(check.spearman_least, lang))]
    for axis, cam, title in zip(axes, check.cams, titles):
        _tile(axis, check.image, cam, title)
    figure.suptitle(pick(TEXT, "class_title", lang, stage=check.stage, method=method), fontsize=9)
    figure.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.76, wspace=0.05)
    return figure


def road_figure(result: FaithfulnessResult, lang: str = "en") -> Figure:
    """ROAD combined score per stage as bars."""
    figure = new_figure(5.0, 3.0)
    axis = figure.subplots()
    names = [s.stage for s in result.stages]
    values = [s.road_combined for s in result.stages]
    bars = axis.bar(names, values, color="#4f46e5")
    axis.bar_label(bars, labels=[f"{v:+.3f}" for v in values], fontsize=8)
    axis.axhline(0, color="#6b7280", linewidth=0.8)
    axis.margins(y=0.15)  # room for the bar labels under the title
    axis.set_ylabel(pick(TEXT, "road_axis", lang))
    axis.set_title(pick(TEXT, "road_title", lang), fontsize=9)
    figure.tight_layout()
    return figure


def deletion_figure(result: FaithfulnessResult, lang: str = "en") -> Figure:
    """Target probability against the fraction of top-ranked pixels removed, one line per stage."""
    figure = new_figure(5.5, 3.4)
    axis = figure.subplots()
    for stage in result.stages:
        axis.plot(DELETION_FRACTIONS, stage.deletion, marker="o", markersize=3,
                  label=pick(TEXT, "auc", lang, stage=stage.stage, auc=f"{stage.deletion_auc:.3f}"))
    axis.set_xlabel(pick(TEXT, "deletion_x", lang))
    axis.set_ylabel(pick(TEXT, "deletion_y", lang))
    axis.set_title(pick(TEXT, "deletion_title", lang, label=result.target_label), fontsize=9)
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def receptive_field_figure(image: Image.Image, field: ReceptiveField, effective: np.ndarray,
                           lang: str = "en") -> Figure:
    """The input with the effective field as heat and the theoretical field as a box."""
    figure = new_figure(4.6, 4.9)
    axis = figure.subplots()
    heat = effective / (effective.max() + 1e-12)
    axis.imshow(cam_overlay(image, np.sqrt(heat), 0.6))  # sqrt: the tails of the field stay visible
    x0, y0, x1, y1 = field.box
    axis.add_patch(Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False, edgecolor="white",
                             linewidth=2, linestyle="--"))
    axis.set_title(pick(TEXT, "rf_title", lang, stage=field.stage, row=field.row, col=field.col, size=field.size),
                   fontsize=8, wrap=True)
    axis.set_axis_off()
    figure.tight_layout()
    return figure
