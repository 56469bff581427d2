"""Gradient flow, residual vs plain. Plain is defined exactly as: every block outputs relu(F(x)),
no shortcut at all (identity or projection), same weights."""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .blocks import Block, after_addition, replace_block, residual_blocks, residual_branch, walk


class PlainBlock(nn.Module):
    """relu(F(x)): the block's own convs and BNs without the addition (pre-activation: F(x), whose
    next BN-ReLU is the next block's own)."""

    def __init__(self, block: Block) -> None:
        super().__init__()
        self.block = block

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return after_addition(self.block, residual_branch(self.block, x))


def plain_copy(model: nn.Module) -> nn.Module:
    """A deep copy in which every residual block is a PlainBlock; the given model is untouched."""
    clone = copy.deepcopy(model)
    for info, block in residual_blocks(clone):
        replace_block(clone, info, PlainBlock(block))
    return clone


def input_grad_norms(model: nn.Module, batch: torch.Tensor, target: int) -> list[float]:
    """‖∂ logit[target] / ∂ (block input)‖₂ for every block, first block first."""
    with torch.enable_grad():
        logits, inputs = walk(model, batch.detach().requires_grad_(True))
        grads = torch.autograd.grad(logits[0, target], inputs)
    return [float(g.double().norm()) for g in grads]


@dataclass(frozen=True)
class GradientFlow:
    names: list[str]
    residual: list[float]
    plain: list[float]


def gradient_flow(model: nn.Module, batch: torch.Tensor, target: int, plain: nn.Module | None = None) -> GradientFlow:
    """The same image and target class through the model as is and through its plain copy
    (`plain`, made here if not given)."""
    plain = plain_copy(model) if plain is None else plain
    names = [info.name for info, _ in residual_blocks(model)]
    return GradientFlow(names, input_grad_norms(model, batch, target), input_grad_norms(plain, batch, target))


def input_gradients(model: nn.Module, batch: torch.Tensor, target: int) -> torch.Tensor:
    """∂ logit[target] / ∂ input for each image of the batch (eval mode: images are independent)."""
    x = batch.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        logits = model(x)
        (grad,) = torch.autograd.grad(logits[:, target].sum(), x)
    return grad


@dataclass(frozen=True)
class Shattering:
    steps: list[float]  # distance along the line, in units of the input's per-pixel std
    residual: list[float]  # correlation of the gradient at each step with the gradient at step 0
    plain: list[float]


def _correlations(grads: torch.Tensor) -> list[float]:
    flat = grads.flatten(1).double()
    flat = flat - flat.mean(1, keepdim=True)
    flat = flat / flat.norm(dim=1, keepdim=True).clamp_min(1e-30)
    return (flat @ flat[0]).tolist()


def shattering(
    model: nn.Module,
    batch: torch.Tensor,
    target: int,
    points: int = 6,
    span: float = 0.5,
    seed: int = 0,
    plain: nn.Module | None = None,
) -> Shattering:
    """Balduzzi et al. 2017: gradients w.r.t. the input at points x + t·d along a line through the
    image (d a seeded random direction, t in [0, span]); their correlation with the gradient at x.
    Shattered gradients decorrelate quickly; residual nets keep them correlated for longer."""
    generator = torch.Generator().manual_seed(seed)
    direction = torch.randn(batch.shape[1:], generator=generator)
    direction = direction / direction.std()
    steps = np.linspace(0.0, span, points)
    line = torch.stack([batch[0] + float(t) * direction.to(batch.device) for t in steps])
    plain = plain_copy(model) if plain is None else plain
    return Shattering(
        steps.tolist(),
        _correlations(input_gradients(model, line, target)),
        _correlations(input_gradients(plain, line, target)),
    )
