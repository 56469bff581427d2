"""Can I trust this heatmap? Sanity checks, class check, faithfulness per stage and receptive fields.
Compute only: no Gradio here (the UI is ui/trust_view.py, the command is trust/command.py)."""

from .faithfulness import FaithfulnessResult, StageFaithfulness, faithfulness
from .receptive import ReceptiveField, effective_field, receptive_field
from .sanity import RANDOMIZATION_STEPS, ClassCheck, SanityResult, SanityStep, cascading_randomization, class_check
from .similarity import spearman, ssim

__all__ = [
    "FaithfulnessResult",
    "StageFaithfulness",
    "faithfulness",
    "ReceptiveField",
    "effective_field",
    "receptive_field",
    "RANDOMIZATION_STEPS",
    "ClassCheck",
    "SanityResult",
    "SanityStep",
    "cascading_randomization",
    "class_check",
    "spearman",
    "ssim",
]
