"""The stages view: top-5, and per stage its feature maps beside its CAM; one channel large.

What is on screen always belongs to one analysis, `ctx.shown` (a service.Subject): the summary says
which, and a notice says when the controls have moved on since. Refused input clears the results
and shows its message in place. Programs get their own endpoints (/analyze, /predict, /channel),
which raise errors instead, so gradio_client reports them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from .. import presenter as say
from ..analysis import renormalized
from ..errors import ModelChoiceError
from ..render import COLORMAPS, DEFAULT_CHANNELS, MAX_CHANNELS, MIN_CHANNELS
from ..service import channel_picture, find_stage, prediction_json, render_pictures, subject_of, target_choices
from ..stages import STAGES
from . import channel_view, inline
from .context import EXAMPLES, ViewContext, cache_examples
from .errors import handles_errors
from .widgets import LenientNumber, TextDropdown


def _hidden(markdown: str = "", **kwargs) -> gr.Markdown:
    return gr.Markdown(markdown, visible=bool(markdown), **kwargs)


@dataclass
class StagesPage:
    """The view's components. `relabel`: (component, lang -> update) for words that never change otherwise."""

    channels: gr.Slider
    normalization: gr.Radio
    colormap: gr.Dropdown
    alpha: gr.Slider
    notice: gr.Markdown = None  # type: ignore[assignment]
    refusal: gr.State = None  # type: ignore[assignment]
    stale: gr.Markdown = None  # type: ignore[assignment]
    seen: gr.Image = None  # type: ignore[assignment]
    top_head: gr.Markdown = None  # type: ignore[assignment]
    predictions: gr.Label = None  # type: ignore[assignment]
    summary: gr.Markdown = None  # type: ignore[assignment]
    cam_head: gr.Markdown = None  # type: ignore[assignment]
    titles: list[gr.Markdown] = field(default_factory=list)
    grids: list[gr.Image] = field(default_factory=list)
    cams: list[gr.Image] = field(default_factory=list)
    relabel: list[tuple[Any, Callable[[str], Any]]] = field(default_factory=list)
    inspector: dict[str, Any] = field(default_factory=dict)
    architecture: gr.Markdown = None  # type: ignore[assignment]

    @property
    def display(self) -> list:
        return [self.channels, self.normalization, self.colormap, self.alpha]

    @property
    def results(self) -> list:
        """What /analyze returns, in this order: the first 18 as before the dict-keyed handlers."""
        rows = [c for trio in zip(self.titles, self.grids, self.cams) for c in trio]
        return [self.seen, self.predictions, self.summary, *rows, self.top_head, self.cam_head]


def _display_controls(page_relabel: list) -> dict:
    with gr.Accordion(say.text("display"), open=False) as accordion:
        channels = gr.Slider(
            MIN_CHANNELS, MAX_CHANNELS, value=DEFAULT_CHANNELS, step=1, precision=0, label=say.text("n_channels")
        )
        normalization = gr.Radio(
            [(say.text("per_stage"), "per-stage"), (say.text("shared"), "shared")],
            value="per-stage",
            label=say.text("scale"),
        )
        colormap = gr.Dropdown(list(COLORMAPS), value="viridis", label=say.text("colormap"))
        alpha = gr.Slider(0.1, 0.9, value=0.5, step=0.05, label=say.text("opacity"), elem_id="opacity")
    page_relabel += [
        (accordion, lambda c: gr.Accordion(label=say.text("display", c))),
        (channels, lambda c: gr.Slider(label=say.text("n_channels", c))),
        (
            normalization,
            lambda c: gr.Radio(
                label=say.text("scale", c),
                choices=[(say.text("per_stage", c), "per-stage"), (say.text("shared", c), "shared")],
            ),
        ),
        (colormap, lambda c: gr.Dropdown(label=say.text("colormap", c))),
        (alpha, lambda c: gr.Slider(label=say.text("opacity", c))),
    ]
    return dict(channels=channels, normalization=normalization, colormap=colormap, alpha=alpha)


