"""The trust tab: sanity checks, class check, faithfulness per stage and receptive fields, for the
image, model, method and class chosen in the sidebar. The numbers come from resnet_viz.trust."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import gradio as gr
from PIL import Image

from ..errors import ImageInputError
from ..filestore import FileStore
from ..freshness import stale_notice
from ..i18n import pick
from ..images import load_image
from ..service import subject_of
from ..stages import CAM_STAGES
from ..trust.panels import (
    draw_faithfulness,
    draw_field,
    draw_sanity,
    faithfulness_raw,
    field_raw,
    sanity_raw,
    stage_picture,
    unit_at,
)
from ..trust.text import TEXT as CHART_TEXT
from .context import ViewContext
from .errors import handles_errors

TEXT = {
    "en": {
        "intro": "### Can I trust this heatmap?\nA heatmap is a claim: *the network looked here*. These checks test "
        "the claim on **your** image: does the map change when the model's weights are randomised "
        "(Adebayo et al., 2018) or when another class is asked for? Does removing the pixels it ranks "
        "highest hurt the prediction (faithfulness)? Which input pixels can one unit see at all?",
        "stage": "Stage whose map is checked",
        "sanity": "Sanity checks",
        "faith": "Faithfulness (slow)",
        "field": "Receptive field",
        "sanity_head": "#### Sanity checks: cascading randomisation and class check",
        "faith_head": "#### Faithfulness per stage",
        "faith_cost": "Runs ROAD (Rong et al. 2022, as grad-cam implements it: 6 noisy linear imputations, each a sparse solve) and a "
        "deletion curve (11 images) for each of the 4 stages: ~100 forward passes, about 20–40 s "
        "on a free 2-core CPU for resnet18 (longer when it is busy), minutes for resnet50.",
        "field_head": "#### Receptive field: click a location on the stage's map",
        "clickable": "Stage map: click a unit",
        "download": "Download PNG",
        "strip": "Cascading randomisation",
        "class": "Class check",
        "road": "ROAD per stage",
        "deletion": "Deletion curves",
        "rf": "Receptive field",
        "progress_sanity": "Randomising a copy: {what}",
        "progress_faith": "Faithfulness: {what}",
        "no_map": "Press **Receptive field** first: a click picks a unit on the map drawn there.",
    },
    "ko": {
        "intro": "### 이 히트맵을 믿을 수 있을까?\n히트맵은 *네트워크가 여기를 보았다*는 주장입니다. 이 점검들은 **여러분의** "
        "이미지에서 그 주장을 시험합니다: 모델의 가중치를 무작위로 바꾸면(Adebayo 외, 2018) 또는 다른 클래스를 "
        "요청하면 히트맵이 바뀌는가? 히트맵이 높게 매긴 픽셀을 지우면 예측이 나빠지는가(충실도)? 한 유닛이 "
        "볼 수 있는 입력 픽셀은 어디까지인가?",
        "stage": "점검할 히트맵의 단계(stage)",
        "sanity": "건전성 점검",
        "faith": "충실도 (느림)",
        "field": "수용 영역",
        "sanity_head": "#### 건전성 점검: 단계적 무작위화와 클래스 점검",
        "faith_head": "#### 단계별 충실도",
        "faith_cost": "4개 단계마다 ROAD(Rong 외 2022, grad-cam 구현: 잡음 섞인 선형 보간 6회, 각각 희소 선형계 풀이)와 삭제 곡선"
        "(이미지 11장)을 계산합니다: 순전파 약 100회, 한가한 2코어 CPU에서 resnet18 기준 약 20–40초(바쁘면 더 오래), resnet50은 몇 분.",
        "field_head": "#### 수용 영역: 단계 히트맵에서 위치를 클릭하세요",
        "clickable": "단계 히트맵: 유닛을 클릭하세요",
        "download": "PNG 내려받기",
        "strip": "단계적 무작위화",
        "class": "클래스 점검",
        "road": "단계별 ROAD",
        "deletion": "삭제 곡선",
        "rf": "수용 영역",
        "progress_sanity": "모델 사본을 무작위화하는 중: {what}",
        "progress_faith": "충실도: {what}",
        "no_map": "먼저 **수용 영역**을 누르세요: 클릭은 거기 그려진 히트맵에서 유닛을 고릅니다.",
    },
}

ZOOM = 2  # the clickable stage map is sent at twice the input's size


def _chart(label: str) -> tuple[gr.Image, gr.DownloadButton, gr.Markdown]:
    # No label badge over the chart: it would hide the figure's own title; the heading and caption say what it is.
    image = gr.Image(label=label, show_label=False, type="filepath", interactive=False, buttons=["fullscreen"])
    download = gr.DownloadButton(pick(TEXT, "download", "en"), size="sm", variant="secondary")
    caption = gr.Markdown(label=f"{label} caption")  # the label names the output in the HTTP API
    return image, download, caption


def _target(value: str | None) -> str | None:
    return None if value in (None, "") else value


def check_subject(image, model, weights, method, target, lang, stage: str = ""):
    """A check's subject: what it was run on, its stage ("" for faithfulness, which covers all four)
    and the language of its charts (a switch redraws them and records the new one)."""
    return subject_of(image, model, weights, method, target, stage=stage or "", lang=lang or "en")


def sanity_values(raw, lang: str, store: FileStore) -> tuple:
    panel = draw_sanity(raw, lang)
    strip = store.write(panel.strip_png, "png", "trust-sanity")
    check = store.write(panel.class_png, "png", "trust-class-check")
    return (
        f"{panel.verdict}\n\n{panel.class_line}",
        strip,
        strip,
        pick(CHART_TEXT, "caption_sanity", lang),
        check,
        check,
        pick(CHART_TEXT, "caption_class", lang),
    )


def faith_values(raw, lang: str, store: FileStore) -> tuple:
    panel = draw_faithfulness(raw, lang)
    road = store.write(panel.road_png, "png", "trust-road")
    deletion = store.write(panel.deletion_png, "png", "trust-deletion")
    return (
        panel.table,
        road,
        road,
        pick(CHART_TEXT, "caption_road", lang),
        deletion,
        deletion,
        pick(CHART_TEXT, "caption_deletion", lang),
    )


def field_values(raw, stage: str, lang: str, store: FileStore) -> tuple:
    panel = draw_field(raw, lang)
    path = store.write(panel.png, "png", f"trust-rf-{stage}-{raw.row}-{raw.col}")
    return path, path, f"{panel.text}\n\n{pick(CHART_TEXT, 'caption_rf', lang)}"


def _relang(run, lang):
    """The same run's record, its charts now in `lang`."""
    subject, *rest = run
    return (replace(subject, lang=lang), *rest)


