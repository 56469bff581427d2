"""One composite, slide-ready figure per analysis: title, input, top-5, every stage's feature maps
above its CAM, one colour bar. Matplotlib Figure via resnet_viz.plotting (no pyplot), en/ko."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from .analysis import AnalysisResult, StageResult
from .cam import CAM_METHODS
from .i18n import pick
from .plotting import FORMATS, figure_bytes, figure_lang, new_figure, style
from .render import COLORMAPS, cam_overlay, feature_grid

DPI = 200
WIDTH_IN, HEIGHT_IN = 14.0, 7.4  # 2800 × 1480 px at 200 dpi: 16:9-ish, a slide
CAM_COLORMAP = "jet"  # grad-cam's show_cam_on_image blends with OpenCV's JET; the colour bar must match

TEXT = {
    "en": {
        "title": "{model} · weights {weights}{untrained} · {device}\n{method} for class “{label}” ({index}) · {scale}",
        "untrained": " (UNTRAINED: predictions are meaningless)",
        "per_stage": "each stage's CAM scaled 0–1 on its own",
        "shared": "CAMs share one 0–1 scale",
        "input": "Input as the network sees it\n(resized, centre-cropped, {size})",
        "top": "Top-{k} predictions",
        "features": "Feature maps\n(strongest {n} channels)",
        "cam": "{method}\nfor “{label}”",
        "no_cam": "No CAM for the stem:\nit sees edges and colours,\nnot classes",
        "colorbar": "{method} (0 = no evidence, 1 = strongest)",
        "caption": "Feature maps: each tile is one channel, min–max scaled on its own, channel id in the corner; "
        "they show what a stage responds to, not what it is worth for the class. "
        "CAMs show where the evidence for the class lies, not why.",
    },
    "ko": {
        "title": "{model} · 가중치 {weights}{untrained} · {device}\n클래스 “{label}” ({index})에 대한 {method} · {scale}",
        "untrained": " (학습되지 않음: 예측은 의미가 없습니다)",
        "per_stage": "단계마다 CAM을 0–1로 따로 정규화",
        "shared": "모든 단계의 CAM이 하나의 0–1 척도를 공유",
        "input": "네트워크가 보는 입력\n(크기 조정, 가운데 자르기, {size})",
        "top": "상위 {k}개 예측",
        "features": "특징 맵\n(가장 강한 채널 {n}개)",
        "cam": "{method}\n“{label}”의 근거",
        "no_cam": "스템에는 CAM이 없습니다:\n클래스가 아니라\n가장자리와 색을 봅니다",
        "colorbar": "{method} (0 = 근거 없음, 1 = 가장 강함)",
        "caption": "특징 맵: 타일 하나가 채널 하나이며 각각 최소–최대로 정규화했고, 모서리에 채널 번호가 있습니다. "
        "단계가 무엇에 반응하는지를 보여 줄 뿐 클래스에 얼마나 중요한지는 보여 주지 않습니다. "
        "CAM은 클래스의 근거가 어디에 있는지를 보여 주지만, 왜인지는 보여 주지 않습니다.",
    },
}


@dataclass(frozen=True)
class FigureOptions:
    """Everything that changes a figure's pixels besides the analysis itself."""

    lang: str = "en"
    channels: int = 16
    colormap: str = "viridis"  # feature maps; CAMs are always JET (grad-cam's overlay)
    alpha: float = 0.5  # CAM overlay opacity
    dark: bool = False
    font_scale: float = 1.0

    def checked(self) -> FigureOptions:
        from .errors import ModelChoiceError

        if self.colormap not in COLORMAPS:
            raise ModelChoiceError("unknown_colormap", value=self.colormap, choices=", ".join(COLORMAPS))
        if not 0.0 <= self.alpha <= 1.0:
            raise ModelChoiceError("opacity_range", value=self.alpha)
        if not 0.5 <= self.font_scale <= 2.0:
            raise ModelChoiceError("font_scale_range", value=self.font_scale)
        return self

    def as_dict(self) -> dict:
        return asdict(self)


def _stage_title(stage: StageResult) -> str:
    name = "conv1 · stem" if stage.name == "maxpool" else f"{stage.paper_name} · {stage.name}"
    return f"{name}\n{stage.level} · {stage.shape_text}"


def class_words(result: AnalysisResult) -> tuple[str, str]:
    """The heatmaps' class as a label and an index; with a contrast class B both say "A − B"
    (the maps then explain logit A − logit B, not A alone)."""
    if result.contrast is None:
        return result.target.label, str(result.target.index)
    return (f"{result.target.label}” − “{result.contrast.label}", f"{result.target.index} − {result.contrast.index}")


def _title(result: AnalysisResult, lang: str) -> str:
    method = CAM_METHODS[result.method].label
    label, index = class_words(result)
    return pick(
        TEXT,
        "title",
        lang,
        model=result.model_name,
        weights=result.weights_label,
        untrained=pick(TEXT, "untrained", lang) if result.weights_status == "untrained" else "",
        device=result.device,
        label=label,
        index=index,
        method=method,
        scale=pick(TEXT, "per_stage" if result.normalization == "per-stage" else "shared", lang),
    )


