"""16 clients at once against one server, each with its own photo, class and CAM method: every
answer equals the same request made alone, CAM arrays included."""

from __future__ import annotations

import io
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import resnet_viz
from resnet_viz.cam import CAM_METHODS
from resnet_viz.images import load_image
from resnet_viz.render import render_encoded
from resnet_viz.service import UI_PHOTO_FORMAT

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import serverkit  # noqa: E402

pytestmark = pytest.mark.e2e

METHODS = ["gradcam", "gradcam++", "xgradcam", "hirescam", "layercam"]
TARGETS = ["", "281", "504", "1", "954", "tabby", "", "7"]


def test_16_clients_get_exactly_their_own_answers(http_app, tmp_path):
    analyzer = http_app.analyzer
    loaded = analyzer.model("resnet18", "DEFAULT")
    requests = []
    for index, photo in enumerate(serverkit.photos(16)):
        path = serverkit.save_with_nonce(photo, tmp_path / f"p{index}.png", f"concurrency-{index}")
        requests.append((path, METHODS[index % len(METHODS)], TARGETS[index % len(TARGETS)]))

    # The same requests made alone, one after another, in this process.
    alone = []
    for path, method, target in requests:
        result = resnet_viz.analyze(loaded, load_image(path.read_bytes()), target=target or None, method=method)
        _, stages = render_encoded(result, photo_format=UI_PHOTO_FORMAT)
        alone.append((result, [np.asarray(Image.open(io.BytesIO(s.overlay_bytes)).convert("RGB")) for s in stages[1:]]))

    answers: dict[int, tuple] = {}
    failures: list[BaseException] = []
    barrier = threading.Barrier(16)

    def one_client(index: int) -> None:
        try:
            client = serverkit.connect(http_app.url)
            path, method, target = requests[index]
            barrier.wait(timeout=60)
            answers[index] = serverkit.analyze(client, path, "resnet18", method, target, weights="DEFAULT")
        except BaseException as err:  # surfaced below, with the others
            failures.append(err)

    threads = [threading.Thread(target=one_client, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not failures, failures
    assert len(answers) == 16

    for index, (path, method, target) in enumerate(requests):
        result, overlays = alone[index]
        outputs = answers[index]
        confidences = outputs[1]["confidences"]
        assert [c["label"] for c in confidences] == [label for label, _ in result.predictions]
        np.testing.assert_allclose(
            [c["confidence"] for c in confidences], [p for _, p in result.predictions], atol=1e-6
        )
        assert f"class {result.target.index}," in outputs[2] and CAM_METHODS[method].label in outputs[2]
        # the pictures the client got are the ones the lone request makes, pixel for pixel
        cam_pictures = [outputs[3 + 3 * stage + 2] for stage in range(1, 5)]
        for got, expected in zip(cam_pictures, overlays):
            assert np.array_equal(serverkit.pixels(got), expected)
        # and the numbers behind them: the server's own CAM arrays for this request
        key = analyzer.key(path.read_bytes(), "resnet18", "DEFAULT", method, target)
        entry = analyzer.cached(key)
        assert entry is not None, "the server's result for this request left its cache"
        served = entry[0]
        # concurrent requests run as one batch (service micro-batcher): same class, float sums within 1e-6
        assert (served.target.index, served.target.label) == (result.target.index, result.target.label)
        assert abs(served.target.probability - result.target.probability) < 1e-6
        for served_stage, alone_stage in zip(served.stages, result.stages):
            if alone_stage.cam is not None:
                np.testing.assert_allclose(served_stage.cam, alone_stage.cam, atol=1e-6)
                np.testing.assert_allclose(served_stage.cam_raw, alone_stage.cam_raw, rtol=1e-5, atol=1e-7)
