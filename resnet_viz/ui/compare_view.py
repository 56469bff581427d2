"""The depth-comparison view: the sidebar's photo through resnet18/34/50/101/152, one at a time,
with a progress bar, a table, a figure and downloads."""

from __future__ import annotations

import json

import gradio as gr

from ..compare import comparison_figure, compare_depths
from ..i18n import pick
from ..service import AUTO_TARGET
from .context import ViewContext
from .errors import handles_errors


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
        "no_image": "Upload an image first (or pick one of the examples).",
        "loading": "Running {model}",
        "columns": ["model", "weights", "params (M)", "GFLOPs", "time (ms)", "top-3", "note"],
        "status": {"untrained": "UNTRAINED", "checkpoint": "checkpoint"},
        "short_note": "weights not cached: `resnet-viz weights fetch {model}` while online (full reason in the JSON)",
        "family_button": "Compare the family (ResNet-50, ResNeXt-50, Wide ResNet-50-2, ResNetV2-50)",
    },
    "ko": {
        "intro": "사이드바의 사진을 **resnet18, 34, 50, 101, 152**에 차례로 넣습니다: 상위 3개 예측, layer4의 Grad-CAM, "
                 "매개변수 수, GFLOPs, 걸린 시간. 사전 학습된 가중치가 캐시에 없는 모델은 **무작위 가중치로 실행하고 "
                 "'학습되지 않음'으로 표시합니다**: 크기, GFLOPs, 시간은 실제 값이지만 예측은 의미가 없습니다.",
        "pretrained_only": "사전 학습된 가중치가 있는 모델만 (나머지는 목록에만)",
        "button": "깊이 비교",
        "table": "깊이별 비교",
        "figure": "깊이별 layer4 CAM: 사이드바에서 클래스를 고르지 않으면 각 모델의 top-1 클래스에 대한 것입니다. 모델이 어디를 보는지를 보여 줄 뿐, 맞았는지는 보여 주지 않습니다.",
        "files": "내려받기: 그림 (PNG)과 수치 (JSON)",
        "no_image": "먼저 이미지를 올리세요 (또는 예시를 고르세요).",
        "loading": "{model} 실행 중",
        "columns": ["모델", "가중치", "매개변수 (M)", "GFLOPs", "시간 (ms)", "상위 3개", "비고"],
        "status": {"untrained": "학습되지 않음", "checkpoint": "체크포인트"},
        "short_note": "가중치가 캐시에 없음: 온라인에서 `resnet-viz weights fetch {model}` (자세한 이유는 JSON에)",
        "family_button": "ResNet 계열 비교 (ResNet-50, ResNeXt-50, Wide ResNet-50-2, ResNetV2-50)",
    },
}


def table_rows(comparison, lang: str = "en") -> list[list]:
    rows = []
    status = TEXT["ko" if lang == "ko" else "en"]["status"]
    for row in comparison.rows:
        top = "; ".join(f"{p:.1%} {label}" for label, p in row.top) or "—"
        weights = row.weights_label + ("" if row.weights_status == "pretrained" else
                                       f" ({status.get(row.weights_status, row.weights_status)})")
        ms = None if row.seconds is None else round(row.seconds * 1000)
        # The table is for reading: the full reason (with the cache path) is in the JSON and the banner.
        note = pick(TEXT, "short_note", lang, model=row.model) if row.note else ""
        rows.append([row.model, weights, round(row.params / 1e6, 1), round(row.gflops, 2), ms, top, note])
    return rows


