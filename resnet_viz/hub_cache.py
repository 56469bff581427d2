"""Where torch.hub keeps torchvision's ResNet weights, without importing torch or torchvision.

`resnet-viz weights list` and the CLI's argument checks need only names and file names; importing
torch for them cost seconds. tests/test_cli_startup.py checks this table against torchvision's own.
"""

from __future__ import annotations

import os
from pathlib import Path

DEPTH_NAMES: tuple[str, ...] = ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152")
# The rest of torchvision's ResNet family: same stage modules (conv1 … layer4, fc), other blocks.
FAMILY_NAMES: tuple[str, ...] = (
    "resnext50_32x4d",
    "resnext101_32x8d",
    "resnext101_64x4d",
    "wide_resnet50_2",
    "wide_resnet101_2",
)
MODEL_NAMES: tuple[str, ...] = DEPTH_NAMES + FAMILY_NAMES
TIMM_PREFIX = "timm/"  # --model timm/resnet50.a1_in1k: any timm ResNet by its timm name

# torchvision's weights enums: name -> file under torch.hub's checkpoints folder; DEFAULT is the first.
WEIGHTS_FILES: dict[str, dict[str, str]] = {
    "resnet18": {"IMAGENET1K_V1": "resnet18-f37072fd.pth"},
    "resnet34": {"IMAGENET1K_V1": "resnet34-b627a593.pth"},
    "resnet50": {"IMAGENET1K_V2": "resnet50-11ad3fa6.pth", "IMAGENET1K_V1": "resnet50-0676ba61.pth"},
    "resnet101": {"IMAGENET1K_V2": "resnet101-cd907fc2.pth", "IMAGENET1K_V1": "resnet101-63fe2227.pth"},
    "resnet152": {"IMAGENET1K_V2": "resnet152-f82ba261.pth", "IMAGENET1K_V1": "resnet152-394f9c45.pth"},
    "resnext50_32x4d": {
        "IMAGENET1K_V2": "resnext50_32x4d-1a0047aa.pth",
        "IMAGENET1K_V1": "resnext50_32x4d-7cdf4587.pth",
    },
    "resnext101_32x8d": {
        "IMAGENET1K_V2": "resnext101_32x8d-110c445d.pth",
        "IMAGENET1K_V1": "resnext101_32x8d-8ba56ff5.pth",
    },
    "resnext101_64x4d": {"IMAGENET1K_V1": "resnext101_64x4d-173b62eb.pth"},
    "wide_resnet50_2": {
        "IMAGENET1K_V2": "wide_resnet50_2-9ba9bcbe.pth",
        "IMAGENET1K_V1": "wide_resnet50_2-95faca4d.pth",
    },
    "wide_resnet101_2": {
        "IMAGENET1K_V2": "wide_resnet101_2-d733dc28.pth",
        "IMAGENET1K_V1": "wide_resnet101_2-32ee1156.pth",
    },
}


def is_timm_name(name: object) -> bool:
    return isinstance(name, str) and name.startswith(TIMM_PREFIX)


def hub_dir() -> Path:
    """torch.hub.get_dir() as torch computes it when nobody called torch.hub.set_dir."""
    if os.environ.get("TORCH_HOME"):
        return Path(os.path.expanduser(os.environ["TORCH_HOME"])) / "hub"
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache")
    return Path(os.path.expanduser(cache)) / "torch" / "hub"


def weights_name(model: str, weights: str = "DEFAULT") -> str:
    """The torchvision weights `weights` stands for (DEFAULT resolved); ValueError when unknown."""
    names = WEIGHTS_FILES.get(model)
    if names is None:
        raise ValueError(f"Unknown model {model!r}: choose one of {', '.join(MODEL_NAMES)}.")
    if weights == "DEFAULT":
        return next(iter(names))
    if weights not in names:
        raise ValueError(f"{model} has no weights {weights!r}: choose one of DEFAULT, {', '.join(names)}.")
    return weights


def weights_path(model: str, weights: str = "DEFAULT") -> Path:
    """Where torch.hub keeps (or will keep) this weights file."""
    return hub_dir() / "checkpoints" / WEIGHTS_FILES[model][weights_name(model, weights)]
