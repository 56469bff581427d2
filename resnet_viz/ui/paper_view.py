"""The Paper tab: the study shipped in assets/study (He 2015, Veit 2016, Li 2018, He 2016), shown offline
with no training; each chart with the paper's claim, what was measured here, and the verdict. One live
piece: a coarse 11×11 loss landscape of a shipped checkpoint."""

from __future__ import annotations

import gradio as gr

from ..i18n import pick
from ..plotting import figure_bytes, figure_lang, style
from ..study import charts as study_charts
from ..study.landscape import live_landscape, shipped_checkpoints
from ..study.paper import ASSETS, comparison_table, section_markdown, study_sections
from .context import ViewContext
from .errors import handles_errors

TEXT = {
    "en": {
        "intro": "### Paper: the experiments at the papers' depths\nPlain, residual and pre-activation CIFAR-style nets "
        "of 20 and 56 layers, trained on this machine's CPU on a procedural 10-class set (assets/study). "
        "Everything here is read from the shipped files: nothing is trained when you open this tab. "
        "A verdict says **appears** only when the gap is larger than the spread over seeds.",
        "live": "Live loss landscape, 11×11 (about a minute on a 2-core CPU)",
        "checkpoint": "shipped checkpoint (seed 0)",
        "run": "Compute",
        "live_head": "**{name}**: loss {centre:.3f} at the trained weights, {low:.3f}…{high:.3f} over the grid.",
        "stale": "⚠️ **Not up to date:** this landscape is of {shown}; the checkpoint chosen is {current}. Press Compute.",
        "none": "No shipped checkpoints in assets/study/checkpoints.",
    },
    "ko": {
        "intro": "### 논문 재현: 논문의 깊이에서 본 실험\n20층과 56층의 CIFAR식 일반 망, 잔차망, 사전 활성화 망을 "
        "이 컴퓨터의 CPU에서 절차적으로 만든 10종 데이터로 학습했습니다(assets/study). "
        "이 탭은 배포된 파일만 읽으며, 탭을 열 때 학습하지 않습니다. "
        "차이가 시드 간 편차보다 클 때만 판정을 **나타남**으로 씁니다.",
        "live": "손실 지형 바로 계산, 11×11 (2코어 CPU에서 약 1분)",
        "checkpoint": "배포된 체크포인트 (시드 0)",
        "run": "계산",
        "live_head": "**{name}**: 학습된 가중치에서 손실 {centre:.3f}, 격자 전체 {low:.3f}…{high:.3f}.",
        "stale": "⚠️ **최신이 아닙니다:** 이 손실 지형은 {shown}의 것이고, 지금 고른 체크포인트는 {current}입니다. 계산을 누르세요.",
        "none": "assets/study/checkpoints에 배포된 체크포인트가 없습니다.",
    },
}


def _t(key: str, lang: str, **values) -> str:
    return pick(TEXT, key, lang, **values)


def page_content(lang: str = "en") -> list[tuple[str, list[str]]]:
    """(markdown, chart paths) per block of the page, in order: the table first, then one per chart."""
    blocks = [(_t("intro", lang), []), (comparison_table(lang, ASSETS), [])]
    for section in study_sections(lang, ASSETS):
        blocks.append((section_markdown(section, lang), [str(p) for p in section.charts]))
    return blocks


def landscape_png(result: dict, lang: str) -> bytes:
    code = figure_lang(lang)
    with style(code, font_scale=study_charts.FONT_SCALE):
        return figure_bytes(study_charts.landscape_contour_figure([result], lang=code), "png")


def live_summary(result: dict, lang: str) -> str:
    import numpy as np

    loss = np.array(result["loss"])
    return _t(
        "live_head", lang, name=result["checkpoint"], centre=result["center_loss"], low=loss.min(), high=loss.max()
    )


def build(ctx: ViewContext) -> None:
    content = page_content("en")
    markdowns, galleries = [], []
    for text, charts in content:
        markdowns.append(gr.Markdown(text))
        images = [gr.Image(value=path, show_label=False, interactive=False, buttons=["download"]) for path in charts]
        galleries.append(images)
    checkpoints = [p.name for p in shipped_checkpoints(ASSETS)]
    live_title = gr.Markdown(f"### {_t('live', 'en')}")
    with gr.Row():
        choice = gr.Dropdown(
            checkpoints,
            value=checkpoints[0] if checkpoints else None,
            label=_t("checkpoint", "en"),
            elem_id="paper-checkpoint",
        )
        button = gr.Button(_t("run", "en"), variant="primary")
    shown = gr.State("")
    stale = gr.Markdown(visible=False, elem_classes=["stale"], elem_id="paper-stale")
    status = gr.Markdown(elem_id="paper-live-status")
    picture = gr.Image(show_label=False, interactive=False, elem_id="paper-live-landscape")

    @handles_errors
    def compute(name: str, lang: str, progress=gr.Progress()):
        if not name:
            raise gr.Error(_t("none", lang))
        path = ASSETS / "checkpoints" / name
        result = live_landscape(
            path, grid=11, progress=lambda done, total: progress(done / total, desc=f"{done}/{total}")
        )
        png = ctx.store.write(landscape_png(result, lang), "png", "paper-landscape")
        return live_summary(result, lang), png, name, gr.Markdown(visible=False)

    def freshness(current: str, before: str, lang: str):
        if before and current != before:
            return gr.Markdown(_t("stale", lang, shown=before, current=current), visible=True)
        return gr.Markdown(visible=False)

    button.click(
        compute,
        [choice, ctx.lang],
        [status, picture, shown, stale],
        api_name="paper_landscape",
        api_visibility="private",
    )  # a page feature: the CLI has `resnet-viz landscape`
    choice.change(freshness, [choice, shown, ctx.lang], [stale], show_progress="hidden", api_visibility="private")

    flat_images = [image for images in galleries for image in images]

    def relabel(lang: str) -> list:
        localised = page_content(lang)
        updates = [gr.Markdown(text) for text, _ in localised]
        updates += [gr.Image(value=path) for _, charts in localised for path in charts]
        updates += [
            gr.Markdown(f"### {_t('live', lang)}"),
            gr.Dropdown(label=_t("checkpoint", lang)),
            gr.Button(_t("run", lang)),
        ]
        return updates

    ctx.on_language.append(([*markdowns, *flat_images, live_title, choice, button], relabel))
