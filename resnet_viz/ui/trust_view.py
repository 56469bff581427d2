"""The trust tab: sanity checks, class check, faithfulness per stage and receptive fields, for the
image, model, method and class chosen in the sidebar. The numbers come from resnet_viz.trust."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
from PIL import Image

from .. import presenter as say
from ..errors import ImageInputError
from ..filestore import FileStore
from ..i18n import pick
from ..images import load_image
from ..service import subject_of
from ..stages import CAM_STAGES
from ..trust.receptive import receptive_field
from ..trust.panels import faithfulness_panel, field_panel, sanity_panel, stage_picture, unit_at
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
        "sanity": "Sanity checks", "faith": "Faithfulness (slow)", "field": "Receptive field",
        "sanity_head": "#### Sanity checks: cascading randomisation and class check",
        "faith_head": "#### Faithfulness per stage",
        "faith_cost": "Runs ROAD (Rong et al. 2022, as grad-cam implements it: 6 noisy linear imputations, each a sparse solve) and a "
                      "deletion curve (11 images) for each of the 4 stages: ~100 forward passes, about 20–40 s "
                      "on a free 2-core CPU for resnet18 (longer when it is busy), minutes for resnet50.",
        "field_head": "#### Receptive field: click a location on the stage's map",
        "clickable": "Stage map: click a unit", "download": "Download PNG",
        "strip": "Cascading randomisation", "class": "Class check", "road": "ROAD per stage",
        "deletion": "Deletion curves", "rf": "Receptive field",
        "progress_sanity": "Randomising a copy: {what}", "progress_faith": "Faithfulness: {what}",
        "stale": "⚠️ **Not up to date:** the checks below were run for the previous {fields}. Run them again to "
                 "update them.",
        "other_lang": "ℹ️ The checks below were run in Korean: run them again to see their charts and verdicts "
                      "in English.",
    },
    "ko": {
        "intro": "### 이 히트맵을 믿을 수 있을까?\n히트맵은 *네트워크가 여기를 보았다*는 주장입니다. 이 점검들은 **여러분의** "
                 "이미지에서 그 주장을 시험합니다: 모델의 가중치를 무작위로 바꾸면(Adebayo 외, 2018) 또는 다른 클래스를 "
                 "요청하면 히트맵이 바뀌는가? 히트맵이 높게 매긴 픽셀을 지우면 예측이 나빠지는가(충실도)? 한 유닛이 "
                 "볼 수 있는 입력 픽셀은 어디까지인가?",
        "stage": "점검할 히트맵의 단계(stage)",
        "sanity": "건전성 점검", "faith": "충실도 (느림)", "field": "수용 영역",
        "sanity_head": "#### 건전성 점검: 단계적 무작위화와 클래스 점검",
        "faith_head": "#### 단계별 충실도",
        "faith_cost": "4개 단계마다 ROAD(Rong 외 2022, grad-cam 구현: 잡음 섞인 선형 보간 6회, 각각 희소 선형계 풀이)와 삭제 곡선"
                      "(이미지 11장)을 계산합니다: 순전파 약 100회, 한가한 2코어 CPU에서 resnet18 기준 약 20–40초(바쁘면 더 오래), resnet50은 몇 분.",
        "field_head": "#### 수용 영역: 단계 히트맵에서 위치를 클릭하세요",
        "clickable": "단계 히트맵: 유닛을 클릭하세요", "download": "PNG 내려받기",
        "strip": "단계적 무작위화", "class": "클래스 점검", "road": "단계별 ROAD",
        "deletion": "삭제 곡선", "rf": "수용 영역",
        "progress_sanity": "모델 사본을 무작위화하는 중: {what}", "progress_faith": "충실도: {what}",
        "stale": "⚠️ **최신이 아닙니다:** 아래 점검은 이전 {fields} 기준으로 실행되었습니다. 다시 실행하면 갱신됩니다.",
        "other_lang": "ℹ️ 아래 점검은 영어로 실행되었습니다: 다시 실행하면 그래프와 판정을 한국어로 볼 수 있습니다.",
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


def _handlers(analyzer, store: FileStore) -> dict:
    """The tab's event handlers; each calls resnet_viz.trust and only turns its answer into files and text."""

    def inputs(image_path, model_name, weights_name, lang):
        if not image_path:
            raise ImageInputError("no_image")
        return analyzer.model(model_name, weights_name), load_image(Path(image_path).read_bytes())

    def field_outputs(loaded, picture, stage, row, col, lang):
        panel = field_panel(loaded, picture, stage, row, col, lang)
        path = store.write(panel.png, "png", f"trust-rf-{stage}-{row}-{col}")
        return path, path, f"{panel.text}\n\n{pick(CHART_TEXT, 'caption_rf', lang)}"

    @handles_errors(fallback=lambda message, *_: (f"⚠️ **{message}**", None, None, "", None, None, ""))
    def run_sanity(image_path, model_name, weights_name, method, target, stage, lang, progress=gr.Progress()):
        loaded, picture = inputs(image_path, model_name, weights_name, lang)
        report = lambda fraction, what: progress(fraction, desc=pick(TEXT, "progress_sanity", lang, what=what))  # noqa: E731
        panel = sanity_panel(loaded, picture, stage, _target(target), method, lang, report)
        strip = store.write(panel.strip_png, "png", "trust-sanity")
        check = store.write(panel.class_png, "png", "trust-class-check")
        return (f"{panel.verdict}\n\n{panel.class_line}", strip, strip, pick(CHART_TEXT, "caption_sanity", lang),
                check, check, pick(CHART_TEXT, "caption_class", lang))

    @handles_errors(fallback=lambda message, *_: (f"⚠️ **{message}**", None, None, "", None, None, ""))
    def run_faithfulness(image_path, model_name, weights_name, method, target, lang, progress=gr.Progress()):
        loaded, picture = inputs(image_path, model_name, weights_name, lang)
        report = lambda fraction, what: progress(fraction, desc=pick(TEXT, "progress_faith", lang, what=what))  # noqa: E731
        panel = faithfulness_panel(loaded, picture, _target(target), method, lang, report)
        road = store.write(panel.road_png, "png", "trust-road")
        deletion = store.write(panel.deletion_png, "png", "trust-deletion")
        return (panel.table, road, road, pick(CHART_TEXT, "caption_road", lang),
                deletion, deletion, pick(CHART_TEXT, "caption_deletion", lang))

    @handles_errors(fallback=lambda message, *_: (None, None, None, f"⚠️ **{message}**"))
    def show_stage(image_path, model_name, weights_name, method, target, stage, lang):
        loaded, picture = inputs(image_path, model_name, weights_name, lang)
        shown = stage_picture(loaded, picture, stage, _target(target), method)
        row, col = shown.grid[0] // 2, shown.grid[1] // 2  # the centre unit until the user clicks
        # Sent larger than it is displayed: Gradio reports click positions right only on a downscaled picture.
        big = shown.overlay.resize((shown.overlay.width * ZOOM, shown.overlay.height * ZOOM), Image.NEAREST)
        return (big, *field_outputs(loaded, picture, stage, row, col, lang))

    @handles_errors(fallback=lambda message, *_: (None, None, f"⚠️ **{message}**"))
    def clicked(image_path, model_name, weights_name, stage, lang, evt: gr.SelectData):
        loaded, picture = inputs(image_path, model_name, weights_name, lang)
        size = int(loaded.transforms.crop_size[0]) * ZOOM
        grid = receptive_field(loaded, stage, 0, 0).grid
        row, col = unit_at((size, size), grid, float(evt.index[0]), float(evt.index[1]))
        return field_outputs(loaded, picture, stage, row, col, lang)

    return dict(sanity=run_sanity, faithfulness=run_faithfulness, stage=show_stage, clicked=clicked)


