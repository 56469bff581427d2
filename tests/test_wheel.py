"""`pip install .` carries what the app needs: the wheel, installed in a fresh venv outside the
repository, finds the example photos and the shipped results, and runs a command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.e2e  # builds and installs the package (~30 s)

SKIP = shutil.ignore_patterns(
    ".git", "build", "dist", "*.egg-info", "__pycache__", ".venv", ".pytest_cache", "test-artifacts", "out", "*.pyi"
)

CHECK = r"""
import json, sys
from pathlib import Path
import resnet_viz
from resnet_viz.package_data import asset, assets_dir, example_photos
venv = Path(sys.prefix).resolve()
print(json.dumps({
    "package": resnet_viz.__file__,
    "in_venv": Path(resnet_viz.__file__).resolve().is_relative_to(venv),
    "assets": str(assets_dir()),
    "examples": [p.name for p in example_photos()],
    "degradation": json.loads(asset("degradation", "degradation.json").read_text()) and True,
    "degradation_png": asset("degradation", "degradation.png").is_file(),
    "lab_demo": sorted(p.name for p in asset("lab-demo").iterdir()),
}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    # Built from a copy: setuptools' build/ folder in the checkout could carry files since deleted.
    source = tmp_path_factory.mktemp("source") / "resnet-viz"
    shutil.copytree(ROOT, source, ignore=SKIP)
    dist = tmp_path_factory.mktemp("dist")
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "--disable-pip-version-check",
            "-w",
            str(dist),
            str(source),
        ],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    (found,) = dist.glob("resnet_viz-*.whl")
    return found


def test_the_wheel_holds_every_file_under_assets(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {
        f"resnet_viz/_assets/{p.relative_to(ROOT / 'assets').as_posix()}"
        for p in (ROOT / "assets").rglob("*")
        if p.is_file()
    }
    assert shipped and shipped <= names, sorted(shipped - names)
    assert "resnet_viz/package_data.py" in names and "resnet_viz/ui/app.py" in names


def test_the_installed_wheel_finds_its_files_outside_the_repository(wheel, tmp_path):
    venv = tmp_path / "venv"
    # System site-packages: torch, gradio etc. come from there, not from a download.
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python, command = venv / "bin" / "python", venv / "bin" / "resnet-viz"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check", str(wheel)],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    elsewhere = tmp_path / "elsewhere"  # a folder from which the repository is not importable
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"RESNET_VIZ_OFFLINE": "1"}
    check = subprocess.run([str(python), "-c", CHECK], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr[-3000:]
    found = json.loads(check.stdout)
    assert found["in_venv"], found["package"]
    assert Path(found["assets"]).is_relative_to(venv.resolve()), found["assets"]
    assert found["examples"] == sorted(p.name for p in (ROOT / "assets" / "examples").glob("*.jpg"))
    assert found["degradation"] and found["degradation_png"]
    assert found["lab_demo"] == sorted(p.name for p in (ROOT / "assets" / "lab-demo").iterdir())

    # and the installed command runs: one photo it ships, analysed with random weights
    out = tmp_path / "out"
    photo = Path(found["assets"]) / "examples" / "chelsea.jpg"
    run = subprocess.run(
        [
            str(command),
            "analyze",
            str(photo),
            "--model",
            "resnet18",
            "--weights",
            "random",
            "--device",
            "cpu",
            "--out",
            str(out),
            "--predictions-only",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "resnet18 (random) on cpu" in run.stdout
    assert json.loads((out / "predictions.json").read_text())
