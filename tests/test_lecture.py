"""Batch lecture preparation: `resnet-viz figure` over a folder with a corrupt file in the middle,
manifests, the contact sheet, --from-manifest byte for byte; the one-screen HTML."""

import base64
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from PIL import Image

import resnet_viz
from resnet_viz.cli import main
from resnet_viz.onescreen import one_screen_html

EXAMPLES = Path(__file__).resolve().parent.parent / "assets" / "examples"


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """a.jpg, b-broken.jpg (truncated), c.jpg -> figures in out/."""
    folder = tmp_path_factory.mktemp("photos")
    shutil.copy(EXAMPLES / "chelsea.jpg", folder / "a.jpg")
    (folder / "b-broken.jpg").write_bytes((EXAMPLES / "coffee.jpg").read_bytes()[:2000])
    shutil.copy(EXAMPLES / "astronaut.jpg", folder / "c.jpg")
    out = tmp_path_factory.mktemp("figures")
    return folder, out


def test_batch_reports_the_bad_file_and_writes_the_others(batch, capsys):
    folder, out = batch
    code = main(
        [
            "figure",
            str(folder),
            "--model",
            "resnet18",
            "--device",
            "cpu",
            "--out",
            str(out),
            "--format",
            "png",
            "--channels",
            "8",
            "--quiet",
        ]
    )
    captured = capsys.readouterr()
    assert code == 1  # a script notices; the other figures are written all the same
    assert "b-broken.jpg" in captured.err and "truncated or damaged" in captured.err
    assert "wrote 2 of 3 figures" in captured.out
    for stem in ("a", "c"):
        assert Image.open(out / f"{stem}.png").width >= 2400
    assert not list(out.glob("b-broken*"))
    manifest = json.loads((out / "a.json").read_text())
    assert set(manifest["versions"]) >= {"torch", "torchvision", "grad-cam", "resnet-viz"}
    assert manifest["versions"]["torch"] not in ("", "not installed")
    assert (manifest["model"], manifest["weights"], manifest["weights_status"]) == ("resnet18", "DEFAULT", "untrained")
    assert manifest["options"]["channels"] == 8 and manifest["target"] is None and manifest["method"] == "gradcam"
    sheet = (out / "index.html").read_text()
    assert 'src="a.png"' in sheet and 'src="c.png"' in sheet and "b-broken.jpg" in sheet


def test_from_manifest_reproduces_byte_for_byte(batch, tmp_path, capsys):
    _, out = batch
    assert main(["figure", "--from-manifest", str(out / "a.json"), "--out", str(tmp_path)]) == 0
    assert "identical to the manifest" in capsys.readouterr().out
    assert (tmp_path / "a.png").read_bytes() == (out / "a.png").read_bytes()
    edited = json.loads((out / "a.json").read_text())
    edited["options"]["channels"] = 9  # a manifest that no longer matches its figure is caught
    (tmp_path / "edited.json").write_text(json.dumps(edited))
    assert main(["figure", "--from-manifest", str(tmp_path / "edited.json"), "--out", str(tmp_path / "e")]) == 1
    assert "DIFFERS" in capsys.readouterr().out


def test_bad_requests_get_messages(tmp_path, capsys):
    assert main(["figure", str(tmp_path / "missing.jpg"), "--out", str(tmp_path)]) == 2
    assert "missing.jpg does not exist" in capsys.readouterr().err
    assert main(["figure", "--from-manifest", str(EXAMPLES / "LICENSE.md"), "--out", str(tmp_path)]) == 2
    assert "is not a resnet-viz figure manifest" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["figure", str(EXAMPLES / "chelsea.jpg"), "--format", "png,gif"])
    assert main(["figure", "--lang", "ko"]) == 2
    assert "이미지가 없습니다" in capsys.readouterr().err


def test_one_screen_html_has_every_stage(resnet18, chelsea):
    result = resnet_viz.analyze(resnet18, chelsea)
    page = one_screen_html(result, "ko")
    grids = re.findall(r'class="os-grid"[^>]*src="data:image/png;base64,([^"]+)"', page)
    cams = re.findall(r'class="os-cam"[^>]*src="data:image/webp;base64,([^"]+)"', page)
    assert len(grids) == 5 and len(cams) == 4 and page.count('class="os-input"') == 1
    assert Image.open(io.BytesIO(base64.b64decode(cams[3]))).size == result.image.size
    for stage in result.stages:
        assert stage.shape_text in page
    assert "특징 맵" in page and "학습되지 않은 가중치" in page
    assert "Analyze an image" in one_screen_html(None, "en")
