"""The stages view: top-5, and per stage its feature maps beside its Grad-CAM; one channel large."""

from __future__ import annotations

import gradio as gr

from ..errors import ResnetVizError
from ..service import Presentation, target_choices, weights_banner
from ..render import COLORMAPS, DEFAULT_CHANNELS, MAX_CHANNELS, MIN_CHANNELS
from ..stages import STAGES, stage_label
from .context import EXAMPLES, ViewContext, cache_examples
from .errors import handles_errors, user_error

INTRO = """Upload a photo: it runs once through a torchvision ResNet. Each row below is one **stage** — what that stage
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


def build(ctx: ViewContext) -> None:
    analyzer = ctx.analyzer

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
            raise user_error(err) from None
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
            str(target_index),
        ]
        return values

    @handles_errors
    def model_changed(model_name):
        options = analyzer.weights_options(model_name)
        loaded = analyzer.model(model_name, "DEFAULT")
        banner = weights_banner(loaded)
        return (
            gr.Dropdown(choices=options, value="DEFAULT"),
            gr.Markdown(value=banner, visible=bool(banner)),
            analyzer.architecture(model_name, "DEFAULT"),
            gr.Dropdown(choices=target_choices(loaded), value=""),
        )

    @handles_errors
    def weights_changed(model_name, weights_name):
        loaded = analyzer.model(model_name, weights_name)
        banner = weights_banner(loaded)
        return (gr.Markdown(value=banner, visible=bool(banner)), analyzer.architecture(loaded.name, weights_name),
                gr.Dropdown(choices=target_choices(loaded), value=""))

    def inspect_channel(key, stage_name, channel, alpha):
        if not key:
            raise gr.Error("Analyze an image first.")
        try:
            return analyzer.channel(key, stage_name, int(channel), alpha)
        except (ValueError, KeyError, LookupError) as err:
            raise user_error(err) from None

    def prediction_selected(evt: gr.SelectData, model_name, weights_name):
        loaded = analyzer.model(model_name, weights_name)
        label = evt.value if isinstance(evt.value, str) else str(evt.value)
        for index, name in enumerate(loaded.categories):
            if name == label:
                return str(index)
        return gr.skip()

    gr.Markdown(INTRO)
    result_key = ctx.result_key
    with ctx.sidebar:
        with gr.Accordion("Display", open=False):
            channels_input = gr.Slider(MIN_CHANNELS, MAX_CHANNELS, value=DEFAULT_CHANNELS, step=1, label="Feature maps per stage (strongest by mean activation)")
            normalization_input = gr.Radio([("per stage (each 0–1)", "per-stage"), ("shared scale across stages", "shared")], value="per-stage", label="Heatmap scale")
            colormap_input = gr.Dropdown(list(COLORMAPS), value="viridis", label="Feature-map colormap")
            alpha_input = gr.Slider(0.1, 0.9, value=0.5, step=0.05, label="Heatmap opacity")
    with gr.Row():
        seen_image = gr.Image(label="As the network sees it (resized + centre-cropped)", height=300, interactive=False)
        predictions = gr.Label(num_top_classes=5, label="Top-5 predictions")
    summary = gr.Markdown("Pick an example or upload a photo, then press **Analyze**.")
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
        architecture = gr.Markdown(analyzer.architecture(ctx.default_model, ctx.default_weights))

    display_inputs = [channels_input, normalization_input, colormap_input, alpha_input]
    outputs = [seen_image, predictions, summary, *stage_outputs, result_key, ctx.banner, ctx.target]
    if EXAMPLES:
        initial = analyzer.model(ctx.default_model, ctx.default_weights)
        cache = cache_examples(initial)
        with ctx.sidebar:  # created here, once the outputs exist, to cache into them
            gr.Examples(
                [[str(p)] for p in EXAMPLES], inputs=[ctx.image], label="Examples (public domain / CC0)",
                fn=lambda path: analyze_image(path, ctx.default_model, ctx.default_weights, "gradcam", "", DEFAULT_CHANNELS,
                                              "per-stage", "viridis", 0.5),
                outputs=outputs, cache_examples=cache, cache_mode="lazy" if cache else None,
                run_on_click=False,  # without a cache: fill the photo; the user picks the model, then Analyze
            )
    ctx.analyze_button.click(
        handles_errors(analyze_image),
        [*ctx.subject, *display_inputs],
        outputs, api_name="analyze", concurrency_id="model",
    )
    for control in display_inputs:
        control.change(rerender, [result_key, *display_inputs], outputs[: 3 + 3 * len(STAGES)],
                       api_visibility="private", concurrency_id="render", show_progress="hidden")
    ctx.model.change(model_changed, [ctx.model], [ctx.weights, ctx.banner, architecture, ctx.target],
                     api_name="select_model", concurrency_id="model")
    ctx.weights.input(weights_changed, [ctx.model, ctx.weights], [ctx.banner, architecture, ctx.target],
                      api_name="select_weights", concurrency_id="model")
    inspect_button.click(inspect_channel, [result_key, stage_choice, channel_choice, alpha_input], [channel_image],
                         api_name="channel", concurrency_id="render")
    predictions.select(prediction_selected, [ctx.model, ctx.weights], [ctx.target], api_visibility="private")
