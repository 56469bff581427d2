"""Residual learning measured: per block, ‖F(x)‖ against ‖shortcut(x)‖, their ratio and cosine."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .blocks import BlockInfo, after_addition, residual_branch, shortcut, walk


@dataclass(frozen=True)
class BlockNorms:
    info: BlockInfo
    residual_norm: float  # ‖F(x)‖₂ over the whole (C, H, W) tensor
    shortcut_norm: float  # ‖x‖₂ or ‖downsample(x)‖₂
    ratio: float  # residual_norm / shortcut_norm
    cosine: float  # cos(F(x), shortcut(x)), flattened


@torch.no_grad()
def block_norms(model: nn.Module, batch: torch.Tensor) -> list[BlockNorms]:
    """For one image (batch of 1), every block's two paths, measured where they meet."""
    found: list[BlockNorms] = []

    def measure(info: BlockInfo, block: nn.Module, x: torch.Tensor) -> torch.Tensor:
        residual, skip = residual_branch(block, x), shortcut(block, x)
        r, s = residual.flatten().double(), skip.flatten().double()
        r_norm, s_norm = float(r.norm()), float(s.norm())
        cosine = float(r @ s / (r_norm * s_norm)) if r_norm and s_norm else 0.0
        found.append(BlockNorms(info, r_norm, s_norm, r_norm / s_norm if s_norm else float("inf"), cosine))
        return after_addition(block, residual + skip)

    walk(model, batch, measure)
    return found
