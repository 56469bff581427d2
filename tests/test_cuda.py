"""On a GPU (skipped without one; benchmarks/device_check.sh runs these): the analysis, a batch of
them and the service's micro-batcher give on CUDA what they give on the CPU."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

import resnet_viz
from resnet_viz.analysis import analyze_batch
from resnet_viz.service import Analyzer
from resnet_viz.stages import CAM_STAGES

pytestmark = [pytest.mark.cuda, pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")]


def _close(got, expected, atol=2e-3):
    # cuDNN picks its own convolution algorithms (and may use TF32), so the device's numbers are
    # near the CPU's, not equal to them.
    assert got.target.index == expected.target.index
    np.testing.assert_allclose([p for _, p in got.predictions], [p for _, p in expected.predictions], atol=atol)
    for name in CAM_STAGES:
        np.testing.assert_allclose(got.stage(name).cam, expected.stage(name).cam, atol=0.05, err_msg=name)


def test_cuda_analysis_matches_the_cpu(chelsea):
    cpu = resnet_viz.load_model("resnet18", "DEFAULT", "cpu")
    gpu = resnet_viz.load_model("resnet18", "DEFAULT", "cuda")
    gpu.module.load_state_dict(cpu.module.state_dict())  # the same (random, offline) weights on both
    got = resnet_viz.analyze(gpu, chelsea, target=281, contrast=285)
    assert got.device.startswith("cuda") and got.stage("layer4").activation.device.type == "cpu"
    _close(got, resnet_viz.analyze(cpu, chelsea, target=281, contrast=285))


def test_cuda_batch_equals_each_single_analysis(chelsea, coffee):
    loaded = resnet_viz.load_model("resnet50", "DEFAULT", "cuda")
    photos = [chelsea, coffee, np.ascontiguousarray(chelsea[::-1])]
    targets, contrasts = [None, "281", 7], [None, None, 1]
    batched = analyze_batch(loaded, photos, targets, contrasts)
    for photo, target, contrast, got in zip(photos, targets, contrasts, batched):
        alone = resnet_viz.analyze(loaded, photo, target=target, contrast=contrast)
        assert got.target.index == alone.target.index
        for name in CAM_STAGES:
            np.testing.assert_allclose(got.stage(name).cam, alone.stage(name).cam, atol=1e-3, err_msg=name)


def test_cuda_micro_batcher_answers_each_request(tmp_path, chelsea, coffee):
    from PIL import Image

    paths = []
    for index, photo in enumerate([chelsea, coffee] * 4):
        path = tmp_path / f"p{index}.png"
        Image.fromarray(np.ascontiguousarray(photo if index < 2 else photo[:, ::-1])).save(path)
        paths.append(str(path))
    analyzer = Analyzer(device="cuda", batch_window=0.5, max_batch=8)
    answers: list = [None] * len(paths)
    barrier = threading.Barrier(len(paths))

    def one(index):
        barrier.wait(timeout=60)
        answers[index] = analyzer.analysis(paths[index], "resnet18", "DEFAULT", "gradcam", str(index))[1]

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(paths))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert max(analyzer.batcher.stats.sizes) > 1
    loaded = analyzer.model("resnet18", "DEFAULT")
    for index, path in enumerate(paths):
        alone = resnet_viz.analyze(loaded, resnet_viz.load_image(path), target=index)
        assert answers[index].target.index == index
        np.testing.assert_allclose(answers[index].stage("layer3").cam, alone.stage("layer3").cam, atol=1e-3)
