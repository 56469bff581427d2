"""Every third-party module the package imports comes from a distribution pyproject.toml declares."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

import tomllib
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
OPTIONAL = {"spaces"}  # Hugging Face's ZeroGPU hook: app.py imports it only where a Space provides it


def imported_top_level_modules() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in [*(ROOT / "resnet_viz").rglob("*.py"), ROOT / "app.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "resnet_viz":
                    found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_third_party_import_is_a_declared_dependency():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    # timm's ResNets are the [timm] extra: its modules may import what that extra declares.
    extras = pyproject["project"]["optional-dependencies"]["timm"]
    declared = {normalized(Requirement(d).name) for d in [*pyproject["project"]["dependencies"], *extras]}
    providers = importlib.metadata.packages_distributions()
    missing = {}
    for module, where in imported_top_level_modules().items():
        if module in OPTIONAL:
            continue
        dists = {normalized(d) for d in providers.get(module, [])}
        assert dists, f"{module} (imported in {where}) is not installed from any distribution"
        if not dists & declared:
            missing[module] = (where, sorted(dists))
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def test_cv2_comes_from_the_headless_opencv_that_grad_cam_also_needs():
    requires = [normalized(Requirement(r).name) for r in importlib.metadata.requires("grad-cam") or []]
    assert "opencv-python-headless" in requires
