"""See inside a ResNet: predictions, per-stage feature maps and per-stage Grad-CAM."""

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
    "receptive_field",
]
