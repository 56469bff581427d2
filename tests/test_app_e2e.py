"""The app over HTTP, as gradio_client (and so a user's browser) sees it. Real model, random weights."""

from pathlib import Path

import pytest
from gradio_client import Client, handle_file
from PIL import Image

import bad_inputs

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def client(http_server):
    return Client(http_server, verbose=False)


def analyze(client, path, target="", method="gradcam", normalization="per-stage"):
    return client.predict(handle_file(str(path)), "resnet18", "DEFAULT", method, target, 16, normalization,
                          "viridis", 0.5, api_name="/analyze")


@pytest.mark.parametrize("photo", ["chelsea", "coffee", "astronaut"])
def test_analyze_over_http(client, tmp_path, photo):
    import skimage.data
    path = tmp_path / f"{photo}.png"
    Image.fromarray(getattr(skimage.data, photo)()).save(path)
    outputs = analyze(client, path)
    seen, label_update, summary = outputs[:3]
    assert Image.open(seen).size == (224, 224)
    assert "UNTRAINED" in label_update["label"]  # the heading says so, not only the banner
    label = label_update["value"]
    assert len(label["confidences"]) == 5
    assert label["label"] == label["confidences"][0]["label"]
    assert sum(c["confidence"] for c in label["confidences"]) <= 1.0
    assert "resnet18" in summary and "random" in summary
    stage_cells = outputs[3:18]
    for index in range(5):
        title, grid, cam = stage_cells[3 * index : 3 * index + 3]
        assert Image.open(grid).format == "PNG" and Image.open(grid).size[0] > 300
        assert Image.open(cam).size == (224, 224)
    assert "512×7×7" in stage_cells[12]


def test_bad_upload_gets_a_message_and_the_server_stays_up(client, tmp_path):
    from gradio_client.exceptions import AppError
    bad = tmp_path / "truncated.png"
    bad.write_bytes(bad_inputs.cases()["truncated-png"][0])
    with pytest.raises(AppError, match="truncated or damaged"):
        analyze(client, bad)
    good = tmp_path / "ok.png"
    bad_inputs.chelsea().save(good)
    assert len(analyze(client, good)[1]["value"]["confidences"]) == 5


def test_channel_inspector_and_class_choice(client, tmp_path):
    path = tmp_path / "c.png"
    bad_inputs.chelsea().save(path)
    outputs = analyze(client, path, target="281")
    assert "class 281" in outputs[2]


def test_an_upload_over_the_size_cap_gets_413(http_server):
    import httpx

    too_big = b"\0" * (21 * 1024 * 1024)  # the cap is 20 MB
    response = httpx.post(f"{http_server}gradio_api/upload", files={"files": ("big.png", too_big, "image/png")}, timeout=60)
    assert response.status_code == 413
    small = httpx.post(f"{http_server}gradio_api/upload", files={"files": ("ok.png", b"\0" * 1000, "image/png")}, timeout=60)
    assert small.status_code == 200


@pytest.mark.parametrize("path, allowed", [
    ("/etc/passwd", False),
    (str(Path(__file__).resolve().parent.parent / "resnet_viz" / "models.py"), False),  # the app's own source
    (str(Path(__file__).resolve().parent.parent / "pyproject.toml"), False),
    (str(Path(__file__).resolve().parent.parent / "assets" / "examples" / "chelsea.jpg"), True),
])
def test_file_route_serves_assets_only(http_server, path, allowed):
    import httpx

    response = httpx.get(f"{http_server}gradio_api/file={path}", timeout=30)
    if allowed:
        assert response.status_code == 200 and response.content[:2] == b"\xff\xd8"
    else:
        assert response.status_code in (403, 404) and b"root:" not in response.content and b"def " not in response.content


def test_gradio_is_recent_enough_for_the_file_route_and_upload_fixes():
    import gradio

    major, minor = (int(part) for part in gradio.__version__.split(".")[:2])
    assert (major, minor) >= (6, 22)
