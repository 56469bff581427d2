"""A channel strip for slides (`resnet-viz figure --channel-strip layer3:37`): the channel's map on the
photo, its feature visualisation and its top dataset examples in one row, with the measured objective."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .analysis import analyze
from .channel_story import TEXT as STORY
from .channel_story import ChannelStory, default_effort, tell, verdict
from .errors import ModelChoiceError
from .featurevis import FeatureVisCache, VisRequest
from .i18n import pick
from .images import load_image
from .models import LoadedModel
from .plotting import new_figure
from .reference import ReferenceCache, examples_grid, reference_set_for
from .render import channel_overlay
from .trust.receptive import stage_name

TEXT = {
    "en": {
        "map": "{stage} #{channel} on the photo",
        "vis": "feature visualisation",
        "examples": "top dataset examples",
    },
    "ko": {"map": "사진 위 {stage} #{channel}", "vis": "특징 시각화", "examples": "데이터셋 예시 상위"},
}


def parse_strip(text: str) -> tuple[str, int]:
    """'layer3:37' -> ('layer3', 37)."""
    stage, _, channel = text.partition(":")
    if not channel.strip().isdigit():
        raise ModelChoiceError(f"Give a channel strip as stage:channel (e.g. layer3:37), not {text!r}.")
    return stage_name(stage.strip()), int(channel)


def strip_figure(
    loaded: LoadedModel,
    photo,
    stage: str,
    channel: int,
    lang: str = "en",
    story: ChannelStory | None = None,
    vis_cache: FeatureVisCache | None = None,
    reference_cache: ReferenceCache | None = None,
    reference: str | None = None,
) -> Figure:
    """Three panels and, under them, the measured objective of the visualisation and the best reference."""
    image = load_image(photo)
    result = analyze(loaded, image, method="gradcam")
    if story is None:
        size, steps = default_effort(loaded.device)
        story = tell(
            loaded,
            VisRequest(stage, channel, "mean", size, steps),
            channel,
            reference_set_for(loaded, reference),
            vis_cache or FeatureVisCache(),
            reference_cache or ReferenceCache(),
        )
    overlay = channel_overlay(result.image, result.stage(stage_name(stage)), channel)
    figure = new_figure(12, 4.6)
    axes = figure.subplots(1, 3, gridspec_kw={"width_ratios": [1, 1, 1.4]})
    pictures = (overlay, story.vis.image, examples_grid(story.examples))
    titles = (
        pick(TEXT, "map", lang, stage=stage, channel=channel),
        pick(TEXT, "vis", lang),
        pick(TEXT, "examples", lang),
    )
    for ax, picture, title in zip(axes, pictures, titles):
        ax.imshow(np.asarray(picture), interpolation="nearest")
        ax.set_title(title, fontsize=14)
        ax.set_axis_off()
    words = verdict(loaded, story, lang)
    if not loaded.is_pretrained:
        words = pick(STORY, "noise", lang) + " " + words
    figure.text(0.5, 0.02, words.replace("**", ""), ha="center", va="bottom", fontsize=12, wrap=True)
    figure.subplots_adjust(left=0.01, right=0.99, top=0.9, bottom=0.2, wspace=0.05)
    return figure


def write_strips(
    images,
    model: str | None,
    weights: str,
    device: str,
    strip: str,
    out,
    lang: str = "en",
    steps: int | None = None,
    size: int | None = None,
) -> list[str]:
    """`channel-strip-<stage>-<channel>-<photo>.png` per photo; the visualisation is computed once."""
    from pathlib import Path

    from .models import load_model
    from .plotting import figure_bytes, figure_lang, style

    stage, channel = parse_strip(strip)
    loaded = load_model(model, weights, device)
    default_size, default_steps = default_effort(loaded.device)
    request = VisRequest(stage, channel, "mean", size or default_size, steps or default_steps)
    vis_cache, reference_cache = FeatureVisCache(), ReferenceCache()
    references = reference_set_for(loaded)
    story = tell(loaded, request, channel, references, vis_cache, reference_cache)
    lang = figure_lang(lang)
    written = []
    for path in images:
        with style(lang):
            data = figure_bytes(strip_figure(loaded, path, stage, channel, lang, story=story))
        name = f"channel-strip-{stage}-{channel}-{Path(path).stem}.png"
        (Path(out) / name).write_bytes(data)
        written.append(name)
    return written
