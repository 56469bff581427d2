"""Loading torchvision ResNets: pretrained (hub cache), untrained fallback, or a local checkpoint."""

from __future__ import annotations

import os
import pickle
import socket
import threading
import urllib.parse
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

import torch
from torch import nn
from torchvision import models as tv_models
from torchvision.models import WeightsEnum
from torchvision.transforms import InterpolationMode

from .errors import CheckpointError, Message, ModelChoiceError
from .hub_cache import DEPTH_NAMES, FAMILY_NAMES, MODEL_NAMES, TIMM_PREFIX, is_timm_name  # torch-free, for the CLI
from .stages import StageSpec, model_stages

__all__ = ["DEPTH_NAMES", "FAMILY_NAMES", "MODEL_NAMES", "TIMM_PREFIX", "is_timm_name"]
WeightsStatus = Literal["pretrained", "untrained", "checkpoint"]

# (block type, blocks per stage, layer1.0.conv2's (out, in per group) channels) -> name: the depths
# are He et al. 2015's table; the 3×3 conv's shape tells ResNeXt (groups) and Wide ResNet (width) apart.
_LAYOUTS: dict[tuple[str, tuple[int, ...], tuple[int, int]], str] = {
    ("BasicBlock", (2, 2, 2, 2), (64, 64)): "resnet18",
    ("BasicBlock", (3, 4, 6, 3), (64, 64)): "resnet34",
    ("Bottleneck", (3, 4, 6, 3), (64, 64)): "resnet50",
    ("Bottleneck", (3, 4, 23, 3), (64, 64)): "resnet101",
    ("Bottleneck", (3, 8, 36, 3), (64, 64)): "resnet152",
    ("Bottleneck", (3, 4, 6, 3), (128, 4)): "resnext50_32x4d",
    ("Bottleneck", (3, 4, 23, 3), (256, 8)): "resnext101_32x8d",
    ("Bottleneck", (3, 4, 23, 3), (256, 4)): "resnext101_64x4d",
    ("Bottleneck", (3, 4, 6, 3), (128, 128)): "wide_resnet50_2",
    ("Bottleneck", (3, 4, 23, 3), (128, 128)): "wide_resnet101_2",
}
_MODEL_CACHE_SIZE = 3  # resnet152 alone is 240 MB; three models fit any laptop
OFFLINE_ENV = "RESNET_VIZ_OFFLINE"


class ImageClassification(Protocol):
    """What we use of a weights enum's `transforms()` (torchvision's ImageClassification preset,
    whose class is private): callable on an image, and the public attributes `preprocess` reads."""

    resize_size: list[int]
    crop_size: list[int]
    mean: list[float]
    std: list[float]
    interpolation: InterpolationMode
    antialias: bool | None

    def __call__(self, img: object) -> torch.Tensor: ...


@dataclass(frozen=True, eq=False)
class LoadedModel:
    """A ResNet ready for analysis. Its parameters are frozen: we never train, and
    frozen weights let Grad-CAM's backward skip every weight gradient."""

    name: str
    module: nn.Module
    device: torch.device
    categories: tuple[str, ...]
    transforms: ImageClassification
    weights_status: WeightsStatus
    weights_label: str
    weights_note: str = ""
    # Hooks and autograd on one shared module: one request at a time per model.
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def is_pretrained(self) -> bool:
        return self.weights_status != "untrained"

    @property
    def num_classes(self) -> int:
        return len(self.categories)

    @property
    def stages(self) -> tuple[StageSpec, ...]:
        """Stem and four stages, by module name (timm's feature_info for a timm model)."""
        return model_stages(self.module)


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """'auto' is CUDA when available, else the CPU."""
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ModelChoiceError("unknown_device", device=device) from err
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ModelChoiceError("no_cuda")
    return resolved


def check_model_name(name: str) -> str:
    if is_timm_name(name):
        from . import timm_models  # timm is an optional extra: imported only when asked for

        return timm_models.check_name(name)
    if name not in MODEL_NAMES:
        raise ModelChoiceError("unknown_model", name=name, choices=", ".join(MODEL_NAMES))
    return name


def weights_choices(name: str) -> list[str]:
    """The torchvision weights of a model, DEFAULT first (e.g. DEFAULT, IMAGENET1K_V1, IMAGENET1K_V2);
    a timm model has one: DEFAULT, its pretrained tag's weights from the Hugging Face hub."""
    if is_timm_name(check_model_name(name)):
        return ["DEFAULT"]
    return ["DEFAULT"] + [w.name for w in tv_models.get_model_weights(name)]


