"""The residual lab view: block norms, lesion study, gradient flow and shattering, the block
diagram and the degradation curves, for the sidebar's image, model, weights and class."""

from __future__ import annotations

import json
from dataclasses import replace
from types import SimpleNamespace

import gradio as gr

from ..cam import CAM_METHODS
from ..errors import ImageInputError
from ..freshness import stale_notice
from ..i18n import pick
from ..lab.arch import compare_markdown
from ..lab.blockrows import block_table, block_table_html
from ..lab.blocks import block_names
from ..lab.charts import CHARTS, chart_png, depth_flow_chart, lab_chart_png
from ..lab.degradation import verdict
from ..lab.removal import analyze_without
from ..lab.run import iter_lab, run_depth_flow
from ..render import cam_overlay
from ..service import subject_of
from .context import ASSETS, ViewContext
from .errors import handles_errors

DEGRADATION = ASSETS / "degradation"
# Which charts each part of iter_lab completes; the diagram needs only the module, so it comes first.
PARTS = {
    "norms": ("diagram", "norms"),
    "lesion": ("lesion",),
    "gradients": ("gradients",),
    "shattering": ("shattering",),
}
TEXT = {
    "en": {
        "intro": "### Residual lab\nWhat makes a ResNet a ResNet, **measured on this photo and this model**. "
        "Press the button: it runs on the image, model, weights and class chosen in the sidebar.",
        "run": "Run the lab",
        "remove": "Remove these blocks (output = relu(shortcut(x)))",
        "rerun": "Predict again without them",
        "download": "Download PNG",
        "norms": "Per block: ‖F(x)‖ (residual branch, before ⊕) against ‖shortcut(x)‖ on this image; ratio and cosine below. "
        "Grey = projection shortcut. It measures one image, not the whole dataset.",
        "lesion": "Target-class probability with one block removed (its residual branch zeroed); red = top-1 changed. "
        "One block at a time, as in Veit et al. 2016's test-time deletions: it does not show what removing several "
        "does (use the toggles below).",
        "gradients": "Gradient norm of the target logit at each block's input, residual vs the same weights made plain "
        "(relu(F(x)), no shortcut). The plain copy was never trained as plain: this shows gradient flow, not accuracy.",
        "shattering": "Correlation of input gradients along a short random line through the image (seeded). "
        "Balduzzi et al. 2017 found that shortcuts keep gradients correlated for longer, at initialisation; "
        "what this line measured is written on the chart. One line, one image.",
        "diagram": "The first block of each stage, read from the module's convs: kernel, channels, stride, shortcut, ⊕. "
        "Later blocks of a stage repeat it with an identity shortcut.",
        "degradation": "Training error of plain vs residual CIFAR-style nets on drawn shapes, trained on this CPU (command in "
        "assets/degradation/). Small nets, short budget.",
        "untrained": "**Untrained (random) weights**: these charts describe an untrained network. Train one with "
        "`resnet-viz train-demo --out demo` and start the app with `--weights demo/model.pt --class-names demo/classes.txt`.",
        "removed": "Top-5 with {n} block(s) removed",
        "compare": "Compare depths (GMACs = multiply-adds counted by torch; acc@1 of the IMAGENET1K_V1 weights, one recipe for all)",
        "cams": "{method} per stage with the blocks removed",
        "cams_n": "{method} per stage with {n} block(s) removed",
        "no_image": "Upload an image first (or pick one of the examples).",
        "no_block": "{model} has no block {names}: its blocks are {blocks}.",
        "depths_run": "Gradient flow at 18…152 layers (random init, ~10 s)",
        "depths": "Gradient norm at each block's input for torchvision's ResNet-18…152 at one seeded random init "
        "(not trained, not your model's weights), as is (solid) and made plain (dashed), on this image and class. "
        "BatchNorm normalises with the image's own statistics, as at the start of training. "
        "It shows gradients at initialisation, not after training.",
        "depths_found": "Measured: from the last block back to the first, the gradient grows ×{res} with shortcuts and ×{plain} "
        "without them at {depth} layers.",
        "blocks_title": "Blocks",
        "remove_title": "Remove blocks",
    },
    "ko": {
        "intro": "### 잔차 실험실\nResNet을 ResNet답게 만드는 요소를 **이 사진과 이 모델에서 직접 측정**합니다. "
        "버튼을 누르면 사이드바에서 고른 이미지·모델·가중치·클래스로 실행합니다.",
        "run": "실험 실행",
        "remove": "이 블록 제거 (출력 = relu(shortcut(x)))",
        "rerun": "제거한 채로 다시 예측",
        "download": "PNG 내려받기",
        "norms": "블록마다 이 이미지에서 잰 ‖F(x)‖(잔차 경로, ⊕ 직전)와 ‖shortcut(x)‖, 아래는 둘의 비율과 코사인입니다. "
        "회색 = 프로젝션 숏컷. 이미지 한 장에서 잰 값이며, 데이터셋 전체를 대표하지는 않습니다.",
        "lesion": "블록 하나를 제거(잔차 경로를 0으로)했을 때의 목표 클래스 확률입니다. 빨강 = 1위 예측이 바뀜. "
        "Veit 외 2016의 테스트 시 삭제 실험처럼 한 번에 하나씩만 제거하므로, 여러 개를 함께 제거한 결과는 "
        "아래에서 블록을 골라 확인하세요.",
        "gradients": "각 블록 입력에서 잰 목표 로짓의 기울기 크기: 잔차망과, 같은 가중치로 만든 일반 망(relu(F(x)), 숏컷 없음). "
        "일반 망 사본은 일반 망으로 학습한 것이 아니므로, 정확도가 아니라 기울기 흐름만 보여 줍니다.",
        "shattering": "이미지를 지나는 짧은 무작위 직선(고정 시드) 위에서 잰 입력 기울기의 상관입니다. "
        "Balduzzi 외(2017)는 초기화 시점에 숏컷이 있으면 기울기가 더 오래 상관을 유지한다는 것을 발견했습니다. "
        "이 직선에서 잰 값은 차트에 적혀 있습니다. 직선 하나, 이미지 한 장의 측정입니다.",
        "diagram": "모듈의 실제 합성곱에서 읽은 각 단계의 첫 블록: 커널, 채널, 스트라이드, 숏컷, ⊕. "
        "단계의 나머지 블록은 항등 숏컷으로 같은 구조를 반복합니다.",
        "degradation": "도형 이미지(원·사각형·삼각형)로 이 CPU에서 학습한 CIFAR식 일반 망과 잔차망의 훈련 오차입니다 "
        "(명령은 assets/degradation/). 작은 망을 짧게 학습한 결과입니다.",
        "untrained": "**학습되지 않은(무작위) 가중치**: 이 차트는 학습되지 않은 네트워크를 보여 줍니다. "
        "`resnet-viz train-demo --out demo`로 학습한 뒤 `--weights demo/model.pt --class-names demo/classes.txt`로 앱을 여세요.",
        "removed": "블록 {n}개를 제거한 상위 5개 예측",
        "compare": "깊이 비교 (GMACs = torch가 센 곱셈-덧셈 수, acc@1은 모든 깊이에 같은 레시피인 IMAGENET1K_V1 가중치)",
        "cams": "블록을 제거한 채 단계별 {method}",
        "cams_n": "블록 {n}개를 제거한 채 단계별 {method}",
        "no_image": "먼저 이미지를 올리세요(또는 예시 중 하나를 고르세요).",
        "no_block": "{model}에는 {names} 블록이 없습니다. 이 모델의 블록: {blocks}.",
        "depths_run": "18…152층의 기울기 흐름 (무작위 초기화, 약 10초)",
        "depths": "torchvision ResNet-18…152를 같은 시드로 무작위 초기화하고(학습 전이며, 선택한 모델의 가중치가 아님) "
        "이 이미지와 클래스에서 잰 각 블록 입력의 기울기 크기: 그대로(실선)와 일반 망으로 바꾼 것(점선). "
        "배치 정규화는 학습 시작 때처럼 이미지 자신의 통계로 정규화합니다. 학습 후가 아니라 초기화 때의 기울기입니다.",
        "depths_found": "측정 결과: {depth}층에서 마지막 블록부터 첫 블록까지 기울기가 숏컷이 있으면 ×{res}, "
        "없으면 ×{plain}만큼 커졌습니다.",
        "blocks_title": "블록",
        "remove_title": "블록 제거",
    },
}


