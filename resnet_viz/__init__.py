"""See inside a ResNet: predictions, per-stage feature maps and per-stage Grad-CAM.

The public names load on first use (PEP 562), so that `import resnet_viz.cli` for `resnet-viz --help`
does not import torch. Importing the package changes no process-wide setting: the server's
(GOMP_SPINCOUNT, malloc, cudnn.benchmark) are in server_settings, applied by `serve` and app.py.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# public name -> the module that defines it
_PUBLIC: dict[str, str] = {
    "AnalysisResult": "analysis",
    "StageResult": "analysis",
    "Target": "analysis",
    "analyze": "analysis",
    "preprocess": "analysis",
    "CAM_METHODS": "cam",
    "CheckpointError": "errors",
    "ImageInputError": "errors",
    "ModelChoiceError": "errors",
    "ResnetVizError": "errors",
    "load_image": "images",
    "MODEL_NAMES": "models",
    "LoadedModel": "models",
    "fetch_weights": "models",
    "is_available_offline": "models",
    "load_model": "models",
    "STAGES": "stages",
    "receptive_field": "trust",
    "make_study_data": "study.data",
    "load_study_model": "study.models",
}

__all__ = [
    "AnalysisResult",
    "StageResult",
    "Target",
    "analyze",
    "preprocess",
    "CAM_METHODS",
    "CheckpointError",
    "ImageInputError",
    "ModelChoiceError",
    "ResnetVizError",
    "load_image",
    "MODEL_NAMES",
    "LoadedModel",
    "fetch_weights",
    "is_available_offline",
    "load_model",
    "STAGES",
    "receptive_field",
    "make_study_data",
    "load_study_model",
]
assert set(__all__) == set(_PUBLIC)

if TYPE_CHECKING:
    from .analysis import AnalysisResult, StageResult, Target, analyze, preprocess
    from .cam import CAM_METHODS
    from .errors import CheckpointError, ImageInputError, ModelChoiceError, ResnetVizError
    from .images import load_image
    from .models import MODEL_NAMES, LoadedModel, fetch_weights, is_available_offline, load_model
    from .stages import STAGES
    from .study.data import make_study_data
    from .study.models import load_study_model
    from .trust import receptive_field


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'resnet_viz' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
