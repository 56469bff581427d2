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

KEYS = {
    "name",
    "stage",
    "shortcut",
    "residual_norm",
    "shortcut_norm",
    "ratio",
    "cosine",
    "lesion_target_prob",
    "lesion_top1",
    "input_grad_norm",
    "plain_input_grad_norm",
}


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
    assert (
        main(
            [
                "lab",
                str(image),
                "--model",
                "resnet18",
                "--device",
                "cpu",
                "--target",
                "281",
                "--out",
                str(out),
                "--depths",
            ]
        )
        == 0
    )
    report = json.loads((out / "lab.json").read_text())
    assert report["model"] == "resnet18" and report["target"] == 281 and report["weights"] == "random"
    assert len(report["blocks"]) == 8 and all(set(b) == KEYS for b in report["blocks"])
    assert [b["shortcut"] for b in report["blocks"]].count("projection") == 3
    assert all(0 <= b["lesion_target_prob"] <= 1 and 0 <= b["lesion_top1"] < 1000 for b in report["blocks"])
    depth_flow = report["depth_flow"]
    assert depth_flow["target"] == 281 and depth_flow["seed"] == 0 and depth_flow["batch_statistics"] is True
    assert [(d["depth"], len(d["blocks"]), len(d["plain_input_grad_norm"])) for d in depth_flow["depths"]] == [
        (18, 8, 8),
        (34, 16, 16),
        (50, 16, 16),
        (101, 33, 33),
        (152, 50, 50),
    ]
    for name in ("norms", "lesion", "gradients", "shattering", "diagram", "depth_gradients"):
        picture = Image.open(out / f"{name}.png")
        assert picture.width > 400 and np.asarray(picture.convert("L")).std() > 5  # drawn, not blank


def test_lab_command_bad_image_is_a_message(tmp_path, capsys):
    bad = tmp_path / "x.png"
    bad.write_bytes(b"not an image")
    assert main(["lab", str(bad), "--model", "resnet18", "--out", str(tmp_path / "o")]) == 2
    assert "error:" in capsys.readouterr().err


@pytest.mark.e2e
def test_tiny_demo_model_beats_chance_and_its_cam_points_at_the_shape(tmp_path):
    """A small, fast train-demo, checked through the app's own loading and analysis path (resize 256,
    crop 224). Chance is 0.2 for the class and about 0.2 for the CAM peak (mean box area / image area)."""
    config = DemoConfig(
        steps=90,
        batch=16,
        train_images=500,
        held_out=60,
        draw_size=96,
        sizes=(48, 64),
        final_size=128,
        final_steps=15,
        final_batch=16,
    )
    model, result = train_demo(config, log=lambda line: None)
    assert result.held_out_accuracy > 0.3
    paths = save_demo(model, result, tmp_path)
    assert torch.load(paths["weights"])["fc.weight"].shape == (5, 512)
    report = app_path_report(paths["weights"], paths["classes"], n=30)
    assert report["classes"] == ["circle", "square", "triangle", "star", "ring"]
    # This tiny model is only above chance at its own sizes (held-out above); through the app's 224 px
    # path its accuracy is near chance (0.27 measured), so only its pointing is asserted there.
    assert report["pointing"] > 0.3


def test_degradation_nets_and_verdict():
    from torch.fx import symbolic_trace

    from resnet_viz.lab.degradation import cifar_net, verdict

    def adds(m):
        return sum(1 for n in symbolic_trace(m).graph.nodes if "add" in str(n.target))

    assert adds(cifar_net(20, residual=True)) == 9 and adds(cifar_net(20, residual=False)) == 0
    convs = [
        m for m in cifar_net(20, residual=False).modules() if isinstance(m, torch.nn.Conv2d) and m.kernel_size == (3, 3)
    ]
    assert len(convs) + 1 == 20  # 19 3×3 convs + the fc layer
    with pytest.raises(ValueError, match="6n\\+2"):
        cifar_net(10, True)

    def report(p1, p2, r1, r2):
        return {
            "curves": [
                {"depth": d, "residual": r, "train_error": [0.8, e, e, e, e]}
                for d, r, e in ((8, False, p1), (20, False, p2), (8, True, r1), (20, True, r2))
            ]
        }

    assert "appears here" in verdict(report(0.1, 0.3, 0.1, 0.05))
    assert "does not appear" in verdict(report(0.3, 0.1, 0.1, 0.05))
    assert "나타나지 않습니다" in verdict(report(0.1, 0.3, 0.1, 0.2), "ko")