def _t(key: str, lang: str | None, **values) -> str:
    return pick(TEXT, key, lang or "en", **values)


def _degradation_png(lang: str) -> str | None:
    path = DEGRADATION / (
        "degradation_ko.png" if lang == "ko" and (DEGRADATION / "degradation_ko.png").exists() else "degradation.png"
    )
    return str(path) if path.exists() else None


def _degradation_caption(lang: str) -> str:
    """The fixed caption plus what the shipped curves measured."""
    path = DEGRADATION / "degradation.json"
    if not path.exists():
        return _t("degradation", lang)
    return _t("degradation", lang) + " " + verdict(json.loads(path.read_text(encoding="utf-8")), lang)


def depth_flow_found(result, lang: str) -> str:
    """What the deepest net measured: first-block gradient over last-block gradient, both kinds."""
    deepest = result.flows[-1]
    growth = lambda norms: f"{norms[0] / norms[-1]:.3g}" if norms[-1] > 0 else "∞"
    return _t("depths_found", lang, res=growth(deepest.residual), plain=growth(deepest.plain), depth=deepest.depth)


def _layout(blocks: list[str]) -> SimpleNamespace:
    """The tab's components, labelled in English (relabel switches them); labels name API outputs."""
    page = SimpleNamespace(images={}, downloads={}, captions={})
    page.intro = gr.Markdown(_t("intro", "en"))
    page.run_button = gr.Button(_t("run", "en"), variant="primary")
    page.stale = gr.Markdown(visible=False, elem_classes=["stale"], elem_id="lab-stale")
    page.status = gr.Markdown("", label="status", elem_id="lab-status")
    for name in CHARTS:
        with gr.Row(equal_height=False):
            with gr.Column(scale=4):
                page.images[name] = gr.Image(
                    label=f"{name} chart", show_label=False, interactive=False, type="filepath", elem_id=f"lab-{name}"
                )
            with gr.Column(scale=1, min_width=180):
                page.captions[name] = gr.Markdown(_t(name, "en"))
                page.downloads[name] = gr.DownloadButton(_t("download", "en"), visible=False, size="sm")
    with gr.Accordion(_t("blocks_title", "en"), open=True) as page.blocks_accordion:
        page.block_rows = gr.HTML("", label="block rows", show_label=False, elem_id="lab-blocks")
    with gr.Row(equal_height=False):
        with gr.Column(scale=4):
            page.depths_button = gr.Button(_t("depths_run", "en"), size="sm")
            page.depths_image = gr.Image(
                label="depth gradients chart",
                show_label=False,
                interactive=False,
                type="filepath",
                elem_id="lab-depths",
            )
        with gr.Column(scale=1, min_width=180):
            page.depths_caption = gr.Markdown(_t("depths", "en"))
            page.depths_found = gr.Markdown("", label="depth gradients measured")
            page.depths_download = gr.DownloadButton(_t("download", "en"), visible=False, size="sm")
    with gr.Accordion(_t("remove_title", "en"), open=True) as page.remove_accordion:
        page.removed = gr.CheckboxGroup(blocks, label=_t("remove", "en"), elem_id="lab-remove")
        page.rerun_button = gr.Button(_t("rerun", "en"), elem_id="lab-rerun")
        with gr.Row():
            page.removed_top = gr.Label(num_top_classes=5, label=_t("removed", "en", n=0), elem_id="lab-removed-top")
            page.removed_cams = gr.Gallery(
                label=_t("cams", "en", method="Grad-CAM"),
                columns=2,
                height="auto",
                object_fit="contain",
                elem_id="lab-removed-cams",
            )  # 2 a row: layer4 is never cut off
    with gr.Accordion("ResNet-18 … 152", open=False):
        page.compare_button = gr.Button(_t("compare", "en"), size="sm")
        page.compare_table = gr.Markdown("", label="depth comparison")
        page.compare_shown = gr.State(False)
    with gr.Row():
        page.degradation_image = gr.Image(
            _degradation_png("en"), show_label=False, interactive=False, type="filepath", elem_id="lab-degradation"
        )
        with gr.Column(scale=1, min_width=180):
            page.degradation_caption = gr.Markdown(_degradation_caption("en"))
            gr.DownloadButton("PNG", value=_degradation_png("en"), size="sm")
    return page


