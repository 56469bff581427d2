"""The lab's CLI and stage table end to end: files written, schema, numbers adding up."""

import json
import re

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision import models as tv_models

from resnet_viz.architecture import markdown_table
from resnet_viz.cli import main
from resnet_viz.lab.pointing import app_path_report
from resnet_viz.lab.train import DemoConfig, save_demo, train_demo

KEYS = {"name", "stage", "shortcut", "residual_norm", "shortcut_norm", "ratio", "cosine", "lesion_target_prob",
        "lesion_top1", "input_grad_norm", "plain_input_grad_norm"}


def test_stage_table_rows_add_up_to_the_total_and_state_the_stem_convention():
    model = tv_models.resnet50()
    table = markdown_table(model, "resnet50")
    params = [float(m) for m in re.findall(r"\| ([\d.]+) M \|$", table, flags=re.M)]
    assert sum(params) == pytest.approx(25.557, abs=0.03)  # stem + 4 stages + fc
    assert "| fc · head |" in table and "max-pool" in table and "112×112" in table
    assert "최대 풀링" in markdown_table(model, "resnet50", lang="ko")


def test_lab_command_writes_charts_and_json_in_the_schema(tmp_path, chelsea):
    image = tmp_path / "cat.png"
    Image.fromarray(chelsea).save(image)
    out = tmp_path / "lab"
    assert main(["lab", str(image), "--model", "resnet18", "--device", "cpu", "--target", "281", "--out", str(out)]) == 0
    report = json.loads((out / "lab.json").read_text())
    assert report["model"] == "resnet18" and report["target"] == 281 and report["weights"] == "random"
    assert len(report["blocks"]) == 8 and all(set(b) == KEYS for b in report["blocks"])
    assert [b["shortcut"] for b in report["blocks"]].count("projection") == 3
    assert all(0 <= b["lesion_target_prob"] <= 1 and 0 <= b["lesion_top1"] < 1000 for b in report["blocks"])
    for name in ("norms", "lesion", "gradients", "shattering", "diagram"):
        picture = Image.open(out / f"{name}.png")
        assert picture.width > 400 and np.asarray(picture.convert("L")).std() > 5  # drawn, not blank


def test_lab_command_bad_image_is_a_message(tmp_path, capsys):
    bad = tmp_path / "x.png"
    bad.write_bytes(b"not an image")
    assert main(["lab", str(bad), "--model", "resnet18", "--out", str(tmp_path / "o")]) == 2
    assert "error:" in capsys.readouterr().err


@pytest.mark.e2e
def test_tiny_demo_model_beats_chance_and_its_cam_points_at_the_shape(tmp_path):
    """A small, fast train-demo; checked through the app's own loading and analysis path."""
    config = DemoConfig(steps=60, batch=32, train_images=600, held_out=100, sizes=(48,), draw_size=64)
    model, result = train_demo(config, log=lambda line: None)
    assert result.held_out_accuracy > 0.4  # 5 classes: chance is 0.2
    paths = save_demo(model, result, tmp_path)
    assert torch.load(paths["weights"])["fc.weight"].shape == (5, 512)
    report = app_path_report(paths["weights"], paths["classes"], n=20, size=64)
    assert report["classes"] == ["circle", "square", "triangle", "star", "ring"]
    assert report["pointing"] > 0.5
