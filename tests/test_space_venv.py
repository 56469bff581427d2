"""What a Space does: a fresh venv from requirements.txt alone, then `python app.py`, then one answer.

Slow (pip installs torch into the venv: several GB, from this machine's local wheels), so it runs
when RESNET_VIZ_VENV_TEST=1, which .ci/run sets.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import serverkit  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        os.environ.get("RESNET_VIZ_VENV_TEST") != "1", reason="set RESNET_VIZ_VENV_TEST=1 (slow: installs torch)"
    ),
]


@pytest.mark.timeout(1200)
def test_a_fresh_venv_from_requirements_runs_the_app(tmp_path):
    venv = tmp_path / "space"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "-r",
            str(ROOT / "requirements.txt"),
        ],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    # only what requirements.txt brought: this package is not installed, app.py imports it from the root
    check = subprocess.run(
        [str(python), "-c", "import app, resnet_viz; print(resnet_viz.__file__)"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0 and str(ROOT / "resnet_viz") in check.stdout, check.stderr[-3000:]

    port = serverkit.free_port()
    env = {**os.environ, "RESNET_VIZ_OFFLINE": "1", "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port)}
    server = subprocess.Popen(
        [str(python), "app.py", "--model", "resnet18"],
        cwd=ROOT,
        env=env,
        stdout=(tmp_path / "app.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        photo = serverkit.save_with_nonce(serverkit.photos(1)[0], tmp_path / "p.png", "venv")
        deadline = time.time() + 120
        while True:
            assert server.poll() is None, (tmp_path / "app.log").read_text()[-3000:]
            try:
                outputs = serverkit.analyze(
                    serverkit.connect(f"http://127.0.0.1:{port}/"), photo, "resnet18", weights="DEFAULT"
                )
                break
            except Exception:
                if time.time() > deadline:
                    raise
                time.sleep(0.5)
        assert len(outputs[1]["confidences"]) == 5 and "UNTRAINED" in outputs[18]
    finally:
        server.terminate()
        server.wait(30)
