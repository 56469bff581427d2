"""Forward hooks that capture stage outputs for one call and are always removed."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import torch
from torch import nn

from .stages import model_stages


@contextmanager
def capture_stage_outputs(
    model: nn.Module, stage_names: Sequence[str] | None = None
) -> Iterator[dict[str, torch.Tensor]]:
    """Yield a dict that fills with each stage's output during a forward pass in this thread.

    Hooks on the stage modules, not on `relu`: torchvision blocks reuse one in-place ReLU.
    The outputs keep their autograd graph so Grad-CAM can differentiate with respect to them.
    """
    stage_outputs: dict[str, torch.Tensor] = {}
    if stage_names is None:  # a stage may be nested ('stages.0' in timm's ResNetV2): named_modules() names
        stage_names = [s.name for s in model_stages(model)]
    owner = threading.get_ident()

    def hook_for(name: str):
        def store(_module: nn.Module, _inputs: tuple, output: torch.Tensor) -> None:
            # Callers hold the model's lock; this is a second guard against another thread's pass.
            if threading.get_ident() == owner:
                stage_outputs[name] = output

        return store

    handles = []
    try:
        for name in stage_names:
            handles.append(model.get_submodule(name).register_forward_hook(hook_for(name)))
        yield stage_outputs
    finally:
        for handle in handles:
            handle.remove()
