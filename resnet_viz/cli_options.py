"""Options that several commands share. Torch-free, so that building a command's parser (for --help
or an argument error) loads nothing heavy; tests/test_cli_startup.py checks the names against the code."""

from __future__ import annotations

import argparse

from .hub_cache import MODEL_NAMES, is_timm_name

# The keys of cam.CAM_METHODS (which needs torch and grad-cam to import).
CAM_METHOD_NAMES: tuple[str, ...] = ("gradcam", "gradcam++", "xgradcam", "hirescam", "layercam", "eigencam")


def model_name(value: str) -> str:
    """--model's check, torch-free: a torchvision name, or timm/NAME (whether timm has it, and is
    installed, is checked when the model loads, with a message that names the extra)."""
    if value in MODEL_NAMES or (is_timm_name(value) and len(value) > len("timm/")):
        return value
    raise argparse.ArgumentTypeError(
        f"Unknown model {value!r}: choose one of {', '.join(MODEL_NAMES)}, or timm/NAME "
        '(e.g. timm/resnet50.a1_in1k, timm/resnetv2_50; needs pip install "resnet-viz[timm]")'
    )


def add_model_options(parser: argparse.ArgumentParser, model_default: str | None = "resnet50") -> None:
    parser.add_argument(
        "--model",
        default=model_default,
        type=model_name,
        help=f"{', '.join(MODEL_NAMES)}, or timm/NAME with the timm extra (default: %(default)s)",
    )
    parser.add_argument(
        "--weights",
        default="DEFAULT",
        help="DEFAULT, IMAGENET1K_V1, IMAGENET1K_V2, random, or a checkpoint file (.pt/.pth)",
    )
    parser.add_argument("--class-names", default=None, help="text file, one class name per line, for a checkpoint")
    parser.add_argument("--device", default="auto", help="auto (CUDA if present), cpu or cuda")


def add_method_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--method", default="gradcam", choices=list(CAM_METHOD_NAMES))
