"""The study's charts: matplotlib Figures (never pyplot), drawn inside plotting.style, en and ko."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib import colors as mcolors
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from ..i18n import pick
from ..plotting import figure_bytes, figure_lang, new_figure, style
from . import summary

TEXT = {
    "en": {
        "plain": "plain",
        "residual": "ResNet (option A)",
        "preact": "pre-activation ResNet",
        "iterations": "iterations",
        "error": "error (%)",
        "layers": "{depth} layers",
        "seeds": "{n} seed(s)",
        "partial": ", stopped at {it}",
        "fig6_title": "Training (thin) and held-out (bold) error, mean and min-max band over seeds",
        "dataset": "procedural 10-class colour set, {size}×{size}, {train} train / {test} held-out",
        "single_title": "One block deleted at test time (Veit et al. 2016)",
        "block": "deleted block (model order)",
        "held_out_error": "held-out error (%)",
        "intact": "{kind}-{depth} intact: {error:.1f}%",
        "downsampling": "downsampling block",
        "random_title": "k random blocks deleted\n(mean ± std over draws)",
        "k": "blocks deleted (k)",
        "contour_title": "{kind}-{depth}\nloss around the trained weights",
        "alpha": "direction 1 (α)",
        "beta": "direction 2 (β)",
        "loss": "held-out loss (log colour scale)",
        "surface_title": "{kind}-{depth}",
        "grad_title": "‖∂loss/∂(block input)‖ at initialisation, {depth} layers",
        "grad_x": "block (input side → output side)",
        "grad_y": "gradient norm (log)",
        "post": "original (post-activation)",
        "pre": "full pre-activation",
        "plain_line": "plain (no shortcut)",
        "variants_title": "Five placements of BN, ReLU and the addition (He et al. 2016, Fig. 4)",
        "v_a": "(a) original",
        "v_b": "(b) BN after\naddition",
        "v_c": "(c) ReLU before\naddition",
        "v_d": "(d) ReLU-only\npre-activation",
        "v_e": "(e) full\npre-activation",
        "paper_err": "paper: {value} %",
        "addition": "addition",
        "weight": "weight",
    },
    "ko": {
        "plain": "일반 망(plain)",
        "residual": "ResNet (옵션 A)",
        "preact": "사전 활성화 ResNet",
        "iterations": "반복 횟수",
        "error": "오차 (%)",
        "layers": "{depth}층",
        "seeds": "시드 {n}개",
        "partial": ", {it}회에서 멈춤",
        "fig6_title": "훈련 오차(가는 선)와 테스트 오차(굵은 선): 시드 평균과 최소-최대 띠",
        "dataset": "절차적으로 만든 10종 컬러 데이터, {size}×{size}, 훈련 {train}장 / 테스트 {test}장",
        "single_title": "테스트 때 블록 하나 제거 (Veit 외 2016)",
        "block": "제거한 블록 (모델 순서)",
        "held_out_error": "테스트 오차 (%)",
        "intact": "{kind}-{depth} 제거 전: {error:.1f}%",
        "downsampling": "다운샘플링 블록",
        "random_title": "무작위 블록 k개 제거\n(추첨 평균 ± 표준편차)",
        "k": "제거한 블록 수 (k)",
        "contour_title": "{kind}-{depth}\n학습된 가중치 주변의 손실 지형",
        "alpha": "방향 1 (α)",
        "beta": "방향 2 (β)",
        "loss": "테스트 배치 손실 (로그 색 척도)",
        "surface_title": "{kind}-{depth}",
        "grad_title": "초기화 때 블록 입력에 대한 기울기 노름, {depth}층",
        "grad_x": "블록 (입력 쪽 → 출력 쪽)",
        "grad_y": "기울기 노름 (로그)",
        "post": "원래 블록 (사후 활성화)",
        "pre": "완전 사전 활성화",
        "plain_line": "일반 망 (숏컷 없음)",
        "variants_title": "BN, ReLU, 덧셈의 다섯 가지 배치 (He 외 2016, 그림 4)",
        "v_a": "(a) 원래 블록",
        "v_b": "(b) 덧셈 뒤 BN",
        "v_c": "(c) 덧셈 앞 ReLU",
        "v_d": "(d) ReLU만\n사전 활성화",
        "v_e": "(e) 완전\n사전 활성화",
        "paper_err": "논문: {value} %",
        "addition": "덧셈",
        "weight": "가중치",
    },
}

DEPTH_COLOURS = {20: "#2563eb", 32: "#059669", 44: "#d97706", 56: "#dc2626", 110: "#7c3aed"}
KIND_COLOURS = {"residual": "#4f46e5", "preact": "#059669", "plain": "#dc2626"}
FONT_SCALE = 1.3  # smallest text ~12 px at the app's width


def _t(key: str, lang: str, **values) -> str:
    return pick(TEXT, key, lang, **values)


def depth_figure(document: dict, lang: str = "en") -> Figure:
    """He et al. 2015 Fig. 6 style: one panel per kind, one colour per depth, thin train, bold test."""
    grouped = summary.groups(document)
    kinds = [k for k in document["matrix"]["kinds"] if any(g[0] == k for g in grouped)]
    fig = new_figure(5.0 * max(1, len(kinds)), 5.0)
    axes = np.atleast_1d(fig.subplots(1, max(1, len(kinds)), sharey=True))
    for ax, kind in zip(axes, kinds):
        for depth in sorted(document["matrix"]["depths"]):
            runs = summary.finished_runs(grouped.get((kind, depth), []))
            if not runs:
                continue
            partial = "" if all(r.get("completed") for r in runs) else _t("partial", lang, it=runs[0]["iterations"][-1])
            colour = DEPTH_COLOURS.get(depth, "#374151")
            for key, width in (("train_error", 1.0), ("test_error", 2.6)):
                its, mean, low, high = summary.curve(runs, key)
                label = None
                if key == "test_error":
                    label = f"{_t('layers', lang, depth=depth)} ({_t('seeds', lang, n=len(runs))}{partial})"
                ax.plot(its, mean, color=colour, lw=width, label=label)
                ax.fill_between(its, low, high, color=colour, alpha=0.15 if key == "test_error" else 0.08, lw=0)
        ax.set_title(_t(kind, lang))
        ax.set_xlabel(_t("iterations", lang))
        ax.grid(alpha=0.3)
        ax.legend(loc="lower left")
    axes[0].set_ylabel(_t("error", lang))
    data = document["dataset"]
    fig.suptitle(
        f"{_t('fig6_title', lang)}\n{_t('dataset', lang, size=data['size'], train=data['train'], test=data['test'])}"
    )
    fig.tight_layout()
    return fig


def lesion_figure(results: list[dict], lang: str = "en") -> Figure:
    fig = new_figure(14.0, 5.6)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    width = 0.8 / max(1, len(results))
    for offset, result in enumerate(results):
        colour = KIND_COLOURS.get(result["kind"], "#374151")
        x = np.arange(len(result["single"])) + (offset - (len(results) - 1) / 2) * width
        errors = [row["error"] for row in result["single"]]
        edge = ["#111827" if row["downsampling"] else colour for row in result["single"]]
        left.bar(
            x,
            errors,
            width,
            color=colour,
            edgecolor=edge,
            linewidth=[2 if row["downsampling"] else 0 for row in result["single"]],
            hatch=None,
            label=_t(
                "intact", lang, kind=_t(result["kind"], lang), depth=result["depth"], error=result["intact_error"]
            ),
        )
        left.axhline(result["intact_error"], color=colour, lw=1, ls="--")
        for xi, row in zip(x, result["single"]):
            if row["downsampling"]:
                left.annotate("↓", (xi, row["error"]), ha="center", va="bottom", fontsize=14, color="#111827")
        ks = [row["k"] for row in result["random_k"]]
        right.errorbar(
            ks,
            [row["mean_error"] for row in result["random_k"]],
            [row["std"] for row in result["random_k"]],
            color=colour,
            marker="o",
            capsize=3,
            label=f"{_t(result['kind'], lang)}-{result['depth']}",
        )
    left.plot(
        [], [], "s", color="white", markeredgecolor="#111827", markeredgewidth=2, label=f"↓ {_t('downsampling', lang)}"
    )
    left.set_title(_t("single_title", lang))
    left.set_xlabel(_t("block", lang))
    left.set_ylabel(_t("held_out_error", lang))
    left.set_ylim(0, 130)
    left.set_yticks(range(0, 101, 20))
    left.legend(loc="upper left", fontsize=11, ncol=2)
    right.set_title(_t("random_title", lang))
    right.set_xlabel(_t("k", lang))
    right.set_ylim(0, 100)
    right.grid(alpha=0.3)
    right.legend(loc="lower right", fontsize=11)
    fig.tight_layout()
    return fig


def _shared_norm(results: list[dict]) -> mcolors.LogNorm:
    losses = np.concatenate([np.array(r["loss"]).ravel() for r in results])
    return mcolors.LogNorm(vmin=max(losses.min(), 1e-3), vmax=max(losses.max(), losses.min() * 1.01))


def landscape_contour_figure(results: list[dict], lang: str = "en") -> Figure:
    """Side-by-side contours on one logarithmic colour scale (the same levels under every panel)."""
    norm = _shared_norm(results)
    levels = np.geomspace(norm.vmin, norm.vmax, 25)
    fig = new_figure(5.2 * len(results) + 1.6, 5.4, layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(results)))
    image = None
    for ax, result in zip(axes, results):
        a, b = np.meshgrid(result["alphas"], result["betas"])
        loss = np.clip(np.array(result["loss"]), norm.vmin, norm.vmax)
        image = ax.contourf(a, b, loss, levels=levels, norm=norm, cmap="viridis")
        ax.contour(a, b, loss, levels=levels[::3], colors="white", linewidths=0.5)
        ax.plot(0, 0, "r+", ms=14, mew=2)
        ax.set_title(_t("contour_title", lang, kind=_t(result["kind"], lang), depth=result["depth"]))
        ax.set_xlabel(_t("alpha", lang))
        ax.set_ylabel(_t("beta", lang))
        ax.set_aspect("equal")
    colourbar = fig.colorbar(image, ax=list(axes), shrink=0.9)
    ticks = np.geomspace(norm.vmin, norm.vmax, 6)
    colourbar.set_ticks(ticks, labels=[f"{t:.3g}" for t in ticks])
    colourbar.minorticks_off()
    colourbar.set_label(_t("loss", lang))
    return fig


def landscape_surface_figure(results: list[dict], lang: str = "en") -> Figure:
    norm = _shared_norm(results)
    fig = new_figure(5.5 * len(results), 5.0)
    zmax = np.log10(norm.vmax)
    zmin = np.log10(norm.vmin)
    for index, result in enumerate(results):
        ax = fig.add_subplot(1, len(results), index + 1, projection="3d")
        a, b = np.meshgrid(result["alphas"], result["betas"])
        loss = np.clip(np.array(result["loss"]), norm.vmin, norm.vmax)
        ax.plot_surface(
            a, b, np.log10(loss), cmap="viridis", norm=mcolors.Normalize(zmin, zmax), linewidth=0, antialiased=True
        )
        ax.set_zlim(zmin, zmax)
        ax.set_title(_t("surface_title", lang, kind=_t(result["kind"], lang), depth=result["depth"]))
        ax.set_xlabel("α")
        ax.set_ylabel("β")
        ax.set_zlabel("log10 loss")
    fig.tight_layout()
    return fig


def gradnorm_figure(document: dict, lang: str = "en") -> Figure:
    depths = sorted({row["depth"] for row in document["rows"]})
    fig = new_figure(6.0 * len(depths), 4.8)
    axes = np.atleast_1d(fig.subplots(1, len(depths)))
    names = {"residual": "post", "preact": "pre", "plain": "plain_line"}
    for ax, depth in zip(axes, depths):
        for row in document["rows"]:
            if row["depth"] != depth:
                continue
            ax.semilogy(
                np.arange(1, len(row["grad_norm"]) + 1),
                row["grad_norm"],
                "o-",
                ms=3,
                color=KIND_COLOURS[row["kind"]],
                label=_t(names[row["kind"]], lang),
                lw=1 if row["kind"] == "plain" else 2,
            )
        ax.set_title(_t("grad_title", lang, depth=depth))
        ax.set_xlabel(_t("grad_x", lang))
        ax.set_ylabel(_t("grad_y", lang))
        ax.grid(alpha=0.3, which="both")
        ax.legend()
    fig.tight_layout()
    return fig


# He et al. 2016 Fig. 4, each unit from its input (bottom) to its output (top); "+" is the addition.
VARIANTS = {
    "v_a": (["weight", "BN", "ReLU", "weight", "BN", "+", "ReLU"], "6.61"),
    "v_b": (["weight", "BN", "ReLU", "weight", "+", "BN", "ReLU"], "8.17"),
    "v_c": (["weight", "BN", "ReLU", "weight", "BN", "ReLU", "+"], "7.84"),
    "v_d": (["ReLU", "weight", "BN", "ReLU", "weight", "BN", "+"], "6.71"),
    "v_e": (["BN", "ReLU", "weight", "BN", "ReLU", "weight", "+"], "6.37"),
}
_BOX_COLOURS = {"weight": "#c7d2fe", "BN": "#fde68a", "ReLU": "#bbf7d0", "+": "#fecaca"}


def variants_figure(lang: str = "en") -> Figure:
    """The five residual units of He et al. 2016 Fig. 4, with the paper's ResNet-110 CIFAR-10 error."""
    fig = new_figure(13.0, 6.4)
    ax = fig.subplots()
    ax.set_xlim(0, 5)
    ax.set_ylim(-1.6, 8.6)
    ax.axis("off")
    for column, (key, (layers, error)) in enumerate(VARIANTS.items()):
        cx = column + 0.45
        ax.annotate("", xy=(cx, 0.1), xytext=(cx, -0.5), arrowprops={"arrowstyle": "->", "lw": 1.5})
        add_y = layers.index("+") + 0.5
        for row, name in enumerate(layers):
            y = row + 0.5
            label = _t("weight", lang) if name == "weight" else ("⊕" if name == "+" else name)
            box = FancyBboxPatch(
                (cx - 0.3, y - 0.35),
                0.6,
                0.7,
                boxstyle="round,pad=0.02",
                facecolor=_BOX_COLOURS[name],
                edgecolor="#374151",
            )
            ax.add_patch(box)
            ax.text(cx, y, label, ha="center", va="center", fontsize=14 if name == "+" else 12)
            if row + 1 < len(layers):
                ax.annotate("", xy=(cx, y + 0.65), xytext=(cx, y + 0.35), arrowprops={"arrowstyle": "->"})
        # The identity shortcut: from below the first layer to the addition, on the right.
        ax.plot([cx, cx + 0.4, cx + 0.4], [-0.2, -0.2, add_y], color="#4f46e5", lw=2)
        ax.annotate(
            "",
            xy=(cx + 0.3, add_y),
            xytext=(cx + 0.4, add_y),
            arrowprops={"arrowstyle": "->", "color": "#4f46e5", "lw": 2},
        )
        ax.annotate("", xy=(cx, 7.9), xytext=(cx, 7.15), arrowprops={"arrowstyle": "->", "lw": 1.5})
        ax.text(cx, -1.0, _t(key, lang), ha="center", va="top", fontsize=12)
        ax.text(
            cx,
            8.3,
            _t("paper_err", lang, value=error),
            ha="center",
            va="center",
            fontsize=12,
            fontweight="bold" if key in ("v_a", "v_e") else None,
        )
    ax.set_title(_t("variants_title", lang), fontsize=14)
    fig.tight_layout()
    return fig


def _save(make, out: Path, stem: str, *args) -> list[Path]:
    paths = []
    for lang in ("en", "ko"):
        code = figure_lang(lang)
        with style(code, font_scale=FONT_SCALE):
            figure = make(*args, lang=code)
            path = out / f"{stem}{'' if lang == 'en' else '_ko'}.png"
            path.write_bytes(figure_bytes(figure, "png", dpi=100))
        paths.append(path)
    return paths


def write_depth_charts(document: dict, out: str | Path) -> list[Path]:
    return _save(depth_figure, Path(out), "depth_study", document)


def write_lesion_charts(results: list[dict], out: str | Path) -> list[Path]:
    return _save(lesion_figure, Path(out), "lesions", results)


def write_landscape_charts(results: list[dict], out: str | Path) -> list[Path]:
    return _save(landscape_contour_figure, Path(out), "landscape_contour", results) + _save(
        landscape_surface_figure, Path(out), "landscape_surface", results
    )


def write_gradnorm_charts(document: dict, out: str | Path) -> list[Path]:
    return _save(gradnorm_figure, Path(out), "gradnorms", document)


def write_variants_chart(out: str | Path) -> list[Path]:
    return _save(variants_figure, Path(out), "block_variants")