def _relabel(lang: str) -> list:
    """Updates for _relabelled(page)'s components, in its order."""
    return [
        _t("intro", lang),
        gr.Button(_t("run", lang)),
        *[_t(name, lang) for name in CHARTS],
        *[gr.DownloadButton(_t("download", lang)) for _ in CHARTS],
        gr.CheckboxGroup(label=_t("remove", lang)),
        gr.Button(_t("rerun", lang)),
        _degradation_caption(lang),
        gr.Image(_degradation_png(lang)),
        gr.Button(_t("compare", lang)),
        gr.Button(_t("depths_run", lang)),
        _t("depths", lang),
        gr.DownloadButton(_t("download", lang)),
        gr.Accordion(label=_t("blocks_title", lang)),
        gr.Accordion(label=_t("remove_title", lang)),
    ]


def _relabelled(page: SimpleNamespace) -> list:
    return [
        page.intro,
        page.run_button,
        *page.captions.values(),
        *page.downloads.values(),
        page.removed,
        page.rerun_button,
        page.degradation_caption,
        page.degradation_image,
        page.compare_button,
        page.depths_button,
        page.depths_caption,
        page.depths_download,
        page.blocks_accordion,
        page.remove_accordion,
    ]


def lab_subject(image, model, weights, target, lang):
    """A lab run's subject: its charts use no CAM method; their language is recorded (a switch redraws them)."""
    return subject_of(image, model, weights, "", target, lang=lang or "en")


