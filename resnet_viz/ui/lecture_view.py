"""The one-screen view: the analysis on screen (top-5, input, all five stages as columns) sized for a
1280×720 projector, and a button for the composite figure as PNG/SVG/PDF."""

from __future__ import annotations

import gradio as gr

from ..analysis import renormalized
from ..figure import FigureOptions
from ..freshness import stale_notice
from ..i18n import pick
from ..lecture import figure_files
from ..onescreen import one_screen_html
from ..service import subject_of
from .context import ViewContext
from .errors import handles_errors

TEXT = {
    "en": {
        "button": "Figure for slides (PNG, SVG, PDF)",
        "files": "Composite figure: input, top-5, every stage's feature maps above its CAM, one colour bar",
        "dark": "dark background",
        "hint": "Tip: close the sidebar (◀ at its edge) to give the stages the whole width.",
        "none": "Analyze an image first.",
        "handout": "Handout to print (A4 PDF)",
        "handout_file": "Handout: theory, the model's stages, this photo, the lab's charts, misconceptions",
    },
    "ko": {
        "button": "슬라이드용 그림 (PNG, SVG, PDF)",
        "files": "합성 그림: 입력, 상위 5개 예측, 단계마다 특징 맵 아래에 CAM, 색 막대 하나",
        "dark": "어두운 배경",
        "hint": "팁: 사이드바를 닫으면(가장자리의 ◀) 단계들이 화면 전체 너비를 씁니다.",
        "none": "먼저 이미지를 분석하세요.",
        "handout": "인쇄용 강의 자료 (A4 PDF)",
        "handout_file": "강의 자료: 원리, 모델의 단계, 이 사진, 실험실 그림, 흔한 오해",
    },
}


def build(ctx: ViewContext) -> None:
    analyzer = ctx.analyzer
    display = list(ctx.display)  # channels, normalization, colormap, opacity (the stages view's)

    def result_for(key: str, normalization: str):
        entry = analyzer.cached(key) if key else None
        return renormalized(entry[0], normalization) if entry else None

    @handles_errors
    def show(key: str, channels, normalization: str, colormap: str, alpha: float, lang: str):
        """The analysis on screen, drawn with the display settings in the sidebar."""
        return one_screen_html(result_for(key, normalization), lang, colormap, float(alpha))

    @handles_errors
    def make_figure(key: str, lang: str, dark: bool, channels, normalization: str, colormap: str, alpha: float):
        result = result_for(key, normalization)
        if result is None:
            raise gr.Error(pick(TEXT, "none", lang))
        options = FigureOptions(lang=lang, dark=dark, channels=int(channels), colormap=colormap, alpha=float(alpha))
        return figure_files(result, options, ctx.store)

    @handles_errors
    def freshness(shown, image, model, weights, method, target, lang, contrast=""):
        """The same 'not up to date' notice as the stages view: this screen shows the same analysis."""
        notice = stale_notice(shown, subject_of(image, model, weights, method, target, contrast), lang)
        return gr.Markdown(notice, visible=bool(notice))

    stale = gr.Markdown(visible=False, elem_classes=["stale"], elem_id="one-screen-stale")
    screen = gr.HTML(one_screen_html(None), elem_id="one-screen", padding=False)
    with gr.Row(equal_height=True):
        hint = gr.Markdown(pick(TEXT, "hint", "en"))
        dark = gr.Checkbox(False, label=pick(TEXT, "dark", "en"), scale=0, min_width=160)
        button = gr.Button(pick(TEXT, "button", "en"), scale=0, min_width=280, elem_id="figure-button")
    files = gr.File(
        label=pick(TEXT, "files", "en"), file_count="multiple", interactive=False, height=90, elem_id="figure-files"
    )
    handout_button, handout_file = _handout(ctx)

    private = dict(api_visibility="private", show_progress="hidden")
    freshness_inputs = [ctx.shown, *ctx.subject, ctx.lang, ctx.contrast]
    show_inputs = [ctx.result_key, *display, ctx.lang]
    for control in [ctx.result_key, *display, ctx.lang]:
        control.change(show, show_inputs, [screen], concurrency_id="render", **private)
    # Figure files belong to one analysis drawn one way: a new analysis or display leaves none behind.
    for control in [ctx.result_key, *display]:
        control.change(lambda: None, None, [files], **private)
    for control in [ctx.shown, *ctx.subject, ctx.contrast, ctx.lang]:
        control.change(freshness, freshness_inputs, [stale], **private)
    button.click(
        make_figure, [ctx.result_key, ctx.lang, dark, *display], [files], api_name="figure", concurrency_id="render"
    )
    ctx.on_language.append(
        (
            [handout_button, handout_file],
            lambda lang: [gr.Button(pick(TEXT, "handout", lang)), gr.File(label=pick(TEXT, "handout_file", lang))],
        )
    )
    ctx.on_language.append(
        (
            [hint, dark, button, files],
            lambda lang: [
                pick(TEXT, "hint", lang),
                gr.Checkbox(label=pick(TEXT, "dark", lang)),
                gr.Button(pick(TEXT, "button", lang)),
                gr.File(label=pick(TEXT, "files", lang)),
            ],
        )
    )


def _handout(ctx: ViewContext):
    """The printable handout of the analysis on screen, as a download (resnet_viz/handout.py)."""
    with gr.Row(equal_height=True):
        button = gr.Button(TEXT["en"]["handout"], scale=0, min_width=280, elem_id="handout-button")
        file = gr.File(label=TEXT["en"]["handout_file"], interactive=False, height=90, elem_id="handout-file")

    @handles_errors
    def make_handout(key: str, lang: str, shown):
        entry = ctx.analyzer.cached(key) if key else None
        if entry is None:
            raise gr.Error(pick(TEXT, "none", lang))
        from ..handout import handout_pdf

        result, loaded = entry
        return ctx.store.write(
            handout_pdf(result, loaded.module, lang, getattr(shown, "image", "")), "pdf", f"handout-{lang}"
        )

    button.click(
        make_handout, [ctx.result_key, ctx.lang, ctx.shown], [file], api_name="handout", concurrency_id="render"
    )
    return button, file