def build(ctx: ViewContext) -> None:
    @handles_errors
    def run(image_path, method, target, pretrained_only, lang, progress=gr.Progress()):
        if not image_path:
            raise gr.Error(pick(TEXT, "no_image", lang))
        target = None if target in (None, "", AUTO_TARGET) else target

        def report(done: int, total: int, name: str) -> None:
            progress(done / total, desc=pick(TEXT, "loading", lang, model=name) if name else "")

        comparison = compare_depths(image_path, method=method, target=target, pretrained_only=pretrained_only,
                                    lang=lang, progress=report)
        png = comparison_figure(comparison, lang)
        numbers = json.dumps(comparison.as_json(), indent=2, ensure_ascii=False).encode("utf-8")
        png_path, json_path = ctx.store.write(png, "png", "compare"), ctx.store.write(numbers, "json", "compare")
        table = gr.Dataframe(value=table_rows(comparison, lang), headers=pick_columns(lang))
        return table, png_path, [png_path, json_path]

    def pick_columns(lang: str) -> list[str]:
        return list(TEXT["ko" if lang == "ko" else "en"]["columns"])

    intro = gr.Markdown(TEXT["en"]["intro"])
    with gr.Row():
        pretrained_only = gr.Checkbox(False, label=TEXT["en"]["pretrained_only"])
        button = gr.Button(TEXT["en"]["button"], variant="primary", elem_id="compare-button")
    # Fixed widths, so the long notes wrap inside the table instead of scrolling it sideways at 1280 px.
    table = gr.Dataframe(headers=pick_columns("en"), label=TEXT["en"]["table"], interactive=False, wrap=True,
                         elem_id="compare-table", column_widths=["9%", "13%", "8%", "7%", "7%", "30%", "26%"])
    figure = gr.Image(label=FIGURE_LABEL, show_label=False, interactive=False, elem_id="compare-figure")
    caption = gr.Markdown(TEXT["en"]["figure"])
    files = gr.File(label=TEXT["en"]["files"], file_count="multiple", interactive=False, height=90)

    @handles_errors
    def reheader(current, lang):
        """The table's column names in the new language, its rows kept: Gradio ignores new `headers`
        for a table that already has a value (even an empty one)."""
        rows = [] if current is None or current.empty else current.astype(object).where(current.notna(), None).values.tolist()
        return gr.Dataframe(value={"headers": pick_columns(lang), "data": rows}, label=pick(TEXT, "table", lang))

    @handles_errors
    def run_family(image_path, method, lang, progress=gr.Progress()):
        from .. import family

        if not image_path:
            raise gr.Error(pick(TEXT, "no_image", lang))
        comparison = family.compare_family(image_path, method=method, progress=lambda done, total, name: progress(
            done / total, desc=pick(TEXT, "loading", lang, model=name) if name else ""))
        png = family.family_figure(comparison, lang)
        numbers = json.dumps(comparison.as_json(), indent=2, ensure_ascii=False).encode("utf-8")
        png_path, json_path = ctx.store.write(png, "png", "family"), ctx.store.write(numbers, "json", "family")
        return gr.Dataframe(value=family.table_rows(comparison, lang), headers=pick_columns(lang)), png_path, [png_path, json_path]

    family_button = gr.Button(TEXT["en"]["family_button"], elem_id="family-button")
    family_button.click(run_family, [ctx.image, ctx.method, ctx.lang], [table, figure, files],
                        api_name="compare_family", concurrency_id="compare", concurrency_limit=1)
    ctx.on_language.append(([family_button], lambda lang: [gr.Button(pick(TEXT, "family_button", lang))]))
    ctx.lang.change(reheader, [table, ctx.lang], [table], api_visibility="private", show_progress="hidden")
    button.click(run, [ctx.image, ctx.method, ctx.target, pretrained_only, ctx.lang], [table, figure, files],
                 api_name="compare", concurrency_id="compare", concurrency_limit=1)
    ctx.on_language.append((
        [intro, pretrained_only, button, figure, caption, files],
        lambda lang: [pick(TEXT, "intro", lang), gr.Checkbox(label=pick(TEXT, "pretrained_only", lang)),
                      gr.Button(pick(TEXT, "button", lang)),
                      gr.Image(label=FIGURE_LABEL), pick(TEXT, "figure", lang),
                      gr.File(label=pick(TEXT, "files", lang))],
    ))
