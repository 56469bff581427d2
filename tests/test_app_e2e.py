"""The app over HTTP, as gradio_client (and so a user's browser) sees it. Real model, random weights."""

import re
from pathlib import Path

import bad_inputs
import pytest
from gradio_client import Client, handle_file
from PIL import Image

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def client(http_server):
    return Client(http_server, verbose=False)


def analyze(client, path, target="", method="gradcam", normalization="per-stage"):
    return client.predict(
        handle_file(str(path)),
        "resnet18",
        "DEFAULT",
        method,
        target,
        16,
        normalization,
        "viridis",
        0.5,
        api_name="/analyze",
    )


@pytest.mark.parametrize("photo", ["chelsea", "coffee", "astronaut"])
def test_analyze_over_http(client, tmp_path, photo):
    import skimage.data

    path = tmp_path / f"{photo}.png"
    Image.fromarray(getattr(skimage.data, photo)()).save(path)
    outputs = analyze(client, path)
    seen, label, summary = outputs[:3]
    assert Image.open(seen).size == (224, 224)
    assert "UNTRAINED" in outputs[18]  # the predictions' heading says so, not only the banner
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
    assert len(analyze(client, good)[1]["confidences"]) == 5


def test_channel_inspector_and_class_choice(client, tmp_path):
    path = tmp_path / "c.png"
    bad_inputs.chelsea().save(path)
    outputs = analyze(client, path, target="281")
    assert "class 281" in outputs[2] and "the class you picked" in outputs[2]


# --- Defect 8: an API for programs -------------------------------------------------------------


def _api_text(client) -> str:
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        client.view_api(print_info=True)
    return buffer.getvalue()


def test_view_api_names_every_output_and_types_the_inputs(client):
    text = _api_text(client)
    # was ~32 KB with 3 endpoints, value_26 … value_2 and 1001-choice literals; now 15 endpoints (with the
    # handout, the family comparison and the channel story), every one named, ~18.5 KB
    assert "value_" not in text and len(text) < 20_000
    assert "/select_model" not in text and "/select_weights" not in text  # 1001 choices stay in the page
    info = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    analyze_info = info["/analyze"]
    names = [r["label"] for r in analyze_info["returns"]]
    assert names[:3] == ["input as the network sees it", "predictions", "summary"]
    assert "conv5_x cam" in names and "predictions heading" in names
    types = {p["parameter_name"]: p["python_type"]["type"] for p in analyze_info["parameters"]}
    assert types["target"] == "str" and types["n_channels"] == "int"


def test_predict_answers_a_fresh_client_with_plain_json(http_server, tmp_path):
    path = tmp_path / "chelsea.png"
    bad_inputs.chelsea().save(path)
    answer = Client(http_server, verbose=False).predict(
        handle_file(str(path)), "resnet18", "DEFAULT", "gradcam", "281", api_name="/predict"
    )
    assert set(answer) == {"model", "weights", "device", "method", "target", "contrast", "predictions", "stages"}
    assert answer["contrast"] is None  # no contrast asked for
    assert answer["model"] == "resnet18" and answer["device"] == "cpu" and answer["method"] == "gradcam"
    assert answer["target"]["index"] == 281 and answer["target"]["label"] == "tabby"
    assert len(answer["predictions"]) == 5 and set(answer["predictions"][0]) == {"label", "probability"}
    shapes = {s["paper_name"]: s["shape"] for s in answer["stages"]}
    assert shapes == {
        "conv1": [64, 56, 56],
        "conv2_x": [64, 56, 56],
        "conv3_x": [128, 28, 28],
        "conv4_x": [256, 14, 14],
        "conv5_x": [512, 7, 7],
    }
    # the strongest channels, as an independent computation over the same model says
    import torch

    import resnet_viz

    result = resnet_viz.analyze(resnet_viz.load_model("resnet18", "DEFAULT", "cpu"), str(path), target=281)
    expected = torch.argsort(result.stage("conv5_x").activation.mean(dim=(1, 2)), descending=True)[:16].tolist()
    assert answer["stages"][4]["channels"] == expected


# --- Issue 11 §2: contrastive maps ("why A, not B") ------------------------------------------------


def test_contrast_over_http_is_the_independent_contrastive_map(http_app, tmp_path):
    """/predict names the contrast class; /analyze's conv5_x heatmap is the overlay of
    resnet_viz.analyze(target=A, contrast=B)'s layer4 map, and not of A's own map."""
    import numpy as np

    import resnet_viz
    from resnet_viz.render import cam_overlay

    path = tmp_path / "chelsea.png"
    bad_inputs.chelsea().save(path)
    fresh = Client(http_app.url, verbose=False)
    answer = fresh.predict(
        handle_file(str(path)), "resnet18", "DEFAULT", "gradcam", "tabby", 16, "tiger cat", api_name="/predict"
    )
    loaded = http_app.analyzer.model("resnet18", "DEFAULT")  # the app's model; the numbers computed here
    result = resnet_viz.analyze(loaded, str(path), target=281, contrast=282)
    assert answer["target"] == {"index": 281, "label": "tabby", "probability": pytest.approx(result.target.probability)}
    assert answer["contrast"] == {
        "index": 282,
        "label": "tiger cat",
        "probability": pytest.approx(result.contrast.probability),
    }
    outputs = fresh.predict(
        handle_file(str(path)),
        "resnet18",
        "DEFAULT",
        "gradcam",
        "281",
        16,
        "per-stage",
        "viridis",
        0.5,
        "en",
        "282",
        api_name="/analyze",
    )
    assert "Grad-CAM for tabby − tiger cat" in outputs[2] and "logit 281 − logit 282" in outputs[2]
    served = np.asarray(Image.open(outputs[17]).convert("RGB"), np.int16)  # the conv5_x cam
    contrastive = np.asarray(cam_overlay(result.image, result.stage("layer4").cam), np.int16)
    plain = resnet_viz.analyze(loaded, str(path), target=281)
    assert np.abs(plain.stage("layer4").cam - result.stage("layer4").cam).max() > 0.05  # the contrast matters
    plain_overlay = np.asarray(cam_overlay(plain.image, plain.stage("layer4").cam), np.int16)

    def psnr(a, b):
        return 10 * np.log10(255.0**2 / max(float(np.mean((a - b) ** 2)), 1e-12))

    # The browser gets JPEG q95: equal to the contrastive overlay up to its (invisible) loss, and far
    # from the overlay of A's own map.
    assert psnr(served, contrastive) > 38
    assert psnr(served, plain_overlay) < psnr(served, contrastive) - 6


