"""The residual blocks of a ResNet (torchvision, timm's ResNet and pre-activation ResNetV2) and the two paths through each: the residual
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
    name: str  # "layer1.0" (timm's ResNetV2: "stages.0.blocks.0"), its name in named_modules()
    stage: str  # "layer1" ("stages.0")
    shortcut: str  # "identity" | "projection"
    container: str = ""  # the module that holds the block ("layer1", "stages.0.blocks")
    key: str = ""  # its key in the container ("0")


def _stage_names(model: nn.Module) -> tuple[str, ...]:
    from ..stages import model_stages

    return tuple(s.name for s in model_stages(model)[1:])


def residual_blocks(model: nn.Module) -> list[tuple[BlockInfo, nn.Module]]:
    """Every residual block in forward order, with its name and shortcut kind."""
    found = []
    for stage in _stage_names(model):
        module = model.get_submodule(stage)
        container = f"{stage}.blocks" if isinstance(getattr(module, "blocks", None), nn.Sequential) else stage
        for key, block in model.get_submodule(container).named_children():
            inner = getattr(block, "block", block)  # a lesioned or plain wrapper keeps the original inside
            kind = "projection" if inner.downsample is not None else "identity"
            found.append((BlockInfo(f"{container}.{key}", stage, kind, container, key), block))
    return found


def replace_block(model: nn.Module, info: BlockInfo, block: nn.Module) -> None:
    model.get_submodule(info.container or info.stage)._modules[info.key or info.name.rsplit(".", 1)[1]] = block


def is_preactivation(block: nn.Module) -> bool:
    """He et al. 2016's order (timm's ResNetV2): BN → ReLU → conv inside, nothing after ⊕."""
    return type(getattr(block, "block", block)).__name__.startswith("PreAct")


def residual_branch(block: Block, x: torch.Tensor) -> torch.Tensor:
    """F(x): the block's convs and BNs, ending at its last BN (before the addition and ReLU);
    for a pre-activation block, BN-ReLU-conv ending at its last conv."""
    if is_preactivation(block):
        out = block.conv1(block.norm1(x))
        out = block.conv2(block.norm2(out))
        if hasattr(block, "conv3"):
            out = block.conv3(block.norm3(out))
        return block.drop_path(out)
    if not isinstance(block, (BasicBlock, Bottleneck)):  # timm's ResNet blocks (resnet50d, seresnet50, …)
        if hasattr(block, "conv3"):
            out = block.act1(block.bn1(block.conv1(x)))
            out = block.aa(block.act2(block.drop_block(block.bn2(block.conv2(out)))))
            out = block.bn3(block.conv3(out))
        else:
            out = block.aa(block.act1(block.drop_block(block.bn1(block.conv1(x)))))
            out = block.bn2(block.conv2(out))
        if block.se is not None:
            out = block.se(out)
        return out if block.drop_path is None else block.drop_path(out)
    out = block.relu(block.bn1(block.conv1(x)))
    if isinstance(block, Bottleneck):
        out = block.relu(block.bn2(block.conv2(out)))
        return block.bn3(block.conv3(out))
    return block.bn2(block.conv2(out))


def shortcut(block: Block, x: torch.Tensor) -> torch.Tensor:
    """The skip path: x itself (identity) or the 1×1 conv + BN projection (a pre-activation
    block's projection reads the pre-activated BN-ReLU(x), as its conv1 does)."""
    if block.downsample is None:
        return x
    return block.downsample(block.norm1(x) if is_preactivation(block) else x)


def after_addition(block: Block, t: torch.Tensor) -> torch.Tensor:
    """What follows ⊕: torchvision's and timm's ResNet apply a ReLU; a pre-activation block nothing."""
    if is_preactivation(block):
        return t
    act = (
        block.relu
        if isinstance(block, (BasicBlock, Bottleneck))
        else (block.act3 if hasattr(block, "conv3") else block.act2)
    )
    # Out of place: the blocks' own ReLU is in place, and t may be a tensor autograd still needs
    # (an identity shortcut's x is the previous block's ReLU output).
    if isinstance(act, nn.ReLU):
        return torch.relu(t)
    return act(t.clone())


def stem(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """conv1 · bn1 · relu · maxpool: what layer1 receives (timm's ResNetV2: its stem module)."""
    if hasattr(model, "stem") and not hasattr(model, "layer1"):
        return model.stem(x)
    relu = model.relu if hasattr(model, "relu") else model.act1
    return model.maxpool(relu(model.bn1(model.conv1(x))))


def head(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    if hasattr(model, "forward_head"):  # timm: pooling and classifier; ResNetV2's final BN-ReLU first
        return model.forward_head(model.norm(x) if hasattr(model, "norm") else x)
    return model.fc(torch.flatten(model.avgpool(x), 1))


def walk(
    model: nn.Module,
    batch: torch.Tensor,
    visit: Callable[[BlockInfo, nn.Module, torch.Tensor], torch.Tensor] | None = None,
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
