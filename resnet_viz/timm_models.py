"""timm ResNets (the optional extra `pip install "resnet-viz[timm]"`): `--model timm/NAME`.

Weights come through timm's own Hugging Face hub download and cache; preprocessing from the model's
pretrained data config; stages from its feature_info. timm is imported only when a timm model is asked
for, so the app runs without it and says which extra to install."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch
from torch import nn
from torchvision.transforms import InterpolationMode

from .errors import CheckpointError, ModelChoiceError

PREFIX = "timm/"
# Shown in the model list when timm is installed; any other timm ResNet works by name.
SUGGESTED: tuple[str, ...] = ("timm/resnet50.a1_in1k", "timm/resnetv2_50", "timm/resnet50d", "timm/seresnet50")
EXTRA_HINT = 'timm models need the optional extra: pip install "resnet-viz[timm]" (or pip install timm)'
_RESNET_MODULES = ("resnet", "resnetv2")  # timm's modules whose models have a stem and four stages


def available() -> bool:
    try:
        import timm  # noqa: F401
    except ImportError:
        return False
    return True


def _timm():
    try:
        import timm
    except ImportError:
        raise ModelChoiceError(f"{EXTRA_HINT}.") from None
    return timm


def arch_of(name: str) -> str:
    """'timm/resnet50.a1_in1k' -> 'resnet50.a1_in1k' (timm's own name, with its pretrained tag)."""
    return name[len(PREFIX) :] if name.startswith(PREFIX) else name


@lru_cache(maxsize=64)
def check_name(name: str) -> str:
    timm = _timm()
    arch = arch_of(name)
    if not arch or not timm.is_model(arch):
        raise ModelChoiceError(f"timm has no model {arch!r}: try one of {', '.join(SUGGESTED)}.")
    base = timm.models.get_arch_name(arch)
    if not any(base in timm.list_models(module=module) for module in _RESNET_MODULES):
        raise ModelChoiceError(
            f"timm/{arch} is not a ResNet: this app shows timm's resnet and resnetv2 models "
            f"(e.g. {', '.join(SUGGESTED)})."
        )
    return PREFIX + arch


def _pretrained_cfg(name: str):
    return _timm().models.get_pretrained_cfg(arch_of(check_name(name)))


def _cached_file(name: str) -> str | None:
    """The weights file in the Hugging Face hub cache (timm's download), or None."""
    from huggingface_hub import try_to_load_from_cache

    cfg = _pretrained_cfg(name)
    if cfg is None or not cfg.hf_hub_id:
        return None
    for filename in ("model.safetensors", "pytorch_model.bin"):
        found = try_to_load_from_cache(cfg.hf_hub_id, filename)
        if isinstance(found, str) and os.path.isfile(found):
            return found
    return None


def is_cached(name: str) -> bool:
    return _cached_file(name) is not None


def cache_hint(name: str) -> str:
    cfg = _pretrained_cfg(name)
    return f"the Hugging Face hub cache (hf-hub:{cfg.hf_hub_id if cfg else '?'})"


def fetch(name: str) -> str:
    """Download through timm (into the Hugging Face hub cache); the cached file's path."""
    _timm().create_model(arch_of(check_name(name)), pretrained=True)
    return _cached_file(name) or cache_hint(name)


@dataclass(frozen=True)
class TimmPreprocessing:
    """timm's eval transform (resize by crop_pct, centre crop, normalise) as the attributes
    `analysis.preprocess` reads, so the displayed image and the tensor are made the same way."""

    resize_size: list[int]
    crop_size: list[int]
    mean: list[float]
    std: list[float]
    interpolation: InterpolationMode
    antialias: bool | None = True

    def __call__(self, img: object) -> torch.Tensor:
        from .analysis import preprocess

        return preprocess(self, img)[1][0]


def preprocessing(model: nn.Module) -> TimmPreprocessing:
    """From timm's resolve_model_data_config: input size, interpolation, crop_pct and mode, mean, std."""
    config = _timm().data.resolve_model_data_config(model)
    _, height, width = config["input_size"]
    crop_pct, mode = float(config.get("crop_pct") or 1.0), config.get("crop_mode", "center")
    if mode == "center" and height == width:
        resize = [math.floor(height / crop_pct)]  # the shorter side, like timm's transforms_factory
    elif mode in ("center", "squash"):
        resize = [math.floor(height / crop_pct), math.floor(width / crop_pct)]
    else:
        raise ModelChoiceError(
            f"{type(model).__name__}: timm crop mode {mode!r} is not supported here (center, squash)."
        )
    return TimmPreprocessing(
        resize, [height, width], list(config["mean"]), list(config["std"]), InterpolationMode(config["interpolation"])
    )


def categories(model: nn.Module) -> tuple[str, ...] | None:
    """ImageNet-1k's class names where the model's pretrained config says it has those classes
    (timm's label descriptions, first synonym: 'tabby, tabby cat' -> 'tabby'), else None."""
    timm = _timm()
    subset = timm.data.infer_imagenet_subset(model)
    if subset is None:
        return None
    names = tuple(d.split(",")[0].strip() for d in timm.data.ImageNetInfo(subset).label_descriptions())
    return names if len(names) == model.num_classes else None


def _check_layout(model: nn.Module, name: str) -> nn.Module:
    info = getattr(model, "feature_info", [])
    if len(info) != 5:
        raise ModelChoiceError(f"{name}: its feature_info lists {len(info)} features, not a stem and four stages.")
    return model


def _create(name: str, **kwargs) -> nn.Module:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)  # an untrained model is the same on every start, as torchvision's
        return _check_layout(_timm().create_model(arch_of(name), **kwargs), name)


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0][:200] if text else type(err).__name__


