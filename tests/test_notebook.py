"""notebooks/lecture.ipynb runs top to bottom offline (random weights) with no error cell; the results
show themselves as pictures, and the app cell returns (the app is closed by the last cell)."""

from __future__ import annotations

import base64
import io
import os
import socket
import time
from pathlib import Path

import pytest
from PIL import Image

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.e2e  # it launches the app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_lecture_notebook_runs_offline_and_shows_pictures(monkeypatch):
    monkeypatch.setenv("RESNET_VIZ_OFFLINE", "1")
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    monkeypatch.setenv("GRADIO_SERVER_PORT", str(_free_port()))
    monkeypatch.setenv("PYTHONPATH", str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    notebook = nbformat.read(ROOT / "notebooks" / "lecture.ipynb", as_version=4)
    started = time.perf_counter()
    client = nbclient.NotebookClient(
        notebook, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    )
    client.execute()  # raises CellExecutionError on the first error cell
    seconds = time.perf_counter() - started
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    errors = [out for cell in cells for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    assert not errors and seconds < 240
    text = "".join(
        out.get("text", "") for cell in cells for out in cell.get("outputs", []) if out.get("output_type") == "stream"
    )
    assert "Colab: False" in text and "resnet18 random" in text

    def pictures(marker: str) -> list[Image.Image]:
        cell = next(c for c in cells if marker in c.source)
        return [
            Image.open(io.BytesIO(base64.b64decode(out["data"]["image/png"])))
            for out in cell.outputs
            if out.get("output_type") == "execute_result" and "image/png" in out.get("data", {})
        ]

    (composite,) = pictures("resnet_viz.analyze(")
    assert composite.width > 1000 and composite.height > 400  # the composite figure, not a thumbnail
    (lab,) = pictures("iter_lab(")
    assert lab.height > 400  # norms and lesions, one under the other
    assert len(pictures("cascading_randomization(")) == 1 and len(pictures("class_check(")) == 1
    # the progress bars were tqdm's
    stderr = "".join(out.get("text", "") for c in cells for out in c.get("outputs", []) if out.get("name") == "stderr")
    widgets = [
        out
        for c in cells
        for out in c.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in out.get("data", {})
    ]
    assert "lab" in stderr or widgets, "no tqdm bar"
