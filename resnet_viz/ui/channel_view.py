"""The channel inspector's other two panels, beside the channel's map on the photo: the channel's
feature visualisation and its top dataset examples; and conv1's 64 filters.

A channel opens from its tile in a feature grid (a click) or from the inspector's button. The
untrained-weights warning is on screen before the optimisation starts; the measured objective of the
visualisation and of the best reference image is written under the picture. What the panels show
belongs to the analysis on screen (its model and weights): a new analysis clears them."""

from __future__ import annotations

import math
import os

import gradio as gr
import torch
from PIL import Image

from .. import presenter as say
from ..channel_story import TEXT as STORY
from ..channel_story import default_effort, objective_words, tell, verdict
from ..errors import ModelChoiceError
from ..featurevis import FeatureVisCache, VisRequest, check_request, conv1_filters
from ..i18n import pick
from ..reference import ReferenceCache, examples_grid, reference_set_for
from ..render import GAP, MAX_CHANNELS, MIN_CHANNELS, TILE, encode_png, strongest_channels
from ..service import parse_channel
from ..stages import STAGES
from ..trust.receptive import stage_name
from . import inline
from .context import ViewContext
from .errors import handles_errors

# Tests and slow machines: fewer steps than the device's default (channel_story.default_effort).
STEPS_ENV, SIZE_ENV = "RESNET_VIZ_VIS_STEPS", "RESNET_VIZ_VIS_SIZE"

TEXT = {
    "en": {
        "map_caption": "① **Its map on this photo**: where the channel fires.",
        "vis_caption": "② **Feature visualisation**: an image optimised to excite it (Olah et al. 2017).",
        "examples_caption": "③ **Dataset examples**: the reference images whose patches excite it most, each cropped "
        "to the receptive field of its strongest unit (activation under each).",
        "objective": "Visualise",
        "mean": "channel mean",
        "max": "channel max",
        "logit": "class logit (the heatmaps' class)",
        "working": "Optimising {steps} steps at {size} px (about {seconds:.0f} s on this {device})…",
        "cached": "From the cache: computed before for this model, weights, stage, channel and objective.",
        "conv1_title": "conv1's 64 filters",
        "took": "({steps} steps at {size} px, {seconds:.1f} s.)",
        "click_hint": "Click a tile in a feature grid to open that channel here.",
        "refs": "Reference set: {count} images ({what}).",
        "bundled": "the bundled example photos",
        "shapes": "the shapes model's held-out drawings",
        "folder": " + {folder}",
    },
    "ko": {
        "map_caption": "① **이 사진에서의 맵**: 채널이 반응하는 곳입니다.",
        "vis_caption": "② **특징 시각화**: 이 채널을 가장 크게 반응시키도록 최적화한 이미지입니다(Olah 외 2017).",
        "examples_caption": "③ **데이터셋 예시**: 이 채널을 가장 크게 반응시키는 패치를 가진 참조 이미지들입니다. "
        "가장 강한 유닛의 수용 영역으로 잘랐고, 아래 숫자는 활성값입니다.",
        "objective": "시각화할 목표",
        "mean": "채널 평균",
        "max": "채널 최댓값",
        "logit": "클래스 로짓(히트맵의 클래스)",
        "working": "{size} px에서 {steps}단계 최적화 중입니다(이 {device}에서 약 {seconds:.0f}초)…",
        "cached": "캐시에서 가져왔습니다. 이 모델, 가중치, 단계, 채널, 목표로 이미 계산한 결과입니다.",
        "conv1_title": "conv1의 필터 64개",
        "took": "({size} px에서 {steps}단계, {seconds:.1f}초.)",
        "click_hint": "특징 맵 격자에서 타일을 클릭하면 그 채널이 여기에 열립니다.",
        "refs": "참조 이미지: {count}장({what}).",
        "bundled": "함께 제공되는 예시 사진",
        "shapes": "도형 모델이 학습에 쓰지 않은 그림",
        "folder": " + {folder}",
    },
}
SECONDS_PER_STEP = {"cpu": 0.2, "cuda": 0.02}  # resnet18 at the default sizes, measured; a guide, said as "about"


def _text(key: str, lang: str, **values) -> str:
    return pick(TEXT, key, lang, **values)


def _hidden(markdown: str = "", **kwargs) -> gr.Markdown:
    return gr.Markdown(markdown, visible=bool(markdown), **kwargs)


def effort(device: torch.device) -> tuple[int, int]:
    size, steps = default_effort(device)
    return int(os.environ.get(SIZE_ENV) or size), int(os.environ.get(STEPS_ENV) or steps)


