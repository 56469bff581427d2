"""A library user's process is theirs: importing resnet_viz, loading a model, analysing and drawing
change no process-wide setting. The server's settings are applied by its start-up only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

LIBRARY_USE = r"""
import json, os, threading
import matplotlib, numpy as np, torch, torchvision, pytorch_grad_cam  # what they set on import is theirs
before_env = dict(os.environ)
before_rc = {k: repr(v) for k, v in matplotlib.rcParams.items()}
before_cudnn = torch.backends.cudnn.benchmark
import resnet_viz
from resnet_viz.plotting import figure_bytes, new_figure, style
loaded = resnet_viz.load_model("resnet18", weights="random", device="cpu")
result = resnet_viz.analyze(loaded, np.full((64, 64, 3), 128, np.uint8))
with style("ko"):
    figure = new_figure(2, 2)
    figure.add_subplot().plot([0, 1])
    figure_bytes(figure, "svg")
changed_rc = sorted(k for k, v in matplotlib.rcParams.items() if repr(v) != before_rc[k])
print(json.dumps({
    "env_added": sorted(set(os.environ) - set(before_env)),
    "env_changed": sorted(k for k in before_env if os.environ.get(k) != before_env[k]),
    "cudnn": [before_cudnn, torch.backends.cudnn.benchmark],
    "rc_changed": changed_rc,
    "threads": sorted(t.name for t in threading.enumerate()),
    "stages": len(result.stages),
}))
"""


def test_library_use_changes_no_process_wide_setting():
    env = {k: v for k, v in os.environ.items() if k not in ("GOMP_SPINCOUNT", "GRADIO_ANALYTICS_CACHE_FREQUENCY")}
    done = subprocess.run(
        [sys.executable, "-c", LIBRARY_USE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout)
    assert found["stages"] >= 5
    assert found["env_added"] == [] and found["env_changed"] == [], found
    assert found["cudnn"] == [False, False]
    assert found["rc_changed"] == []
    assert "resnet-viz-malloc-trim" not in found["threads"]


def test_the_server_start_up_applies_them(monkeypatch):
    from resnet_viz import malloc, server_settings

    monkeypatch.delenv("GOMP_SPINCOUNT", raising=False)
    server_settings.configure_server_process()
    assert os.environ["GOMP_SPINCOUNT"] == server_settings.GOMP_SPINCOUNT
    try:
        server_settings.configure_server_runtime("cpu")
        import threading

        if malloc.trim_heap():  # glibc
            assert "resnet-viz-malloc-trim" in [t.name for t in threading.enumerate()]
    finally:
        malloc.stop_trimming()