def _results(page: StagesPage) -> None:
    intro = gr.Markdown(say.text("intro"))
    page.notice = _hidden(elem_classes=["notice"], label="notice", elem_id="notice")
    page.refusal = gr.State("")  # the service's message behind the notice: said again when the language changes
    page.stale = _hidden(elem_classes=["stale"], label="stale", elem_id="stale")
    with gr.Row(equal_height=False):
        with gr.Column(min_width=240):
            seen_head = gr.Markdown(say.text("seen"), elem_classes=["result-head"])
            page.seen = gr.Image(
                label="input as the network sees it", show_label=False, interactive=False, height=300, elem_id="seen"
            )
        with gr.Column(min_width=240):
            page.top_head = gr.Markdown(
                say.predictions_heading(None),
                elem_classes=["result-head"],
                label="predictions heading",
                elem_id="top-head",
            )
            page.predictions = gr.Label(num_top_classes=5, show_label=False, label="predictions", elem_id="predictions")
    page.summary = gr.Markdown(say.text("prompt"), label="summary", elem_id="summary")
    with gr.Row():  # the same scales as the stage rows below, so each heading sits over its column
        with gr.Column(scale=1, min_width=200):
            stage_head = gr.Markdown(say.text("head_stage"), elem_classes=["col-head"])
        with gr.Column(scale=2):
            features_head = gr.Markdown(say.text("head_features"), elem_classes=["col-head"])
        with gr.Column(scale=2):
            page.cam_head = gr.Markdown(
                say.cam_heading("gradcam"), elem_classes=["col-head"], label="cam heading", elem_id="cam-head"
            )
    page.relabel += [
        (intro, lambda c: say.text("intro", c)),
        (seen_head, lambda c: say.text("seen", c)),
        (stage_head, lambda c: say.text("head_stage", c)),
        (features_head, lambda c: say.text("head_features", c)),
    ]
    for spec in STAGES:
        with gr.Row(equal_height=True):
            with gr.Column(scale=1, min_width=200):
                page.titles.append(
                    gr.Markdown(say.stage_title(spec), elem_classes=["stage-title"], label=f"{spec.paper_name} title")
                )
            page.grids.append(
                gr.Image(
                    label=f"{spec.paper_name} feature maps",
                    show_label=False,
                    interactive=False,
                    height=340,
                    scale=2,
                    elem_id=f"grid-{spec.name}",
                )
            )
            page.cams.append(
                gr.Image(label=f"{spec.paper_name} cam", show_label=False, interactive=False, height=340, scale=2)
            )


def _inspector(page: StagesPage) -> None:
    with gr.Accordion(say.text("inspect"), open=True) as accordion:
        with gr.Row():
            stage = TextDropdown(
                [(say.stage_label(s), s.paper_name) for s in STAGES],
                value="conv5_x",
                label=say.text("stage"),
                allow_custom_value=True,
                info=say.text("stage_info"),
            )
            channel = LenientNumber(value=0, precision=0, label=say.text("channel"), elem_id="channel-id")
            button = gr.Button(say.text("show_channel"))
        note = _hidden(label="channel note", elem_id="channel-note")
        # One row of panels: the map here; channel_view adds the visualisation and the examples.
        with gr.Row(equal_height=False) as panels:
            with gr.Column(min_width=240) as map_column:
                image = gr.Image(
                    label="channel", show_label=False, interactive=False, height=360, elem_id="channel-image"
                )
    page.inspector = dict(
        stage=stage,
        channel=channel,
        button=button,
        note=note,
        image=image,
        state=gr.State(None),
        accordion=accordion,
        panels=panels,
        map_column=map_column,
    )
    page.relabel += [
        (accordion, lambda c: gr.Accordion(label=say.text("inspect", c))),
        (
            stage,
            lambda c: gr.Dropdown(
                label=say.text("stage", c),
                info=say.text("stage_info", c),
                choices=[(say.stage_label(s, c), s.paper_name) for s in STAGES],
            ),
        ),
        (channel, lambda c: gr.Number(label=say.text("channel", c))),
        (button, lambda c: gr.Button(say.text("show_channel", c))),
    ]


def _theory(page: StagesPage, ctx: ViewContext) -> None:
    with gr.Accordion(say.text("theory_title"), open=False) as accordion:
        theory = gr.Markdown(say.text("theory"))
        page.architecture = gr.Markdown(ctx.analyzer.architecture(ctx.default_model, ctx.default_weights))
    page.relabel += [
        (accordion, lambda c: gr.Accordion(label=say.text("theory_title", c))),
        (theory, lambda c: say.text("theory", c)),
    ]


