"""Every bad input a user or an API caller can send, through the CLI and through the HTTP API.

Each case must get its own clear message (never a traceback), accepted files must analyse, and the
next valid request must still work. Real resnet18, random weights, a real server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import bad_inputs
import pytest
import torch
from gradio_client.exceptions import AppError
from torchvision import models as tv_models

from resnet_viz.cli import main as cli_main

pytestmark = pytest.mark.e2e


def _resnet34(path: Path) -> None:
    torch.save(tv_models.resnet34(num_classes=10).state_dict(), path)


def _three_classes(path: Path) -> None:
    torch.save(tv_models.resnet18(num_classes=3).state_dict(), path)
    path.with_suffix(".txt").write_text("cat\ndog\nbird\nfish\n")  # one name too many


@dataclass(frozen=True)
class RequestCase:
    """A bad choice in a request: CLI flags and HTTP fields, with what each must say."""

    name: str
    cli_args: list[str]
    cli_message: str
    http_fields: dict = field(default_factory=dict)
    http_message: str = ""


@dataclass(frozen=True)
class CheckpointCase:
    name: str
    write: object  # (path) -> None
    model: str | None
    message: str
    names_file: bool = False


REQUEST_CASES = [
    RequestCase(
        "class-out-of-range",
        ["--target", "1000"],
        "Class 1000 is out of range: this model has classes 0 to 999",
        {"target": "1000"},
        "Class 1000 is out of range: this model has classes 0 to 999",
    ),
    RequestCase(
        "class-unknown-name",
        ["--target", "dragon"],
        "No class is named 'dragon'",
        {"target": "dragon"},
        "No class is named 'dragon'",
    ),
    RequestCase(
        "unknown-model",
        ["--model", "resnet999"],
        "argument --model: Unknown model 'resnet999'",
        {"model": "resnet999"},
        "Unknown model 'resnet999': choose one of resnet18, resnet34",
    ),
    RequestCase(
        "unknown-method",
        ["--method", "scorecam"],
        "invalid choice: 'scorecam'",
        {"method": "scorecam"},
        "Unknown CAM method 'scorecam'",
    ),
    RequestCase(
        "weights-not-offered",
        ["--weights", "/etc/hostname"],
        "hostname is not a readable PyTorch file",
        {"weights": "/etc/hostname"},
        "Weights '/etc/hostname' are not offered for resnet18",
    ),
    RequestCase(
        "markup-in-a-name",
        ["--target", "<img src=x onerror=alert(1)>"],
        "No class is named '<img src=x onerror=alert(1)>'",
        {"target": "<img src=x onerror=alert(1)>"},
        "No class is named '&lt;img src=x onerror=alert(1)&gt;'",
    ),
]

CHECKPOINT_CASES = [
    CheckpointCase("pickle-with-objects", bad_inputs.checkpoint_with_objects, None, "refused: it holds Python objects"),
    CheckpointCase("raw-pickle", bad_inputs.raw_pickle, None, "is not a readable PyTorch file|refused"),
    CheckpointCase("another-architecture", _resnet34, "resnet50", "holds a resnet34, not a resnet50"),
    CheckpointCase(
        "class-count-vs-names",
        _three_classes,
        None,
        "has 4 names, but checkpoint class-count-vs-names.pt has 3 classes",
        names_file=True,
    ),
    CheckpointCase("garbage", lambda p: p.write_bytes(b"not a checkpoint"), None, "is not a readable PyTorch file"),
]

IMAGE_CASES = bad_inputs.cases()


def test_the_matrix_has_at_least_20_cases():
    assert len(IMAGE_CASES) + len(REQUEST_CASES) + len(CHECKPOINT_CASES) >= 20


def _matches(text: str, expected: str) -> bool:
    return any(part in text for part in expected.split("|"))


# --- CLI ---------------------------------------------------------------------------------------


def _cli(args: list[str], capsys) -> tuple[int, str, str]:
    try:
        code = cli_main(args)
    except SystemExit as exit_:  # argparse's own refusals
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def photo(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("photo") / "chelsea.png"
    bad_inputs.chelsea().save(path)
    return path


@pytest.mark.parametrize("name", list(IMAGE_CASES))
def test_cli_upload(name, tmp_path, capsys):
    data, message = IMAGE_CASES[name]
    path = tmp_path / f"{name}.bin"
    path.write_bytes(data)
    code, out, err = _cli(["analyze", str(path), "--model", "resnet18", "--out", str(tmp_path / "out")], capsys)
    assert "Traceback" not in err
    if message is None:
        assert code == 0 and "wrote 11 files" in out
    else:
        assert code == 2 and err.startswith("error: ") and re.search(message, err), err


@pytest.mark.parametrize("case", REQUEST_CASES, ids=lambda c: c.name)
def test_cli_request(case, photo, tmp_path, capsys):
    args = ["analyze", str(photo), "--out", str(tmp_path / "out")]
    args += [] if "--model" in case.cli_args or "--weights" in case.cli_args else ["--model", "resnet18"]
    code, _, err = _cli(args + case.cli_args, capsys)
    assert code == 2 and "Traceback" not in err and case.cli_message in err, err


@pytest.mark.parametrize("case", CHECKPOINT_CASES, ids=lambda c: c.name)
def test_cli_checkpoint(case, photo, tmp_path, capsys):
    path = tmp_path / f"{case.name}.pt"
    case.write(path)
    args = ["analyze", str(photo), "--weights", str(path), "--out", str(tmp_path / "out")]
    args += ["--model", case.model] if case.model else []
    args += ["--class-names", str(path.with_suffix(".txt"))] if case.names_file else []
    code, _, err = _cli(args, capsys)
    assert code == 2 and "Traceback" not in err and _matches(err, case.message), err
    assert path.name in err  # which file


# --- the web app ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CHECKPOINT_CASES, ids=lambda c: c.name)
def test_app_refuses_to_start_with_a_bad_checkpoint_and_says_why(case, tmp_path, capsys, monkeypatch):
    import gradio

    import app

    def must_not_launch(*args, **kwargs):
        raise AssertionError("the app started with a bad checkpoint")

    monkeypatch.setattr(gradio.Blocks, "launch", must_not_launch)
    path = tmp_path / f"{case.name}.pt"
    case.write(path)
    args = ["--weights", str(path), "--port", "0"] + (["--model", case.model] if case.model else [])
    args += ["--class-names", str(path.with_suffix(".txt"))] if case.names_file else []
    assert app.main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and _matches(err, case.message) and "Traceback" not in err


def _request(client, path: Path, **fields):
    from gradio_client import handle_file

    values = {"model": "resnet18", "weights": "DEFAULT", "method": "gradcam", "target": ""} | fields
    return client.predict(
        handle_file(str(path)),
        values["model"],
        values["weights"],
        values["method"],
        values["target"],
        16,
        "per-stage",
        "viridis",
        0.5,
        api_name="/analyze",
    )


def _still_works(client, photo: Path) -> None:
    assert len(_request(client, photo)[1]["confidences"]) == 5


@pytest.fixture(scope="module")
def client(http_server):
    from gradio_client import Client

    return Client(http_server, verbose=False)


@pytest.mark.parametrize("name", list(IMAGE_CASES))
def test_http_upload(name, client, photo, tmp_path):
    data, message = IMAGE_CASES[name]
    path = tmp_path / f"{name}.bin"
    path.write_bytes(data)
    if message is None:
        outputs = _request(client, path)
        assert len(outputs[1]["confidences"]) == 5
    else:
        with pytest.raises(AppError) as raised:
            _request(client, path)
        assert re.search(message, str(raised.value)), raised.value
        assert f"{name}.bin" in str(raised.value)  # the message names the file
        _still_works(client, photo)


@pytest.mark.parametrize("case", REQUEST_CASES, ids=lambda c: c.name)
def test_http_request(case, client, photo):
    with pytest.raises(AppError) as raised:
        _request(client, photo, **case.http_fields)
    assert case.http_message in str(raised.value), raised.value
    assert "<img" not in str(raised.value)  # gr.Error renders HTML: user text arrives escaped
    _still_works(client, photo)
