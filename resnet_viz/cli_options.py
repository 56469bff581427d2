"""Options that several commands share. Torch-free, so that building a command's parser (for --help
or an argument error) loads nothing heavy; tests/test_cli_startup.py checks the names against the code."""

from __future__ import annotations

import argparse

from .hub_cache import MODEL_NAMES

# The keys of cam.CAM_METHODS (which needs torch and grad-cam to import).
CAM_METHOD_NAMES: tuple[str, ...] = ("gradcam", "gradcam++", "xgradcam", "hirescam", "layercam", "eigencam")


def add_model_options(parser: argparse.ArgumentParser, model_default: str | None = "resnet50") -> None:
    parser.add_argument(
        "--model", default=model_default, choices=MODEL_NAMES, help="ResNet depth (default: %(default)s)"
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