class Handlers:
    """The view's event handlers: each returns a dict keyed by the components it changes."""

    def __init__(self, ctx: ViewContext, page: StagesPage) -> None:
        self.ctx, self.page, self.analyzer, self.store = ctx, page, ctx.analyzer, ctx.store

    def _shown(self, result, subject, n_channels, colormap, alpha, lang) -> dict:
        """Pictures and words for one analysis, all of them of that analysis."""
        page = self.page
        pictures = render_pictures(result, self.store, int(n_channels), colormap, alpha, result.normalization)
        values = {
            page.seen: pictures.image_file,
            page.predictions: dict(result.predictions),
            page.summary: say.summary(result, subject, lang),
            page.top_head: say.predictions_heading(result, lang),
            page.cam_head: say.cam_heading(result.method, lang, result),
        }
        for title, grid, cam, text, stage in zip(
            page.titles, page.grids, page.cams, say.stage_titles(result, lang), pictures.stages
        ):
            # The stem has no CAM: its slot shows the input, so each row still lines up with it.
            values |= {title: text, grid: stage.features_file, cam: stage.cam_file or pictures.image_file}
        return values

    def _empty(self, method: str, lang: str) -> dict:
        page = self.page
        values = {
            page.seen: None,
            page.predictions: None,
            page.summary: say.text("prompt", lang),
            page.top_head: say.predictions_heading(None, lang),
            page.cam_head: say.cam_heading(method, lang),
        }
        for title, grid, cam, text in zip(page.titles, page.grids, page.cams, say.stage_titles(None, lang)):
            values |= {title: text, grid: None, cam: None}
        return values

    def _compute(self, image, model, weights, method, target, normalization, contrast):
        key, result = self.analyzer.analysis(image, model, weights, method, target, contrast)
        return key, renormalized(result, normalization), subject_of(image, model, weights, method, target, contrast)

    def analyze_page(
        self, image, model, weights, method, target, n_channels, normalization, colormap, opacity, lang, contrast=""
    ):
        key, result, subject = self._compute(image, model, weights, method, target, normalization, contrast)
        inspector = self.page.inspector
        return self._shown(result, subject, n_channels, colormap, opacity, lang) | {
            self.page.notice: _hidden(),
            self.page.refusal: "",
            inspector["image"]: None,
            inspector["note"]: _hidden(),
            inspector["state"]: None,
            self.ctx.result_key: key,
            self.ctx.shown: subject,
        }

    def refused(
        self,
        message,
        image,
        model,
        weights,
        method,
        target,
        n_channels,
        normalization,
        colormap,
        opacity,
        lang,
        contrast="",
    ):
        """A refused request: its message in place, and nothing left on screen from before."""
        inspector = self.page.inspector
        return self._empty(method, lang) | {
            self.page.notice: _hidden(say.refused(message, lang)),
            self.page.refusal: message,
            self.page.stale: _hidden(),
            inspector["image"]: None,
            inspector["note"]: _hidden(),
            inspector["state"]: None,
            self.ctx.result_key: "",
            self.ctx.shown: None,
        }

    def analyze(
        self,
        image,
        model,
        weights,
        method,
        target,
        n_channels=DEFAULT_CHANNELS,
        normalization="per-stage",
        colormap="viridis",
        opacity=0.5,
        lang="en",
        contrast="",
    ):
        """For programs: the page's pictures and words for one photo; `contrast`: a class B, "" = none."""
        _, result, subject = self._compute(image, model, weights, method, target, normalization, contrast)
        return self._shown(result, subject, n_channels, colormap, opacity, lang)

    def predict(self, image, model, weights, method, target, n_channels=DEFAULT_CHANNELS, contrast="") -> dict:
        """For programs: predictions, the heatmaps' class (and contrast class) and each stage's shape and
        strongest channels."""
        _, result = self.analyzer.analysis(image, model, weights, method, target, contrast)
        return prediction_json(result, weights, int(n_channels))

    def channel(self, image, model, weights, method, target, stage, channel, opacity=0.5) -> str:
        """For programs: one channel of one stage over the photo; stage as conv1…conv5_x, C1…C5 or layer1…4."""
        _, result = self.analyzer.analysis(image, model, weights, method, target)
        return channel_picture(result, self.store, stage, channel, opacity)

    def rerender(self, key, shown, channel_state, method, n_channels, normalization, colormap, opacity, lang):
        """Display options or language changed: redraw from the cached analysis, no recompute."""
        if not key or shown is None:
            return self._empty(method, lang)  # nothing analysed: the placeholders, in this language
        entry = self.analyzer.cached(key)
        if entry is None:
            return {}  # left the cache: keep what is on screen rather than blank it
        result = renormalized(entry[0], normalization)
        values = self._shown(result, shown, n_channels, colormap, opacity, lang)
        if channel_state:
            values |= self._channel_values(result, *channel_state, opacity, lang)
        return values

    def _channel_values(self, result, stage, channel, opacity, lang) -> dict:
        inspector = self.page.inspector
        picture = channel_picture(result, self.store, stage, channel, opacity)
        found = find_stage(result, stage).spec  # the model's own stage (timm: its module's name)
        note = say.text(
            "channel_caption",
            lang,
            channel=int(float(channel)),
            stage=say.stage_label(found, lang),
            method=say.method_label(result.method),
        )
        return {inspector["image"]: picture, inspector["note"]: _hidden(note), inspector["state"]: (stage, channel)}

    def inspect(self, key, stage, channel, opacity, lang):
        entry = self.analyzer.cached(key) if key else None
        if entry is None:
            raise ModelChoiceError(say.text("prompt", lang).replace("**", ""))
        return self._channel_values(entry[0], stage, channel, opacity, lang)

    @staticmethod
    def notice(message: str, lang: str) -> gr.Markdown:
        """The refusal on screen, in the page's language."""
        return _hidden(say.refused(message, lang) if message else "")

    def inspect_refused(self, message, *args):
        inspector = self.page.inspector
        return {inspector["image"]: None, inspector["note"]: _hidden(f"⚠️ {message}"), inspector["state"]: None}

    def freshness(self, shown, image, model, weights, method, target, lang, contrast=""):
        """Marks the results when the controls no longer describe them."""
        current = subject_of(image, model, weights, method, target, contrast)
        return _hidden(say.stale_notice(shown, current, lang))

    def architecture(self, model, weights, lang):
        """The stage table of "How ResNet works", in the page's language."""
        return self.analyzer.architecture(self.analyzer.model(model, weights).name, weights, lang)

    def model_changed(self, model, lang):
        options = self.analyzer.weights_options(model)
        weights = self.analyzer.default_weights(model)  # back to the checkpoint's model: its checkpoint again
        return self._model_values(model, weights, lang) | {
            self.ctx.weights: gr.Dropdown(choices=options, value=weights)
        }

    def weights_changed(self, model, weights, lang):
        return self._model_values(model, weights, lang)

    def _model_values(self, model, weights, lang) -> dict:
        loaded = self.analyzer.model(model, weights)
        banner = say.weights_banner(loaded, lang)
        return {
            self.ctx.banner: gr.Markdown(banner, visible=bool(banner)),
            self.page.architecture: self.analyzer.architecture(loaded.name, weights, lang),
            self.ctx.target: gr.Dropdown(choices=target_choices(loaded, say.text("automatic", lang)), value=""),
            self.ctx.contrast: gr.Dropdown(choices=target_choices(loaded, say.text("no_contrast", lang)), value=""),
        }

    def pick_prediction(self, evt: gr.SelectData, model, weights):
        """A click on a prediction picks its class for the heatmaps (the next step recomputes)."""
        label = evt.value if isinstance(evt.value, str) else str(evt.value)
        categories = self.analyzer.model(model, weights).categories
        return str(categories.index(label)) if label in categories else gr.skip()


