"""Sanity checks: similarity measures against scipy/skimage, randomisation touches exactly what it
claims on a copy, the shared model is never changed (also after an error), same request = same strip."""

import copy
import json

import numpy as np
import pytest
import torch
from conftest import hook_counts
from scipy.stats import spearmanr
from skimage.metrics import structural_similarity

import resnet_viz
from resnet_viz import cli
from resnet_viz.trust import sanity
from resnet_viz.trust.similarity import spearman, ssim


def _maps():
    rng = np.random.default_rng(3)
    smooth = np.float32(np.clip(rng.normal(0.5, 0.3, (56, 56)), 0, 1))
    tied = np.round(smooth, 1)  # many ties, as CAMs have
    tied[:10] = 0
    other = np.float32(np.clip(smooth + rng.normal(0, 0.2, smooth.shape), 0, 1))
    return smooth, tied, other


def test_spearman_and_ssim_equal_scipy_and_skimage():
    smooth, tied, other = _maps()
    for a, b in ((smooth, other), (tied, other), (smooth, tied)):
        assert spearman(a, b) == pytest.approx(spearmanr(a.ravel(), b.ravel())[0], abs=1e-9)
        assert ssim(a, b) == pytest.approx(structural_similarity(a, b, data_range=1.0), abs=1e-6)
    assert spearman(smooth, smooth) == pytest.approx(1.0)
    assert np.isnan(spearman(smooth, np.zeros_like(smooth)))  # a flat map has no ranking


def _perturbed(model):
    """A copy whose every parameter and buffer differs from a fresh initialisation's."""
    changed = copy.deepcopy(model)
    generator = torch.Generator().manual_seed(5)
    with torch.no_grad():
        for name, value in changed.state_dict().items():
            if value.dtype.is_floating_point:
                value.add_(torch.rand(value.shape, generator=generator) + 0.1)
            else:
                value.fill_(7)  # num_batches_tracked
    return changed


def test_each_step_reinitialises_exactly_its_modules(resnet18):
    original = _perturbed(resnet18.module)
    work = copy.deepcopy(original)
    for step, (name, _modules) in enumerate(sanity.RANDOMIZATION_STEPS):
        sanity.randomize_step(work, step)
        claimed = sanity.step_parameters(original, range(step + 1))
        assert sorted(sanity.changed_parameters(original, work)) == sorted(claimed), name
    assert sorted(sanity.changed_parameters(original, work)) == sorted(original.state_dict())  # all, at the end
    assert all(not p.requires_grad for p in work.parameters())


def _fingerprint(loaded):
    module = loaded.module
    return (
        {k: v.clone() for k, v in module.state_dict().items()},
        [p.requires_grad for p in module.parameters()],
        hook_counts(module),
        module.training,
    )


def _same(a, b):
    assert a[0].keys() == b[0].keys() and all(torch.equal(a[0][k], b[0][k]) for k in a[0])
    assert a[1:] == b[1:]


def test_shared_model_untouched_and_strip_repeatable(resnet18, chelsea):
    before = _fingerprint(resnet18)
    first = sanity.cascading_randomization(resnet18, chelsea, "layer3")
    _same(before, _fingerprint(resnet18))
    assert [s.randomized_up_to for s in first.steps] == ["fc", "layer4", "layer3", "layer2", "layer1", "conv1"]
    for step in first.steps:
        assert step.cam.shape == (224, 224) and 0 <= step.cam.min() and step.cam.max() <= 1
    # The first step already changes a layer3 map: its gradient flows back through the new fc.
    assert not np.array_equal(first.original, first.steps[0].cam)
    # Same request, same strip: the first two steps again (the seeds are per step) give the same maps.
    work = sanity.private_copy(resnet18)
    for number in range(2):
        sanity.randomize_step(work.module, number)
    again = resnet_viz.analyze(work, chelsea, target=first.target).stage("layer3").cam
    assert np.array_equal(again, first.steps[1].cam)


def test_shared_model_untouched_after_an_error(resnet18, chelsea):
    before = _fingerprint(resnet18)

    def fail_midway(_fraction, step):
        if step == "layer2":
            raise RuntimeError("stopped")

    with pytest.raises(RuntimeError, match="stopped"):
        sanity.cascading_randomization(resnet18, chelsea, "layer4", progress=fail_midway)
    _same(before, _fingerprint(resnet18))
    assert not resnet18.lock.locked()


def test_class_check_picks_three_different_classes(resnet18, coffee):
    check = sanity.class_check(resnet18, coffee, "layer4")
    probabilities = sanity.class_probabilities(resnet18, coffee)
    assert check.top1 == int(probabilities.argmax()) and check.least_likely == int(probabilities.argmin())
    assert len({check.top1, check.random_class, check.least_likely}) == 3
    assert check.random_class == sanity.class_check(resnet18, coffee, "layer4").random_class  # fixed seed
    assert check.spearman_random == pytest.approx(spearman(check.cams[0], check.cams[1]), nan_ok=True)


def test_cli_trust_writes_schema_and_charts(tmp_path, capsys):
    image = tmp_path / "in.png"
    import skimage.data
    from PIL import Image

    Image.fromarray(skimage.data.chelsea()).save(image)
    code = cli.main(
        [
            "trust",
            str(image),
            "--model",
            "resnet18",
            "--device",
            "cpu",
            "--out",
            str(tmp_path / "out"),
            "--no-faithfulness",
            "--rf",
            "layer2:3,27",
        ]
    )
    assert code == 0
    report = json.loads((tmp_path / "out" / "trust.json").read_text())
    assert set(report) == {"model", "target", "stage", "sanity", "class_check", "faithfulness"}
    assert report["model"] == "resnet18" and report["stage"] == "layer4" and isinstance(report["target"], int)
    assert [s["randomized_up_to"] for s in report["sanity"]] == ["fc", "layer4", "layer3", "layer2", "layer1", "conv1"]
    assert set(report["class_check"]) == {"random_class", "spearman_random", "least_likely", "spearman_least"}
    for name in ("trust-sanity.png", "trust-class-check.png", "trust-rf-layer2-3-27.png"):
        picture = Image.open(tmp_path / "out" / name)
        assert picture.size[0] > 300 and np.asarray(picture.convert("L")).std() > 10
    out = capsys.readouterr().out
    assert "receptive field of layer2 (3,27)" in out and ("changes with the weights" in out or "Warning" in out)


@pytest.mark.parametrize(
    "rf, message",
    [("layer9:1,1", "Unknown stage"), ("layer4:7,0", "row and column must be 0 to 6"), ("layer4:1", "stage:row,col")],
)
def test_cli_trust_bad_unit_is_a_clear_error(tmp_path, capsys, rf, message):
    from PIL import Image

    image = tmp_path / "in.png"
    Image.new("RGB", (64, 64), "white").save(image)
    assert (
        cli.main(["trust", str(image), "--model", "resnet18", "--device", "cpu", "--out", str(tmp_path), "--rf", rf])
        == 2
    )
    assert message in capsys.readouterr().err