def _layout() -> dict:
    """The components, in page order, labelled in English (relabel switches them)."""
    t = lambda key: pick(TEXT, key, "en")  # noqa: E731
    c: dict = {"intro": gr.Markdown(t("intro"))}
    with gr.Row(equal_height=True):
        c["stage"] = gr.Radio(list(CAM_STAGES), value="layer4", label=t("stage"), scale=2)
        c["sanity_button"] = gr.Button(t("sanity"), variant="primary", scale=1)
        c["faith_button"] = gr.Button(t("faith"), scale=1)
        c["field_button"] = gr.Button(t("field"), scale=1)
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
        c["clickable"] = gr.Image(label=t("clickable"), type="pil", interactive=False, height=380,
                                  elem_id="trust-stage-map")
        with gr.Column():
            c["field"] = _chart(t("rf"))
    return c


CHARTS = ("strip", "check", "road", "deletion", "field")
CHART_LABELS = ("strip", "class", "road", "deletion", "rf")
STATIC_TEXT = ("intro", "sanity_head", "faith_head", "faith_cost", "field_head")


def _relabel(lang: str) -> list:
    """Updates for _static()'s components, in its order."""
    t = lambda key: pick(TEXT, key, lang)  # noqa: E731
    return [*(t(key) for key in STATIC_TEXT), gr.Radio(label=t("stage")), gr.Button(t("sanity")),
            gr.Button(t("faith")), gr.Button(t("field")), gr.Image(label=t("clickable")),
            *(gr.Image(label=t(key)) for key in CHART_LABELS), *(gr.DownloadButton(t("download")) for _ in CHARTS)]