def _api(fn, inputs: list, outputs, api_name: str) -> None:
    """An endpoint for programs only: a button the page never shows. Its errors are raised (gradio_client
    reports them); the page's own events show them in place instead."""
    inline.on(
        gr.Button(visible=False).click, handles_errors(fn), inputs, outputs, api_name=api_name, concurrency_id="model"
    )


def _wire(ctx: ViewContext, page: StagesPage, on: Handlers) -> None:
    inspector = page.inspector
    page_outputs = [
        *page.results,
        page.notice,
        page.refusal,
        page.stale,
        inspector["image"],
        inspector["note"],
        inspector["state"],
        ctx.result_key,
        ctx.shown,
    ]
    analyze_inputs = [*ctx.subject, *page.display, ctx.lang, ctx.contrast]
    freshness_inputs = [ctx.shown, *ctx.subject, ctx.lang, ctx.contrast]
    analyze_page = handles_errors(on.analyze_page, fallback=on.refused)
    freshness = handles_errors(on.freshness)
    private = dict(api_visibility="private")
    inline.on(
        ctx.analyze_button.click, analyze_page, analyze_inputs, page_outputs, concurrency_id="model", **private
    ).then(freshness, freshness_inputs, [page.stale], show_progress="hidden", **private)
    picked = page.predictions.select(
        handles_errors(on.pick_prediction), [ctx.model, ctx.weights], [ctx.target], **private
    )
    inline.on(picked.success, analyze_page, analyze_inputs, page_outputs, concurrency_id="model", **private).then(
        freshness, freshness_inputs, [page.stale], show_progress="hidden", **private
    )
    rerender_inputs = [ctx.result_key, ctx.shown, inspector["state"], ctx.method, *page.display, ctx.lang]
    for control in [*page.display, ctx.lang]:
        inline.on(
            control.change,
            handles_errors(on.rerender),
            rerender_inputs,
            [*page.results, inspector["image"], inspector["note"], inspector["state"]],
            concurrency_id="render",
            show_progress="hidden",
            **private,
        )
    ctx.lang.change(on.notice, [page.refusal, ctx.lang], [page.notice], show_progress="hidden", **private)
    ctx.lang.change(
        handles_errors(on.architecture),
        [ctx.model, ctx.weights, ctx.lang],
        [page.architecture],
        show_progress="hidden",
        **private,
    )
    for control in [*ctx.subject, ctx.contrast, ctx.lang]:
        control.change(freshness, freshness_inputs, [page.stale], show_progress="hidden", **private)
    model_outputs = [ctx.banner, page.architecture, ctx.target, ctx.contrast]
    ctx.model.change(
        handles_errors(on.model_changed),
        [ctx.model, ctx.lang],
        [ctx.weights, *model_outputs],
        concurrency_id="model",
        **private,
    )
    ctx.weights.input(
        handles_errors(on.weights_changed),
        [ctx.model, ctx.weights, ctx.lang],
        model_outputs,
        concurrency_id="model",
        **private,
    )
    inspector["button"].click(
        handles_errors(on.inspect, fallback=on.inspect_refused),
        [ctx.result_key, inspector["stage"], inspector["channel"], page.alpha, ctx.lang],
        [inspector["image"], inspector["note"], inspector["state"]],
        concurrency_id="render",
        **private,
    )
    _api(on.analyze, analyze_inputs, page.results, "analyze")
    _api(
        on.predict, [*ctx.subject, page.channels, ctx.contrast], [gr.JSON(visible=False, label="prediction")], "predict"
    )
    _api(
        on.channel,
        [*ctx.subject, inspector["stage"], inspector["channel"], page.alpha],
        [inspector["image"]],
        "channel",
    )
    ctx.on_language.append(([c for c, _ in page.relabel], lambda code: [fn(code) for _, fn in page.relabel]))


