"""The depth-comparison view: the sidebar's photo through resnet18/34/50/101/152, one at a time,
with a progress bar, a table, a figure and downloads."""

from __future__ import annotations

import json
from dataclasses import replace

import gradio as gr
from torchvision import models as tv_models

from ..compare import compare_depths, comparison_figure
from ..errors import ImageInputError
from ..freshness import stale_notice
from ..i18n import pick
from ..service import AUTO_TARGET, subject_of
from .context import ViewContext
from .errors import handles_errors

# torchvision's five depths all predict these; a class index means one of them.
IMAGENET_CLASSES = tuple(tv_models.ResNet50_Weights.IMAGENET1K_V1.meta["categories"])
FIGURE_LABEL = "depth comparison figure"  # not shown: it names the output in the HTTP API

TEXT = {
    "en": {
        "intro": "The photo in the sidebar through **resnet18, 34, 50, 101 and 152**, one model at a time: top-3, the "
        "layer4 Grad-CAM, parameters, GFLOPs and time. Models whose pretrained weights are not cached run with "
        "**random weights, marked UNTRAINED**: their size, GFLOPs and time are real, their predictions are not.",
        "pretrained_only": "only models with pretrained weights (list the others)",
        "button": "Compare depths",
        "table": "Depths side by side",
        "figure": "The layer4 CAM per depth, for each model's own top-1 class unless a class is chosen in the sidebar. It shows where each model looks, not whether it is right.",
        "files": "Download: figure (PNG) and numbers (JSON)",
        "loading": "Running {model}",
        "col_model": "model",
        "col_weights": "weights",
        "col_params": "params (M)",
        "col_gflops": "GMACs",
        "col_time": "time (ms)",
        "col_top": "top-3",
        "col_note": "note",
        "random": "random",
        "status_untrained": "UNTRAINED",
        "status_checkpoint": "checkpoint",
        "status_skipped": "not run",
        "short_note": "weights not cached: `resnet-viz weights fetch {model}` while online (full reason in the JSON)",
        "other_labels": "The class {target} was picked from {model}'s own classes ({weights}), not ImageNet's: "
        "resnet18…152 here are ImageNet models, so their maps cannot be drawn for it. Set the class "
        "to automatic: each depth then shows its own top-1 class.",
        "family_button": "Compare the family (ResNet-50, ResNeXt-50, Wide ResNet-50-2, ResNetV2-50)",
    },
    "ko": {
        "intro": "사이드바의 사진을 **resnet18, 34, 50, 101, 152**에 차례로 넣습니다: 상위 3개 예측, layer4의 Grad-CAM, "
        "매개변수 수, GFLOPs, 걸린 시간. 사전 학습된 가중치가 캐시에 없는 모델은 **무작위 가중치로 실행하고 "
        "'학습되지 않음'으로 표시합니다**: 크기, GFLOPs, 시간은 실제 값이지만 예측은 의미가 없습니다.",
        "pretrained_only": "사전 학습된 가중치가 있는 모델만 (나머지는 목록에만)",
        "button": "깊이 비교",
        "table": "깊이별 비교",
        "figure": "깊이별 layer4 CAM: 사이드바에서 클래스를 고르지 않으면 각 모델의 1위 클래스에 대한 것입니다. 모델이 어디를 보는지를 보여 줄 뿐, 맞았는지는 보여 주지 않습니다.",
        "files": "내려받기: 그림 (PNG)과 수치 (JSON)",
        "loading": "{model} 실행 중",
        "col_model": "모델",
        "col_weights": "가중치",
        "col_params": "매개변수 (M)",
        "col_gflops": "GMACs",
        "col_time": "시간 (ms)",
        "col_top": "상위 3개",
        "col_note": "비고",
        "random": "무작위",
        "status_untrained": "학습되지 않음",
        "status_checkpoint": "체크포인트",
        "status_skipped": "실행하지 않음",
        "short_note": "가중치가 캐시에 없음: 온라인에서 `resnet-viz weights fetch {model}` (자세한 이유는 JSON에)",
        "other_labels": "클래스 {target}은(는) ImageNet이 아니라 {model}({weights}) 자체의 클래스에서 고른 것입니다. "
        "여기의 resnet18…152는 ImageNet 모델이라 그 클래스에 대한 히트맵을 그릴 수 없습니다. 클래스를 "
        "자동으로 두면 깊이마다 자기 top-1 클래스를 보여 줍니다.",
        "family_button": "ResNet 계열 비교 (ResNet-50, ResNeXt-50, Wide ResNet-50-2, ResNetV2-50)",
    },
}


