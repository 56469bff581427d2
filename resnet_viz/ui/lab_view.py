"""The residual lab view: block norms, lesion study, gradient flow and shattering, the block
diagram and the degradation curves, for the sidebar's image, model, weights and class."""

from __future__ import annotations

import json
from types import SimpleNamespace

import gradio as gr

from ..errors import ImageInputError
from ..i18n import pick
from ..lab.arch import compare_markdown
from ..lab.blockrows import block_table, block_table_html
from ..lab.blocks import block_names
from ..lab.charts import CHARTS, lab_chart_png
from ..lab.degradation import verdict
from ..lab.removal import analyze_without
from ..lab.charts import chart_png, depth_flow_chart
from ..lab.run import iter_lab, run_depth_flow
from ..render import cam_overlay
from .context import ASSETS, ViewContext
from .errors import handles_errors

DEGRADATION = ASSETS / "degradation"
# Which charts each part of iter_lab completes; the diagram needs only the module, so it comes first.
PARTS = {"norms": ("diagram", "norms"), "lesion": ("lesion",), "gradients": ("gradients",), "shattering": ("shattering",)}
TEXT = {
    "en": {
        "intro": "### Residual lab\nWhat makes a ResNet a ResNet, **measured on this photo and this model**. "
                 "Press the button: it runs on the image, model, weights and class chosen in the sidebar.",
        "run": "Run the lab", "remove": "Remove these blocks (output = relu(shortcut(x)))",
        "rerun": "Predict again without them", "download": "Download PNG",
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
        "compare": "Compare depths (GMACs = multiply-adds counted by torch; acc@1 of the IMAGENET1K_V1 weights, one recipe for all)", "cams": "Grad-CAM per stage with the blocks removed",
        "depths_run": "Gradient flow at 18…152 layers (random init, ~10 s)",
        "depths": "Gradient norm at each block's input for torchvision's ResNet-18…152 at one seeded random init "
                  "(not trained, not your model's weights), as is (solid) and made plain (dashed), on this image and class. "
                  "BatchNorm normalises with the image's own statistics, as at the start of training. "
                  "It shows gradients at initialisation, not after training.",
        "depths_found": "Measured: from the last block back to the first, the gradient grows ×{res} with shortcuts and ×{plain} "
                        "without them at {depth} layers.",
        "blocks_title": "Blocks", "remove_title": "Remove blocks",
    },
    "ko": {
        "intro": "### 잔차 실험실\nResNet을 ResNet답게 만드는 요소를 **이 사진과 이 모델에서 직접 측정**합니다. "
                 "버튼을 누르면 사이드바에서 고른 이미지·모델·가중치·클래스로 실행합니다.",
        "run": "실험 실행", "remove": "이 블록 제거 (출력 = relu(shortcut(x)))",
        "rerun": "제거한 채로 다시 예측", "download": "PNG 내려받기",
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
        "compare": "깊이 비교 (GMACs = torch가 센 곱셈-덧셈 수, acc@1은 모든 깊이에 같은 레시피인 IMAGENET1K_V1 가중치)", "cams": "블록을 제거한 채 단계별 Grad-CAM",
        "depths_run": "18…152층의 기울기 흐름 (무작위 초기화, 약 10초)",
        "depths": "torchvision ResNet-18…152를 같은 시드로 무작위 초기화하고(학습 전이며, 선택한 모델의 가중치가 아님) "
                  "이 이미지와 클래스에서 잰 각 블록 입력의 기울기 크기: 그대로(실선)와 일반 망으로 바꾼 것(점선). "
                  "배치 정규화는 학습 시작 때처럼 이미지 자신의 통계로 정규화합니다. 학습 후가 아니라 초기화 때의 기울기입니다.",
        "depths_found": "측정 결과: {depth}층에서 마지막 블록부터 첫 블록까지 기울기가 숏컷이 있으면 ×{res}, "
                        "없으면 ×{plain}만큼 커졌습니다.",
        "blocks_title": "블록", "remove_title": "블록 제거",
    },
}


def _t(key: str, lang: str | None, **values) -> str:
    return pick(TEXT, key, lang or "en", **values)


