"""The app over HTTP, as gradio_client (and so a user's browser) sees it. Real model, random weights."""

import socket

import pytest
from gradio_client import Client, handle_file
from PIL import Image

import bad_inputs
from resnet_viz.ui import launch

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = free_port()
    app = launch(model="resnet18", device="cpu", port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    app.close()


@pytest.fixture(scope="module")
def client(server):
    return Client(server, verbose=False)


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
