"""Depth comparison: GFLOPs against PyTorch's own FLOP counter, untrained/skipped models marked, CLI files."""

import io
import json

import pytest
import torch
from PIL import Image
from torch.utils.flop_counter import FlopCounterMode
from torchvision import models as tv_models

from resnet_viz.cli import main
from resnet_viz.compare import compare_depths, comparison_figure, gflops


def test_gflops_match_pytorchs_flop_counter():
    """torchvision's meta counts multiply-adds; FlopCounterMode counts 2 FLOPs per multiply-add."""
    model = tv_models.resnet18().eval()
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.zeros(1, 3, 224, 224))
    assert gflops("resnet18") == pytest.approx(counter.get_total_flops() / 2 / 1e9, rel=0.01)


def test_offline_models_run_untrained_and_say_why(chelsea):
    comparison = compare_depths(chelsea, models=["resnet18"], device="cpu")
    row = comparison.rows[0]
    assert row.weights_status == "untrained" and row.weights_label == "random"
    assert "resnet-viz weights fetch resnet18" in row.note
    assert row.params == sum(p.numel() for p in tv_models.resnet18().parameters())
    assert len(row.top) == 3 and row.cam.shape == (224, 224) and row.seconds > 0
    png = Image.open(io.BytesIO(comparison_figure(comparison, "en")))
    assert png.width > 400


def test_pretrained_only_lists_without_running(chelsea):
    comparison = compare_depths(chelsea, models=["resnet18", "resnet152"], pretrained_only=True, lang="ko")
    for row in comparison.rows:
        assert row.weights_status == "skipped" and row.cam is None and row.seconds is None
        assert "캐시에 없습니다" in row.note
    assert comparison.rows[1].params == 60192808  # torchvision's meta: resnet152 is never loaded
    svg = comparison_figure(comparison, "ko", fmt="svg").decode()
    assert "실행하지 않음" in svg and "resnet152" in svg


def test_compare_command_writes_json_and_figure(tmp_path, capsys):
    image = tmp_path / "cat.png"
    Image.new("RGB", (300, 240), (120, 80, 40)).save(image)
    assert main(["compare", str(image), "--models", "resnet18", "--out", str(tmp_path / "o"), "--quiet"]) == 0
    report = json.loads((tmp_path / "o" / "compare.json").read_text())
    assert [m["model"] for m in report["models"]] == ["resnet18"]
    assert report["models"][0]["weights_status"] == "untrained" and len(report["models"][0]["top3"]) == 3
    assert Image.open(tmp_path / "o" / "compare.png").width > 400
    assert "UNTRAINED" in capsys.readouterr().out
    assert main(["compare", str(image), "--models", "resnet19"]) == 2
