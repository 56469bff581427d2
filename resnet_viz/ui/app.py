"""Assembles the page: header, shared controls in the sidebar, one tab per view; theme and launch."""

from __future__ import annotations

import os

import gradio as gr

from ..cam import CAM_METHODS
from ..malloc import tune_for_server
from ..microbatch import DEFAULT_MAX_BATCH
from ..models import is_checkpoint
from ..presenter import text, weights_banner
from ..service import Analyzer, model_choices, target_choices
from . import analysis_view, compare_view, lab_view, lecture_view, trust_view
from .context import ASSETS, ViewContext, cache_examples  # noqa: F401 (exported by the package)
from .errors import handles_errors
from .widgets import SafeImage, TextDropdown

MAX_FILE_SIZE = "20mb"
# Gradio keeps a copy of every component's config per browser session (the class dropdown alone
# holds 1000 names): ~0.4 MB each, kept for 10000 sessions by default. Results are cached for far
# fewer (16, service.Analyzer), so an evicted session loses nothing it still had: 128 caps this at ~50 MB.
SESSION_CAPACITY = 128
DEFAULT_CONCURRENCY = 2
# The "model" event group (Analyze, /analyze, /predict, ...): enough requests in at once for the
# service's micro-batcher to fill one batch while the previous one computes (service.Analyzer).
MODEL_CONCURRENCY = 16

# One entry per view, in tab order: (tab label in English, in Korean, module with build(ctx)).
VIEWS = [
    ("Stages", "단계별 보기", analysis_view),
    ("One screen", "한 화면", lecture_view),
    ("Residual lab", "잔차 실험실", lab_view),
    ("Trust checks", "신뢰도 점검", trust_view),
    ("Compare depths", "깊이 비교", compare_view),
]

CSS = """
#banner {background:#fff4e5; border:2px solid #f59e0b; border-radius:8px; padding:4px 14px;}
.block.notice {background:#fef2f2; border:2px solid #dc2626; border-radius:8px; padding:4px 14px;}
.block.stale {background:#fff4e5; border:2px solid #f59e0b; border-radius:8px; padding:4px 14px;}
.stage-title h3 {margin-bottom:2px;}
.col-head {border-bottom:1px solid #c7d2fe;}
.result-head p {margin:0;}
footer {display:none !important;}
.rv-blocks details {border:1px solid #e5e7eb; border-radius:6px; margin:4px 0; padding:4px 10px;}
.rv-blocks summary {cursor:pointer; font-size:1.02em;}
.rv-blocks table {margin:6px 0; font-size:0.92em;}
.rv-identity {background:#e0e7ff; color:#3730a3; border-radius:4px; padding:0 6px; font-weight:600;}
.rv-projection {background:#fef3c7; color:#92400e; border-radius:4px; padding:0 6px; font-weight:600;}
"""


def _controls(analyzer: Analyzer, initial, model: str, weights: str) -> dict:
    image = SafeImage(label=text("photo"), type="filepath", sources=["upload", "clipboard", "webcam"], height=240)
    # allow_custom_value: the service checks every choice and says what is wrong in its own words;
    # Gradio's check would list 1000 class ids, and would refuse an API call with weights of a
    # model the session has not selected first.
    model_input = gr.Dropdown(model_choices(), value=model, label=text("model"), info=text("model_info"), elem_id="model",
                              allow_custom_value=True)
    weights_input = gr.Dropdown(analyzer.weights_options(model), value=weights, label=text("weights"), elem_id="weights",
                                allow_custom_value=True)
    method_input = gr.Dropdown([(m.label, m.key) for m in CAM_METHODS.values()], value="gradcam", label=text("method"), elem_id="method",
                               allow_custom_value=True)
    target_input = TextDropdown(target_choices(initial, text("automatic")), value="", label=text("target"), elem_id="target",
                                allow_custom_value=True, filterable=True, info=text("target_info"))
    contrast_input = TextDropdown(target_choices(initial, text("no_contrast")), value="", label=text("contrast"),
                                  elem_id="contrast", allow_custom_value=True, filterable=True, info=text("contrast_info"))
    analyze_button = gr.Button(text("analyze"), variant="primary", size="lg")
    return dict(image=image, model=model_input, weights=weights_input, method=method_input, target=target_input,
                contrast=contrast_input, analyze_button=analyze_button)


