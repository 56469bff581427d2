"""`resnet-viz --help`, `weights list` and argument errors load neither torch, gradio nor grad-cam;
every command is registered from cli.COMMANDS, and no module imports cli back."""

from __future__ import annotations

import argparse
import ast
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from resnet_viz import cli
from resnet_viz.cli_options import CAM_METHOD_NAMES
from resnet_viz.hub_cache import MODEL_NAMES, WEIGHTS_FILES, weights_name, weights_path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "torchvision", "gradio", "pytorch_grad_cam", "matplotlib", "sklearn", "scipy", "pandas")

PROBE = """
import contextlib, io, json, sys
from resnet_viz.cli import main
out, err = io.StringIO(), io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
    try:
        code = main(sys.argv[1:])
    except SystemExit as exit:
        code = exit.code
heavy = sorted(name for name in HEAVY_NAMES if name in sys.modules)
print(json.dumps({"code": code, "heavy": heavy, "out": out.getvalue(), "err": err.getvalue()}))
""".replace("HEAVY_NAMES", repr(HEAVY))


def run_cli(*argv: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "RESNET_VIZ_OFFLINE": "1"},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.mark.parametrize(
    "argv, code, says",
    [
        (["--help"], 0, "degradation"),
        (["weights", "list"], 0, "resnet152"),
        (["weights", "list", "resnet18", "--weights", "IMAGENET1K_V2"], 2, "resnet18 has no weights 'IMAGENET1K_V2'"),
        (["analyze", "--help"], 0, "--batch-size"),
        (["serve", "--help"], 0, "--concurrency"),
        (["analyze", "photo.jpg", "--top-k", "five"], 2, "invalid int value: 'five'"),
        (["analyze", "photo.jpg", "--method", "gradcam+++"], 2, "invalid choice: 'gradcam+++'"),
        (["analyze"], 2, "the following arguments are required"),
        (["no-such-command"], 2, "invalid choice: 'no-such-command'"),
        ([], 2, "the following arguments are required: COMMAND"),
    ],
)
def test_light_commands_import_nothing_heavy(argv, code, says):
    result = run_cli(*argv)
    assert result["code"] == code, result
    assert says in result["out"] + result["err"], result
    assert result["heavy"] == [], f"{argv} imported {result['heavy']}"


def test_every_command_module_registers_exactly_its_rows_with_a_handler():
    modules: dict[str, dict[str, str]] = {}
    for name, module, help_text in cli.COMMANDS:
        modules.setdefault(module, {})[name] = help_text
    assert len({name for name, _, _ in cli.COMMANDS}) == len(cli.COMMANDS), "a command listed twice"
    for module, rows in modules.items():
        parser = argparse.ArgumentParser()
        commands = parser.add_subparsers(dest="command")
        importlib.import_module(module).register(commands)
        assert set(commands.choices) == set(rows), module
        helps = {action.dest: action.help for action in commands._choices_actions}
        for name, help_text in rows.items():
            assert helps[name] == help_text, f"{name}: cli.COMMANDS says {help_text!r}, {module} {helps[name]!r}"
            assert callable(commands.choices[name].get_default("handler")), name


def test_the_full_parser_knows_every_command():
    parser = cli.build_parser()  # every module imported
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert list(commands.choices) == [name for name, _, _ in cli.COMMANDS]


def test_no_module_imports_cli_back():
    """cli imports the command modules; one importing cli would make a circle."""
    for path in (ROOT / "resnet_viz").rglob("*.py"):
        if path.name == "cli.py" and path.parent.name == "resnet_viz":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                target = ("." * node.level) + (node.module or "")
                top_level = path.parent == ROOT / "resnet_viz"
                names_cli = target in ("resnet_viz.cli", ".cli" if top_level else "..cli")
                names_cli |= target in (".", "..") and any(alias.name == "cli" for alias in node.names) and top_level
                assert not names_cli, f"{path.relative_to(ROOT)} imports resnet_viz.cli"


def test_the_torch_free_tables_match_torchvision_and_grad_cam():
    from resnet_viz.cam import CAM_METHODS
    from resnet_viz.models import MODEL_NAMES as models_names
    from resnet_viz.models import cached_weights_path, resolve_weights, weights_choices

    assert tuple(CAM_METHODS) == CAM_METHOD_NAMES
    assert models_names == MODEL_NAMES == tuple(WEIGHTS_FILES)
    for model in MODEL_NAMES:
        assert set(weights_choices(model)) == {"DEFAULT", *WEIGHTS_FILES[model]}
        for weights in weights_choices(model):
            resolved = resolve_weights(model, weights)
            assert weights_name(model, weights) == resolved.name, (model, weights)
            assert weights_path(model, weights) == cached_weights_path(resolved), (model, weights)


def test_hub_dir_follows_torch_home(monkeypatch, tmp_path):
    import torch

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    assert weights_path("resnet18").parent.parent == Path(torch.hub.get_dir()) == tmp_path / "hub"