COLUMNS = ("col_model", "col_weights", "col_params", "col_gflops", "col_time", "col_top", "col_note")


def _status(status: str, lang: str) -> str:
    key = f"status_{status}"
    return pick(TEXT, key, lang) if key in TEXT["en"] else status


def pick_columns(lang: str) -> list[str]:
    return [pick(TEXT, key, lang) for key in COLUMNS]


def table_rows(comparison, lang: str = "en") -> list[list]:
    rows = []
    for row in comparison.rows:
        top = "; ".join(f"{p:.1%} {label}" for label, p in row.top) or "—"
        label = pick(TEXT, "random", lang) if row.weights_label == "random" else row.weights_label
        weights = label + ("" if row.weights_status == "pretrained" else f" ({_status(row.weights_status, lang)})")
        ms = None if row.seconds is None else round(row.seconds * 1000)
        # The table is for reading: the full reason (with the cache path) is in the JSON and the banner.
        note = pick(TEXT, "short_note", lang, model=row.model) if row.note else ""
        rows.append([row.model, weights, round(row.params / 1e6, 1), round(row.gflops, 2), ms, top, note])
    return rows


def compare_subject(image, method, target, pretrained_only, lang):
    """What a comparison is of: the photo, the CAM method, the class (an ImageNet index or name) and
    which models ran. Not the sidebar's model: every depth here is torchvision's own."""
    return subject_of(image, "", "", method, target, lang=lang or "en", extra=(bool(pretrained_only),))


def check_label_set(loaded, target, lang: str) -> None:
    """A class picked for a model with other classes than ImageNet's means nothing to these models: refused."""
    if target in (None, "", AUTO_TARGET) or tuple(loaded.categories) == IMAGENET_CLASSES:
        return
    name = target
    if str(target).isdigit() and int(target) < len(loaded.categories):
        name = f"“{loaded.categories[int(target)]}” ({target})"
    raise gr.Error(pick(TEXT, "other_labels", lang, target=name, model=loaded.name, weights=loaded.weights_label))


