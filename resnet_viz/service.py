"""What the web UI calls, without Gradio: cached analyses rendered to PNG files and text."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from .analysis import AnalysisResult, analyze, renormalized
from .architecture import markdown_table
from .images import load_image
from .errors import ModelChoiceError
from .models import MODEL_NAMES, LoadedModel, check_model_name, is_available_offline, load_model, weights_choices
from .render import PHOTO_ENCODERS, channel_overlay, render_encoded

AUTO_TARGET = "top-1 (automatic)"
# Input and overlays go to the browser as lossless WebP: 2.5× faster to encode than PNG, and smaller.
UI_PHOTO_FORMAT = "webp"


@dataclass(frozen=True)
class StagePanel:
    title: str  # markdown
    features_file: str
    cam_file: str | None
    channels: list[int]


@dataclass(frozen=True)
class Presentation:
    key: str
    image_file: str
    predictions: dict[str, float]
    predictions_heading: str
    summary: str  # markdown
    banner: str  # markdown; empty when the weights are trained
    stages: list[StagePanel]


def compute_analysis(model_name: str | None, weights: str, device: str, class_names: str | None, image: Image.Image,
                     target: str | None, method: str) -> AnalysisResult:
    """The one call that runs the model, by names only, so a GPU decorator can ship it to a worker."""
    return analyze(load_model(model_name, weights, device, class_names), image, target=target, method=method)


def weights_banner(loaded: LoadedModel) -> str:
    if loaded.is_pretrained:
        return ""
    return (
        f"⚠️ **Untrained weights.** {loaded.name} is running with **random weights**, so its predictions "
        "are meaningless and its heatmaps show the mechanics, not what a trained network has learned. "
        f"{loaded.weights_note}"
    )


def model_choices() -> list[tuple[str, str]]:
    """(label, value) pairs that say which models' default weights are cached for offline use."""
    return [(f"{name}  ✓ offline" if is_available_offline(name) else name, name) for name in MODEL_NAMES]