def _static(c: dict) -> list:
    return [*(c[key] for key in STATIC_TEXT), c["stage"], c["sanity_button"], c["faith_button"], c["field_button"],
            c["clickable"], *(c[key][0] for key in CHARTS), *(c[key][1] for key in CHARTS)]


def _ran(image, model, weights, method, target, lang):
    """What a check that has just answered was run for: its subject and its language."""
    return subject_of(image, model, weights, method, target), lang


def freshness(sanity, faith, field, image, model, weights, method, target, lang) -> gr.Markdown:
    """Says when the sidebar has moved on since a check shown below was run, or the language has."""
    runs = [run for run in (sanity, faith, field) if run]
    current = subject_of(image, model, weights, method, target)
    changed = [f for subject, _ in runs if subject is not None for f in subject.differences(current)]
    if changed:
        words = dict.fromkeys(say.text("f_" + ("image" if f == "digest" else f), lang) for f in changed)
        return gr.Markdown(pick(TEXT, "stale", lang, fields=say.text("and", lang).join(words)), visible=True)
    if any(run_lang != lang for _, run_lang in runs):
        return gr.Markdown(pick(TEXT, "other_lang", lang), visible=True)
    return gr.Markdown("", visible=False)


def _wire_freshness(ctx: ViewContext, c: dict, events: list) -> None:
    runs = [gr.State(None) for _ in events]
    private = dict(api_visibility="private", show_progress="hidden")
    for event, run in zip(events, runs):
        event.success(_ran, [*ctx.subject, ctx.lang], [run], **private)
    inputs = [*runs, *ctx.subject, ctx.lang]
    for control in [*runs, *ctx.subject, ctx.lang]:
        control.change(handles_errors(freshness), inputs, [c["stale"]], **private)


def build(ctx: ViewContext) -> None:
    handlers = _handlers(ctx.analyzer, ctx.store)
    c = _layout()
    sanity = c["sanity_button"].click(handlers["sanity"], [*ctx.subject, c["stage"], ctx.lang],
                                      [c["verdict"], *c["strip"], *c["check"]], api_name="trust_sanity",
                                      concurrency_id="model")
    faith = c["faith_button"].click(handlers["faithfulness"], [*ctx.subject, ctx.lang],
                                    [c["faith_table"], *c["road"], *c["deletion"]], api_name="trust_faithfulness",
                                    concurrency_id="model")
    field = c["field_button"].click(handlers["stage"], [*ctx.subject, c["stage"], ctx.lang], [c["clickable"], *c["field"]],
                                    api_name="trust_stage", concurrency_id="model")
    _wire_freshness(ctx, c, [sanity, faith, field])
    c["clickable"].select(handlers["clicked"], [ctx.image, ctx.model, ctx.weights, c["stage"], ctx.lang], list(c["field"]),
                          api_visibility="private", concurrency_id="model")
    ctx.on_language.append((_static(c), _relabel))
