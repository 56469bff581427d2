"""A batch of images: one pass each way, every image's maps its own; a folder run from the command line."""

import json

import bad_inputs
import numpy as np
import pytest
import torch
from PIL import Image

import resnet_viz
from resnet_viz.analysis import analyze_batch
from resnet_viz.cli import main
from resnet_viz.stages import CAM_STAGES


@pytest.fixture(scope="module")
def photos(chelsea, coffee):
    astronaut = np.asarray(bad_inputs.chelsea().transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    return [chelsea, coffee, astronaut]


@pytest.mark.parametrize("method", ["gradcam", "eigencam"])
def test_each_image_of_a_batch_equals_its_own_analysis(resnet18, photos, method):
    targets = [None, 281, "Egyptian cat"]
    batched = analyze_batch(resnet18, photos, targets, method=method)
    for photo, target, got in zip(photos, targets, batched):
        alone = resnet_viz.analyze(resnet18, photo, target=target, method=method)
        assert got.target == alone.target or np.isclose(got.target.probability, alone.target.probability, atol=1e-5)
        assert [label for label, _ in got.predictions] == [label for label, _ in alone.predictions]
        for name in CAM_STAGES:
            np.testing.assert_allclose(got.stage(name).cam, alone.stage(name).cam, atol=1e-4, err_msg=name)
        torch.testing.assert_close(
            got.stage("layer4").activation, alone.stage("layer4").activation, atol=1e-4, rtol=1e-4
        )
    assert batched[1].target.index == 281 and batched[2].target.index == 285


def test_a_batch_takes_one_forward_and_one_backward(resnet18, photos, monkeypatch):
    forwards, grads = [], []
    handle = resnet18.module.fc.register_forward_hook(lambda *a: forwards.append(1))
    original = torch.autograd.grad
    monkeypatch.setattr(torch.autograd, "grad", lambda *a, **k: grads.append(1) or original(*a, **k))
    try:
        results = analyze_batch(resnet18, photos, contrasts=[None, 282, None])
    finally:
        handle.remove()
    assert len(results) == 3 and forwards == [1] and grads == [1]
    assert results[1].contrast.index == 282 and results[0].contrast is None


def test_folder_run_writes_each_image_and_reports_bad_files(tmp_path, photos, capsys):
    folder = tmp_path / "photos"
    folder.mkdir()
    for index, photo in enumerate(photos):
        Image.fromarray(photo).save(folder / f"p{index}.png")
    (folder / "p1b.png").write_bytes(b"not an image")
    out = tmp_path / "out"
    code = main(
        [
            "analyze",
            str(folder),
            "--model",
            "resnet18",
            "--out",
            str(out),
            "--batch-size",
            "2",
            "--target",
            "281",
            "--contrast",
            "285",
            "--quiet",
        ]
    )
    assert code == 1  # one file failed; the others were analysed
    lines = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert [Path_name(line["image"]) for line in lines] == ["p0.png", "p1.png", "p1b.png", "p2.png"]
    assert "not an image that can be read" in lines[2]["error"]
    assert all(
        line["target"]["index"] == 281 and line["contrast"]["index"] == 285 for i, line in enumerate(lines) if i != 2
    )
    alone = resnet_viz.analyze(resnet_viz.load_model("resnet18", device="cpu"), photos[1], target=281, contrast=285)
    written = np.asarray(Image.open(out / "p1" / "layer3_gradcam.png")).astype(int)
    from resnet_viz.render import cam_overlay

    expected = np.asarray(cam_overlay(alone.image, alone.stage("layer3").cam)).astype(int)
    assert np.abs(written - expected).max() <= 1
    report = json.loads((out / "p1" / "predictions.json").read_text())
    assert report["contrast"]["label"] == "Egyptian cat" and len(report["stages"]) == 5
    err = capsys.readouterr().err
    assert "failed: " in err and "p1b.png" in err and "1 of 4 files failed" in err and "Traceback" not in err


def Path_name(path: str) -> str:
    from pathlib import Path

    return Path(path).name


def test_folder_errors_that_stop_the_run_come_first(tmp_path, capsys):
    assert main(["analyze", str(tmp_path), "--model", "resnet18", "--out", str(tmp_path / "o")]) == 2
    assert "No images" in capsys.readouterr().err
    (tmp_path / "a.png").write_bytes(b"x")
    (tmp_path / "b.png").write_bytes(b"x")
    assert (
        main(
            [
                "analyze",
                str(tmp_path),
                "--model",
                "resnet18",
                "--method",
                "eigencam",
                "--contrast",
                "3",
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 2
    )
    assert "class-agnostic" in capsys.readouterr().err


@pytest.mark.parametrize("workers", [0, 1])
def test_folder_run_in_order_with_a_file_that_cannot_be_written(tmp_path, photos, resnet18, workers):
    """Decoding ahead (a thread, or a worker process) and writing behind (threads) keep the input order;
    a folder that cannot be made is that image's error line, not the end of the run."""
    from resnet_viz.batch import PictureOptions, analyze_folder

    folder = tmp_path / "photos"
    folder.mkdir()
    for index, photo in enumerate(photos * 2):
        Image.fromarray(photo).save(folder / f"p{index}.png")
    out = tmp_path / "out"
    out.mkdir()
    (out / "p3").write_text("a file where the image's folder should go")
    report = analyze_folder(
        resnet18, [folder], out, batch_size=2, progress=False, workers=workers, pictures=PictureOptions(n_channels=4)
    )
    lines = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert [line.get("folder") for line in lines] == ["p0", "p1", "p2", None, "p4", "p5"]
    assert "p3.png: could not write results" in lines[3]["error"]
    assert report.analysed == 5 and [Path_name(f) for f, _ in report.failed] == ["p3.png"]
    alone = resnet_viz.analyze(resnet18, photos[2])
    assert lines[5]["predictions"] == [
        {"label": label, "probability": pytest.approx(p, abs=1e-5)} for label, p in alone.predictions
    ]


def test_an_error_while_decoding_ahead_reaches_the_caller():
    from resnet_viz.batch import _prefetched

    def batches():
        yield [1]
        raise RuntimeError("disk gone")

    got = _prefetched(batches())
    assert next(got) == [1]
    with pytest.raises(RuntimeError, match="disk gone"):
        next(got)