def removal_subject(image, model, weights, method, target, names, lang):
    return subject_of(image, model, weights, method, target, lang=lang or "en", extra=tuple(sorted(names or [])))


def removal_values(record, lang: str) -> tuple[gr.Label, gr.Gallery]:
    """The removal result shown again, labelled from what it recorded."""
    top, gallery = removal_labels(record, lang)
    return gr.Label(value=record[1], label=top), gr.Gallery(value=record[4], label=gallery)


def removal_labels(record, lang: str) -> tuple[str, str]:
    """The removal result's two labels, from what it recorded: its CAM method and its blocks."""
    _, _, method, names = record[:4]
    label = CAM_METHODS[method].label if method in CAM_METHODS else method
    return _t("removed", lang, n=len(names)), _t("cams_n", lang, method=label, n=len(names))


def lab_notice(run, removal, depths, image, model, weights, method, target, names, lang) -> str:
    """One notice for the tab's three results, each against the controls as it reads them."""
    recorded = [record[0] if record else None for record in (run, removal, depths)]
    current = [
        lab_subject(image, model, weights, target, lang),
        removal_subject(image, model, weights, method, target, names, lang),
        lab_subject(image, model, weights, target, lang),
    ]
    return stale_notice(recorded, current, lang, redo="run", extra="removed")


def check_blocks(module, model_name: str, names, lang: str) -> list[str]:
    """The blocks asked for, or a refusal naming those this model does not have."""
    blocks = block_names(module)
    missing = [name for name in names or [] if name not in blocks]
    if missing:
        raise gr.Error(_t("no_block", lang, model=model_name, names=", ".join(missing), blocks=", ".join(blocks)))
    return list(names or [])