def tile_channel(x: int, y: int, channels: list[int]) -> int | None:
    """The channel whose tile holds pixel (x, y) of a feature grid (render._labelled_grid's layout)."""
    columns = math.ceil(math.sqrt(len(channels)))
    column, row = int(x) // (TILE + GAP), int(y) // (TILE + GAP)
    inside = int(x) % (TILE + GAP) < TILE and int(y) % (TILE + GAP) < TILE
    position = row * columns + column
    return channels[position] if inside and column < columns and 0 <= position < len(channels) else None


class ChannelHandlers:
    def __init__(self, ctx: ViewContext, page, panels: dict) -> None:
        self.ctx, self.page, self.panels = ctx, page, panels
        self.vis_cache, self.reference_cache = FeatureVisCache(), ReferenceCache()
        self.reference_dir = getattr(ctx, "reference_dir", None)

    def _entry(self, key: str, lang: str):
        entry = self.ctx.analyzer.cached(key) if key else None
        if entry is None:
            raise ModelChoiceError(say.text("prompt", lang).replace("**", ""))
        return entry

    def _request(self, result, loaded, stage: str, channel, objective: str) -> tuple[VisRequest, int]:
        name = stage_name(stage)
        index = parse_channel(channel, result.stage(name).shape[0])
        size, steps = effort(loaded.device)
        target = result.target.index if objective == "logit" else index
        return check_request(loaded, VisRequest(name, target, objective or "mean", size, steps)), index

    def _references_words(self, loaded, lang: str) -> str:
        from ..reference import is_shapes_model

        what = _text("shapes" if is_shapes_model(loaded) else "bundled", lang)
        if self.reference_dir:
            what += _text("folder", lang, folder=self.reference_dir)
        count = len(reference_set_for(loaded, self.reference_dir))
        return _text("refs", lang, count=count, what=what)

    def prepare(self, key, stage, channel, objective, lang) -> dict:
        """Before the wait: the untrained warning (if it applies) and what is about to run."""
        result, loaded = self._entry(key, lang)
        request, _ = self._request(result, loaded, stage, channel, objective)
        words = [] if loaded.is_pretrained else [pick(STORY, "noise", lang)]
        if self.vis_cache.get(loaded, request) is not None:
            words.append(_text("cached", lang))
        else:
            seconds = request.steps * SECONDS_PER_STEP.get(loaded.device.type, 0.2) * (request.size / 128) ** 2
            device = {"cpu": "CPU", "cuda": "GPU"}.get(loaded.device.type, loaded.device.type)
            words.append(_text("working", lang, steps=request.steps, size=request.size, seconds=seconds, device=device))
        panels = self.panels
        return {
            panels["vis"]: None,
            panels["examples"]: None,
            panels["verdict"]: _hidden("\n\n".join(words)),
            panels["state"]: None,
            **self._conv1_values(loaded, lang),
        }

    def compute(self, key, stage, channel, objective, lang, progress=gr.Progress()) -> dict:
        result, loaded = self._entry(key, lang)
        request, index = self._request(result, loaded, stage, channel, objective)
        references = reference_set_for(loaded, self.reference_dir)
        progress(0, desc=objective_words(loaded, request, lang))
        story = tell(
            loaded,
            request,
            index,
            references,
            self.vis_cache,
            self.reference_cache,
            progress=lambda step, total: progress((step, total)),
        )
        store, panels = self.ctx.store, self.panels
        # Shown at least 256 px across, each optimised pixel a square block: nothing smoothed in.
        factor = max(1, -(-256 // story.vis.image.size[0]))
        shown = story.vis.image.resize((story.vis.image.size[0] * factor,) * 2, Image.Resampling.NEAREST)
        return {
            panels["vis"]: store.write(encode_png(shown), "png", stem="vis"),
            panels["examples"]: store.write(encode_png(examples_grid(story.examples)), "png", stem="examples"),
            panels["verdict"]: _hidden(self._words(loaded, story, lang)),
            panels["state"]: (key, stage, channel, objective),
        }

    def story_json(self, image, model, weights, method, target, stage, channel, objective="mean") -> dict:
        """For programs: channel.json of `resnet-viz channel` for one photo's analysis (the app's effort)."""
        key, result = self.ctx.analyzer.analysis(image, model, weights, method, target)
        loaded = self.ctx.analyzer.model(model, weights)
        request, index = self._request(result, loaded, stage, channel, objective or "mean")
        story = tell(
            loaded, request, index, reference_set_for(loaded, self.reference_dir), self.vis_cache, self.reference_cache
        )
        return {
            "stage": request.stage,
            "channel": index,
            "objective": request.objective,
            "class": request.channel if request.objective == "logit" else None,
            "untrained": not loaded.is_pretrained,
            "vis_activation": story.vis.activation,
            "vis_size": request.size,
            "steps": request.steps,
            "vis_is_larger": story.vis_is_larger,
            "best_reference": {"file": story.best_file, "activation": story.best_activation},
            "top_examples": [
                {"file": e.file, "box": list(e.box), "activation": e.activation, "unit": list(e.unit)}
                for e in story.examples
            ],
        }

    def _words(self, loaded, story, lang: str) -> str:
        lines = [] if loaded.is_pretrained else [pick(STORY, "noise", lang)]
        request = story.vis.request
        lines.append(
            verdict(loaded, story, lang)
            + " "
            + _text("took", lang, steps=request.steps, size=request.size, seconds=story.vis.seconds)
        )
        lines.append(
            self._references_words(loaded, lang)
            + " "
            + ", ".join(f"#{i + 1} {e.file} ({e.activation:.2f})" for i, e in enumerate(story.examples))
        )
        return "\n\n".join(lines)

    def relabel(self, state, lang) -> dict:
        """The language changed: the same results' words, from the caches (nothing recomputed)."""
        panels = self.panels
        if not state:
            return {panels["verdict"]: gr.skip()}
        key, stage, channel, objective = state
        entry = self.ctx.analyzer.cached(key)
        if entry is None:
            return {panels["verdict"]: gr.skip()}
        result, loaded = entry
        request, index = self._request(result, loaded, stage, channel, objective)
        if self.vis_cache.get(loaded, request) is None:
            return {panels["verdict"]: gr.skip()}
        references = reference_set_for(loaded, self.reference_dir)
        story = tell(loaded, request, index, references, self.vis_cache, self.reference_cache)
        return {panels["verdict"]: _hidden(self._words(loaded, story, lang))}

    def _conv1_values(self, loaded, lang: str) -> dict:
        story = pick(STORY, "conv1_story", lang) + (
            "" if loaded.is_pretrained else " " + pick(STORY, "conv1_random", lang)
        )
        data = encode_png(conv1_filters(loaded.module))
        return {self.panels["conv1"]: self.ctx.store.write(data, "png", stem="conv1"), self.panels["conv1_note"]: story}

    def conv1(self, key, lang) -> dict:
        """conv1's filters of the analysis on screen; nothing when there is none."""
        entry = self.ctx.analyzer.cached(key) if key else None
        if entry is None:
            return {self.panels["conv1"]: None, self.panels["conv1_note"]: ""}
        return self._conv1_values(entry[1], lang)

    def cleared(self, *args) -> dict:
        panels = self.panels
        return {panels["vis"]: None, panels["examples"]: None, panels["verdict"]: _hidden(), panels["state"]: None}

    def refused(self, message, *args) -> dict:
        return self.cleared() | {self.panels["verdict"]: _hidden(f"⚠️ {message}")}

    def pick_tile(self, spec_index: int):
        """A click on a feature grid's tile: that stage and channel into the inspector."""
        inspector = self.page.inspector

        def handler(evt: gr.SelectData, key, n_channels):
            entry = self.ctx.analyzer.cached(key) if key else None
            if entry is None or not isinstance(evt.index, (list, tuple)):
                raise ModelChoiceError("Analyse a photo first, then click a channel's tile.")
            spec = STAGES[spec_index]
            activation = entry[0].stage(spec.name).activation
            count = max(MIN_CHANNELS, min(MAX_CHANNELS, int(n_channels)))
            channel = tile_channel(evt.index[0], evt.index[1], strongest_channels(activation, count))
            if channel is None:
                raise ModelChoiceError("That is the gap between tiles: click inside a tile.")
            return {inspector["stage"]: spec.paper_name, inspector["channel"]: channel}

        return handler


def _panels(page, lang: str = "en") -> dict:
    inspector = page.inspector
    with inspector["map_column"]:
        map_caption = gr.Markdown(_text("map_caption", lang), elem_id="channel-map-caption")
    with inspector["panels"]:
        with gr.Column(min_width=240):
            vis = gr.Image(
                label="feature visualisation",
                show_label=False,
                interactive=False,
                height=360,
                elem_id="channel-vis",
                format="png",
            )
            vis_caption = gr.Markdown(_text("vis_caption", lang), elem_id="channel-vis-caption")
        with gr.Column(min_width=240):
            examples = gr.Image(
                label="dataset examples",
                show_label=False,
                interactive=False,
                height=360,
                elem_id="channel-examples",
                format="png",
            )
            examples_caption = gr.Markdown(_text("examples_caption", lang), elem_id="channel-examples-caption")
    with inspector["accordion"]:
        verdict_box = _hidden(elem_id="channel-verdict", label="channel verdict")
        objective = gr.Radio(
            [(_text(k, lang), k) for k in ("mean", "max", "logit")],
            value="mean",
            label=_text("objective", lang),
            elem_id="channel-objective",
        )
        hint = gr.Markdown(_text("click_hint", lang))
        with gr.Accordion(_text("conv1_title", lang), open=False) as conv1_accordion:
            with gr.Row(equal_height=False):
                conv1 = gr.Image(
                    label="conv1 filters",
                    show_label=False,
                    interactive=False,
                    height=300,
                    elem_id="conv1-filters",
                    format="png",
                    scale=1,
                )
                conv1_note = gr.Markdown(elem_id="conv1-note")
    relabel = [
        (map_caption, lambda c: _text("map_caption", c)),
        (vis_caption, lambda c: _text("vis_caption", c)),
        (examples_caption, lambda c: _text("examples_caption", c)),
        (hint, lambda c: _text("click_hint", c)),
        (
            objective,
            lambda c: gr.Radio(
                label=_text("objective", c), choices=[(_text(k, c), k) for k in ("mean", "max", "logit")]
            ),
        ),
        (conv1_accordion, lambda c: gr.Accordion(label=_text("conv1_title", c))),
    ]
    return dict(
        vis=vis,
        examples=examples,
        verdict=verdict_box,
        objective=objective,
        conv1=conv1,
        conv1_note=conv1_note,
        state=gr.State(None),
        relabel=relabel,
    )


def build(ctx: ViewContext, page, stages_handlers) -> None:
    """Add the panels to the Stages view's inspector and wire them (called by analysis_view.build)."""
    panels = _panels(page)
    on = ChannelHandlers(ctx, page, panels)
    relabel = panels.pop("relabel")  # the Stages view's own list is already wired: these are ours
    ctx.on_language.append(([c for c, _ in relabel], lambda code: [fn(code) for _, fn in relabel]))
    inspector = page.inspector
    private = dict(api_visibility="private")
    channel_inputs = [ctx.result_key, inspector["stage"], inspector["channel"], panels["objective"], ctx.lang]
    prepare_outputs = [
        panels["vis"],
        panels["examples"],
        panels["verdict"],
        panels["state"],
        panels["conv1"],
        panels["conv1_note"],
    ]
    compute_outputs = [panels["vis"], panels["examples"], panels["verdict"], panels["state"]]
    prepare = handles_errors(on.prepare, fallback=on.refused)
    compute = handles_errors(on.compute, fallback=on.refused)
    # The warning first (a quick event), then the wait, which queues with the other model work.
    inspector["button"].click(prepare, channel_inputs, prepare_outputs, show_progress="hidden", **private).then(
        compute, channel_inputs, compute_outputs, concurrency_id="model", **private
    )
    panels["objective"].input(prepare, channel_inputs, prepare_outputs, show_progress="hidden", **private).then(
        compute, channel_inputs, compute_outputs, concurrency_id="model", **private
    )
    inspect = handles_errors(stages_handlers.inspect, fallback=stages_handlers.inspect_refused)
    for index, grid in enumerate(page.grids):
        picked = grid.select(
            handles_errors(on.pick_tile(index)),
            [ctx.result_key, page.channels],
            [inspector["stage"], inspector["channel"]],
            **private,
        )
        picked.success(
            inspect,
            [ctx.result_key, inspector["stage"], inspector["channel"], page.alpha, ctx.lang],
            [inspector["image"], inspector["note"], inspector["state"]],
            concurrency_id="render",
            **private,
        ).success(prepare, channel_inputs, prepare_outputs, show_progress="hidden", **private).then(
            compute, channel_inputs, compute_outputs, concurrency_id="model", **private
        )
    # A new analysis (or none): the panels held the last one's channel; conv1 shows the new model's filters.
    ctx.result_key.change(on.cleared, None, compute_outputs, show_progress="hidden", **private)
    ctx.analyze_button.click(on.cleared, None, compute_outputs, show_progress="hidden", **private)  # as the map is
    conv1_inputs = [ctx.result_key, ctx.lang]
    ctx.result_key.change(
        handles_errors(on.conv1, fallback=lambda *a: {}),
        conv1_inputs,
        [panels["conv1"], panels["conv1_note"]],
        show_progress="hidden",
        **private,
    )
    ctx.lang.change(
        handles_errors(on.conv1, fallback=lambda *a: {}),
        conv1_inputs,
        [panels["conv1"], panels["conv1_note"]],
        show_progress="hidden",
        **private,
    )
    ctx.lang.change(
        handles_errors(on.relabel), [panels["state"], ctx.lang], [panels["verdict"]], show_progress="hidden", **private
    )
    inline.on(
        gr.Button(visible=False).click,
        handles_errors(on.story_json),
        [*ctx.subject, inspector["stage"], inspector["channel"], panels["objective"]],
        [gr.JSON(visible=False, label="channel story")],
        api_name="channel_story",
        concurrency_id="model",
    )