def _handlers(analyzer, store: FileStore) -> dict:
    """The tab's event handlers; each calls resnet_viz.trust and only turns its answer into files and
    text. Each check returns its record, (subject, raw numbers[, ...]), taken from the controls as
    they were when it started: a change made while it ran then shows as 'not up to date'."""

    def inputs(image_path, model_name, weights_name, lang):
        if not image_path:
            raise ImageInputError("no_image")
        return analyzer.model(model_name, weights_name), load_image(Path(image_path).read_bytes())

    @handles_errors(fallback=lambda message, *_: (f"⚠️ **{message}**", None, None, "", None, None, "", None, ""))
    def run_sanity(image_path, model_name, weights_name, method, target, stage, lang, progress=gr.Progress()):
        subject = check_subject(image_path, model_name, weights_name, method, target, lang, stage)
        loaded, picture = inputs(image_path, model_name, weights_name, lang)
        report = lambda fraction, what: progress(fraction, desc=pick(TEXT, "progress_sanity", lang, what=what))  # noqa: E731
        raw = sanity_raw(loaded, picture, stage, _target(target), method, report)
        return (*sanity_values(raw, lang, store), (subject, raw), "")

    @handles_errors(fallback=lambda message, *_: (f"⚠️ **{message}**", None, None, "", None, None, "", None, ""))
    def run_faithfulness(image_path, model_name, weights_name, method, target, lang, progress=gr.Progress()):
        subject = check_subject(image_path, model_name, weights_name, method, target, lang)
        loaded, picture = inputs(image_path, model_name, weights_name, lang)
        report = lambda fraction, what: progress(fraction, desc=pick(TEXT, "progress_faith", lang, what=what))  # noqa: E731
        raw = faithfulness_raw(loaded, picture, _target(target), method, report)
        return (*faith_values(raw, lang, store), (subject, raw), "")

    @handles_errors(fallback=lambda message, *_: (None, None, None, f"⚠️ **{message}**", None, ""))
    def show_stage(image_path, model_name, weights_name, method, target, stage, lang):
        subject = check_subject(image_path, model_name, weights_name, method, target, lang, stage)
        loaded, picture = inputs(image_path, model_name, weights_name, lang)
        shown = stage_picture(loaded, picture, stage, _target(target), method)
        row, col = shown.grid[0] // 2, shown.grid[1] // 2  # the centre unit until the user clicks
        # Sent larger than it is displayed: Gradio reports click positions right only on a downscaled picture.
        big = shown.overlay.resize((shown.overlay.width * ZOOM, shown.overlay.height * ZOOM), Image.NEAREST)
        raw = field_raw(loaded, picture, stage, row, col)
        # The drawn map's own stage, photo and model: a click on it means a unit of this map.
        record = (subject, raw, stage, shown.grid, image_path, model_name, weights_name)
        return (big, *field_values(raw, stage, lang, store), record, "")

    @handles_errors(fallback=lambda message, run, *_: (None, None, f"⚠️ **{message}**", run))
    def clicked(run, lang, evt: gr.SelectData):
        if not run:
            raise gr.Error(pick(TEXT, "no_map", lang))
        subject, _, stage, grid, image_path, model_name, weights_name = run
        loaded, picture = inputs(image_path, model_name, weights_name, lang)
        size = int(loaded.transforms.crop_size[0]) * ZOOM
        row, col = unit_at((size, size), grid, float(evt.index[0]), float(evt.index[1]))
        raw = field_raw(loaded, picture, stage, row, col)
        return (*field_values(raw, stage, lang, store), (subject, raw, *run[2:]))

    @handles_errors
    def redraw(sanity, faith, field, lang):
        """The language changed: every chart and text shown again from its kept numbers, no recompute."""
        skip = lambda n: (gr.skip(),) * n  # noqa: E731
        values = (*sanity_values(sanity[1], lang, store), _relang(sanity, lang)) if sanity else skip(8)
        values += (*faith_values(faith[1], lang, store), _relang(faith, lang)) if faith else skip(8)
        values += (*field_values(field[1], field[2], lang, store), _relang(field, lang)) if field else skip(4)
        return values

    return dict(sanity=run_sanity, faithfulness=run_faithfulness, stage=show_stage, clicked=clicked, redraw=redraw)


