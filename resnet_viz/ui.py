"""The Gradio app: wiring only. Every function it calls is in service.py and tested without Gradio."""

from __future__ import annotations

import html
import logging
import os
from pathlib import Path

import gradio as gr

from .cam import CAM_METHODS
from .errors import ResnetVizError
from .malloc import tune_for_server
from .models import is_checkpoint
from .service import Analyzer, Presentation, model_choices, target_choices, weights_banner
from .render import COLORMAPS, DEFAULT_CHANNELS, MAX_CHANNELS, MIN_CHANNELS
from .stages import STAGES, stage_label

log = logging.getLogger("resnet_viz")
ASSETS = Path(__file__).resolve().parent.parent / "assets"
EXAMPLES = sorted((ASSETS / "examples").glob("*.jpg"))
MAX_FILE_SIZE = "20mb"
# Gradio keeps a copy of every component's config per browser session (the class dropdown alone
# holds 1000 names): ~0.4 MB each, kept for 10000 sessions by default. Results are cached for far
# fewer (16, service.Analyzer), so an evicted session loses nothing it still had: 128 caps this at ~50 MB.
SESSION_CAPACITY = 128

CSS = """
#banner {background:#fff4e5; border:2px solid #f59e0b; border-radius:8px; padding:4px 14px;}
.stage-title h3 {margin-bottom:2px;}
.col-head {border-bottom:1px solid #c7d2fe;}
footer {display:none !important;}
"""

INTRO = """# resnet-viz — see inside a ResNet
Upload a photo: it runs once through a torchvision ResNet. Each row below is one **stage** — what that stage
computes (its strongest feature maps) and where it looks for the chosen class (its Grad-CAM)."""

THEORY = """
**Residual block.** Each block learns a *residual* F(x) and adds its input back: **H(x) = F(x) + x**.
If the best thing a block can do is nothing, it only has to push F(x) to 0 — easy — instead of
learning an identity through a stack of convolutions. The gradient through the sum is
H'(x) = F'(x) + 1: the "+1" carries the signal back through 100+ layers, which is why **depth stops
hurting**: a plain 56-layer network trains worse than a 20-layer one, a ResNet does not.

**Identity vs projection shortcuts.** When x and F(x) have the same shape the shortcut is the identity
(free). Where a stage halves the resolution and widens the channels, the shortcut becomes a
**projection**: a 1×1 convolution with stride 2 plus batch norm (torchvision's `downsample`).

**Bottleneck.** ResNet-50/101/152 use 1×1 → 3×3 → 1×1 blocks: the first 1×1 shrinks the channels 4×,
the 3×3 works on the thin tensor, the last 1×1 widens again. Same cost as a basic block, much deeper.

**Ensemble view.** With n blocks there are 2ⁿ paths from input to output (each block taken or
skipped); a ResNet behaves like an ensemble of many shallower networks.

**Reading the rows.** Early stages (C1, C2) respond to edges and colours at high resolution; late
stages (C4, C5) to object parts at 14×14 and 7×7. Grad-CAM on layer4 is the classic map; on early
stages it is sharper but less about the class.
"""


class SafeImage(gr.Image):
    """An image input that hands over the uploaded file untouched: decoding (with size limits,
    EXIF, 16-bit…) is ours, and Gradio's own decode would fail first with a generic error."""

    def get_block_name(self) -> str:
        return "image"  # reuse gr.Image's front end

    def preprocess(self, payload):  # type: ignore[override]
        if payload is None or (payload.url and payload.url.startswith("data:")) or payload.path is None:
            return super().preprocess(payload)
        return str(payload.path)


def cache_examples(loaded) -> bool:
    """Lazily cache the examples' answers on a Hugging Face Space with trained weights. Not
    elsewhere: a cache made with one model or weights would be served for the next, silently."""
    return bool(os.environ.get("SPACE_ID")) and loaded.is_pretrained


def _user_error(err: Exception) -> gr.Error:
    # gr.Error renders HTML: a file name or class name must not become markup (quotes are
    # harmless in text, and API clients read the message as it is).
    return gr.Error(html.escape(str(err), quote=False), print_exception=False)


