"""Chromium against the running app: a click on a feature grid's tile opens that channel's three
panels (map, feature visualisation, dataset examples), in English and in Korean."""

import os
import socket
import time
from pathlib import Path

import pytest
from browserkit import EXAMPLES, needs_chromium, upload

pytestmark = [pytest.mark.e2e, needs_chromium]
SHOTS = os.environ.get("RESNET_VIZ_SHOTS")


@pytest.fixture(scope="module")
def channel_server(tmp_path_factory):
    import skimage.data
    from PIL import Image

    folder = tmp_path_factory.mktemp("reference")
    Image.fromarray(skimage.data.coffee()).save(folder / "more-coffee.png")  # `python app.py --reference DIR`
    os.environ["RESNET_VIZ_VIS_STEPS"] = "4"  # the panels, not the optimisation, are under test here
    os.environ["RESNET_VIZ_VIS_SIZE"] = "64"
    from resnet_viz.ui import launch

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = launch(model="resnet18", device="cpu", port=port, prevent_thread_lock=True, quiet=True, reference=str(folder))
    yield f"http://127.0.0.1:{port}/"
    app.close()
    os.environ.pop("RESNET_VIZ_VIS_STEPS")
    os.environ.pop("RESNET_VIZ_VIS_SIZE")


def _image_loaded(page, elem_id: str) -> bool:
    return page.evaluate(
        "id => { const i = document.querySelector('#' + id + ' img');"
        " return !!(i && i.complete && i.naturalWidth > 0) }",
        elem_id,
    )


def _open_channel(page, analyze_label: str) -> None:
    upload(page, EXAMPLES / "chelsea.jpg")
    page.get_by_role("button", name=analyze_label).click()
    page.wait_for_function(
        "() => { const s = document.querySelector('#summary'); return s && s.innerText.includes('chelsea.jpg') }",
        timeout=120_000,
    )
    grid = page.locator("#grid-layer3 img")
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    # The first tile's centre: the grid is shown whole, its first tile at its top-left.
    page.wait_for_function(
        "() => { const i = document.querySelector('#grid-layer3 img'); return i && i.complete && i.naturalWidth > 0 }",
        timeout=60_000,
    )
    natural = page.evaluate(
        "() => { const i = document.querySelector('#grid-layer3 img'); return [i.naturalWidth, i.naturalHeight] }"
    )
    scale = min(box["width"] / natural[0], box["height"] / natural[1])
    left = box["x"] + (box["width"] - natural[0] * scale) / 2
    top = box["y"] + (box["height"] - natural[1] * scale) / 2
    page.mouse.click(left + 40 * scale, top + 40 * scale)
    page.wait_for_function(
        "() => ['channel-image', 'channel-vis', 'channel-examples'].every(id => {"
        " const i = document.querySelector('#' + id + ' img'); return i && i.complete && i.naturalWidth > 0 })",
        timeout=120_000,
    )
    page.locator("#channel-verdict").wait_for(state="visible", timeout=30_000)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_click_a_channel_shows_three_panels(browser, channel_server, lang):
    page = browser.new_page(viewport={"width": 1280, "height": 720}, locale="ko-KR" if lang == "ko" else "en-US")
    page.goto(channel_server)
    banner = "학습되지 않은" if lang == "ko" else "Untrained weights"
    page.get_by_text(banner).first.wait_for(timeout=60_000)
    _open_channel(page, "분석" if lang == "ko" else "Analyze")
    # The stage and channel of the clicked tile are in the inspector: the strongest layer3 channel.
    assert page.locator("#channel-id input").input_value().isdigit()
    for elem_id in ("channel-image", "channel-vis", "channel-examples"):
        assert _image_loaded(page, elem_id), elem_id
    verdict = page.locator("#channel-verdict").inner_text()
    captions = " ".join(
        page.locator(f"#{c}").inner_text()
        for c in ("channel-map-caption", "channel-vis-caption", "channel-examples-caption")
    )
    if lang == "ko":
        assert "학습되지 않은" in verdict and "시각화" in verdict and "참조 이미지: 5장" in verdict
        assert "특징 시각화" in captions and "데이터셋 예시" in captions
    else:
        assert "untrained (random)" in verdict and "visualisation" in verdict and "best reference image" in verdict
        assert "Reference set: 5 images" in verdict  # the 4 bundled photos + the --reference folder's one
        assert "Feature visualisation" in captions and "Dataset examples" in captions
    # The visualisation is a real picture of the requested size, not a placeholder.
    size = page.evaluate("() => document.querySelector('#channel-vis img').naturalWidth")
    assert size == 64 * 4  # 64 px, each pixel a 4×4 block (at least 256 px shown)
    if SHOTS:
        page.locator("#channel-vis").scroll_into_view_if_needed()
        time.sleep(0.5)
        page.screenshot(path=str(Path(SHOTS) / f"channel-{lang}-1280x720.png"))
    page.close()


def test_channel_story_api(channel_server):
    from gradio_client import Client, handle_file

    client = Client(channel_server, verbose=False)
    answer = client.predict(
        handle_file(str(EXAMPLES / "chelsea.jpg")),
        "resnet18",
        "DEFAULT",
        "gradcam",
        "",
        "conv4_x",
        37,
        "mean",
        api_name="/channel_story",
    )
    assert (answer["stage"], answer["channel"], answer["objective"]) == ("layer3", 37, "mean")
    assert answer["untrained"] is True and answer["vis_size"] == 64 and answer["steps"] == 4
    assert len(answer["top_examples"]) == 5  # 4 bundled + the --reference folder's one
    activations = [e["activation"] for e in answer["top_examples"]]
    assert activations == sorted(activations, reverse=True)
    try:
        client.predict(
            handle_file(str(EXAMPLES / "chelsea.jpg")),
            "resnet18",
            "DEFAULT",
            "gradcam",
            "",
            "conv4_x",
            999,
            "mean",
            api_name="/channel_story",
        )
    except Exception as err:  # gradio_client raises the server's message
        assert "does not exist here" in str(err)
    else:
        raise AssertionError("channel 999 was accepted")
