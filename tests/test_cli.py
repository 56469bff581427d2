import json
import subprocess
import sys

import bad_inputs
import pytest
from PIL import Image

from resnet_viz.cli import main


@pytest.fixture(scope="module")
def chelsea_png(tmp_path_factory):
    path = tmp_path_factory.mktemp("img") / "chelsea.png"
    bad_inputs.chelsea().save(path)
    return path


def test_analyze_writes_images_and_json(tmp_path, chelsea_png, capsys):
    out = tmp_path / "out"
    assert main(["analyze", str(chelsea_png), "--model", "resnet18", "--out", str(out), "--channel", "layer3:7"]) == 0
    report = json.loads((out / "predictions.json").read_text())
    assert report["model"] == "resnet18" and report["weights_status"] == "untrained"
    assert len(report["predictions"]) == 5
    assert [s["name"] for s in report["stages"]] == ["maxpool", "layer1", "layer2", "layer3", "layer4"]
    assert report["stages"][4]["shape"] == [512, 7, 7]
    for stage in report["stages"][1:]:
        assert Image.open(out / stage["cam_png"]).size == (224, 224)
        assert Image.open(out / stage["features_png"]).mode == "P"  # palette PNG
    assert Image.open(out / "layer3_channel7.png").size == (224, 224)
    captured = capsys.readouterr()
    assert "UNTRAINED" in captured.err and "wrote 12 files" in captured.out


@pytest.mark.parametrize("name", ["not-an-image", "truncated-png", "bomb-30000x30000", "1x1", "svg"])
def test_bad_images_get_a_message_not_a_traceback(tmp_path, name, capsys):
    data, message = bad_inputs.cases()[name]
    path = tmp_path / f"{name}.png"
    path.write_bytes(data)
    assert main(["analyze", str(path), "--model", "resnet18", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    assert any(part in err for part in message.split("|"))


def test_bad_checkpoint_and_target_messages(tmp_path, chelsea_png, capsys):
    bad = tmp_path / "broken.pt"
    bad.write_bytes(b"garbage")
    assert main(["analyze", str(chelsea_png), "--weights", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "broken.pt is not a readable PyTorch file" in capsys.readouterr().err
    assert (
        main(["analyze", str(chelsea_png), "--model", "resnet18", "--target", "1000", "--out", str(tmp_path / "o")])
        == 2
    )
    assert "Class 1000 is out of range" in capsys.readouterr().err


def test_console_script_runs_as_a_program(tmp_path, chelsea_png):
    done = subprocess.run(
        [sys.executable, "-m", "resnet_viz.cli", "weights", "list", "resnet18"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "resnet18" in done.stdout and "IMAGENET1K_V1" in done.stdout


def test_analyze_with_a_contrast_records_it(tmp_path, chelsea_png, capsys):
    out = tmp_path / "out"
    assert (
        main(
            [
                "analyze",
                str(chelsea_png),
                "--model",
                "resnet18",
                "--out",
                str(out),
                "--target",
                "281",
                "--contrast",
                "Egyptian cat",
            ]
        )
        == 0
    )
    report = json.loads((out / "predictions.json").read_text())
    assert report["target"]["index"] == 281 and report["contrast"] == {
        **report["contrast"],
        "index": 285,
        "label": "Egyptian cat",
    }
    assert "minus Egyptian cat (class 285)" in capsys.readouterr().out
