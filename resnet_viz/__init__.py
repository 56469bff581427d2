"""See inside a ResNet: predictions, per-stage feature maps and per-stage Grad-CAM."""

import os

# Before torch loads libgomp (it reads this once). Each thread that runs torch ops gets its own OpenMP
# team, and an idle team spins for GOMP's default 300,000 rounds after every op. In the server the
# analysis, the drawing and Gradio's workers run on different threads, so idle teams spun on the cores
# the busy one needed: one HTTP round trip took 308-380 ms instead of 197-266 with 30,000 (resnet18,
# 2 cores, runs alternated). In-process, single-threaded timings did not change. A user's own setting wins.
os.environ.setdefault("GOMP_SPINCOUNT", "30000")

from .analysis import AnalysisResult, StageResult, Target, analyze, preprocess
from .cam import CAM_METHODS
from .errors import CheckpointError, ImageInputError, ModelChoiceError, ResnetVizError
from .images import load_image
from .models import MODEL_NAMES, LoadedModel, fetch_weights, is_available_offline, load_model
from .stages import STAGES
from .trust import receptive_field

__all__ = [
    "AnalysisResult", "StageResult", "Target", "analyze", "preprocess", "CAM_METHODS",
    "CheckpointError", "ImageInputError", "ModelChoiceError", "ResnetVizError", "load_image",
    "MODEL_NAMES", "LoadedModel", "fetch_weights", "is_available_offline", "load_model", "STAGES",
    "receptive_field", "make_study_data", "load_study_model",
]

# The paper study (resnet_viz.study) is imported on first use, so `import resnet_viz` stays light.
_STUDY = {"make_study_data": ".study.data", "load_study_model": ".study.models"}


def __getattr__(name: str):
    if name in _STUDY:
        import importlib

        return getattr(importlib.import_module(_STUDY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
