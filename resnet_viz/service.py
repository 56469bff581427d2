"""What the web UI calls, without Gradio: the model and result caches (Analyzer), and results
rendered to picture files and JSON. Words for people live in presenter.py."""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from .analysis import (
    AnalysisResult,
    StageResult,
    Target,
    analyze,
    analyze_batch,
    check_contrast,
    renormalized,
    resolve_target,
)
from .architecture import markdown_table
from .cam import get_method
from .errors import ImageInputError, ModelChoiceError, ResnetVizError
from .filestore import FileStore
from .i18n import pick
from .images import DECODE_FOR_NETWORK, load_image
from .microbatch import DEFAULT_MAX_BATCH, DEFAULT_WINDOW_S, MicroBatcher
from .models import MODEL_NAMES, LoadedModel, check_model_name, is_available_offline, load_model, weights_choices
from .render import BROWSER_PHOTO_FORMAT, PHOTO_ENCODERS, channel_overlay, render_encoded, strongest_channels

AUTO_TARGET = "top-1 (automatic)"
# Input and overlays go to the browser as JPEG q95 (PSNR > 38 dB, tests/test_render.py): the cheapest
# encoding the eye cannot tell from lossless. Grids stay palette PNGs; the CLI and figures stay lossless.
UI_PHOTO_FORMAT = BROWSER_PHOTO_FORMAT


# Every field a result's subject can have, in the order a notice names them.
SUBJECT_FIELDS = ("digest", "model", "weights", "method", "target", "contrast", "stage", "display", "lang", "extra")


@dataclass(frozen=True)
class Subject:
    """What one result is of: the page shows results only together with the subject they belong to.
    A view leaves the fields its results do not depend on at their defaults, both in the subject it
    records with a result and in the one it builds from the controls (e.g. the lab's charts use no
    CAM method; the stages view redraws itself for a new display or language instead)."""

    image: str  # the file's name, as the user knows it
    digest: str  # sha1 of the file's bytes: the same photo uploaded twice is the same subject
    model: str
    weights: str
    method: str
    target: str  # "" = automatic (the top-1 class); else what the user picked
    contrast: str = ""  # "" = none; else the class B of "why A, not B"
    stage: str = ""  # the stage a result is of, for views that show one stage
    display: tuple = ()  # display settings that went into the pictures, where a view does not redraw for them
    lang: str = ""  # the language its words and charts were made in, where a view does not redraw for it
    extra: tuple = ()  # a tab's own choices (e.g. the blocks removed)

    def differences(self, other: Subject | None) -> list[str]:
        """The fields in which `other` differs ("digest" for the photo, "model", ...); "digest" when it is None."""
        if other is None:  # no photo any more
            return ["digest"]
        return [name for name in SUBJECT_FIELDS if getattr(self, name) != getattr(other, name)]


def subject_of(
    image_path: str | None,
    model: str,
    weights: str,
    method: str,
    target: str | None,
    contrast: str | None = None,
    **more,
) -> Subject | None:
    """The subject the controls describe now; None without a photo. `more`: stage, display, lang, extra."""
    if not image_path or not Path(image_path).is_file():
        return None
    digest = hashlib.sha1(Path(image_path).read_bytes()).hexdigest()
    return Subject(
        Path(image_path).name,
        digest,
        model or "",
        weights or "",
        method or "",
        normal_target(target),
        normal_target(contrast),
        **more,
    )


def normal_target(target: str | None) -> str:
    """'' for the automatic class, else the choice as given (an index or a class name)."""
    return "" if target in (None, "", AUTO_TARGET) else str(target).strip()


@dataclass(frozen=True)
class StagePictures:
    features_file: str
    cam_file: str | None  # None for the stem, which has no CAM
    channels: list[int]  # the channel ids in the grid, strongest first


@dataclass(frozen=True)
class Pictures:
    image_file: str  # what the network sees
    stages: list[StagePictures]


def compute_analysis(
    model_name: str | None,
    weights: str,
    device: str,
    class_names: str | None,
    image: Image.Image,
    target: str | None,
    method: str,
    contrast: str | None = None,
) -> AnalysisResult:
    """The one call that runs the model, by names only, so a GPU decorator can ship it to a worker."""
    return analyze(
        load_model(model_name, weights, device, class_names), image, target=target, method=method, contrast=contrast
    )


def compute_batch(
    model_name: str | None,
    weights: str,
    device: str,
    class_names: str | None,
    method: str,
    requests: list[tuple[Image.Image, str | None, str | None]],
) -> list[AnalysisResult | Exception]:
    """Several requests (image, target, contrast) of one model and method: one forward and one backward
    for all of them (analyze_batch), by names only like compute_analysis. A batch refused as a whole
    (e.g. one request's contrast turned out to be its automatic class) is run again one by one, so the
    refusal reaches that request alone."""
    loaded = load_model(model_name, weights, device, class_names)
    images, targets, contrasts = zip(*requests)
    try:
        return list(analyze_batch(loaded, images, targets, contrasts, method=method))
    except ResnetVizError:
        if len(requests) == 1:
            raise
    answers: list[AnalysisResult | Exception] = []
    for image, target, contrast in requests:
        try:
            answers.append(analyze(loaded, image, target=target, method=method, contrast=contrast))
        except ResnetVizError as err:
            answers.append(err)
    return answers