def _wire_depths_and_compare(ctx: ViewContext, page: SimpleNamespace) -> None:
    """The two buttons that do not depend on a lab run: the depth comparison and the 18…152 table."""

    def depth_values(result, lang):
        png = ctx.store.write(chart_png(depth_flow_chart, result, lang=lang), "png", "lab-depth-gradients")
        return png, depth_flow_found(result, lang), gr.DownloadButton(value=png, visible=True)

    @handles_errors
    def depths(image_path, model_name, weights_name, method, target, lang, progress=gr.Progress()):
        subject = lab_subject(image_path, model_name, weights_name, target, lang)
        if not image_path:
            raise ImageInputError("no_image")
        loaded = ctx.analyzer.model(model_name, weights_name)
        result = run_depth_flow(loaded, image_path, target or None, progress=lambda f, text: progress(f, desc=text))
        return (*depth_values(result, lang), (subject, result))

    @handles_errors
    def redraw_depths(record, lang):
        if not record:
            return (gr.skip(),) * 4
        return (*depth_values(record[1], lang), (replace(record[0], lang=lang), record[1]))

    @handles_errors
    def compare(lang):
        return compare_markdown(lang), True

    page.depths_state = gr.State(None)
    depth_outputs = [page.depths_image, page.depths_found, page.depths_download, page.depths_state]
    page.compare_button.click(compare, [ctx.lang], [page.compare_table, page.compare_shown], api_name="lab_compare")
    page.depths_event = page.depths_button.click(depths, [*ctx.subject, ctx.lang], depth_outputs, api_name="lab_depths")
    ctx.lang.change(
        redraw_depths,
        [page.depths_state, ctx.lang],
        depth_outputs,
        api_visibility="private",
        show_progress="hidden",
        concurrency_id="render",
    )
    ctx.lang.change(
        lambda shown, lang: compare_markdown(lang) if shown else gr.skip(),
        [page.compare_shown, ctx.lang],
        [page.compare_table],
        api_visibility="private",
        show_progress="hidden",
    )


