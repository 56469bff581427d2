"""The lab's charts: matplotlib Figures (never pyplot) drawn and saved inside plotting.style."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..i18n import pick
from ..plotting import figure_bytes, figure_lang, new_figure, style
from .depths import DepthFlows
from .gradients import GradientFlow, Shattering
from .lesion import LesionResult
from .norms import BlockNorms

TEXT = {
    "en": {
        "norms_title": "Residual branch F(x) vs shortcut, per block",
        "residual": "‖F(x)‖ residual branch",
        "shortcut": "‖shortcut(x)‖",
        "ratio": "‖F(x)‖ / ‖shortcut‖",
        "cosine": "cos(F(x), shortcut)",
        "norm": "L2 norm",
        "block": "block (P = projection shortcut)",
        "lesion_title": "Lesion study: one block removed (output = relu(shortcut(x)))",
        "prob": "target-class probability",
        "prob_log": "target-class probability (log scale)",
        "intact": "intact model",
        "changed": "top-1 changed",
        "grad_title": "Gradient of the target logit w.r.t. each block's input",
        "grad_y": "‖∂ logit / ∂ block input‖ (log)",
        "grad_x": "block (last → first)",
        "with_shortcuts": "residual (as is)",
        "plain": "plain: relu(F(x)), no shortcuts",
        "shatter_title": "Shattered gradients (Balduzzi et al. 2017)",
        "shatter_x": "distance along a random line through the image (input std units)",
        "shatter_y": "correlation with the gradient at the image",
        "shatter_here": "here: mean correlation {res} with shortcuts, {plain} plain",
        "balduzzi": "Balduzzi et al. (2017) found that, at initialisation, gradients at nearby inputs decorrelate "
        "(“shatter”) much faster without skip connections than with them. Here, on one seeded line through "
        "this image with this model's weights: mean correlation {res} with shortcuts and {plain} without; {relation}.",
        "rel_higher": "higher with shortcuts, as they found",
        "rel_same": "about the same (within {margin}): their effect does not show here",
        "rel_lower": "lower with shortcuts: their effect does not show here",
        "deg_title": "Training error, plain vs residual (drawn shapes, 32×32)",
        "deg_x": "iterations",
        "deg_y": "training error",
        "res": "residual",
        "pl": "plain",
        "depth_title": "Gradient flow at one seeded random init, 18…152 layers",
        "depth_x": "blocks passed on the way back (0 = last block, 1 = first block)",
        "depth_bn_batch": "BatchNorm with batch statistics, as at the start of training",
        "depth_bn_running": "BatchNorm with running statistics (identity at init)",
        "solid": "solid: residual",
        "dashed": "dashed: plain",
    },
    "ko": {
        "norms_title": "블록별 잔차 경로 F(x)와 숏컷(shortcut)",
        "residual": "‖F(x)‖ 잔차 경로",
        "shortcut": "‖shortcut(x)‖ 숏컷",
        "ratio": "‖F(x)‖ / ‖shortcut‖",
        "cosine": "cos(F(x), shortcut)",
        "norm": "L2 노름",
        "block": "블록 (P = 프로젝션(projection) 숏컷)",
        "lesion_title": "블록 제거 실험: 블록 하나씩 제거 (출력 = relu(shortcut(x)))",
        "prob": "목표 클래스 확률",
        "prob_log": "목표 클래스 확률 (로그 눈금)",
        "intact": "제거 전 모델",
        "changed": "1위 예측이 바뀜",
        "grad_title": "각 블록 입력에 대한 목표 로짓의 기울기",
        "grad_y": "‖∂ 로짓 / ∂ 블록 입력‖ (로그)",
        "grad_x": "블록 (마지막 → 처음)",
        "with_shortcuts": "잔차망 (그대로)",
        "plain": "일반 망: relu(F(x)), 숏컷 없음",
        "shatter_title": "산산조각 난 기울기 (Balduzzi 외 2017)",
        "shatter_x": "이미지를 지나는 무작위 직선 위의 거리 (입력 표준편차 단위)",
        "shatter_y": "이미지에서의 기울기와의 상관",
        "shatter_here": "여기서: 평균 상관 숏컷 있음 {res}, 일반 망 {plain}",
        "balduzzi": "Balduzzi 외(2017)는 초기화 시점에 가까운 입력들의 기울기가 스킵 연결이 없으면 있을 때보다 훨씬 빨리 "
        "상관을 잃는다(“산산조각 난다”)는 것을 발견했습니다. 여기서는 이 모델의 가중치로 이 이미지를 지나는 "
        "고정 시드 직선 하나에서 평균 상관이 숏컷 있음 {res}, 없음 {plain}입니다: {relation}.",
        "rel_higher": "발견대로 숏컷이 있을 때 더 높습니다",
        "rel_same": "거의 같아서({margin} 이내) 그 효과가 여기서는 보이지 않습니다",
        "rel_lower": "숏컷이 있을 때 더 낮아서 그 효과가 여기서는 보이지 않습니다",
        "deg_title": "훈련 오차: 일반 망 vs 잔차망 (도형 이미지, 32×32)",
        "deg_x": "반복 횟수",
        "deg_y": "훈련 오차",
        "res": "잔차망",
        "pl": "일반 망",
        "depth_title": "같은 시드의 무작위 초기화에서 기울기 흐름, 18…152층",
        "depth_x": "거꾸로 지나온 블록의 비율 (0 = 마지막 블록, 1 = 첫 블록)",
        "depth_bn_batch": "배치 정규화는 배치 통계 사용 (훈련 시작 때처럼)",
        "depth_bn_running": "배치 정규화는 이동 통계 사용 (초기화 때는 항등)",
        "solid": "실선: 잔차망",
        "dashed": "점선: 일반 망",
    },
}

RESIDUAL_COLOUR, SHORTCUT_COLOUR, PLAIN_COLOUR = "#4f46e5", "#f59e0b", "#dc2626"
# Widths in inches at 100 dpi close to the width each chart is shown at on a 1280×720 page
# (resnet_viz.legibility.DISPLAYED), so a 9 pt label stays >= 12 px on a projector; a fixed width
# (not one growing with the block count) keeps resnet152's 50 tick labels as large as resnet18's 8.
CHART_WIDTH = 7.0
DEGRADATION_WIDTH = 4.4


def _t(key: str, lang: str) -> str:
    return pick(TEXT, key, lang)


def _block_labels(names: list[str], projection: list[bool]) -> list[str]:
    return [f"{n} P" if p else n for n, p in zip(names, projection)]


def _xticks(ax, labels: list[str]) -> None:
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(
        labels,
        rotation=90 if len(labels) > 8 else 45,
        fontsize=9 if len(labels) > 20 else 10,
        ha="center" if len(labels) > 8 else "right",
    )


def norms_chart(norms: list[BlockNorms], lang: str = "en") -> Figure:
    names = [n.info.name for n in norms]
    proj = [n.info.shortcut == "projection" for n in norms]
    fig = new_figure(CHART_WIDTH, 5.4)
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    x = np.arange(len(norms))
    top.bar(x - 0.2, [n.residual_norm for n in norms], 0.4, color=RESIDUAL_COLOUR, label=_t("residual", lang))
    top.bar(
        x + 0.2, [n.shortcut_norm for n in norms], 0.4, color=SHORTCUT_COLOUR, label=_t("shortcut", lang), hatch=None
    )
    for i, p in enumerate(proj):
        if p:
            top.axvspan(i - 0.5, i + 0.5, color="#e5e7eb", zorder=0)
            bottom.axvspan(i - 0.5, i + 0.5, color="#e5e7eb", zorder=0)
    top.set_ylabel(_t("norm", lang))
    top.set_title(_t("norms_title", lang))
    top.legend(fontsize=10)
    bottom.bar(x, [n.ratio for n in norms], 0.6, color=RESIDUAL_COLOUR, alpha=0.6, label=_t("ratio", lang))
    bottom.axhline(1.0, color="#6b7280", lw=0.8, ls="--")
    twin = bottom.twinx()
    twin.plot(x, [n.cosine for n in norms], "o-", color="#059669", ms=3, lw=1, label=_t("cosine", lang))
    twin.set_ylim(-1, 1)
    twin.set_ylabel(_t("cosine", lang), color="#059669", fontsize=10)
    bottom.set_ylabel(_t("ratio", lang), fontsize=10)
    _xticks(bottom, _block_labels(names, proj))
    bottom.set_xlabel(_t("block", lang))
    fig.tight_layout()
    return fig


def lesion_floor(values: list[float]) -> float:
    """The log axis' bottom: a decade below the smallest value, so its bar is at least a decade tall."""
    smallest = min(v for v in values if v > 0) if any(v > 0 for v in values) else 1e-12
    return 10.0 ** (np.floor(np.log10(smallest)) - 1)