def resolve_weights(name: str, weights: str) -> WeightsEnum:
    enum = tv_models.get_model_weights(check_model_name(name))
    if weights == "DEFAULT":
        return enum.DEFAULT
    try:
        return enum[weights]
    except KeyError:
        raise ModelChoiceError(
            "unknown_weights", name=name, weights=weights, choices=", ".join(weights_choices(name))
        ) from None


def cached_weights_path(weights: WeightsEnum) -> Path:
    """Where torch.hub keeps (or will keep) this weights file."""
    return Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(weights.url)


def is_available_offline(name: str, weights: str = "DEFAULT") -> bool:
    if is_timm_name(name):
        from . import timm_models

        return timm_models.is_cached(name)
    return cached_weights_path(resolve_weights(name, weights)).is_file()


def fetch_weights(name: str, weights: str = "DEFAULT", progress: bool = True) -> Path:
    """Download into the torch hub cache (a no-op when already there)."""
    resolved = resolve_weights(name, weights)
    resolved.get_state_dict(progress=progress, check_hash=True)
    return cached_weights_path(resolved)


def _offline() -> bool:
    return os.environ.get(OFFLINE_ENV, "") not in ("", "0")


def _pretrained_state(name: str, weights: WeightsEnum) -> tuple[dict | None, str]:
    """The state dict, or None and the reason it could not be had."""
    path = cached_weights_path(weights)
    # A Message: the page and the terminal say it in their own language (resnet_viz.errors).
    where = dict(weights=str(weights), path=str(path), model=name)
    if not path.is_file() and _offline():
        return None, Message("note_offline", dict(where, env=OFFLINE_ENV))
    if not path.is_file():
        unreachable = _unreachable(weights.url)
        if unreachable:
            return None, Message("note_unreachable", dict(where, reason=unreachable))
    try:
        return weights.get_state_dict(progress=False, check_hash=True), ""
    except OSError as err:  # URLError is an OSError: no network, DNS, HTTP
        if path.is_file():
            return None, Message("note_cache_unreadable", dict(where, reason=str(err)))
        return None, Message("note_download_failed", dict(where, reason=str(err)))
    except (RuntimeError, EOFError, pickle.UnpicklingError, zipfile.BadZipFile) as err:
        return None, Message("note_cache_corrupt", dict(where, reason=_first_line(err)))


def _unreachable(url: str, timeout: float = 5.0) -> str:
    """Why the weights' host cannot be reached, or "" when it can. torch.hub's download has no
    timeout: on a network that drops packets it would hang the app's start-up indefinitely."""
    parsed = urllib.parse.urlsplit(url)
    try:
        socket.create_connection((parsed.hostname, parsed.port or 443), timeout=timeout).close()
    except OSError as err:
        return f"no connection to {parsed.hostname}: {err}"
    return ""


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0][:200] if text else type(err).__name__


def _architecture_of(state_dict: dict[str, torch.Tensor]) -> str | None:
    block = "Bottleneck" if any(k.startswith("layer1.0.conv3.") for k in state_dict) else "BasicBlock"
    depths = []
    for stage in range(1, 5):
        prefix = f"layer{stage}."
        indices = {k[len(prefix) :].split(".", 1)[0] for k in state_dict if k.startswith(prefix)}
        depths.append(len(indices))
    conv2 = state_dict.get("layer1.0.conv2.weight")
    if conv2 is None or conv2.dim() != 4:
        return None
    return _LAYOUTS.get((block, tuple(depths), (int(conv2.shape[0]), int(conv2.shape[1]))))


def _depths(state: dict[str, torch.Tensor], stage_prefix: str) -> tuple[int, ...]:
    depths = []
    for stage in range(4):
        prefix = stage_prefix.format(stage)
        depths.append(len({k[len(prefix) :].split(".", 1)[0] for k in state if k.startswith(prefix)}))
    return tuple(depths)


