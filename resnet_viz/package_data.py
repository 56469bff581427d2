"""The files the app ships with (example photos, shipped charts and results, the lab's demo): one
place that finds them, installed or not.

In a wheel (`pip install .`) they are package data, `resnet_viz/_assets/` (pyproject.toml maps the
repository's assets/ there). In a source checkout, an editable install or a Hugging Face Space (which
runs app.py from the repository) they are the repository's assets/ itself.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

INSTALLED = "_assets"


@functools.cache
def assets_dir() -> Path:
    """The folder holding examples/, degradation/, lab-demo/ and the other shipped files."""
    installed = resources.files("resnet_viz") / INSTALLED
    if installed.is_dir():
        return Path(str(installed))  # a plain folder: setuptools installs packages unzipped
    return Path(__file__).resolve().parent.parent / "assets"


def asset(*parts: str) -> Path:
    """A shipped file or folder, e.g. asset("degradation", "degradation.json") (it may not exist)."""
    return assets_dir().joinpath(*parts)


def example_photos() -> list[Path]:
    """The sidebar's example photos, sorted by name."""
    return sorted(asset("examples").glob("*.jpg"))
