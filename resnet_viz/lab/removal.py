"""The full analysis (top-k, stage CAMs) with chosen blocks removed, on a private copy of the model."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import replace

from ..analysis import AnalysisResult, analyze
from ..images import ImageSource
from ..models import LoadedModel
from .lesion import lesion_copy


def analyze_without(loaded: LoadedModel, image: ImageSource, removed: Iterable[str], target: int | str | None = None,
                    method: str = "gradcam", top_k: int = 5) -> AnalysisResult:
    """resnet_viz.analysis.analyze on a copy in which each named block outputs relu(shortcut(x))."""
    with loaded.lock:
        module = lesion_copy(loaded.module, removed)
    copy = replace(loaded, module=module, lock=threading.Lock())
    return analyze(copy, image, target=target, method=method, top_k=top_k)
