"""Concurrent analyses of one model and method run as one batch; every answer equals its own single
analysis, keeps its own class and contrast, and a bad request fails alone."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import torch
from PIL import Image

import resnet_viz
from resnet_viz.errors import ImageInputError, ModelChoiceError
from resnet_viz.microbatch import MicroBatcher
from resnet_viz.service import Analyzer
from resnet_viz.stages import CAM_STAGES


def _at_once(calls):
    """Run the callables on threads released together; each one's answer or exception, in order."""
    answers: list = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def one(index):
        barrier.wait(timeout=60)
        try:
            answers[index] = calls[index]()
        except BaseException as err:  # compared below
            answers[index] = err

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def test_batcher_groups_caps_and_fails_items_alone():
    seen: list[tuple] = []

    def run(group, items):
        seen.append((group, list(items)))
        time.sleep(0.05)  # the next batch collects while this one "computes"
        return [ValueError(f"bad {item}") if item < 0 else (group, item * 10) for item in items]

    batcher = MicroBatcher(run, window=0.3, max_batch=4)
    requests = [("a", 1), ("a", 2), ("b", 3), ("a", -4), ("a", 5), ("a", 6), ("b", 7)]
    answers = _at_once([lambda g=g, i=i: batcher.submit(g, i) for g, i in requests])
    for (group, item), answer in zip(requests, answers):
        if item < 0:
            assert isinstance(answer, ValueError) and str(answer) == f"bad {item}"
        else:
            assert answer == (group, item * 10)
    assert sorted(i for g, items in seen if g == "a" for i in items) == [-4, 1, 2, 5, 6]
    assert all(len(items) <= 4 for _, items in seen)
    assert sorted(len(items) for g, items in seen if g == "a") == [1, 4]  # 5 of "a": a full batch, then the rest
    assert sorted(len(items) for g, items in seen if g == "b") == [2]


def test_batcher_a_failing_run_reaches_every_caller_of_that_batch_only():
    def run(group, items):
        if group == "broken":
            raise RuntimeError("the device fell over")
        return list(items)

    batcher = MicroBatcher(run, window=0.2, max_batch=8)
    answers = _at_once(
        [lambda: batcher.submit("broken", 1), lambda: batcher.submit("broken", 2), lambda: batcher.submit("fine", 3)]
    )
    assert [str(a) for a in answers[:2]] == ["the device fell over"] * 2 and answers[2] == 3
    with pytest.raises(ValueError, match="at least 1"):
        MicroBatcher(run, max_batch=0)


@pytest.fixture(scope="module")
def photo_files(tmp_path_factory, chelsea, coffee):
    import skimage.data

    folder = tmp_path_factory.mktemp("class")
    arrays = [chelsea, coffee, skimage.data.astronaut(), skimage.data.rocket(), np.ascontiguousarray(chelsea[:, ::-1])]
    paths = []
    for index, array in enumerate(arrays):
        path = folder / f"p{index}.png"
        Image.fromarray(array).save(path)
        paths.append(str(path))
    bad = folder / "broken.png"
    bad.write_bytes(b"not an image at all")
    return paths, str(bad)


def test_concurrent_requests_are_one_batch_each_equal_to_its_own_analysis(photo_files):
    paths, bad = photo_files
    analyzer = Analyzer(device="cpu", batch_window=1.0, max_batch=8)
    loaded = analyzer.model("resnet18", "DEFAULT")
    alone_top1 = resnet_viz.analyze(loaded, resnet_viz.load_image(paths[3])).target.index
    # (photo, target, contrast): own classes and contrasts; one contrast equal to its automatic class
    # (known only after the forward pass) and one photo that cannot be read
    requests = [
        (paths[0], "", ""),
        (paths[1], "281", "285"),
        (paths[2], "tabby", ""),
        (paths[3], "", str(alone_top1)),
        (paths[4], "7", "1"),
        (bad, "", ""),
        (paths[0], "954", ""),
    ]
    forwards = []
    handle = loaded.module.fc.register_forward_hook(lambda *a: forwards.append(a[1][0].shape[0]))
    try:
        answers = _at_once(
            [lambda r=r: analyzer.analysis(r[0], "resnet18", "DEFAULT", "gradcam", r[1], r[2]) for r in requests]
        )
    finally:
        handle.remove()
    assert isinstance(answers[5], ImageInputError) and "broken.png" in str(answers[5])
    assert isinstance(answers[3], ModelChoiceError) and "contrast class is the target class" in str(answers[3])
    # the readable six met in one batch, which failed as a whole (request 3), and ran again one by one
    assert analyzer.batcher.stats.sizes == [6] and forwards[0] == 6 and sorted(forwards[1:]) == [1] * 6
    for index, (path, target, contrast) in enumerate(requests):
        if index in (3, 5):
            continue
        _, got = answers[index]
        alone = resnet_viz.analyze(
            loaded, resnet_viz.load_image(path), target=target or None, contrast=contrast or None
        )
        assert got.target.index == alone.target.index and (got.contrast is None) == (alone.contrast is None)
        if alone.contrast is not None:
            assert got.contrast.index == alone.contrast.index
        np.testing.assert_allclose([p for _, p in got.predictions], [p for _, p in alone.predictions], atol=1e-4)
        for name in CAM_STAGES:
            np.testing.assert_allclose(got.stage(name).cam, alone.stage(name).cam, atol=1e-4, err_msg=name)
        torch.testing.assert_close(
            got.stage("layer4").activation, alone.stage("layer4").activation, atol=1e-4, rtol=1e-4
        )
    assert answers[1][1].target.index == 281 and answers[1][1].contrast.index == 285
    assert answers[6][1].target.index == 954


def test_a_batch_without_a_failure_runs_once(photo_files):
    paths, _ = photo_files
    analyzer = Analyzer(device="cpu", batch_window=1.0, max_batch=3)
    loaded = analyzer.model("resnet18", "DEFAULT")
    methods = ["gradcam", "gradcam", "gradcam", "gradcam", "eigencam"]
    forwards = []
    handle = loaded.module.fc.register_forward_hook(lambda *a: forwards.append(a[1][0].shape[0]))
    try:
        answers = _at_once(
            [lambda p=p, m=m: analyzer.analysis(p, "resnet18", "DEFAULT", m, "") for p, m in zip(paths, methods)]
        )
    finally:
        handle.remove()
    assert all(isinstance(a, tuple) for a in answers), answers
    # four gradcam requests: a batch of three and one of one; eigencam is its own group
    assert sorted(analyzer.batcher.stats.sizes) == [1, 1, 3] and sorted(forwards) == [1, 1, 3]
    alone = resnet_viz.analyze(loaded, resnet_viz.load_image(paths[4]), method="eigencam")
    np.testing.assert_allclose(answers[4][1].stage("layer3").cam, alone.stage("layer3").cam, atol=1e-4)


@pytest.mark.e2e
def test_a_class_over_http_is_batched_and_every_answer_is_its_own(http_app, tmp_path):
    """bench_class's own measurement, small: 8 students at once against one after another, over HTTP."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import bench_class
    import serverkit

    server = serverkit.Server(None, http_app.url, "resnet18", tmp_path / "log")
    before = len(http_app.analyzer.batcher.stats.sizes)
    run = bench_class.run_api(server, tmp_path, "predict", 8)
    assert run["errors"] == [] and run["mismatches"] == []
    sizes = http_app.analyzer.batcher.stats.sizes[before:]
    assert sum(sizes) == 16 and max(sizes) > 1, sizes  # 8 alone, then the 8 at once in fewer batches
