"""The full analysis (top-k, stage CAMs) with chosen blocks removed, on a private copy of the model.
The result names its own subject (which blocks, which CAM method), so a page can label it from the
result, never from the controls, which may have changed since."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace

from PIL import Image

from ..analysis import AnalysisResult, analyze
from ..cam import get_method
from ..errors import ModelChoiceError
from ..i18n import pick
from ..images import ImageSource
from ..models import LoadedModel
from ..render import cam_overlay
from .blocks import block_names
from .lesion import lesion_copy

TEXT = {
    "en": {
        "top": "Top-5 with {n} block(s) removed: {names}",
        "top_none": "Top-5 with no block removed",
        "cams": "{method} per stage with {names} removed",
        "cams_none": "{method} per stage, no block removed",
        "unknown": "{model} has no block {names}: choose among {first} … {last}.",
    },
    "ko": {
        "top": "블록 {n}개를 제거한 top-5: {names}",
        "top_none": "블록을 제거하지 않은 top-5",
        "cams": "{names}을(를) 제거한 채 단계별 {method}",
        "cams_none": "블록을 제거하지 않은 단계별 {method}",
        "unknown": "{model}에는 {names} 블록이 없습니다. {first} … {last} 중에서 고르세요.",
    },
}


@dataclass(frozen=True)
class RemovalResult:
    analysis: AnalysisResult  # top-k, target, stage CAMs of the lesioned copy
    removed: tuple[str, ...]  # the removed blocks, in forward order ("layer2.1", …)
    method: str  # the CAM method's key ("gradcam", "layercam", …)

    @property
    def method_label(self) -> str:
        return get_method(self.method).label


def check_blocks(loaded: LoadedModel, names: Iterable[str]) -> tuple[str, ...]:
    """The named blocks in forward order, without repeats; a name the model lacks is refused."""
    known = block_names(loaded.module)
    wanted = set(names)
    unknown = sorted(wanted - set(known))
    if unknown:
        raise ModelChoiceError(
            pick(TEXT, "unknown", "en", model=loaded.name, names=", ".join(unknown), first=known[0], last=known[-1])
        )
    return tuple(name for name in known if name in wanted)


def remove_blocks(
    loaded: LoadedModel,
    image: ImageSource,
    removed: Iterable[str],
    target: int | str | None = None,
    method: str = "gradcam",
    top_k: int = 5,
) -> RemovalResult:
    """resnet_viz.analysis.analyze on a copy in which each named block outputs relu(shortcut(x))."""
    names = check_blocks(loaded, removed)
    key = get_method(method).key
    with loaded.lock:
        module = lesion_copy(loaded.module, names)
    copy = replace(loaded, module=module, lock=threading.Lock())
    return RemovalResult(analyze(copy, image, target=target, method=key, top_k=top_k), names, key)


def analyze_without(
    loaded: LoadedModel,
    image: ImageSource,
    removed: Iterable[str],
    target: int | str | None = None,
    method: str = "gradcam",
    top_k: int = 5,
) -> AnalysisResult:
    """remove_blocks' analysis alone (kept for callers that label the result themselves)."""
    return remove_blocks(loaded, image, removed, target, method, top_k).analysis


def removal_top_label(result: RemovalResult, lang: str = "en") -> str:
    """The heading of the top-5, from the result: how many blocks and which."""
    if not result.removed:
        return pick(TEXT, "top_none", lang)
    return pick(TEXT, "top", lang, n=len(result.removed), names=", ".join(result.removed))


def removal_gallery_label(result: RemovalResult, lang: str = "en") -> str:
    """The heading of the CAM gallery, from the result: its method and its removed blocks."""
    if not result.removed:
        return pick(TEXT, "cams_none", lang, method=result.method_label)
    return pick(TEXT, "cams", lang, method=result.method_label, names=", ".join(result.removed))


def removal_gallery(result: RemovalResult) -> list[tuple[Image.Image, str]]:
    """(overlay, caption) per stage that has a CAM: "layer1 (C2) · LayerCAM"."""
    return [
        (cam_overlay(result.analysis.image, s.cam), f"{s.label} · {result.method_label}")
        for s in result.analysis.stages
        if s.cam is not None
    ]