def build_app(model: str | None = None, weights: str = "DEFAULT", device: str = "auto",
              class_names: str | None = None, gpu=None) -> gr.Blocks:
    checkpoint = weights if is_checkpoint(weights) else None
    analyzer = Analyzer(device=device, checkpoint=checkpoint, class_names=class_names, gpu=gpu)
    initial = analyzer.model(model, weights)  # load at start-up, so the banner is right from the first paint
    model = initial.name

    def analyze_image(image_path, model_name, weights_name, method, target, n_channels, normalization, colormap, alpha,
                      progress=gr.Progress()):
        if not image_path:
            raise gr.Error("Upload an image first (or pick one of the examples).")
        try:
            progress(0.1, desc=f"Loading {model_name}")
            loaded = analyzer.model(model_name, weights_name)
            progress(0.3, desc="Forward + backward")
            key, result = analyzer.analysis(image_path, model_name, weights_name, method, target)
            progress(0.8, desc="Rendering")
            shown = analyzer.present(key, result, loaded, n_channels, colormap, alpha, normalization)
        except ResnetVizError as err:
            raise _user_error(err) from None
        except Exception as err:
            log.exception("analysis failed")
            raise gr.Error(f"Analysis failed: {html.escape(type(err).__name__, quote=False)}: {html.escape(str(err), quote=False)}") from None
        return _outputs(shown, result.target.index)

    def rerender(key, n_channels, normalization, colormap, alpha):
        entry = analyzer.cached(key) if key else None
        if entry is None:
            return [gr.skip()] * (3 + 3 * len(STAGES))
        result, loaded = entry
        shown = analyzer.present(key, result, loaded, n_channels, colormap, alpha, normalization)
        return _outputs(shown, result.target.index)[:3 + 3 * len(STAGES)]

    def _outputs(shown: Presentation, target_index: int):
        values = [
            shown.image_file,
            gr.Label(value=shown.predictions, label=shown.predictions_heading),
            shown.summary,
        ]
        for panel in shown.stages:
            # The stem has no CAM: its slot shows the input, so each row still lines up with it.
            values += [panel.title, panel.features_file, panel.cam_file or shown.image_file]
        values += [
            shown.key,
            gr.Markdown(value=shown.banner, visible=bool(shown.banner)),
            # the value only: the choices change with the model, in model_changed/weights_changed.
            # An update carrying 1000 choices is a component Gradio keeps per session.
            str(target_index),
        ]
        return values

    def model_changed(model_name):
        options = analyzer.weights_options(model_name)
        try:
            loaded = analyzer.model(model_name, "DEFAULT")
        except ResnetVizError as err:
            raise _user_error(err) from None
        banner = weights_banner(loaded)
        return (
            gr.Dropdown(choices=options, value="DEFAULT"),
            gr.Markdown(value=banner, visible=bool(banner)),
            analyzer.architecture(model_name, "DEFAULT"),
            gr.Dropdown(choices=target_choices(loaded), value=""),
        )

    def weights_changed(model_name, weights_name):
        try:
            loaded = analyzer.model(model_name, weights_name)
        except ResnetVizError as err:
            raise _user_error(err) from None
        banner = weights_banner(loaded)
        return (gr.Markdown(value=banner, visible=bool(banner)), analyzer.architecture(loaded.name, weights_name),
                gr.Dropdown(choices=target_choices(loaded), value=""))

    def inspect_channel(key, stage_name, channel, alpha):
        if not key:
            raise gr.Error("Analyze an image first.")
        try:
            return analyzer.channel(key, stage_name, int(channel), alpha)
        except (ValueError, KeyError, LookupError) as err:
            raise _user_error(err) from None

    def prediction_selected(evt: gr.SelectData, model_name, weights_name):
        loaded = analyzer.model(model_name, weights_name)
        label = evt.value if isinstance(evt.value, str) else str(evt.value)
        for index, name in enumerate(loaded.categories):
            if name == label:
                return str(index)
        return gr.skip()

    with gr.Blocks(title="resnet-viz: see inside a ResNet", delete_cache=(3600, 3600)) as app:
        gr.Markdown(INTRO)
        banner_text = weights_banner(initial)
        banner = gr.Markdown(banner_text, visible=bool(banner_text), elem_id="banner")
        result_key = gr.State("")
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=320) as controls:
                image_input = SafeImage(label="Photo", type="filepath", sources=["upload", "clipboard", "webcam"], height=280)
                with gr.Row():
                    # allow_custom_value: the service checks every choice and says what is wrong in its own
                    # words; Gradio's check would list 1000 class ids, and would refuse an API call with
                    # weights of a model the session has not selected first.
                    model_input = gr.Dropdown(model_choices(), value=model, label="Model", info="✓ offline = weights cached",
                                              allow_custom_value=True)
                    weights_input = gr.Dropdown(analyzer.weights_options(model), value=weights, label="Weights",
                                                allow_custom_value=True)
                with gr.Row():
                    method_input = gr.Dropdown([(m.label, m.key) for m in CAM_METHODS.values()], value="gradcam", label="CAM method",
                                               allow_custom_value=True)
                    target_input = gr.Dropdown(target_choices(initial), value="", label="Class for the heatmaps", allow_custom_value=True,
                                               filterable=True, info="type to search; or click a prediction")
                analyze_button = gr.Button("Analyze", variant="primary", size="lg")
                with gr.Accordion("Display", open=False):
                    channels_input = gr.Slider(MIN_CHANNELS, MAX_CHANNELS, value=DEFAULT_CHANNELS, step=1, label="Feature maps per stage (strongest by mean activation)")
                    normalization_input = gr.Radio([("per stage (each 0–1)", "per-stage"), ("shared scale across stages", "shared")], value="per-stage", label="Heatmap scale")
                    colormap_input = gr.Dropdown(list(COLORMAPS), value="viridis", label="Feature-map colormap")
                    alpha_input = gr.Slider(0.1, 0.9, value=0.5, step=0.05, label="Heatmap opacity")
            with gr.Column(scale=2):
                with gr.Row():
                    seen_image = gr.Image(label="As the network sees it (resized + centre-cropped)", height=300, interactive=False)
                    predictions = gr.Label(num_top_classes=5, label="Top-5 predictions")
                summary = gr.Markdown("Pick an example or upload a photo, then press **Analyze**.")
        gr.Markdown("## Stages: feature maps and Grad-CAM, side by side")
        with gr.Row():
            gr.Markdown("**stage** · output shape", elem_classes=["col-head"])
            gr.Markdown("**feature maps**: strongest channels by mean activation, channel ids in the corner", elem_classes=["col-head"])
            gr.Markdown("**Grad-CAM**: where the stage's evidence for the chosen class lies", elem_classes=["col-head"])
        stage_outputs = []
        for spec in STAGES:
            with gr.Row(equal_height=True):
                with gr.Column(scale=1, min_width=200):
                    title = gr.Markdown(f"### {stage_label(spec)}\n{spec.description}", elem_classes=["stage-title"])
                grid = gr.Image(label=f"{stage_label(spec)}: strongest channels", show_label=False,
                                interactive=False, height=340, scale=2)
                cam = gr.Image(label=f"{stage_label(spec)}: Grad-CAM", show_label=False,
                               interactive=False, height=340, scale=2)
            stage_outputs += [title, grid, cam]
        with gr.Accordion("Inspect one channel", open=True):
            with gr.Row():
                stage_choice = gr.Dropdown([(stage_label(s), s.name) for s in STAGES], value="layer4", label="Stage")
                channel_choice = gr.Number(value=0, precision=0, minimum=0, label="Channel id (from the grid's #labels)")
                inspect_button = gr.Button("Show channel")
            channel_image = gr.Image(label="Channel over the image", interactive=False, height=360)
        with gr.Accordion("How ResNet works — and this model's stages", open=False):
            gr.Markdown(THEORY)
            architecture = gr.Markdown(analyzer.architecture(model, weights))

        display_inputs = [channels_input, normalization_input, colormap_input, alpha_input]
        outputs = [seen_image, predictions, summary, *stage_outputs, result_key, banner, target_input]
        if EXAMPLES:
            cache = cache_examples(initial)
            with controls:  # under the controls; created here, once the outputs exist, to cache into them
                gr.Examples(
                    [[str(p)] for p in EXAMPLES], inputs=[image_input], label="Examples (public domain / CC0)",
                    fn=lambda path: analyze_image(path, model, weights, "gradcam", "", DEFAULT_CHANNELS, "per-stage",
                                                  "viridis", 0.5),
                    outputs=outputs, cache_examples=cache, cache_mode="lazy" if cache else None,
                    run_on_click=False,  # without a cache: fill the photo; the user picks the model, then Analyze
                )
        analyze_button.click(
            analyze_image,
            [image_input, model_input, weights_input, method_input, target_input, *display_inputs],
            outputs, api_name="analyze", concurrency_id="model",
        )
        for control in display_inputs:
            control.change(rerender, [result_key, *display_inputs], outputs[: 3 + 3 * len(STAGES)],
                           api_visibility="private", concurrency_id="render", show_progress="hidden")
        model_input.change(model_changed, [model_input], [weights_input, banner, architecture, target_input],
                           api_name="select_model", concurrency_id="model")
        weights_input.input(weights_changed, [model_input, weights_input], [banner, architecture, target_input],
                            api_name="select_weights", concurrency_id="model")
        inspect_button.click(inspect_channel, [result_key, stage_choice, channel_choice, alpha_input], [channel_image],
                             api_name="channel", concurrency_id="render")
        predictions.select(prediction_selected, [model_input, weights_input], [target_input], api_visibility="private")
    app.analyzer = analyzer  # type: ignore[attr-defined]
    return app


DEFAULT_CONCURRENCY = 2


def launch(model: str | None = "resnet50", weights: str = "DEFAULT", device: str = "auto", port: int | None = None,
           share: bool = False, host: str | None = None, class_names: str | None = None,
           concurrency: int = DEFAULT_CONCURRENCY, gpu=None, **launch_kwargs):
    """Serve the app. `concurrency` requests of one event group run at once: the model's lock still
    serialises forward+backward, so with 2 one request renders and encodes while the next computes
    (benchmarks/bench_server.py measures 1, 2 and 4)."""
    tune_for_server()
    app = build_app(model, weights, device, class_names, gpu)
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