def lesion_chart(intact_prob: float, rows: list[LesionResult], lang: str = "en") -> Figure:
    """Target probability per removed block on a log axis: a lesion that drops it to 6e-9 draws a
    bar as visible as one that leaves it at 0.9 (a linear axis draws it as no bar at all).
    A removal that changes the top-1 class is red and hatched, with × above its bar."""
    fig = new_figure(CHART_WIDTH, 4.0)
    ax = fig.subplots()
    x = np.arange(len(rows))
    values = [r.target_prob for r in rows]
    floor = lesion_floor([intact_prob, *values])
    kept = [r.top1_kept for r in rows]
    colours = [RESIDUAL_COLOUR if k else PLAIN_COLOUR for k in kept]
    heights = [max(v, floor * 1.5) - floor for v in values]  # p = 0 exactly still shows a sliver
    ax.bar(x, heights, 0.7, bottom=floor, color=colours, hatch=[None if k else "//" for k in kept], edgecolor="white")
    ax.set_yscale("log")
    for i, (v, k) in enumerate(zip(values, kept)):
        if not k:
            ax.text(i, max(v, floor * 1.5) * 1.3, "×", ha="center", va="bottom", color=PLAIN_COLOUR, fontsize=12)
    worst = int(np.argmin(values)) if values else None
    if worst is not None:
        ax.annotate(
            f"{values[worst]:.2g}",
            (worst, max(values[worst], floor * 1.5)),
            xytext=(0, -4),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=10,
            color="white" if values[worst] > floor * 20 else "#111827",
        )
    ax.axhline(intact_prob, color="#111827", lw=1, ls="--", label=f"{_t('intact', lang)}: {intact_prob:.3g}")
    ax.add_patch(Rectangle((0, 0), 0, 0, color=PLAIN_COLOUR, hatch="//", label="× " + _t("changed", lang)))
    ax.set_ylim(floor, max(1.0, intact_prob, *values) * 4)
    ax.set_ylabel(_t("prob_log", lang))
    ax.set_title(_t("lesion_title", lang), pad=30, fontsize=11)
    _xticks(ax, _block_labels([r.info.name for r in rows], [r.info.shortcut == "projection" for r in rows]))
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)  # above the bars, never on them
    fig.tight_layout()
    return fig