def _layout() -> dict:
    """The components, in page order, labelled in English (relabel switches them)."""
    t = lambda key: pick(TEXT, key, "en")  # noqa: E731
    c: dict = {"intro": gr.Markdown(t("intro"))}
    with gr.Row(equal_height=True):
        c["stage"] = gr.Radio(list(CAM_STAGES), value="layer4", label=t("stage"), scale=2)
        c["sanity_button"] = gr.Button(t("sanity"), variant="primary", scale=1)
        c["faith_button"] = gr.Button(t("faith"), scale=1)
        c["field_button"] = gr.Button(t("field"), scale=1)
    c["progress"] = gr.Markdown("", label="progress", elem_id="trust-progress", min_height=0)
    c["stale"] = gr.Markdown(visible=False, elem_classes=["stale"], elem_id="trust-stale")
    c["sanity_head"] = gr.Markdown(t("sanity_head"))
    c["verdict"] = gr.Markdown(label="verdict", elem_id="trust-verdict")
    with gr.Row():
        with gr.Column(scale=3):
            c["strip"] = _chart(t("strip"))
        with gr.Column(scale=2):
            c["check"] = _chart(t("class"))
    c["faith_head"], c["faith_cost"] = gr.Markdown(t("faith_head")), gr.Markdown(t("faith_cost"))
    c["faith_table"] = gr.Markdown(label="faithfulness table")
    with gr.Row():
        with gr.Column():
            c["road"] = _chart(t("road"))
        with gr.Column():
            c["deletion"] = _chart(t("deletion"))
    c["field_head"] = gr.Markdown(t("field_head"))
    with gr.Row():
        c["clickable"] = gr.Image(
            label=t("clickable"), type="pil", interactive=False, height=380, elem_id="trust-stage-map"
        )
        with gr.Column():
            c["field"] = _chart(t("rf"))
    return c