def build_app(model: str | None = None, weights: str = "DEFAULT", device: str = "auto",
              class_names: str | None = None, gpu=None, max_batch: int = DEFAULT_MAX_BATCH) -> gr.Blocks:
    checkpoint = weights if is_checkpoint(weights) else None
    analyzer = Analyzer(device=device, checkpoint=checkpoint, class_names=class_names, gpu=gpu, max_batch=max_batch)
    initial = analyzer.model(model, weights)  # load at start-up, so the banner is right from the first paint
    model = initial.name

    with gr.Blocks(title="resnet-viz: see inside a ResNet", delete_cache=(3600, 3600)) as app:
        with gr.Row():
            title = gr.Markdown(text("title"))
            lang = gr.Radio([("English", "en"), ("한국어", "ko")], value="en", show_label=False, container=False,
                            scale=0, min_width=200, elem_id="lang")
        banner_text = weights_banner(initial)
        banner = gr.Markdown(banner_text, visible=bool(banner_text), elem_id="banner")
        with gr.Sidebar(open=True, width=340) as sidebar:
            controls = _controls(analyzer, initial, model, weights)
        ctx = ViewContext(analyzer=analyzer, lang=lang, banner=banner, sidebar=sidebar, result_key=gr.State(""),
                          default_model=model, default_weights=weights, shown=gr.State(None), **controls)
        tabs = []
        with gr.Tabs():
            for label_en, _label_ko, view in VIEWS:
                with gr.Tab(label_en) as tab:
                    view.build(ctx)
                tabs.append(tab)
        _wire_language(app, ctx, title, tabs)
    app.analyzer = analyzer  # type: ignore[attr-defined]
    app.store = ctx.store  # type: ignore[attr-defined]
    return app


def _wire_language(app: gr.Blocks, ctx: ViewContext, title: gr.Markdown, tabs: list) -> None:
    ctx.on_language.append(([title], lambda code: [text("title", code)]))
    ctx.on_language.append((tabs, lambda code: [gr.Tab(label=en if code == "en" else ko) for en, ko, _ in VIEWS]))
    ctx.on_language.append(([ctx.image, ctx.analyze_button], lambda code: [gr.Image(label=text("photo", code)),
                                                                          gr.Button(text("analyze", code))]))
    ctx.on_language.append(([ctx.model, ctx.weights, ctx.method], lambda code: [
        gr.Dropdown(label=text("model", code), info=text("model_info", code)),
        gr.Dropdown(label=text("weights", code)), gr.Dropdown(label=text("method", code))]))
    language_outputs = [c for components, _ in ctx.on_language for c in components]

    @handles_errors
    def relabel(code: str, model: str, weights: str):
        updates = [update for _, fn in ctx.on_language for update in fn(code)]
        # The class box's first choice is a word too; its other 1000 are ImageNet's names.
        automatic = text("automatic", code)
        loaded = ctx.analyzer.model(model, weights)
        target = gr.Dropdown(label=text("target", code), info=text("target_info", code),
                             choices=target_choices(loaded, automatic))
        contrast = gr.Dropdown(label=text("contrast", code), info=text("contrast_info", code),
                               choices=target_choices(loaded, text("no_contrast", code)))
        banner = weights_banner(loaded, code)
        return [*updates, target, contrast, gr.Markdown(banner, visible=bool(banner))]

    ctx.lang.change(relabel, [ctx.lang, ctx.model, ctx.weights], [*language_outputs, ctx.target, ctx.contrast, ctx.banner],
                    api_visibility="private", show_progress="hidden")
    # The browser's language picks the default; the radio switches it.
    app.load(None, None, [ctx.lang], js="() => (navigator.language || 'en').toLowerCase().startsWith('ko') ? 'ko' : 'en'")


def model_group_limit(app: gr.Blocks, limit: int) -> None:
    """Let `limit` events of the "model" group run at once: they wait in the service's micro-batcher,
    which runs them as one batch, instead of in Gradio's queue one or two at a time. Gradio takes the
    lowest limit of a group's events, so every event of the group gets it."""
    for fn in app.fns.values():
        if fn.concurrency_id == "model":
            fn.concurrency_limit = limit


def launch(model: str | None = "resnet50", weights: str = "DEFAULT", device: str = "auto", port: int | None = None,
           share: bool = False, host: str | None = None, class_names: str | None = None,
           concurrency: int = DEFAULT_CONCURRENCY, gpu=None, max_batch: int = DEFAULT_MAX_BATCH, **launch_kwargs):
    """Serve the app. `concurrency` requests of one event group run at once: the model's lock still
    serialises forward+backward, so with 2 one request renders and encodes while the next computes
    (benchmarks/bench_server.py measures 1, 2 and 4)."""
    tune_for_server()
    # Gradio's /monitoring page: after every finished event Gradio summarises ALL events so far (up to
    # 10,000) in a pandas DataFrame, on the server's cores: 2-3 ms an event at first, ~15 ms at 10,000
    # (a lecture's worth of clicks). The page is off here unless asked for, and so is its summary.
    # Gradio reads the frequency when app.queue() makes the queue.
    launch_kwargs.setdefault("enable_monitoring", False)
    if launch_kwargs["enable_monitoring"] is False:  # Gradio reads None as "on", like True
        os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", str(2**62))
    app = build_app(model, weights, device, class_names, gpu, max_batch)
    model_group_limit(app, max(int(concurrency), MODEL_CONCURRENCY, 2 * int(max_batch)))
    app.queue(max_size=64, default_concurrency_limit=max(1, int(concurrency)))
    app.launch(
        server_name=host or os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=port or int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        share=share,
        theme=gr.themes.Soft(primary_hue="indigo"),
        css=CSS,
        max_file_size=MAX_FILE_SIZE,
        state_session_capacity=SESSION_CAPACITY,
        allowed_paths=[str(ASSETS)],
        **launch_kwargs,
    )
    return app  # with prevent_thread_lock=True the caller gets the running app, to close()