def gradient_chart(flow: GradientFlow, projection: list[bool], lang: str = "en") -> Figure:
    fig = new_figure(CHART_WIDTH, 4.0)
    ax = fig.subplots()
    order = list(range(len(flow.names)))[::-1]
    x = np.arange(len(order))
    ax.semilogy(
        x, [flow.residual[i] for i in order], "o-", color=RESIDUAL_COLOUR, ms=3, label=_t("with_shortcuts", lang)
    )
    ax.semilogy(x, [flow.plain[i] for i in order], "s-", color=PLAIN_COLOUR, ms=3, label=_t("plain", lang))
    ax.set_title(_t("grad_title", lang))
    ax.set_ylabel(_t("grad_y", lang))
    ax.set_xlabel(_t("grad_x", lang))
    _xticks(ax, _block_labels([flow.names[i] for i in order], [projection[i] for i in order]))
    ax.legend(fontsize=10)
    fig.tight_layout()
    return fig


SHATTER_MARGIN = 0.05  # mean correlations closer than this are "about the same"


def shattering_means(shatter: Shattering) -> tuple[float, float]:
    """Mean correlation with the gradient at the image, over the points away from it: (residual, plain)."""
    return float(np.mean(shatter.residual[1:])), float(np.mean(shatter.plain[1:]))


def shattering_found(shatter: Shattering, lang: str = "en") -> str:
    """The caption: what Balduzzi et al. found, then what this line measured, and whether it agrees."""
    res, plain = shattering_means(shatter)
    key = "rel_higher" if res - plain > SHATTER_MARGIN else "rel_lower" if plain - res > SHATTER_MARGIN else "rel_same"
    relation = pick(TEXT, key, lang, margin=SHATTER_MARGIN)
    return pick(TEXT, "balduzzi", lang, res=f"{res:.2f}", plain=f"{plain:.2f}", relation=relation)


def shattering_chart(shatter: Shattering, lang: str = "en") -> Figure:
    fig = new_figure(CHART_WIDTH, 4.0)
    ax = fig.subplots()
    ax.plot(shatter.steps, shatter.residual, "o-", color=RESIDUAL_COLOUR, label=_t("with_shortcuts", lang))
    ax.plot(shatter.steps, shatter.plain, "s-", color=PLAIN_COLOUR, label=_t("plain", lang))
    ax.set_ylim(-0.1, 1.05)
    res, plain = shattering_means(shatter)
    ax.set_title(
        _t("shatter_title", lang) + "\n" + pick(TEXT, "shatter_here", lang, res=f"{res:.2f}", plain=f"{plain:.2f}")
    )
    ax.set_xlabel(_t("shatter_x", lang), fontsize=10)
    ax.set_ylabel(_t("shatter_y", lang), fontsize=10)
    ax.legend(fontsize=10)
    fig.tight_layout()
    return fig