def build(ctx: ViewContext) -> None:
    analyzer = ctx.analyzer
    page = _layout(block_names(analyzer.model(ctx.default_model, ctx.default_weights).module))
    images, downloads, status, removed = page.images, page.downloads, page.status, page.removed
    run_state, removal_state = gr.State(None), gr.State(None)

    def heading(result, loaded, lang) -> str:
        note = "" if loaded.is_pretrained else _t("untrained", lang)
        head = (
            f"**{result.model}** · {result.weights} · {result.target_label} ({result.target}) · "
            f"p = {result.intact_prob:.3f}"
        )
        return f"{head}\n\n{note}"

    def chart_values(result, loaded, charts, lang) -> dict:
        outputs = {}
        for name in charts:
            png = ctx.store.write(lab_chart_png(result, loaded.module, name, lang), "png", f"lab-{name}")
            outputs[id(images[name])] = png
            outputs[id(downloads[name])] = gr.DownloadButton(value=png, visible=True)
        return outputs

    def lab_parts(image_path, model_name, weights_name, target, lang, progress):
        """Cheap charts first: diagram and norms (~1 s), then the lesion sweep, gradient flow, shattering."""
        subject = lab_subject(image_path, model_name, weights_name, target, lang)  # as the run starts
        if not image_path:
            raise ImageInputError("no_image")
        loaded = analyzer.model(model_name, weights_name)
        parts = iter_lab(loaded, image_path, target or None, progress=lambda f, text: progress(f, desc=text))
        drawn: tuple = ()
        for part, result in parts:
            charts = PARTS[part]
            drawn += charts
            outputs = {id(status): heading(result, loaded, lang)} | chart_values(result, loaded, charts, lang)
            outputs[id(run_state)] = (subject, result, drawn, model_name, weights_name)
            if part == "norms":  # the first yield: clear the previous run's later charts, not yet redrawn
                for name in set(CHARTS) - set(charts):
                    outputs[id(images[name])] = None
                    outputs[id(downloads[name])] = gr.DownloadButton(value=None, visible=False)
                outputs[id(page.block_rows)] = block_table_html(block_table(loaded.module), lang)
            yield [outputs.get(id(component), gr.skip()) for component in chart_outputs]

    @handles_errors
    def lab_step(parts, lang):
        """The next outputs, or None at the end; an error becomes the usual message, in `lang`."""
        return next(parts, None)

    def run(image_path, model_name, weights_name, method, target, lang, progress=gr.Progress()):
        # A generator, so Gradio shows each chart as soon as it is drawn.
        parts = lab_parts(image_path, model_name, weights_name, target, lang, progress)
        while (outputs := lab_step(parts, lang)) is not None:
            yield outputs

    @handles_errors
    def rerun(image_path, model_name, weights_name, method, target, names, lang):
        subject = removal_subject(image_path, model_name, weights_name, method, target, names, lang)
        if not image_path:
            raise ImageInputError("no_image")
        loaded = analyzer.model(model_name, weights_name)
        names = check_blocks(loaded.module, loaded.name, names, lang)
        method = method or "gradcam"
        result = analyze_without(loaded, image_path, names, target or None, method)
        cams = [(cam_overlay(result.image, s.cam), s.label) for s in result.stages if s.cam is not None]
        record = (subject, dict(result.predictions), method, tuple(names), cams)
        return (*removal_values(record, lang), record)

    @handles_errors
    def redraw(record, lang):
        """The language changed: the lab's charts drawn again from the kept result, no recompute."""
        if not record:
            return [gr.skip()] * len(chart_outputs)
        subject, result, drawn, model_name, weights_name = record
        loaded = analyzer.model(model_name, weights_name)
        outputs = {id(status): heading(result, loaded, lang)} | chart_values(result, loaded, drawn, lang)
        outputs[id(page.block_rows)] = block_table_html(block_table(loaded.module), lang)
        outputs[id(run_state)] = (replace(subject, lang=lang), *record[1:])
        return [outputs.get(id(component), gr.skip()) for component in chart_outputs]

    @handles_errors
    def relabel_removal(record, method, lang):
        if not record:  # nothing removed yet: the gallery will show the method in the sidebar
            label = CAM_METHODS[method].label if method in CAM_METHODS else "CAM"
            return gr.Label(label=_t("removed", lang, n=0)), gr.Gallery(label=_t("cams", lang, method=label)), record
        return (*removal_values(record, lang), (replace(record[0], lang=lang), *record[1:]))

    @handles_errors
    def blocks_of(model_name, weights_name, names):
        """The remove list follows the model in the sidebar; ticked blocks it also has stay ticked."""
        try:
            module = analyzer.model(model_name, weights_name).module
        except Exception:  # weights of the previous model, while the switch is under way
            module = analyzer.model(model_name, "random").module
        blocks = block_names(module)
        return gr.CheckboxGroup(choices=blocks, value=[name for name in names or [] if name in blocks])

    @handles_errors
    def freshness(*values):
        notice = lab_notice(*values)
        return gr.Markdown(notice, visible=bool(notice))

    _wire_depths_and_compare(ctx, page)
    chart_outputs = [status, *images.values(), *downloads.values(), page.block_rows, run_state]
    private = dict(api_visibility="private", show_progress="hidden")
    notice_inputs = [run_state, removal_state, page.depths_state, *ctx.subject, removed, ctx.lang]
    # The progress bar goes on the status line only, so the charts already drawn stay visible below it.
    ran = page.run_button.click(run, [*ctx.subject, ctx.lang], chart_outputs, api_name="lab", show_progress_on=[status])
    reran = page.rerun_button.click(
        rerun,
        [*ctx.subject, removed, ctx.lang],
        [page.removed_top, page.removed_cams, removal_state],
        api_name="lab_remove",
    )
    for event in (ran, reran, page.depths_event):
        event.then(freshness, notice_inputs, [page.stale], **private)  # the controls at the finish
    for control in [*ctx.subject, removed, ctx.lang]:
        control.change(freshness, notice_inputs, [page.stale], **private)
    ctx.model.change(blocks_of, [ctx.model, ctx.weights, removed], [removed], **private)
    ctx.weights.change(blocks_of, [ctx.model, ctx.weights, removed], [removed], **private)
    ctx.lang.change(redraw, [run_state, ctx.lang], chart_outputs, concurrency_id="render", **private).then(
        freshness, notice_inputs, [page.stale], **private
    )
    ctx.lang.change(
        relabel_removal,
        [removal_state, ctx.method, ctx.lang],
        [page.removed_top, page.removed_cams, removal_state],
        **private,
    ).then(freshness, notice_inputs, [page.stale], **private)
    ctx.method.change(
        lambda record, method, lang: relabel_removal(record, method, lang) if not record else (gr.skip(),) * 3,
        [removal_state, ctx.method, ctx.lang],
        [page.removed_top, page.removed_cams, removal_state],
        **private,
    )
    ctx.on_language.append((_relabelled(page), _relabel))