CHARTS = ("strip", "check", "road", "deletion", "field")
CHART_LABELS = ("strip", "class", "road", "deletion", "rf")
STATIC_TEXT = ("intro", "sanity_head", "faith_head", "faith_cost", "field_head")


def _relabel(lang: str) -> list:
    """Updates for _static()'s components, in its order."""
    t = lambda key: pick(TEXT, key, lang)  # noqa: E731
    return [
        *(t(key) for key in STATIC_TEXT),
        gr.Radio(label=t("stage")),
        gr.Button(t("sanity")),
        gr.Button(t("faith")),
        gr.Button(t("field")),
        gr.Image(label=t("clickable")),
        *(gr.Image(label=t(key)) for key in CHART_LABELS),
        *(gr.DownloadButton(t("download")) for _ in CHARTS),
    ]


def _static(c: dict) -> list:
    return [
        *(c[key] for key in STATIC_TEXT),
        c["stage"],
        c["sanity_button"],
        c["faith_button"],
        c["field_button"],
        c["clickable"],
        *(c[key][0] for key in CHARTS),
        *(c[key][1] for key in CHARTS),
    ]


def freshness(sanity, faith, field, image, model, weights, method, target, stage, lang) -> gr.Markdown:
    """Says which checks below no longer match the sidebar, the stage radio or the language."""
    runs = [sanity, faith, field]
    recorded = [run[0] if run else None for run in runs]
    current = [
        check_subject(image, model, weights, method, target, lang, stage),
        check_subject(image, model, weights, method, target, lang),
        check_subject(image, model, weights, method, target, lang, stage),
    ]
    notice = stale_notice(recorded, current, lang, redo="run", what="checks")
    return gr.Markdown(notice, visible=bool(notice))


def build(ctx: ViewContext) -> None:
    handlers = _handlers(ctx.analyzer, ctx.store)
    c = _layout()
    runs = [gr.State(None) for _ in range(3)]  # sanity, faithfulness, field: (subject, raw, ...)
    sanity_state, faith_state, field_state = runs
    # The progress of all three runs shows right under their buttons, not beside charts below the fold.
    near = dict(show_progress_on=[c["progress"]], concurrency_id="model")
    sanity = c["sanity_button"].click(
        handlers["sanity"],
        [*ctx.subject, c["stage"], ctx.lang],
        [c["verdict"], *c["strip"], *c["check"], sanity_state, c["progress"]],
        api_name="trust_sanity",
        **near,
    )
    faith = c["faith_button"].click(
        handlers["faithfulness"],
        [*ctx.subject, ctx.lang],
        [c["faith_table"], *c["road"], *c["deletion"], faith_state, c["progress"]],
        api_name="trust_faithfulness",
        **near,
    )
    field = c["field_button"].click(
        handlers["stage"],
        [*ctx.subject, c["stage"], ctx.lang],
        [c["clickable"], *c["field"], field_state, c["progress"]],
        api_name="trust_stage",
        **near,
    )
    private = dict(api_visibility="private", show_progress="hidden")
    check = handles_errors(freshness)
    inputs = [*runs, *ctx.subject, c["stage"], ctx.lang]
    for event in (sanity, faith, field):
        event.then(check, inputs, [c["stale"]], **private)  # the controls at the finish against those at the start
    for control in [*ctx.subject, c["stage"], ctx.lang]:
        control.change(check, inputs, [c["stale"]], **private)
    clicked = c["clickable"].select(
        handlers["clicked"],
        [field_state, ctx.lang],
        [*c["field"], field_state],
        api_visibility="private",
        concurrency_id="model",
    )
    clicked.then(check, inputs, [c["stale"]], **private)
    ctx.lang.change(
        handlers["redraw"],
        [*runs, ctx.lang],
        [
            c["verdict"],
            *c["strip"],
            *c["check"],
            sanity_state,
            c["faith_table"],
            *c["road"],
            *c["deletion"],
            faith_state,
            *c["field"],
            field_state,
        ],
        concurrency_id="render",
        **private,
    ).then(check, inputs, [c["stale"]], **private)
    ctx.on_language.append((_static(c), _relabel))
