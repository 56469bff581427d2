"""Start-up without weights or with a broken weights file, and clients that vanish mid-request."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from torchvision import models as tv_models

from resnet_viz import models

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import serverkit  # noqa: E402
import soak  # noqa: E402

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parent.parent


def _start(tmp_path: Path, env: dict) -> tuple[subprocess.Popen, str, float]:
    """`python app.py` as a user starts it; returns once its page config is served."""
    port = serverkit.free_port()
    url = f"http://127.0.0.1:{port}/"
    log = (tmp_path / "app.log").open("w")
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "app.py", "--model", "resnet18", "--port", str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    while time.perf_counter() - started < 60:
        assert process.poll() is None, (tmp_path / "app.log").read_text()
        try:
            if httpx.get(f"{url}config", timeout=5).status_code == 200:
                return process, url, time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f"no page after 60 s:\n{(tmp_path / 'app.log').read_text()}")


def _env(torch_home: Path, offline: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if k != models.OFFLINE_ENV}
    env.update(TORCH_HOME=str(torch_home), GRADIO_ANALYTICS_ENABLED="False")
    if offline:
        env[models.OFFLINE_ENV] = "1"
    return env


def test_no_network_and_an_empty_cache_starts_within_30s_with_the_banner(tmp_path):
    url = tv_models.ResNet18_Weights.DEFAULT.url
    if not models._unreachable(url, timeout=3):
        pytest.skip("this machine can reach the weights' host: not an offline start")
    process, server, seconds = _start(tmp_path, _env(tmp_path / "torch", offline=False))
    try:
        config = httpx.get(f"{server}config", timeout=10).text
        assert seconds < 30, f"started in {seconds:.1f} s"
        assert "Untrained weights" in config and "random weights" in config
        assert "could not be downloaded" in config and "resnet-viz weights fetch resnet18" in config
    finally:
        process.terminate()
        process.wait(20)


def test_a_corrupt_cached_weights_file_is_named_with_the_fix(tmp_path):
    torch_home = tmp_path / "torch"
    cached = torch_home / "hub" / "checkpoints" / Path(tv_models.ResNet18_Weights.DEFAULT.url).name
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"PK\x03\x04 this is not the weights file")
    process, server, _ = _start(tmp_path, _env(torch_home, offline=True))
    try:
        config = httpx.get(f"{server}config", timeout=10).text
        assert "Untrained weights" in config
        assert str(cached) in config and "Delete it" in config
    finally:
        process.terminate()
        process.wait(20)


def test_clients_killed_mid_request_leave_the_server_healthy(http_app, tmp_path):
    photo = serverkit.save_with_nonce(serverkit.photos(1)[0], tmp_path / "p.png", "disconnect")
    script = (
        "import sys; sys.path.insert(0, 'benchmarks'); import serverkit, pathlib, time;"
        f"c = serverkit.connect({http_app.url!r}); print('connected', flush=True);"
        f"job = c.submit(__import__('gradio_client').handle_file({str(photo)!r}), 'resnet18', 'DEFAULT', 'gradcam', '',"
        " 16, 'per-stage', 'viridis', 0.5, api_name='/analyze'); time.sleep(60)"
    )
    for delay in (0.05, 0.3, 1.0):  # before, during and after the analysis proper
        client = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert client.stdout.readline().strip() == "connected"
        time.sleep(delay)
        client.send_signal(signal.SIGKILL)
        client.wait(10)
    # the queue is not stuck and the model is clean
    fresh = serverkit.save_with_nonce(serverkit.photos(2)[1], tmp_path / "q.png", "after")
    started = time.perf_counter()
    outputs = serverkit.analyze(serverkit.connect(http_app.url), fresh, "resnet18", weights="DEFAULT")
    assert len(outputs[1]["confidences"]) == 5 and time.perf_counter() - started < 60
    n_models, hooks, grads = soak.leftovers()
    assert n_models >= 1 and hooks == 0 and grads == 0