DEPTH_COLOURS = ("#0284c7", "#16a34a", "#d97706", "#dc2626", "#7c3aed")


def depth_flow_chart(result: DepthFlows, lang: str = "en") -> Figure:
    """One line per depth and kind: x runs backwards through the blocks, so depths line up."""
    fig = new_figure(CHART_WIDTH, 4.6)
    ax = fig.subplots()
    for flow, colour in zip(result.flows, DEPTH_COLOURS):
        count = len(flow.names)
        x = np.linspace(0.0, 1.0, count)
        ax.semilogy(x, flow.residual[::-1], "-", color=colour, lw=2, label=f"ResNet-{flow.depth}")
        ax.semilogy(x, flow.plain[::-1], "--", color=colour, lw=1.3)
    ax.set_title(_t("depth_title", lang))
    ax.set_xlabel(_t("depth_x", lang), fontsize=10)
    ax.set_ylabel(_t("grad_y", lang))
    bn = _t("depth_bn_batch" if result.batch_statistics else "depth_bn_running", lang)
    ax.text(
        0.01,
        0.98,
        f"{_t('solid', lang)} · {_t('dashed', lang)}\n{bn} · seed {result.seed} · class {result.target}",
        transform=ax.transAxes,
        va="top",
        fontsize=9.5,
        color="#374151",
    )
    ax.legend(
        fontsize=9.5, loc="upper left", bbox_to_anchor=(0.0, 0.84)
    )  # the empty corner: plain lines rise to the right
    fig.tight_layout()
    return fig


def degradation_chart(report: dict, lang: str = "en") -> Figure:
    fig = new_figure(DEGRADATION_WIDTH, 3.6)
    ax = fig.subplots()
    styles = {0: "--", 1: "-"}
    depths = sorted({c["depth"] for c in report["curves"]})
    for c in report["curves"]:
        colour = RESIDUAL_COLOUR if c["residual"] else PLAIN_COLOUR
        width = 2.0 if c["depth"] == depths[-1] else 1.0
        name = _t("res" if c["residual"] else "pl", lang)
        ax.plot(
            c["iterations"],
            c["train_error"],
            styles[c["depth"] == depths[-1]],
            color=colour,
            lw=width,
            label=f"{name}-{c['depth']}",
        )
    ax.set_xlabel(_t("deg_x", lang))
    ax.set_ylabel(_t("deg_y", lang))
    ax.set_ylim(0, 1)
    ax.set_title(_t("deg_title", lang), fontsize=10)
    ax.legend(fontsize=9.5)
    fig.tight_layout()
    return fig


def chart_png(draw: Callable[..., Figure], *args, lang: str = "en", dpi: int = 100) -> bytes:
    """Draw a chart and encode it as PNG, both inside plotting.style (fonts for Korean)."""
    code = figure_lang(lang)
    with style(code):
        return figure_bytes(draw(*args, lang=code), "png", dpi)


def save_chart(path: str | Path, draw: Callable[..., Figure], *args, lang: str = "en") -> None:
    Path(path).write_bytes(chart_png(draw, *args, lang=lang))


CHARTS = ("norms", "lesion", "gradients", "shattering", "diagram")


def lab_chart_png(result, model, name: str, lang: str = "en") -> bytes:
    """One of the lab's charts (CHARTS) for a LabResult, as PNG."""
    from .diagram import block_diagram

    if name == "norms":
        return chart_png(norms_chart, result.norms, lang=lang)
    if name == "lesion":
        return chart_png(lesion_chart, result.intact_prob, result.lesions, lang=lang)
    if name == "gradients":
        return chart_png(gradient_chart, result.flow, result.projection, lang=lang)
    if name == "shattering":
        return chart_png(shattering_chart, result.shatter, lang=lang)
    if name == "diagram":
        return chart_png(block_diagram, model, result.model, lang=lang)
    raise KeyError(name)


def save_lab_charts(result, model, out: Path, lang: str = "en") -> list[Path]:
    paths = []
    for name in CHARTS:
        path = Path(out) / f"{name}.png"
        path.write_bytes(lab_chart_png(result, model, name, lang))
        paths.append(path)
    return paths