def _bare(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def _top_bars(ax, result: AnalysisResult, lang: str, fg: str) -> None:
    """Horizontal bars, the class name written on each bar (names are too long for tick labels)."""
    labels = [label for label, _ in result.predictions]
    probabilities = [p for _, p in result.predictions]
    rows = np.arange(len(labels))[::-1]
    ax.barh(rows, probabilities, height=0.8, color="#818cf8", alpha=0.55)
    for row, label, p in zip(rows, labels, probabilities):
        ax.text(
            0.02,
            row,
            f"{p:.1%}  {label}",
            va="center",
            ha="left",
            fontsize="medium",
            color=fg,
            transform=ax.get_yaxis_transform(),
            clip_on=True,
        )
    ax.set_xlim(0, max(1e-6, max(probabilities)) * 1.02)
    ax.set_ylim(-0.6, len(labels) - 0.4)
    ax.set_title(pick(TEXT, "top", lang, k=len(labels)), fontsize="large", loc="left")
    _bare(ax)


def draw_figure(result: AnalysisResult, options: FigureOptions = FigureOptions()) -> Figure:
    """The composite figure. Call inside `plotting.style(...)` (see render_figure)."""
    lang = options.lang
    fg = "#f3f4f6" if options.dark else "#111827"
    method = CAM_METHODS[result.method].label
    fig = new_figure(WIDTH_IN, HEIGHT_IN)
    n_stages = len(result.stages)
    # Columns: input and top-5 | row labels | one per stage | colour bar.
    grid = fig.add_gridspec(
        2,
        n_stages + 3,
        width_ratios=[1.4, 0.16] + [1] * n_stages + [0.07],
        left=0.015,
        right=0.95,
        top=0.83,
        bottom=0.1,
        wspace=0.07,
        hspace=0.22,
    )
    fig.text(0.5, 0.97, _title(result, lang), ha="center", va="top", fontsize="x-large", linespacing=1.4)

    ax = fig.add_subplot(grid[0, 0])
    ax.imshow(np.asarray(result.image))
    ax.set_title(pick(TEXT, "input", lang, size="×".join(map(str, result.image.size))), fontsize="medium")
    _bare(ax)
    _top_bars(fig.add_subplot(grid[1, 0]), result, lang, fg)

    for row, key, values in (
        (0, "features", {"n": max(8, min(64, options.channels))}),
        (1, "cam", {"method": method, "label": class_words(result)[0]}),
    ):
        label_ax = fig.add_subplot(grid[row, 1])
        label_ax.axis("off")
        label_ax.text(
            0.5,
            0.5,
            pick(TEXT, key, lang, **values),
            rotation=90,
            ha="center",
            va="center",
            fontsize="large",
            color=fg,
            transform=label_ax.transAxes,
        )
    for column, stage in enumerate(result.stages, start=2):
        top = fig.add_subplot(grid[0, column])
        image, _ = feature_grid(stage.activation, options.channels, options.colormap)
        top.imshow(np.asarray(image.convert("RGB")), interpolation="nearest")
        top.set_title(_stage_title(stage), fontsize="large", fontweight="bold")
        _bare(top)
        bottom = fig.add_subplot(grid[1, column])
        if stage.cam is None:
            bottom.text(
                0.5,
                0.5,
                pick(TEXT, "no_cam", lang),
                ha="center",
                va="center",
                fontsize="medium",
                transform=bottom.transAxes,
                color=fg,
            )
            bottom.set_aspect("equal")
        else:
            bottom.imshow(np.asarray(cam_overlay(result.image, stage.cam, options.alpha)))
        _bare(bottom)
    colorbar_ax = fig.add_subplot(grid[1, n_stages + 2])
    bar = fig.colorbar(ScalarMappable(Normalize(0, 1), CAM_COLORMAP), cax=colorbar_ax)
    bar.set_label(pick(TEXT, "colorbar", lang, method=method), fontsize="medium")
    fig.text(
        0.5,
        0.025,
        pick(TEXT, "caption", lang),
        ha="center",
        va="bottom",
        fontsize="small",
        wrap=True,
        color=fg,
        alpha=0.85,
    )
    return fig


def render_figure(
    result: AnalysisResult, options: FigureOptions = FigureOptions(), formats: tuple[str, ...] = FORMATS
) -> dict[str, bytes]:
    """The figure as {format: bytes}. Same analysis and options: same bytes (fixed metadata)."""
    options = options.checked()
    lang = figure_lang(options.lang)  # Korean without a CJK font: English, with a warning
    if lang != options.lang:
        options = FigureOptions(**{**options.as_dict(), "lang": lang})
    with style(lang, options.dark, options.font_scale):
        fig = draw_figure(result, options)
        return {fmt: figure_bytes(fig, fmt, DPI) for fmt in formats}
