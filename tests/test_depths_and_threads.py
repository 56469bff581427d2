from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import skimage.data
import torch

import resnet_viz
from resnet_viz.models import MODEL_NAMES

EXPECTED_CHANNELS = {
    "resnet18": 512,
    "resnet34": 512,
    "resnet50": 2048,
    "resnet101": 2048,
    "resnet152": 2048,
    "resnext50_32x4d": 2048,
    "resnext101_32x8d": 2048,
    "resnext101_64x4d": 2048,
    "wide_resnet50_2": 2048,
    "wide_resnet101_2": 2048,
}


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_every_depth_analyses_on_cpu(name, chelsea):
    loaded = resnet_viz.load_model(name, weights="random", device="cpu")
    result = resnet_viz.analyze(loaded, chelsea)
    assert [s.level for s in result.stages] == ["C1", "C2", "C3", "C4", "C5"]
    assert result.stage("layer4").shape == (EXPECTED_CHANNELS[name], 7, 7)
    assert result.stage("conv1").shape == (64, 56, 56)
    assert all(s.cam.shape == (224, 224) for s in result.stages[1:])
    resnet_viz.models.clear_model_cache()


def test_concurrent_requests_get_their_own_results(resnet18):
    """Gradio runs handlers in threads: same answers as one at a time, CAM arrays included."""
    photos = [skimage.data.chelsea(), skimage.data.coffee(), skimage.data.astronaut(), skimage.data.rocket()]
    jobs = [
        (photos[i % 4], [None, 281, 504, 1][i % 4], ["gradcam", "layercam", "hirescam", "gradcam++"][i % 4])
        for i in range(8)
    ]
    alone = [resnet_viz.analyze(resnet18, img, target=t, method=m) for img, t, m in jobs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(lambda job: resnet_viz.analyze(resnet18, job[0], target=job[1], method=job[2]), jobs))
    for a, b in zip(alone, together):
        assert a.predictions == b.predictions and a.target == b.target
        for sa, sb in zip(a.stages, b.stages):
            torch.testing.assert_close(sa.activation, sb.activation)
            if sa.cam is not None:
                np.testing.assert_allclose(sa.cam, sb.cam, atol=1e-6)


@pytest.mark.parametrize("preset, expected", [(None, "30000"), ("7", "7")])
def test_openmp_spin_is_shortened_before_torch_loads_unless_the_user_set_it(preset, expected):
    """Idle OpenMP teams of other threads must not spin on the server's two cores for 300,000 rounds
    after every op; the setting only works if it is in place before torch (libgomp) is loaded. The
    server's start-up (app.py, `serve`) sets it; `import resnet_viz` does not (test_server_settings)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k != "GOMP_SPINCOUNT"}
    if preset is not None:
        env["GOMP_SPINCOUNT"] = preset
    script = "import sys, os, app; assert 'torch' not in sys.modules; print(os.environ['GOMP_SPINCOUNT'])"
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert out.stdout.strip().splitlines()[-1] == expected