def build(ctx: ViewContext) -> None:
    def drawn(comparison, lang):
        """Table, figure and files of a depth comparison or a family comparison (same seven columns)."""
        from .. import family

        is_family = isinstance(comparison, family.FamilyComparison)
        png = (family.family_figure if is_family else comparison_figure)(comparison, lang)
        rows = (family.table_rows if is_family else table_rows)(comparison, lang)
        numbers = json.dumps(comparison.as_json(), indent=2, ensure_ascii=False).encode("utf-8")
        prefix = "family" if is_family else "compare"
        png_path, json_path = ctx.store.write(png, "png", prefix), ctx.store.write(numbers, "json", prefix)
        table = gr.Dataframe(value={"headers": pick_columns(lang), "data": rows}, label=pick(TEXT, "table", lang))
        return table, png_path, [png_path, json_path]

    @handles_errors
    def run(image_path, model, weights, method, target, pretrained_only, lang, progress=gr.Progress()):
        subject = compare_subject(image_path, method, target, pretrained_only, lang)  # as the run starts
        if not image_path:
            raise ImageInputError("no_image")
        check_label_set(ctx.analyzer.model(model, weights), target, lang)
        target = None if target in (None, "", AUTO_TARGET) else target

        def report(done: int, total: int, name: str) -> None:
            progress(done / total, desc=pick(TEXT, "loading", lang, model=name) if name else "")

        comparison = compare_depths(
            image_path, method=method, target=target, pretrained_only=pretrained_only, lang=lang, progress=report
        )
        return (*drawn(comparison, lang), (subject, comparison))

    @handles_errors
    def redraw(record, lang):
        """The language changed: table, figure and files again from the kept comparison, no recompute."""
        if not record:
            return (gr.skip(),) * 4
        return (*drawn(record[1], lang), (replace(record[0], lang=lang), record[1]))

    @handles_errors
    def freshness(record, image, method, target, pretrained_only, lang):
        current = compare_subject(image, method, target, pretrained_only, lang)
        notice = stale_notice(record[0] if record else None, current, lang, redo="run", extra="models")
        return gr.Markdown(notice, visible=bool(notice))

    intro = gr.Markdown(pick(TEXT, "intro", "en"))
    with gr.Row():
        pretrained_only = gr.Checkbox(False, label=pick(TEXT, "pretrained_only", "en"))
        button = gr.Button(pick(TEXT, "button", "en"), variant="primary", elem_id="compare-button")
    stale = gr.Markdown(visible=False, elem_classes=["stale"], elem_id="compare-stale")
    # Fixed widths, so the long notes wrap inside the table instead of scrolling it sideways at 1280 px.
    table = gr.Dataframe(
        headers=pick_columns("en"),
        label=pick(TEXT, "table", "en"),
        interactive=False,
        wrap=True,
        elem_id="compare-table",
        column_widths=["12%", "13%", "8%", "7%", "7%", "29%", "24%"],  # "resnet152" on one line at 1280 px
    )
    figure = gr.Image(label=FIGURE_LABEL, show_label=False, interactive=False, elem_id="compare-figure")
    caption = gr.Markdown(pick(TEXT, "figure", "en"))
    files = gr.File(label=pick(TEXT, "files", "en"), file_count="multiple", interactive=False, height=90)
    record = gr.State(None)

    @handles_errors
    def reheader(current, lang):
        """The table's column names in the new language, its rows kept: Gradio ignores new `headers`
        for a table that already has a value (even an empty one)."""
        rows = (
            []
            if current is None or current.empty
            else current.astype(object).where(current.notna(), None).values.tolist()
        )
        return gr.Dataframe(value={"headers": pick_columns(lang), "data": rows}, label=pick(TEXT, "table", lang))

    private = dict(api_visibility="private", show_progress="hidden")
    notice_inputs = [record, ctx.image, ctx.method, ctx.target, pretrained_only, ctx.lang]
    # Without a kept comparison the headers still switch; with one, redraw replaces the whole table.
    ctx.lang.change(
        lambda kept, current, lang: gr.skip() if kept else reheader(current, lang),
        [record, table, ctx.lang],
        [table],
        **private,
    )
    ctx.lang.change(
        redraw, [record, ctx.lang], [table, figure, files, record], concurrency_id="compare", **private
    ).then(freshness, notice_inputs, [stale], **private)
    button.click(
        run,
        [ctx.image, ctx.model, ctx.weights, ctx.method, ctx.target, pretrained_only, ctx.lang],
        [table, figure, files, record],
        api_name="compare",
        concurrency_id="compare",
        concurrency_limit=1,
    ).then(freshness, notice_inputs, [stale], **private)
    for control in [ctx.image, ctx.method, ctx.target, pretrained_only]:
        control.change(freshness, notice_inputs, [stale], **private)

    @handles_errors
    def run_family(image_path, method, pretrained_only, lang, progress=gr.Progress()):
        from .. import family

        # The family's maps are each model's own top-1 class: the sidebar's class is not part of it.
        subject = compare_subject(image_path, method, AUTO_TARGET, pretrained_only, lang)
        if not image_path:
            raise ImageInputError("no_image")
        comparison = family.compare_family(
            image_path,
            method=method,
            progress=lambda done, total, name: progress(
                done / total, desc=pick(TEXT, "loading", lang, model=name) if name else ""
            ),
        )
        return (*drawn(comparison, lang), (subject, comparison))

    family_button = gr.Button(pick(TEXT, "family_button", "en"), elem_id="family-button")
    family_button.click(
        run_family,
        [ctx.image, ctx.method, pretrained_only, ctx.lang],
        [table, figure, files, record],
        api_name="compare_family",
        concurrency_id="compare",
        concurrency_limit=1,
    ).then(freshness, notice_inputs, [stale], **private)
    ctx.on_language.append(([family_button], lambda lang: [gr.Button(pick(TEXT, "family_button", lang))]))
    ctx.on_language.append(
        (
            [intro, pretrained_only, button, figure, caption, files],
            lambda lang: [
                pick(TEXT, "intro", lang),
                gr.Checkbox(label=pick(TEXT, "pretrained_only", lang)),
                gr.Button(pick(TEXT, "button", lang)),
                gr.Image(label=FIGURE_LABEL),
                pick(TEXT, "figure", lang),
                gr.File(label=pick(TEXT, "files", lang)),
            ],
        )
    )
