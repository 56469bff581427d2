"""Process-wide settings for the web server, applied by `resnet-viz serve` and app.py at start-up.

Never by `import resnet_viz` or a library call: these change the whole process, which in a user's own
program is theirs to decide. tests/test_server_settings.py checks that importing and analysing leave
os.environ, cudnn.benchmark and matplotlib's rcParams as they were.
"""

from __future__ import annotations

import os
import sys

# Each thread that runs torch ops gets its own OpenMP team, and an idle team spins for GOMP's default
# 300,000 rounds after every op. In the server the analysis, the drawing and Gradio's workers run on
# different threads, so idle teams spun on the cores the busy one needed: one HTTP round trip took
# 308-380 ms instead of 197-266 with 30,000 (resnet18, 2 cores, runs alternated). In-process,
# single-threaded timings did not change. libgomp reads it once, when torch loads it.
GOMP_SPINCOUNT = "30000"


def set_openmp_spin() -> bool:
    """GOMP_SPINCOUNT for the server (a user's own setting wins); False when torch is already loaded,
    too late for libgomp to read it."""
    os.environ.setdefault("GOMP_SPINCOUNT", GOMP_SPINCOUNT)
    return "torch" not in sys.modules


def configure_server_process() -> None:
    """Everything that must happen before torch loads. Call first thing in a server's main."""
    set_openmp_spin()


def configure_server_runtime(device_type: str | None = None) -> None:
    """Settings applied once the server is about to serve: the glibc heap, and cuDNN's autotuner
    (the app's input is always 224×224, so autotuning pays after one call)."""
    from .malloc import tune_for_server

    tune_for_server()
    if device_type == "cuda":
        import torch

        torch.backends.cudnn.benchmark = True