def _examples(ctx: ViewContext, page: StagesPage, on: Handlers) -> None:
    if not EXAMPLES:
        return
    cache = cache_examples(ctx.analyzer.model(ctx.default_model, ctx.default_weights))
    with ctx.sidebar:  # created here, once the outputs exist, to cache into them
        examples = gr.Examples(
            [[str(p)] for p in EXAMPLES],
            inputs=[ctx.image],
            label=say.text("examples"),
            fn=lambda path: on.analyze(path, ctx.default_model, ctx.default_weights, "gradcam", ""),
            outputs=page.results,
            cache_examples=cache,
            cache_mode="lazy" if cache else None,
            run_on_click=False,  # without a cache: fill the photo; the user picks the model, then Analyze
        )
    page.relabel.append((examples.dataset, lambda c: gr.Dataset(label=say.text("examples", c))))


def build(ctx: ViewContext) -> None:
    relabel: list = []
    with ctx.sidebar:
        page = StagesPage(**_display_controls(relabel))
    page.relabel = relabel
    ctx.display = page.display
    _results(page)
    _inspector(page)
    _theory(page, ctx)
    handlers = Handlers(ctx, page)
    _examples(ctx, page, handlers)
    _wire(ctx, page, handlers)
    channel_view.build(ctx, page, handlers)
