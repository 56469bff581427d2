"""Ensemble behaviour (Veit et al. 2016): remove one block at a time. Removing a block is defined
exactly as zeroing its residual branch, so the block outputs relu(shortcut(x))."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import nn

from .blocks import Block, BlockInfo, after_addition, head, replace_block, residual_blocks, shortcut, walk


class LesionedBlock(nn.Module):
    """A block with its residual branch zeroed: relu(shortcut(x)) (pre-activation: shortcut(x)). Never
    the block's own ReLU, which is in place: on an identity shortcut it would overwrite x, the previous
    block's ReLU output, which autograd keeps for that ReLU's backward (Grad-CAM through a removed
    block); blocks.after_addition applies it out of place."""

    def __init__(self, block: Block) -> None:
        super().__init__()
        self.block = block

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return after_addition(self.block, shortcut(self.block, x))


@contextmanager
def lesioned(model: nn.Module, names: Iterable[str]) -> Iterator[nn.Module]:
    """The model with the named blocks removed, restored on exit, also when the body raises.
    Use it on a private copy (`lesion_copy`) or under the model's lock: it swaps child modules."""
    wanted = set(names)
    known = {info.name for info, _ in residual_blocks(model)}
    unknown = wanted - known
    if unknown:
        raise KeyError(f"no such block: {', '.join(sorted(unknown))}")
    swapped: list[tuple[BlockInfo, nn.Module]] = []
    try:
        for info, block in residual_blocks(model):
            if info.name in wanted:
                swapped.append((info, block))
                replace_block(model, info, LesionedBlock(block))
        yield model
    finally:
        for info, block in swapped:
            replace_block(model, info, block)


def _shared_weights_copy(model: nn.Module) -> nn.Module:
    """A copy of the module tree that shares the parameter and buffer tensors: swapping its children
    cannot touch the given model, and nothing here writes weights (eval mode, no optimiser), so
    copying resnet152's 240 MB on every press would buy nothing."""
    memo = {id(t): t for t in (*model.parameters(), *model.buffers())}
    return copy.deepcopy(model, memo)


def lesion_copy(model: nn.Module, names: Iterable[str]) -> nn.Module:
    """A copy with the named blocks removed for good (weights shared, see _shared_weights_copy);
    the given model is untouched."""
    wanted = set(names)
    unknown = wanted - {info.name for info, _ in residual_blocks(model)}
    if unknown:
        raise KeyError(f"no such block: {', '.join(sorted(unknown))}")
    clone = _shared_weights_copy(model)
    for info, block in residual_blocks(clone):
        if info.name in wanted:
            replace_block(clone, info, LesionedBlock(block))
    return clone


@dataclass(frozen=True)
class LesionResult:
    info: BlockInfo
    target_prob: float  # softmax probability of the target class with this block removed
    top1: int  # the class predicted with this block removed
    top1_kept: bool


@torch.no_grad()
def lesion_sweep(
    model: nn.Module, batch: torch.Tensor, target: int, progress: Callable[[int, int, str], None] | None = None
) -> tuple[float, int, list[LesionResult]]:
    """Intact target probability and top-1, then one row per removed block. The model is only read:
    each lesion starts from the removed block's input, kept from the intact forward (the blocks
    before it see the same input either way), and runs the blocks after it."""
    logits, inputs = walk(model, batch)
    intact = torch.softmax(logits[0].double(), 0)
    top1 = int(intact.argmax())
    rows = []
    blocks = residual_blocks(model)
    for i, (info, block) in enumerate(blocks):
        if progress is not None:
            progress(i, len(blocks), info.name)
        inner = getattr(block, "block", block)  # a wrapper (lesioned, plain) keeps the block inside
        x = after_addition(inner, shortcut(inner, inputs[i]))
        for _, later in blocks[i + 1 :]:
            x = later(x)
        p = torch.softmax(head(model, x)[0].double(), 0)
        rows.append(LesionResult(info, float(p[target]), int(p.argmax()), int(p.argmax()) == top1))
    return float(intact[target]), top1, rows