def _degradation_png(lang: str) -> str | None:
    path = DEGRADATION / ("degradation_ko.png" if lang == "ko" and (DEGRADATION / "degradation_ko.png").exists()
                          else "degradation.png")
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


def _layout() -> SimpleNamespace:
    """The tab's components, labelled in English (relabel switches them); labels name API outputs."""
    page = SimpleNamespace(images={}, downloads={}, captions={})
    page.intro = gr.Markdown(_t("intro", "en"))
    page.run_button = gr.Button(_t("run", "en"), variant="primary")
    page.status = gr.Markdown("", label="status")
    for name in CHARTS:
        with gr.Row(equal_height=False):
            with gr.Column(scale=4):
                page.images[name] = gr.Image(label=f"{name} chart", show_label=False, interactive=False,
                                             type="filepath", elem_id=f"lab-{name}")
            with gr.Column(scale=1, min_width=180):
                page.captions[name] = gr.Markdown(_t(name, "en"))
                page.downloads[name] = gr.DownloadButton(_t("download", "en"), visible=False, size="sm")
    with gr.Accordion(_t("blocks_title", "en"), open=True) as page.blocks_accordion:
        page.block_rows = gr.HTML("", label="block rows", show_label=False, elem_id="lab-blocks")
        page.block_data = gr.State(None)  # the rows as data, so a language switch redraws them
    with gr.Row(equal_height=False):
        with gr.Column(scale=4):
            page.depths_button = gr.Button(_t("depths_run", "en"), size="sm")
            page.depths_image = gr.Image(label="depth gradients chart", show_label=False, interactive=False,
                                         type="filepath", elem_id="lab-depths")
        with gr.Column(scale=1, min_width=180):
            page.depths_caption = gr.Markdown(_t("depths", "en"))
            page.depths_found = gr.Markdown("", label="depth gradients measured")
            page.depths_download = gr.DownloadButton(_t("download", "en"), visible=False, size="sm")
    with gr.Accordion(_t("remove_title", "en"), open=True) as page.remove_accordion:
        page.removed = gr.CheckboxGroup([], label=_t("remove", "en"), elem_id="lab-remove")
        page.rerun_button = gr.Button(_t("rerun", "en"))
        with gr.Row():
            page.removed_top = gr.Label(num_top_classes=5, label=_t("removed", "en", n=0))
            page.removed_cams = gr.Gallery(label=_t("cams", "en"), columns=2, height="auto", object_fit="contain",
                                           elem_id="lab-removed-cams")  # 2 per row: layer4 is never cut off
    with gr.Accordion("ResNet-18 … 152", open=False):
        page.compare_button = gr.Button(_t("compare", "en"), size="sm")
        page.compare_table = gr.Markdown("", label="depth comparison")
    with gr.Row():
        page.degradation_image = gr.Image(_degradation_png("en"), show_label=False, interactive=False, type="filepath",
                                          elem_id="lab-degradation")
        with gr.Column(scale=1, min_width=180):
            page.degradation_caption = gr.Markdown(_degradation_caption("en"))
            gr.DownloadButton("PNG", value=_degradation_png("en"), size="sm")
    return page


def _relabel(lang: str) -> list:
    """Updates for _relabelled(page)'s components, in its order."""
    return [_t("intro", lang), gr.Button(_t("run", lang)), *[_t(name, lang) for name in CHARTS],
            *[gr.DownloadButton(_t("download", lang)) for _ in CHARTS], gr.CheckboxGroup(label=_t("remove", lang)),
            gr.Button(_t("rerun", lang)), gr.Label(label=_t("removed", lang, n=0)), gr.Gallery(label=_t("cams", lang)),
            _degradation_caption(lang), gr.Image(_degradation_png(lang)), gr.Button(_t("compare", lang)),
            gr.Button(_t("depths_run", lang)), _t("depths", lang), gr.DownloadButton(_t("download", lang)),
            gr.Accordion(label=_t("blocks_title", lang)), gr.Accordion(label=_t("remove_title", lang))]


def _relabelled(page: SimpleNamespace) -> list:
    return [page.intro, page.run_button, *page.captions.values(), *page.downloads.values(), page.removed,
            page.rerun_button, page.removed_top, page.removed_cams, page.degradation_caption, page.degradation_image,
            page.compare_button, page.depths_button, page.depths_caption, page.depths_download,
            page.blocks_accordion, page.remove_accordion]