class Analyzer:
    """Analyses cached per (image, model, weights, class, method); display options re-render only."""

    def __init__(self, device: str = "auto", checkpoint: str | None = None, class_names: str | None = None,
                 cache_size: int = 16, png_dir: str | None = None,
                 gpu: Callable[[Callable], Callable] | None = None) -> None:
        """`gpu`: a decorator for the function that runs the model, e.g. Hugging Face's `spaces.GPU`,
        which on ZeroGPU attaches a GPU for the call (and runs it in a worker: plain picklable
        arguments and result)."""
        self.device = device
        self._compute = gpu(compute_analysis) if gpu else compute_analysis
        self.checkpoint = checkpoint
        self.class_names = class_names
        # key -> (result, model name, weights as requested): a re-render needs the same loaded model
        self._results: OrderedDict[str, tuple[AnalysisResult, str, str]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._png_dir = Path(png_dir or tempfile.mkdtemp(prefix="resnet-viz-"))
        self._png_dir.mkdir(parents=True, exist_ok=True)
        self._written = 0
        self._max_files = 400

    def weights_options(self, model_name: str) -> list[str]:
        options = weights_choices(model_name) + ["random"]
        return options + [self.checkpoint] if self.checkpoint else options

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
                f"Weights {weights!r} are not offered for {model_name}: choose one of "
                f"{', '.join(self.weights_options(model_name))}."
            )
        return load_model(model_name, weights, self.device, None)

    def architecture(self, model_name: str, weights: str) -> str:
        return markdown_table(self.model(model_name, weights).module, model_name)

    def _write(self, data: bytes, suffix: str) -> str:
        """A picture file named by its content, so an unchanged picture is neither rewritten nor re-sent."""
        path = self._png_dir / f"{hashlib.sha1(data).hexdigest()}.{suffix}"
        if not path.exists():
            path.write_bytes(data)
            self._written += 1
            if self._written % 100 == 0:
                self._prune()
        return str(path)

    def _prune(self) -> None:
        """Gradio copies returned files into its own cache, so only recent ones need keeping."""
        files = sorted((p for p in self._png_dir.iterdir() if p.is_file()), key=lambda p: p.stat().st_mtime)
        for old in files[: max(0, len(files) - self._max_files)]:
            old.unlink(missing_ok=True)

    @staticmethod
    def key(image_bytes: bytes, model_name: str, weights: str, method: str, target: str | None) -> str:
        """What a result is cached under: the file's bytes and every choice that changes the numbers."""
        target = None if target in (None, "", AUTO_TARGET) else target
        return hashlib.sha1(repr((hashlib.sha1(image_bytes).hexdigest(), model_name, weights, method, target)).encode()).hexdigest()

    def analysis(self, image_path: str, model_name: str, weights: str, method: str, target: str | None) -> tuple[str, AnalysisResult]:
        image_bytes = Path(image_path).read_bytes()
        target = None if target in (None, "", AUTO_TARGET) else target
        key = self.key(image_bytes, model_name, weights, method, target)
        with self._lock:
            if key in self._results:
                self._results.move_to_end(key)
                return key, self._results[key][0]
        image = load_image(image_bytes)
        loaded = self.model(model_name, weights)  # checks the choices, loads before the (GPU) call
        class_names = self.class_names if weights == self.checkpoint else None
        result = self._compute(None if weights == self.checkpoint else loaded.name, weights, self.device, class_names,
                               image, target, method)
        with self._lock:
            self._results[key] = (result, model_name, weights)
            while len(self._results) > self._cache_size:
                self._results.popitem(last=False)
        return key, result

    def cached(self, key: str) -> tuple[AnalysisResult, LoadedModel] | None:
        """A cached result and the model that made it, or None once it has left the cache."""
        with self._lock:
            entry = self._results.get(key)
        if entry is None:
            return None
        result, model_name, weights = entry
        return result, self.model(model_name, weights)

    def present(self, key: str, result: AnalysisResult, loaded: LoadedModel, n_channels: int, colormap: str,
                alpha: float, normalization: str) -> Presentation:
        result = renormalized(result, normalization)
        input_bytes, encoded = render_encoded(result, n_channels, colormap, alpha, UI_PHOTO_FORMAT)
        panels = []
        for stage, pictures in zip(result.stages, encoded):
            title = f"### {stage.label}\n`{stage.shape_text}` (C×H×W)"
            if pictures.overlay_bytes is None:
                title += "\n\nNo Grad-CAM for the stem (it sees edges and colours, not classes): the input is shown instead."
            panels.append(StagePanel(title, self._write(pictures.grid_png, "png"),
                                     None if pictures.overlay_bytes is None else self._write(pictures.overlay_bytes, UI_PHOTO_FORMAT),
                                     pictures.images.channels))
        untrained = "" if loaded.is_pretrained else " — UNTRAINED weights (random)"
        scale = "each stage on its own 0–1 scale" if normalization == "per-stage" else "one shared scale across stages"
        summary = (
            f"**{result.model_name}** · weights **{result.weights_label}** ({result.weights_status}) · "
            f"device **{result.device}** · {result.seconds * 1000:.0f} ms\n\n"
            f"Heatmaps: **{result.method}** for **{result.target.label}** (class {result.target.index}, "
            f"p = {result.target.probability:.3f}); {scale}."
        )
        return Presentation(key, self._write(input_bytes, UI_PHOTO_FORMAT), dict(result.predictions),
                            f"Top-{len(result.predictions)} predictions{untrained}", summary,
                            weights_banner(loaded), panels)

    def channel(self, key: str, stage_name: str, channel: int, alpha: float = 0.5) -> str:
        entry = self.cached(key)
        if entry is None:
            raise LookupError("Analyze an image first.")
        result = entry[0]
        return self._write(PHOTO_ENCODERS[UI_PHOTO_FORMAT](channel_overlay(result.image, result.stage(stage_name), int(channel), alpha)), UI_PHOTO_FORMAT)

    def close(self) -> None:
        shutil.rmtree(self._png_dir, ignore_errors=True)


def target_choices(loaded: LoadedModel) -> list[tuple[str, str]]:
    """(label, value) pairs; the value is the class index, since ImageNet repeats some names."""
    return [(AUTO_TARGET, "")] + [(f"{name} ({index})", str(index)) for index, name in enumerate(loaded.categories)]
