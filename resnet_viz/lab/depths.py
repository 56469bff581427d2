"""Gradient flow across depths (issue 9 §4): torchvision's resnet18…152 at one seeded random init,
each as is and made plain, on the same image and class.

At initialisation BatchNorm's running statistics are mean 0 / variance 1, so in eval mode every BN is
the identity and a residual net's activations grow with each block it adds. A network at the start
of its training normalises with the statistics of its batch instead; that is what is measured here
(train-mode BN on a private model; its running statistics are thrown away with it)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn
from torchvision import models as tv_models

from .arch import DEPTHS
from .blocks import block_names
from .gradients import input_grad_norms, plain_copy

# torch.manual_seed sets the process's global generator: the build happens under fork_rng (which
# restores it) and this lock (so two builds never interleave their draws).
_BUILD_LOCK = threading.Lock()
IMAGENET_CLASSES = 1000


def seeded_resnet(depth: int, seed: int = 0) -> nn.Module:
    """torchvision's resnet{depth} with its own random init from `seed`, weights frozen."""
    with _BUILD_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = tv_models.get_model(f"resnet{depth}", weights=None)
    return model.requires_grad_(False)


@dataclass(frozen=True)
class DepthFlow:
    depth: int
    names: list[str]  # blocks, first first
    residual: list[float]  # ‖∂ logit[target] / ∂ block input‖₂, the model as is
    plain: list[float]  # the same weights made plain: relu(F(x)), no shortcuts


@dataclass(frozen=True)
class DepthFlows:
    seed: int
    target: int  # the class index used in the random nets' 1000 outputs
    batch_statistics: bool
    flows: list[DepthFlow]


def depth_gradient_flow(
    batch: torch.Tensor,
    target: int,
    depths: Sequence[int] = DEPTHS,
    seed: int = 0,
    batch_statistics: bool = True,
    progress: Callable[[float, str], None] | None = None,
) -> DepthFlows:
    """For each depth: the gradient norm of one logit at every block's input, residual and plain,
    at the same seeded init. `target` is taken modulo 1000 (a checkpoint may have fewer classes;
    at random init no class means anything)."""
    report = progress or (lambda fraction, text: None)
    index = int(target) % IMAGENET_CLASSES
    flows = []
    cost = list(depths)  # the work grows roughly with depth
    for position, depth in enumerate(depths):
        report(sum(cost[:position]) / sum(cost), f"resnet{depth}")
        model = seeded_resnet(depth, seed).to(batch.device).train(batch_statistics)
        plain = plain_copy(model)
        flows.append(
            DepthFlow(
                depth, block_names(model), input_grad_norms(model, batch, index), input_grad_norms(plain, batch, index)
            )
        )
    report(1.0, "done")
    return DepthFlows(seed, index, batch_statistics, flows)


def depth_flow_json(result: DepthFlows) -> dict:
    """The `depth_flow` entry of lab.json."""
    return {
        "seed": result.seed,
        "target": result.target,
        "batch_statistics": result.batch_statistics,
        "depths": [
            {"depth": f.depth, "blocks": f.names, "input_grad_norm": f.residual, "plain_input_grad_norm": f.plain}
            for f in result.flows
        ],
    }