def describe_state(state: dict[str, torch.Tensor]) -> str:
    """What kind of ResNet a state dict holds, in words, for a refusal that says what to choose."""
    arch = _architecture_of(state) if "conv1.weight" in state or "conv1.0.weight" in state else None
    if arch is not None and "conv1.weight" in state:
        se = any(".se." in k for k in state)
        return f"a {arch}" + (" with squeeze-excitation (timm seresnet)" if se else "")
    if any(k.startswith("stages.0.blocks.0.norm1.") for k in state):
        depths = "-".join(map(str, _depths(state, "stages.{}.blocks.")))
        return f"a timm ResNetV2 (pre-activation, {depths} blocks, e.g. timm/resnetv2_50 for 3-4-6-3)"
    if any(k.startswith("layer1.0.") for k in state):
        depths = "-".join(str(len({k.split(".")[1] for k in state if k.startswith(f"layer{i}.")})) for i in range(1, 5))
        stem = "deep 3-conv stem (timm ResNet-D, e.g. resnet50d)" if "conv1.0.weight" in state else "ResNet stem"
        se = ", squeeze-excitation" if any(".se." in k for k in state) else ""
        return f"a timm-style ResNet ({stem}{se}, {depths} blocks)"
    return "no ResNet this app knows (no conv1/layer1 or stem/stages keys)"


def read_checkpoint(path: str | os.PathLike) -> tuple[str, dict[str, torch.Tensor]]:
    """(architecture name, state dict) of a torchvision-format ResNet checkpoint."""
    path = Path(path)
    state = read_state_dict(path)
    return _torchvision_checkpoint(path, state)