TEXT = {"en": {"offline": "{name}  ✓ offline"}, "ko": {"offline": "{name}  ✓ 오프라인"}}


def model_choices(lang: str = "en") -> list[tuple[str, str]]:
    """(label, value) pairs that say which models' default weights are cached for offline use."""
    from . import timm_models

    names = list(MODEL_NAMES) + (list(timm_models.SUGGESTED) if timm_models.available() else [])
    return [(pick(TEXT, "offline", lang, name=name) if is_available_offline(name) else name, name) for name in names]


class Analyzer:
    """Analyses cached per (image, model, weights, method, class, contrast); display options re-render only."""

    def __init__(
        self,
        device: str = "auto",
        checkpoint: str | None = None,
        class_names: str | None = None,
        cache_size: int = 16,
        gpu: Callable[[Callable], Callable] | None = None,
        max_batch: int = DEFAULT_MAX_BATCH,
        batch_window: float = DEFAULT_WINDOW_S,
    ) -> None:
        """`gpu`: a decorator for the function that runs the model, e.g. Hugging Face's `spaces.GPU`,
        which on ZeroGPU attaches a GPU for the call (and runs it in a worker: plain picklable
        arguments and result). Concurrent analyses of one (model, weights, method) run as one batch
        of up to `max_batch` (microbatch.py); `max_batch=1` runs each alone."""
        self.device = device
        self._compute = gpu(compute_analysis) if gpu else compute_analysis
        self._compute_batch = gpu(compute_batch) if gpu else compute_batch
        self.batcher = MicroBatcher(self._run_batch, window=batch_window, max_batch=max_batch)
        self.checkpoint = checkpoint
        self.class_names = class_names
        # key -> (result, model name, weights as requested): a re-render needs the same loaded model
        self._results: OrderedDict[str, tuple[AnalysisResult, str, str]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def weights_options(self, model_name: str) -> list[str]:
        options = weights_choices(model_name) + ["random"]
        return options + [self.checkpoint] if self.checkpoint else options

    def default_weights(self, model_name: str) -> str:
        """The weights a switch to `model_name` selects: the app's checkpoint for the architecture it
        holds (switching away and back must not lose it), else DEFAULT."""
        if (
            self.checkpoint is not None
            and load_model(None, self.checkpoint, self.device, self.class_names).name == model_name
        ):
            return self.checkpoint
        return "DEFAULT"

    def model(self, model_name: str | None, weights: str) -> LoadedModel:
        """model_name None: the architecture the checkpoint holds, or resnet50."""
        if self.checkpoint is not None and weights == self.checkpoint:
            loaded = load_model(None, weights, self.device, self.class_names)
            if model_name is not None and model_name != loaded.name:
                check_model_name(model_name)
                return load_model(model_name, weights, self.device, self.class_names)  # says which arch it holds
            return loaded
        model_name = check_model_name(model_name or "resnet50")
        # The HTTP API takes any string here: only the weights this app offers may be loaded,
        # never a path a visitor makes up.
        if weights not in self.weights_options(model_name):
            raise ModelChoiceError(
                "weights_not_offered",
                weights=weights,
                model=model_name,
                choices=", ".join(self.weights_options(model_name)),
            )
        return load_model(model_name, weights, self.device, None)

    def architecture(self, model_name: str, weights: str, lang: str = "en") -> str:
        return markdown_table(self.model(model_name, weights).module, model_name, lang)

    @staticmethod
    def key(
        image_bytes: bytes, model_name: str, weights: str, method: str, target: str | None, contrast: str | None = None
    ) -> str:
        """What a result is cached under: the file's bytes and every choice that changes the numbers."""
        target, contrast = normal_target(target) or None, normal_target(contrast) or None
        choices = (hashlib.sha1(image_bytes).hexdigest(), model_name, weights, method, target, contrast)
        return hashlib.sha1(repr(choices).encode()).hexdigest()

    def analysis(
        self,
        image_path: str,
        model_name: str,
        weights: str,
        method: str,
        target: str | None,
        contrast: str | None = None,
    ) -> tuple[str, AnalysisResult]:
        """(cache key, result); `contrast` (a class index or name, "" = none) makes the maps explain
        logit(target) − logit(contrast)."""
        if not image_path:
            raise ImageInputError("no_photo")
        image_bytes = Path(image_path).read_bytes()
        target, contrast = normal_target(target) or None, normal_target(contrast) or None
        key = self.key(image_bytes, model_name, weights, method, target, contrast)
        with self._lock:
            if key in self._results:
                self._results.move_to_end(key)
                return key, self._results[key][0]
        image = load_image(image_bytes, name=Path(image_path).name, at_least=DECODE_FOR_NETWORK)
        loaded = self.model(model_name, weights)  # checks the choices, loads before the (GPU) call
        check_contrast(method, loaded.categories, contrast)  # refused here, not in a GPU worker
        if target is not None:
            resolve_target(loaded.categories, target, 0)  # a class that does not exist is refused alone
        model_name = None if weights == self.checkpoint else loaded.name
        group = (model_name, weights, get_method(str(method)).key)  # one batch: one model, one method
        result = self.batcher.submit(group, (image, target, contrast))
        with self._lock:
            self._results[key] = (result, model_name, weights)
            while len(self._results) > self._cache_size:
                self._results.popitem(last=False)
        return key, result

    def _run_batch(self, group: tuple, requests: list) -> list:
        model_name, weights, method = group
        class_names = self.class_names if weights == self.checkpoint else None
        if len(requests) == 1:  # alone: the single call, as before batching (and as a GPU worker gets it)
            image, target, contrast = requests[0]
            return [self._compute(model_name, weights, self.device, class_names, image, target, method, contrast)]
        return self._compute_batch(model_name, weights, self.device, class_names, method, requests)

    def cached(self, key: str) -> tuple[AnalysisResult, LoadedModel] | None:
        """A cached result and the model that made it, or None once it has left the cache."""
        with self._lock:
            entry = self._results.get(key)
        if entry is None:
            return None
        result, model_name, weights = entry
        return result, self.model(model_name, weights)


def target_choices(loaded: LoadedModel, automatic: str = AUTO_TARGET) -> list[tuple[str, str]]:
    """(label, value) pairs; the value is the class index, since ImageNet repeats some names."""
    return [(automatic, "")] + [(f"{name} ({index})", str(index)) for index, name in enumerate(loaded.categories)]


def render_pictures(
    result: AnalysisResult, store: FileStore, n_channels: int, colormap: str, alpha: float, normalization: str
) -> Pictures:
    """The input as the network sees it, and per stage its feature-map grid and CAM overlay, as files."""
    result = renormalized(result, normalization)
    input_bytes, encoded = render_encoded(result, n_channels, colormap, alpha, UI_PHOTO_FORMAT)
    stages = [
        StagePictures(
            store.write(pictures.grid_png, "png"),
            None if pictures.overlay_bytes is None else store.write(pictures.overlay_bytes, UI_PHOTO_FORMAT),
            pictures.images.channels,
        )
        for pictures in encoded
    ]
    return Pictures(store.write(input_bytes, UI_PHOTO_FORMAT), stages)


def find_stage(result: AnalysisResult, name: str | None) -> StageResult:
    """A stage by torchvision name (maxpool, layer1..4), paper name (conv1, conv2_x..) or level (C1..C5)."""
    wanted = (name or "").strip()
    for stage in result.stages:
        if wanted.lower() in (stage.name.lower(), stage.paper_name.lower(), stage.level.lower()):
            return stage
    names = ", ".join(f"{s.paper_name}/{s.level}/{s.name}" for s in result.stages)
    raise ModelChoiceError("unknown_stage", name=name, choices=names)


def parse_channel(value: object, channels: int) -> int:
    """A channel id from a form or an API call, or a message saying which ids exist."""
    if value is None or str(value).strip() == "":
        raise ModelChoiceError("channel_missing", last=channels - 1)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = float("nan")
    if not (math.isfinite(number) and number == int(number) and 0 <= number < channels):
        raise ModelChoiceError("channel_absent", value=value, last=channels - 1)
    return int(number)


def channel_picture(result: AnalysisResult, store: FileStore, stage_name: str, channel: object, alpha: float) -> str:
    """One channel of one stage over the image, as a file."""
    stage = find_stage(result, stage_name)
    index = parse_channel(channel, stage.shape[0])
    return store.write(
        PHOTO_ENCODERS[UI_PHOTO_FORMAT](channel_overlay(result.image, stage, index, alpha)), UI_PHOTO_FORMAT
    )


def _target_json(target: Target) -> dict:
    return {"index": target.index, "label": target.label, "probability": target.probability}


def prediction_json(result: AnalysisResult, weights: str, n_channels: int = 16) -> dict:
    """The `/predict` answer: plain JSON, the same facts the page shows."""
    return {
        "model": result.model_name,
        "weights": weights,
        "device": result.device,
        "method": result.method,
        "target": _target_json(result.target),
        "contrast": None if result.contrast is None else _target_json(result.contrast),
        "predictions": [{"label": label, "probability": p} for label, p in result.predictions],
        "stages": [
            {
                "name": s.name,
                "paper_name": s.paper_name,
                "shape": list(s.shape),
                "channels": strongest_channels(s.activation, n_channels),
            }
            for s in result.stages
        ],
    }
