"""The trust checks as matplotlib Figures (via resnet_viz.plotting, never pyplot). Call inside
`plotting.style(lang)` and save there too."""

from __future__ import annotations

import textwrap

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

# Each figure is drawn (at 100 dpi) about as wide as the trust tab shows it at 1280×720
# (resnet_viz.legibility.DISPLAYED), so 9 pt is >= 12 px on screen; long names wrap instead of shrinking.
FONT = 9.5


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.fill(line, width) for line in text.split("\n"))


def _tile(axis, image: Image.Image, cam: np.ndarray, title: str) -> None:
    axis.imshow(cam_overlay(image, cam, 0.5))
    axis.set_title(title, fontsize=FONT, linespacing=1.1)
    axis.set_axis_off()


def sanity_strip(result: SanityResult, lang: str = "en") -> Figure:
    """The original map, the map after each cumulative randomisation step (ρ and SSIM in the titles),
    and the two similarity curves against the step, three to a row."""
    columns = 3
    rows = (len(result.steps) + 2 + columns - 1) // columns
    figure = new_figure(5.2, 2.45 * rows + 0.8)
    axes = figure.subplots(rows, columns).ravel()
    _tile(axes[0], result.image, result.original, pick(TEXT, "original", lang))
    for axis, step in zip(axes[1:], result.steps):
        scores = pick(TEXT, "scores", lang, rho=number(step.spearman, lang), ssim=number(step.ssim, lang))
        title = pick(TEXT, "randomized", lang, name=step.randomized_up_to) + "\n" + scores.replace(" · ", "\n")
        _tile(axis, result.image, step.cam, title)
    curve = axes[len(result.steps) + 1]
    names = [s.randomized_up_to for s in result.steps]
    # A flat map has no rank correlation: drawn as a gap, not as 0.
    curve.plot(names, [s.spearman for s in result.steps], marker="o", label="ρ")
    curve.plot(names, [s.ssim for s in result.steps], marker="s", label="SSIM")
    curve.axhline(0, color="#9ca3af", linewidth=0.8)
    curve.set_ylim(-0.3, 1.05)
    curve.tick_params(axis="x", labelrotation=90, labelsize=9)
    curve.yaxis.tick_right()  # the tile on its left has no room for labels
    curve.tick_params(axis="y", labelsize=9)
    curve.legend(fontsize=9, loc="upper right", handlelength=1.2, borderpad=0.3)
    for axis in axes[len(result.steps) + 2 :]:
        axis.set_axis_off()
    figure.suptitle(
        _wrap(
            pick(
                TEXT,
                "sanity_title",
                lang,
                stage=result.stage,
                method=result.method,
                label=result.target_label,
                index=result.target,
            ),
            58 if lang == "en" else 40,
        ),
        fontsize=FONT + 0.5,
        y=0.995,
        va="top",
    )
    figure.subplots_adjust(
        left=0.02, right=0.92, bottom=0.07, top=1 - 1.15 / (2.45 * rows + 0.8), wspace=0.12, hspace=0.62
    )
    return figure


def class_check_figure(check: ClassCheck, method: str, lang: str = "en") -> Figure:
    """Top-1 map beside the maps of a random and of the least likely class, two to a row."""
    figure = new_figure(3.45, 5.4)
    axes = figure.subplots(2, 2).ravel()
    width = 16 if lang == "en" else 10
    titles = [
        _wrap(pick(TEXT, "top1", lang, label=check.labels[0]), width),
        _wrap(pick(TEXT, "random", lang, label=check.labels[1]), width)
        + "\n"
        + pick(TEXT, "rho", lang, rho=number(check.spearman_random, lang)),
        _wrap(pick(TEXT, "least", lang, label=check.labels[2]), width)
        + "\n"
        + pick(TEXT, "rho", lang, rho=number(check.spearman_least, lang)),
    ]
    for axis, cam, title in zip(axes, check.cams, titles):
        _tile(axis, check.image, cam, title)
    axes[3].set_axis_off()
    figure.suptitle(
        _wrap(pick(TEXT, "class_title", lang, stage=check.stage, method=method), 34 if lang == "en" else 20),
        fontsize=FONT,
        y=0.995,
        va="top",
    )
    figure.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.76, wspace=0.08, hspace=0.7)
    return figure


def road_figure(result: FaithfulnessResult, lang: str = "en") -> Figure:
    """ROAD combined score per stage as bars."""
    figure = new_figure(4.3, 3.2)
    axis = figure.subplots()
    names = [s.stage for s in result.stages]
    values = [s.road_combined for s in result.stages]
    bars = axis.bar(names, values, color="#4f46e5")
    axis.bar_label(bars, labels=[f"{v:+.3f}" for v in values], fontsize=FONT)
    axis.axhline(0, color="#6b7280", linewidth=0.8)
    axis.margins(y=0.15)  # room for the bar labels under the title
    axis.set_ylabel(pick(TEXT, "road_axis", lang), fontsize=FONT)
    axis.tick_params(labelsize=FONT)
    axis.set_title(_wrap(pick(TEXT, "road_title", lang), 44), fontsize=FONT + 0.5)
    figure.tight_layout()
    return figure


def deletion_figure(result: FaithfulnessResult, lang: str = "en") -> Figure:
    """Target probability against the fraction of top-ranked pixels removed, one line per stage."""
    figure = new_figure(4.3, 3.6)
    axis = figure.subplots()
    for stage in result.stages:
        axis.plot(
            DELETION_FRACTIONS,
            stage.deletion,
            marker="o",
            markersize=3,
            label=pick(TEXT, "auc", lang, stage=stage.stage, auc=f"{stage.deletion_auc:.3f}"),
        )
    axis.set_xlabel(_wrap(pick(TEXT, "deletion_x", lang), 44), fontsize=FONT)
    axis.set_ylabel(pick(TEXT, "deletion_y", lang), fontsize=FONT)
    axis.tick_params(labelsize=FONT)
    axis.set_title(pick(TEXT, "deletion_title", lang, label=result.target_label), fontsize=FONT + 0.5)
    axis.legend(fontsize=9)
    axis.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def receptive_field_figure(
    image: Image.Image, field: ReceptiveField, effective: np.ndarray, lang: str = "en"
) -> Figure:
    """The input with the effective field as heat and the theoretical field as a box."""
    figure = new_figure(4.3, 4.7)
    axis = figure.subplots()
    heat = effective / (effective.max() + 1e-12)
    axis.imshow(cam_overlay(image, np.sqrt(heat), 0.6))  # sqrt: the tails of the field stay visible
    x0, y0, x1, y1 = field.box
    axis.add_patch(
        Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False, edgecolor="white", linewidth=2, linestyle="--")
    )
    axis.set_title(
        pick(TEXT, "rf_title", lang, stage=field.stage, row=field.row, col=field.col, size=field.size),
        fontsize=FONT,
        wrap=True,
    )
    axis.set_axis_off()
    figure.tight_layout()
    return figure