def read_state_dict(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """The state dict a checkpoint file holds (weights_only: tensors and plain containers only)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError("ckpt_missing", path=str(path))
    if path.stat().st_size == 0:
        raise CheckpointError("ckpt_empty", name=path.name)
    try:
        # weights_only: a checkpoint is data, and a pickle can run any code on load.
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        text = str(err)
        if "Unsupported global" in text:
            culprit = text.split("Unsupported global:", 1)[1].split(" was not", 1)[0].strip()
            raise CheckpointError("ckpt_objects", name=path.name, culprit=culprit) from None
        raise CheckpointError("ckpt_not_pickle", name=path.name) from None
    except Exception as err:  # torch raises many types for a damaged file
        raise CheckpointError("ckpt_unreadable", name=path.name, reason=_first_line(err)) from None
    if isinstance(loaded, dict):
        for wrapper in ("state_dict", "model", "model_state_dict"):
            if isinstance(loaded.get(wrapper), dict):
                loaded = loaded[wrapper]
                break
    if not isinstance(loaded, dict) or not all(isinstance(v, torch.Tensor) for v in loaded.values()):
        raise CheckpointError("ckpt_not_state_dict", name=path.name)
    return {k.removeprefix("module."): v for k, v in loaded.items()}


def _torchvision_checkpoint(path: Path, state: dict[str, torch.Tensor]) -> tuple[str, dict[str, torch.Tensor]]:
    missing = [k for k in ("conv1.weight", "fc.weight", "layer4.0.conv1.weight") if k not in state]
    if missing:
        raise CheckpointError(
            "ckpt_not_resnet", name=path.name, missing=", ".join(missing), holds=describe_state(state)
        )
    arch = _architecture_of(state)
    if arch is None:
        raise CheckpointError("ckpt_no_layout", name=path.name, choices=", ".join(MODEL_NAMES))
    return arch, state


def read_class_names(path: str | os.PathLike) -> list[str]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise CheckpointError("names_unreadable", name=path.name, reason=_first_line(err)) from None
    names = [line.strip() for line in text.splitlines() if line.strip()]
    if not names:
        raise CheckpointError("names_empty", name=path.name)
    return names


def _imagenet_defaults() -> tuple[tuple[str, ...], ImageClassification]:
    v1 = tv_models.ResNet50_Weights.IMAGENET1K_V1
    return tuple(v1.meta["categories"]), v1.transforms()


def _build_from_checkpoint(
    name: str | None, path: Path, class_names: str | None
) -> tuple[str, nn.Module, tuple[str, ...], ImageClassification]:
    if is_timm_name(name):
        from . import timm_models

        return timm_models.build_from_checkpoint(name, path, class_names)
    arch, state = read_checkpoint(path)
    if name is not None and name != arch:
        raise CheckpointError("ckpt_other_arch", name=path.name, arch=arch, model=name)
    return (arch, *_torchvision_from_state(arch, state, path, class_names))


def checkpoint_categories(num_classes: int, path: Path, class_names: str | None) -> tuple[str, ...]:
    """--class-names where given (checked against the checkpoint), else ImageNet's, else 'class i'."""
    imagenet_categories, _ = _imagenet_defaults()
    if class_names is not None:
        categories = tuple(read_class_names(class_names))
        if len(categories) != num_classes:
            raise CheckpointError(
                "names_count",
                name=Path(class_names).name,
                count=len(categories),
                checkpoint=path.name,
                classes=num_classes,
            )
        return categories
    if num_classes == len(imagenet_categories):
        return imagenet_categories
    return tuple(f"class {i}" for i in range(num_classes))


def _torchvision_from_state(
    arch: str, state: dict, path: Path, class_names: str | None
) -> tuple[nn.Module, tuple[str, ...], ImageClassification]:
    num_classes = state["fc.weight"].shape[0]
    with torch.device("meta"):  # no random initialisation to throw away: the checkpoint sets every tensor
        module = tv_models.get_model(arch, weights=None, num_classes=num_classes)
    try:
        module.load_state_dict(state, strict=True, assign=True)
    except RuntimeError as err:
        raise CheckpointError(
            "ckpt_misfit", name=path.name, arch=arch, reason=f"it holds {describe_state(state)} ({_first_line(err)})"
        ) from None
    return module, checkpoint_categories(num_classes, path, class_names), _imagenet_defaults()[1]


def is_checkpoint(weights: str) -> bool:
    """Whether a `weights` argument names a checkpoint file rather than torchvision weights."""
    if weights in ("random", "none", "DEFAULT"):
        return False
    return Path(weights).suffix in (".pt", ".pth", ".bin", ".ckpt") or Path(weights).exists()


def load_model_uncached(name: str | None, weights: str, device: torch.device, class_names: str | None) -> LoadedModel:
    """A freshly built model, not kept in load_model's cache (Compare runs many models once each)."""
    if is_checkpoint(weights):
        path = Path(weights)
        arch, module, categories, transforms = _build_from_checkpoint(name, path, class_names)
        status: WeightsStatus = "checkpoint"
        label, note = path.name, Message("note_loaded", {"path": str(path)})
    elif is_timm_name(name):
        from . import timm_models

        arch, module, categories, transforms, status, label, note = timm_models.load_pretrained_or_random(
            check_model_name(name), weights
        )
    else:
        arch = check_model_name(name or "resnet50")
        if weights in ("random", "none"):
            resolved = tv_models.get_model_weights(arch).DEFAULT
            state, note = None, Message("note_random")
        else:
            resolved = resolve_weights(arch, weights)
            state, note = _pretrained_state(arch, resolved)
        # Seeded so that an untrained model is the same on every start (reproducible screenshots).
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            module = tv_models.get_model(arch, weights=None)
        if state is not None:
            module.load_state_dict(state)
            status, label = "pretrained", resolved.name
        else:
            status, label = "untrained", "random"
        categories, transforms = tuple(resolved.meta["categories"]), resolved.transforms()
    module.requires_grad_(False)
    module.eval().to(device)
    if device.type == "cpu":
        # oneDNN's convolutions run faster in NHWC: about the same for one image, 1.2-1.3x for a
        # batch of 8 (benchmarks/bench_analyze.py). Not measured on a GPU, so CUDA keeps NCHW.
        module.to(memory_format=torch.channels_last)
    return LoadedModel(arch, module, device, categories, transforms, status, label, note)


_cache: OrderedDict[tuple, LoadedModel] = OrderedDict()
_cache_lock = threading.Lock()


def load_model(
    name: str | None = "resnet50",
    weights: str = "DEFAULT",
    device: str | torch.device = "auto",
    class_names: str | None = None,
) -> LoadedModel:
    """A ResNet by name with torchvision weights ('DEFAULT', 'IMAGENET1K_V1', …, 'random') or a
    checkpoint path. Without a network or cached file it falls back to random weights and says
    so in `weights_note`. Loaded models are cached (the last few)."""
    resolved_device = resolve_device(device)
    weights = str(weights)
    stamp = os.stat(weights).st_mtime_ns if os.path.isfile(weights) else None
    key = (name, weights, stamp, str(resolved_device), class_names)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
        loaded = load_model_uncached(name, weights, resolved_device, class_names)
        _cache[key] = loaded
        while len(_cache) > _MODEL_CACHE_SIZE:
            _cache.popitem(last=False)
        return loaded


def clear_model_cache() -> None:
    with _cache_lock:
        _cache.clear()
