"""The residual blocks of a torchvision ResNet and the two paths through each: the residual
branch F(x) (up to the last BN, before the addition) and the shortcut (x, or downsample(x))."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn
from torchvision.models.resnet import BasicBlock, Bottleneck

RESIDUAL_STAGES = ("layer1", "layer2", "layer3", "layer4")
Block = BasicBlock | Bottleneck


@dataclass(frozen=True)
class BlockInfo:
    name: str  # "layer1.0"
    stage: str  # "layer1"
    shortcut: str  # "identity" | "projection"


def residual_blocks(model: nn.Module) -> list[tuple[BlockInfo, nn.Module]]:
    """Every residual block in forward order, with its name and shortcut kind."""
    found = []
    for stage in RESIDUAL_STAGES:
        for index, block in enumerate(getattr(model, stage).children()):
            inner = getattr(block, "block", block)  # a lesioned or plain wrapper keeps the original inside
            kind = "projection" if inner.downsample is not None else "identity"
            found.append((BlockInfo(f"{stage}.{index}", stage, kind), block))
    return found


def residual_branch(block: Block, x: torch.Tensor) -> torch.Tensor:
    """F(x): the block's convs and BNs, ending at its last BN (before the addition and ReLU)."""
    out = block.relu(block.bn1(block.conv1(x)))
    if isinstance(block, Bottleneck):
        out = block.relu(block.bn2(block.conv2(out)))
        return block.bn3(block.conv3(out))
    return block.bn2(block.conv2(out))


def shortcut(block: Block, x: torch.Tensor) -> torch.Tensor:
    """The skip path: x itself (identity) or the 1×1 conv + BN projection."""
    return x if block.downsample is None else block.downsample(x)


def stem(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """conv1 · bn1 · relu · maxpool: what layer1 receives."""
    return model.maxpool(model.relu(model.bn1(model.conv1(x))))


def head(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    return model.fc(torch.flatten(model.avgpool(x), 1))


def walk(model: nn.Module, batch: torch.Tensor, visit: Callable[[BlockInfo, nn.Module, torch.Tensor], torch.Tensor] | None = None
         ) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Run the model block by block (no hooks): the logits and each block's input. `visit` may
    replace a block's computation: visit(info, block, x) -> the block's output."""
    x = stem(model, batch)
    inputs = []
    for info, block in residual_blocks(model):
        inputs.append(x)
        x = visit(info, block, x) if visit is not None else block(x)
    return head(model, x), inputs


def block_names(model: nn.Module) -> list[str]:
    return [info.name for info, _ in residual_blocks(model)]