@pytest.mark.parametrize(
    "method, target, contrast, message",
    [
        (
            "eigencam",
            "281",
            "282",
            "EigenCAM is class-agnostic (it uses no gradients), so it cannot contrast two classes",
        ),
        ("gradcam", "281", "tabby", "The contrast class is the target class (tabby, 281)"),
        ("gradcam", "", "no such class", "No class is named 'no such class'"),
    ],
)
def test_contrast_refuses_with_a_message(client, tmp_path, method, target, contrast, message):
    from gradio_client.exceptions import AppError

    path = tmp_path / "chelsea.png"
    bad_inputs.chelsea().save(path)
    with pytest.raises(AppError, match=re.escape(message)):
        client.predict(handle_file(str(path)), "resnet18", "DEFAULT", method, target, 16, contrast, api_name="/predict")


@pytest.mark.parametrize("stage", ["conv1", "C5", "layer2"])
def test_channel_takes_paper_names_without_a_prior_analysis(http_server, tmp_path, stage):
    path = tmp_path / "chelsea.png"
    bad_inputs.chelsea().save(path)
    fresh = Client(http_server, verbose=False)
    picture = fresh.predict(
        handle_file(str(path)), "resnet18", "DEFAULT", "gradcam", "", stage, 5, 0.5, api_name="/channel"
    )
    assert Image.open(picture).size == (224, 224)


@pytest.mark.parametrize(
    "stage, channel, message",
    [
        ("C9", 3, "Unknown stage 'C9': use one of conv1/C1/maxpool"),
        ("conv1", "abc", "Channel 'abc' does not exist here: type a whole number from 0 to 63"),
        ("conv5_x", 512, "Channel 512 does not exist here: type a whole number from 0 to 511"),
    ],
)
def test_channel_refuses_with_a_message(client, tmp_path, stage, channel, message):
    from gradio_client.exceptions import AppError

    path = tmp_path / "chelsea.png"
    bad_inputs.chelsea().save(path)
    with pytest.raises(AppError, match=re.escape(message)):
        client.predict(
            handle_file(str(path)), "resnet18", "DEFAULT", "gradcam", "", stage, channel, 0.5, api_name="/channel"
        )


def test_an_upload_over_the_size_cap_gets_413(http_server):
    import httpx

    too_big = b"\0" * (21 * 1024 * 1024)  # the cap is 20 MB
    response = httpx.post(
        f"{http_server}gradio_api/upload", files={"files": ("big.png", too_big, "image/png")}, timeout=60
    )
    assert response.status_code == 413
    small = httpx.post(
        f"{http_server}gradio_api/upload", files={"files": ("ok.png", b"\0" * 1000, "image/png")}, timeout=60
    )
    assert small.status_code == 200


@pytest.mark.parametrize(
    "path, allowed",
    [
        ("/etc/passwd", False),
        (str(Path(__file__).resolve().parent.parent / "resnet_viz" / "models.py"), False),  # the app's own source
        (str(Path(__file__).resolve().parent.parent / "pyproject.toml"), False),
        (str(Path(__file__).resolve().parent.parent / "assets" / "examples" / "chelsea.jpg"), True),
    ],
)
def test_file_route_serves_assets_only(http_server, path, allowed):
    import httpx

    response = httpx.get(f"{http_server}gradio_api/file={path}", timeout=30)
    if allowed:
        assert response.status_code == 200 and response.content[:2] == b"\xff\xd8"
    else:
        assert (
            response.status_code in (403, 404) and b"root:" not in response.content and b"def " not in response.content
        )


def test_gradio_is_recent_enough_for_the_file_route_and_upload_fixes():
    import gradio

    major, minor = (int(part) for part in gradio.__version__.split(".")[:2])
    assert (major, minor) >= (6, 22)


def test_no_monitoring_summary_after_each_event(http_app, client, tmp_path):
    """Gradio's /monitoring page is off, and the queue does not rebuild its pandas summary of every
    event so far after each answer (2-3 ms an event at first, ~15 ms at 10,000 events)."""
    import httpx
    import skimage.data

    path = tmp_path / "coffee.png"
    Image.fromarray(skimage.data.coffee()).save(path)
    analyze(client, path)
    response = httpx.get(f"{http_app.url}monitoring/summary", timeout=30)
    assert response.status_code == 403 and "not enabled" in response.text
    queue = http_app._queue  # Gradio's own queue: what it summarises is private, so is this check
    assert queue.events_recorded > 0
    assert queue.cached_event_analytics_summary == {"functions": {}}