def load_pretrained_or_random(name: str, weights: str):
    """(name, module, categories, transforms, status, label, note): timm's pretrained weights from the
    hub cache (downloaded when online), else random weights and the reason, as for torchvision."""
    from .errors import Message
    from .models import OFFLINE_ENV, _offline, _unreachable

    name = check_name(name)
    if weights not in ("DEFAULT", "random", "none"):
        raise ModelChoiceError(f"{name} has no weights {weights!r}: choose DEFAULT, 'random', or a checkpoint file.")
    cfg = _pretrained_cfg(name)
    tag = f"{cfg.architecture}.{cfg.tag}" if cfg is not None and cfg.tag else arch_of(name)
    module, note = None, Message.literal("")
    where = cache_hint(name).removeprefix("the Hugging Face hub cache (").removesuffix(")")
    if weights in ("random", "none"):
        note = Message("note_random")
    else:
        cached = _cached_file(name)
        if cached is not None:
            try:  # straight from the cached file: no hub request, so it works offline
                module = _create(name, pretrained=True, pretrained_cfg_overlay={"file": cached})
            except Exception as err:  # a damaged file raises many types
                note = Message(
                    "note_cache_unreadable", {"path": str(cached), "reason": _first_line(err), "model": name}
                )
        elif _offline():
            note = Message("note_hf_offline", {"weights": tag, "where": where, "env": OFFLINE_ENV, "model": name})
        else:
            unreachable = _unreachable("https://huggingface.co")
            if unreachable:
                note = Message(
                    "note_hf_unreachable", {"weights": tag, "where": where, "reason": unreachable, "model": name}
                )
            else:
                try:
                    module = _create(name, pretrained=True)
                except Exception as err:  # huggingface_hub's HTTP, DNS and not-found errors
                    note = Message(
                        "note_hf_unreachable",
                        {"weights": tag, "where": where, "reason": _first_line(err), "model": name},
                    )
    status, label = ("pretrained", tag) if module is not None else ("untrained", "random")
    if module is None:
        module = _create(name, pretrained=False)
    found = categories(module) or tuple(f"class {i}" for i in range(module.num_classes))
    return name, module, found, preprocessing(module), status, label, note


def build_from_checkpoint(name: str, path: Path, class_names: str | None):
    """(name, module, categories, transforms) from a state_dict file (weights_only=True), refused
    with what it holds when it is not this timm model."""
    from .models import checkpoint_categories, describe_state, read_state_dict

    name = check_name(name)
    state = read_state_dict(path)
    classifier = (_pretrained_cfg(name).classifier if _pretrained_cfg(name) else None) or "fc"
    head = state.get(f"{classifier}.weight")
    if head is None:
        raise CheckpointError(
            f"Checkpoint {path.name} holds {describe_state(state)}, not a {name} (it has no {classifier}.weight)."
        )
    num_classes = int(head.shape[0])
    module = _create(name, pretrained=False, num_classes=num_classes)
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as err:
        raise CheckpointError(
            f"Checkpoint {path.name} holds {describe_state(state)}, not a {name}: {_first_line(err)}"
        ) from None
    if class_names is None and num_classes == 1000:
        found = categories(module)
    else:
        found = checkpoint_categories(num_classes, path, class_names)
    return name, module, found, preprocessing(module)
