"""Assembles the page: header, shared controls in the sidebar, one tab per view; theme and launch."""

from __future__ import annotations

import logging
import os

import gradio as gr

from ..cam import CAM_METHODS
from ..microbatch import DEFAULT_MAX_BATCH
from ..models import is_checkpoint, resolve_device
from ..presenter import text, weights_banner
from ..server_settings import configure_server_runtime
from ..service import Analyzer, model_choices, target_choices
from . import analysis_view, compare_view, lab_view, lecture_view, paper_view, trust_view
from .context import ASSETS, ViewContext, cache_examples  # noqa: F401 (exported by the package)
from .errors import handles_errors
from .gradio_speedups import quiet_monitoring
from .widgets import SafeImage, TextDropdown

log = logging.getLogger("resnet_viz")
MAX_FILE_SIZE = "20mb"
# System fonts only: Gradio's default theme fetches its web font from Google Fonts, and offline (a
# lecture hall) the browser falls back to a face that draws "E" as "Ɛ". Hangul faces before the
# generic family, so Korean never falls back to a random one.
FONT = [
    "system-ui",
    "-apple-system",
    "Segoe UI",
    "Roboto",
    "Helvetica Neue",
    "Noto Sans",
    "DejaVu Sans",
    "Arial",
    "Noto Sans CJK KR",
    "Apple SD Gothic Neo",
    "Malgun Gothic",
    "NanumGothic",
    "sans-serif",
]
FONT_MONO = [
    "ui-monospace",
    "SFMono-Regular",
    "Menlo",
    "Consolas",
    "DejaVu Sans Mono",
    "Liberation Mono",
    "Noto Sans Mono CJK KR",
    "monospace",
]
# Gradio keeps a copy of every component's config per browser session (the class dropdown alone
# holds 1000 names): ~0.4 MB each, kept for 10000 sessions by default. Results are cached for far
# fewer (16, service.Analyzer), so an evicted session loses nothing it still had: 128 caps this at ~50 MB.
SESSION_CAPACITY = 128
DEFAULT_CONCURRENCY = 2
# The "model" event group (Analyze, /analyze, /predict, ...): enough requests in at once for the
# service's micro-batcher to fill one batch while the previous one computes (service.Analyzer).
MODEL_CONCURRENCY = 16