def _wire_depths_and_compare(ctx: ViewContext, page: SimpleNamespace) -> None:
    """The two buttons that do not depend on a lab run: the depth comparison and the 18…152 table."""

    @handles_errors
    def depths(image_path, model_name, weights_name, method, target, lang, progress=gr.Progress()):
        if not image_path:
            raise ImageInputError("no_image")
        loaded = ctx.analyzer.model(model_name, weights_name)
        result = run_depth_flow(loaded, image_path, target or None, progress=lambda f, text: progress(f, desc=text))
        png = ctx.store.write(chart_png(depth_flow_chart, result, lang=lang), "png", "lab-depth-gradients")
        return png, depth_flow_found(result, lang), gr.DownloadButton(value=png, visible=True)

    @handles_errors
    def compare(lang):
        return compare_markdown(lang)

    page.compare_button.click(compare, [ctx.lang], [page.compare_table], api_name="lab_compare")
    page.depths_button.click(depths, [*ctx.subject, ctx.lang], [page.depths_image, page.depths_found, page.depths_download],
                             api_name="lab_depths")


def build(ctx: ViewContext) -> None:
    analyzer = ctx.analyzer
    page = _layout()
    images, downloads, status, removed = page.images, page.downloads, page.status, page.removed

    def lab_parts(image_path, model_name, weights_name, target, lang, progress):
        """Cheap charts first: diagram and norms (~1 s), then the lesion sweep, gradient flow, shattering."""
        if not image_path:
            raise ImageInputError("no_image")
        loaded = analyzer.model(model_name, weights_name)
        note = "" if loaded.is_pretrained else _t("untrained", lang)
        parts = iter_lab(loaded, image_path, target or None, progress=lambda f, text: progress(f, desc=text))
        for part, result in parts:
            head = (f"**{result.model}** · {result.weights} · {result.target_label} ({result.target}) · "
                    f"p = {result.intact_prob:.3f}")
            charts = PARTS[part]
            pngs = {name: ctx.store.write(lab_chart_png(result, loaded.module, name, lang), "png", f"lab-{name}")
                    for name in charts}
            outputs = {id(status): f"{head}\n\n{note}"}
            for name, png in pngs.items():
                outputs[id(images[name])] = png
                outputs[id(downloads[name])] = gr.DownloadButton(value=png, visible=True)
            if part == "norms":  # the first yield: clear the previous run's later charts, not yet redrawn
                for name in set(CHARTS) - set(pngs):
                    outputs[id(images[name])] = None
                    outputs[id(downloads[name])] = gr.DownloadButton(value=None, visible=False)
                outputs[id(removed)] = gr.CheckboxGroup(choices=block_names(loaded.module), value=[])
                rows = block_table(loaded.module)
                outputs[id(page.block_rows)] = block_table_html(rows, lang)
                outputs[id(page.block_data)] = rows
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
        if not image_path:
            raise ImageInputError("no_image")
        loaded = analyzer.model(model_name, weights_name)
        result = analyze_without(loaded, image_path, names or [], target or None, method or "gradcam")
        cams = [(cam_overlay(result.image, s.cam), s.label) for s in result.stages if s.cam is not None]
        return gr.Label(value=dict(result.predictions), label=_t("removed", lang, n=len(names or []))), cams

    _wire_depths_and_compare(ctx, page)
    chart_outputs = [status, *images.values(), *downloads.values(), removed, page.block_rows, page.block_data]
    # The progress bar goes on the status line only, so the charts already drawn stay visible below it.
    page.run_button.click(run, [*ctx.subject, ctx.lang], chart_outputs, api_name="lab", show_progress_on=[status])
    page.rerun_button.click(rerun, [*ctx.subject, removed, ctx.lang], [page.removed_top, page.removed_cams],
                            api_name="lab_remove")
    ctx.on_language.append((_relabelled(page), _relabel))

    @handles_errors
    def block_rows_in(rows, lang):
        return gr.skip() if rows is None else block_table_html(rows, lang)

    ctx.lang.change(block_rows_in, [page.block_data, ctx.lang], [page.block_rows], api_visibility="private",
                    show_progress="hidden")
