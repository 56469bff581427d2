"""The repo root is a valid Hugging Face Space: front matter, requirements, the optional `spaces` hook."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parent.parent


def front_matter() -> dict[str, str]:
    text = (ROOT / "README.md").read_text()
    assert text.startswith("---\n"), "README.md must open with the Space's YAML front matter"
    block = text[4 : text.index("\n---\n", 4)]
    fields = {}
    for line in block.splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip().strip('"')
    return fields


def requirement_lines(text: str) -> set[str]:
    return {line.split("#")[0].strip() for line in text.splitlines() if line.split("#")[0].strip()}


def test_front_matter_declares_a_gradio_space():
    fields = front_matter()
    assert fields["sdk"] == "gradio" and fields["app_file"] == "app.py"
    assert re.fullmatch(r"\d+\.\d+\.\d+", fields["sdk_version"])
    assert tuple(int(x) for x in fields["sdk_version"].split(".")[:2]) >= (6, 22)
    assert re.fullmatch(r"3\.\d+", fields["python_version"])
    assert 0 < len(fields["short_description"]) <= 60
    assert fields["license"] == "mit"
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["license"].lower() == fields["license"]


def test_requirements_txt_equals_pyproject_dependencies():
    """The Space installs the dependencies and the [timm] extra (its model list offers timm's ResNets)."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    extra = pyproject["project"]["optional-dependencies"]["timm"]
    assert set(extra) <= set(pyproject["project"]["optional-dependencies"]["test"])  # CI runs the timm tests
    assert requirement_lines((ROOT / "requirements.txt").read_text()) == set(
        pyproject["project"]["dependencies"]
    ) | set(extra)


def test_sdk_version_is_the_gradio_we_test_with():
    import gradio

    assert front_matter()["sdk_version"] == gradio.__version__, "update sdk_version with the Gradio you test"


def test_spaces_gpu_decorates_the_model_call_when_spaces_is_installed(monkeypatch, tmp_path):
    """No ZeroGPU here: a stand-in `spaces` module records what app.py hands to spaces.GPU."""
    import importlib

    decorated, calls = [], []

    def gpu(fn):
        decorated.append(fn.__name__)

        def on_gpu(*args, **kwargs):
            calls.append(fn.__name__)
            return fn(*args, **kwargs)

        return on_gpu

    monkeypatch.setitem(sys.modules, "spaces", types.SimpleNamespace(GPU=gpu))
    sys.modules.pop("app", None)
    app_module = importlib.import_module("app")
    launched = {}
    monkeypatch.setattr("resnet_viz.ui.launch", lambda **kwargs: launched.update(kwargs))
    assert app_module.main(["--model", "resnet18", "--port", "0"]) == 0
    assert launched["gpu"] is gpu

    from resnet_viz.service import Analyzer

    analyzer = Analyzer(device="cpu", gpu=launched["gpu"])
    photo = tmp_path / "p.png"
    import skimage.data
    from PIL import Image

    Image.fromarray(skimage.data.chelsea()).save(photo)
    analyzer.analysis(str(photo), "resnet18", "DEFAULT", "gradcam", None)
    # a lone request is one GPU call of the single analysis; a batch would be one call of compute_batch
    assert decorated == ["compute_analysis", "compute_batch"] and calls == ["compute_analysis"]
    sys.modules.pop("app", None)


def test_without_spaces_nothing_is_decorated(monkeypatch):
    import importlib

    monkeypatch.setitem(sys.modules, "spaces", None)  # import spaces -> ImportError
    sys.modules.pop("app", None)
    assert importlib.import_module("app").spaces is None
    sys.modules.pop("app", None)


@pytest.mark.parametrize("space_id, expected", [(None, False), ("someone/resnet-viz", False)])
def test_examples_are_cached_only_on_a_space_with_trained_weights(monkeypatch, resnet18, space_id, expected):
    from resnet_viz.ui import cache_examples

    if space_id:
        monkeypatch.setenv("SPACE_ID", space_id)
    else:
        monkeypatch.delenv("SPACE_ID", raising=False)
    assert cache_examples(resnet18) is expected  # resnet18 here has random weights: never cached