# One entry per view, in tab order: (its tab label's key in presenter.TEXT, module with build(ctx)).
VIEWS = [
    ("tab_stages", analysis_view),
    ("tab_one_screen", lecture_view),
    ("tab_lab", lab_view),
    ("tab_trust", trust_view),
    ("tab_compare", compare_view),
    ("tab_paper", paper_view),
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
.rv-note {font-size:0.92em; color:#4b5563;}
/* Tables break between words, never inside one ("resnet1/8", "GFLOP/s"): keep-all also keeps Korean
   words whole; a table wider than its column scrolls instead of squeezing its cells. */
.gradio-container table, .gradio-container th, .gradio-container td {word-break: keep-all; overflow-wrap: normal; hyphens: none;}
.gradio-container .prose table {display: block; overflow-x: auto; max-width: 100%;}
"""


def theme() -> gr.themes.Theme:
    """The page's theme, on system fonts (nothing fetched from the internet)."""
    return gr.themes.Soft(primary_hue="indigo", font=FONT, font_mono=FONT_MONO)


def log_weights(loaded) -> None:
    """Say in the terminal, at start, what the banner says on the page: these weights are untrained."""
    if not loaded.is_pretrained:
        log.warning(
            "%s is running with RANDOM (untrained) weights: its predictions and heatmaps mean nothing. %s",
            loaded.name,
            loaded.weights_note,
        )


def _controls(analyzer: Analyzer, initial, model: str, weights: str) -> dict:
    image = SafeImage(label=text("photo"), type="filepath", sources=["upload", "clipboard", "webcam"], height=240)
    # allow_custom_value: the service checks every choice and says what is wrong in its own words;
    # Gradio's check would list 1000 class ids, and would refuse an API call with weights of a
    # model the session has not selected first.
    model_input = gr.Dropdown(
        model_choices(),
        value=model,
        label=text("model"),
        info=text("model_info"),
        elem_id="model",
        allow_custom_value=True,
    )
    weights_input = gr.Dropdown(
        analyzer.weights_options(model),
        value=weights,
        label=text("weights"),
        elem_id="weights",
        allow_custom_value=True,
    )
    method_input = gr.Dropdown(
        [(m.label, m.key) for m in CAM_METHODS.values()],
        value="gradcam",
        label=text("method"),
        elem_id="method",
        allow_custom_value=True,
    )
    target_input = TextDropdown(
        target_choices(initial, text("automatic")),
        value="",
        label=text("target"),
        elem_id="target",
        allow_custom_value=True,
        filterable=True,
        info=text("target_info"),
    )
    contrast_input = TextDropdown(
        target_choices(initial, text("no_contrast")),
        value="",
        label=text("contrast"),
        elem_id="contrast",
        allow_custom_value=True,
        filterable=True,
        info=text("contrast_info"),
    )
    analyze_button = gr.Button(text("analyze"), variant="primary", size="lg")
    return dict(
        image=image,
        model=model_input,
        weights=weights_input,
        method=method_input,
        target=target_input,
        contrast=contrast_input,
        analyze_button=analyze_button,
    )


def build_app(
    model: str | None = None,
    weights: str = "DEFAULT",
    device: str = "auto",
    class_names: str | None = None,
    gpu=None,
    reference: str | None = None,
    max_batch: int = DEFAULT_MAX_BATCH,
) -> gr.Blocks:
    checkpoint = weights if is_checkpoint(weights) else None
    analyzer = Analyzer(device=device, checkpoint=checkpoint, class_names=class_names, gpu=gpu, max_batch=max_batch)
    initial = analyzer.model(model, weights)  # load at start-up, so the banner is right from the first paint
    log_weights(initial)
    model = initial.name

    with gr.Blocks(title="resnet-viz: see inside a ResNet", delete_cache=(3600, 3600)) as app:
        with gr.Row():
            title = gr.Markdown(text("title"))
            lang = gr.Radio(
                [("English", "en"), ("한국어", "ko")],
                value="en",
                show_label=False,
                container=False,
                scale=0,
                min_width=200,
                elem_id="lang",
            )
        banner_text = weights_banner(initial)
        banner = gr.Markdown(banner_text, visible=bool(banner_text), elem_id="banner")
        with gr.Sidebar(open=True, width=340) as sidebar:
            controls = _controls(analyzer, initial, model, weights)
        ctx = ViewContext(
            analyzer=analyzer,
            lang=lang,
            banner=banner,
            sidebar=sidebar,
            result_key=gr.State(""),
            default_model=model,
            default_weights=weights,
            shown=gr.State(None),
            reference_dir=reference,
            **controls,
        )
        tabs = []
        with gr.Tabs():
            for label_key, view in VIEWS:
                with gr.Tab(text(label_key)) as tab:
                    view.build(ctx)
                tabs.append(tab)
        _wire_language(app, ctx, title, tabs)
    app.analyzer = analyzer  # type: ignore[attr-defined]
    app.store = ctx.store  # type: ignore[attr-defined]
    return app


def _wire_language(app: gr.Blocks, ctx: ViewContext, title: gr.Markdown, tabs: list) -> None:
    ctx.on_language.append(([title], lambda code: [text("title", code)]))
    ctx.on_language.append((tabs, lambda code: [gr.Tab(label=text(key, code)) for key, _ in VIEWS]))
    ctx.on_language.append(
        (
            [ctx.image, ctx.analyze_button],
            lambda code: [gr.Image(label=text("photo", code)), gr.Button(text("analyze", code))],
        )
    )
    ctx.on_language.append(
        (
            [ctx.model, ctx.weights, ctx.method],
            lambda code: [
                gr.Dropdown(label=text("model", code), info=text("model_info", code), choices=model_choices(code)),
                gr.Dropdown(label=text("weights", code)),
                gr.Dropdown(label=text("method", code)),
            ],
        )
    )
    language_outputs = [c for components, _ in ctx.on_language for c in components]

    @handles_errors
    def relabel(code: str, model: str, weights: str):
        updates = [update for _, fn in ctx.on_language for update in fn(code)]
        # The class box's first choice is a word too; its other 1000 are ImageNet's names.
        automatic = text("automatic", code)
        loaded = ctx.analyzer.model(model, weights)
        target = gr.Dropdown(
            label=text("target", code), info=text("target_info", code), choices=target_choices(loaded, automatic)
        )
        contrast = gr.Dropdown(
            label=text("contrast", code),
            info=text("contrast_info", code),
            choices=target_choices(loaded, text("no_contrast", code)),
        )
        banner = weights_banner(loaded, code)
        return [*updates, target, contrast, gr.Markdown(banner, visible=bool(banner))]

    ctx.lang.change(
        relabel,
        [ctx.lang, ctx.model, ctx.weights],
        [*language_outputs, ctx.target, ctx.contrast, ctx.banner],
        api_visibility="private",
        show_progress="hidden",
    )
    # The browser's language picks the default; the radio switches it.
    app.load(
        None, None, [ctx.lang], js="() => (navigator.language || 'en').toLowerCase().startsWith('ko') ? 'ko' : 'en'"
    )


def model_group_limit(app: gr.Blocks, limit: int) -> None:
    """Let `limit` events of the "model" group run at once: they wait in the service's micro-batcher,
    which runs them as one batch, instead of in Gradio's queue one or two at a time. Gradio takes the
    lowest limit of a group's events, so every event of the group gets it."""
    for fn in app.fns.values():
        if fn.concurrency_id == "model":
            fn.concurrency_limit = limit


def launch(
    model: str | None = "resnet50",
    weights: str = "DEFAULT",
    device: str = "auto",
    port: int | None = None,
    share: bool = False,
    host: str | None = None,
    class_names: str | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    gpu=None,
    reference: str | None = None,
    max_batch: int = DEFAULT_MAX_BATCH,
    **launch_kwargs,
):
    """Serve the app. `concurrency` requests of one event group run at once: the model's lock still
    serialises forward+backward, so with 2 one request renders and encodes while the next computes
    (benchmarks/bench_server.py measures 1, 2 and 4)."""
    quiet_monitoring(launch_kwargs)  # before app.queue(), which reads it
    app = build_app(model, weights, device, class_names, gpu, reference, max_batch)
    model_group_limit(app, max(int(concurrency), MODEL_CONCURRENCY, 2 * int(max_batch)))
    configure_server_runtime(resolve_device(device).type)  # heap, cuDNN: the server's, not a library's
    app.queue(max_size=64, default_concurrency_limit=max(1, int(concurrency)))
    app.launch(
        server_name=host or os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=port or int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        share=share,
        theme=theme(),
        css=CSS,
        max_file_size=MAX_FILE_SIZE,
        state_session_capacity=SESSION_CAPACITY,
        allowed_paths=[str(ASSETS)],
        **launch_kwargs,
    )
    return app  # with prevent_thread_lock=True the caller gets the running app, to close()
