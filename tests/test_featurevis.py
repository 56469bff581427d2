"""Feature visualisation: it excites its objective more than every reference photo, is the same for
the same seed, is cached (counted), and conv1's tiles are its weights."""

import numpy as np
import pytest
import torch
from PIL import Image

from resnet_viz.errors import ModelChoiceError
from resnet_viz.featurevis import (
    FeatureVisCache,
    FourierImage,
    VisRequest,
    conv1_filters,
    forward_to,
    measure,
    stage_channels,
    visualise,
)
from resnet_viz.reference import ReferenceCache, best_reference, reference_set_for, stage_outputs


@pytest.fixture(scope="module")
def references(resnet18):
    return ReferenceCache().activations(resnet18, reference_set_for(resnet18))


@pytest.mark.parametrize(
    "stage, channel, objective", [("layer2", 5, "mean"), ("layer3", 37, "max"), ("layer4", 281, "logit")]
)
def test_visualisation_beats_every_reference_image(resnet18, references, stage, channel, objective):
    vis = visualise(resnet18, VisRequest(stage, channel, objective, size=64, steps=12, seed=0))
    if objective == "logit":
        values = references.logits[:, channel]
    else:
        table = references.mean if objective == "mean" else references.peak
        values = table[stage][:, channel]
    assert len(values) == 4  # the four bundled photos
    assert vis.activation > values.max(), (vis.activation, values)
    assert best_reference(references, stage, channel, objective)[1] == pytest.approx(float(values.max()))
    # The reported activation is the objective of the returned picture itself (8-bit, as shown).
    pixels = torch.from_numpy(np.array(vis.image)).permute(2, 0, 1)[None].float() / 255
    assert float(measure(resnet18, vis.request, pixels)[0]) == pytest.approx(vis.activation, rel=0.05)
    assert vis.image.size == (64, 64) and vis.image.mode == "RGB"


def test_deterministic_per_seed(resnet18):
    request = VisRequest("layer2", 11, "mean", size=64, steps=4, seed=3)
    first, second = visualise(resnet18, request), visualise(resnet18, request)
    assert np.array_equal(np.asarray(first.image), np.asarray(second.image))
    assert first.history == second.history
    other = visualise(resnet18, VisRequest("layer2", 11, "mean", size=64, steps=4, seed=4))
    assert not np.array_equal(np.asarray(first.image), np.asarray(other.image))


def test_cache_counts_optimisations(resnet18):
    cache = FeatureVisCache()
    request = VisRequest("layer1", 2, "mean", size=64, steps=2)
    calls = []
    first = cache.visualise(resnet18, request, progress=lambda step, total: calls.append(step))
    again = cache.visualise(
        resnet18, VisRequest("conv2_x", 2, "mean", size=64, steps=2)
    )  # the same stage by its paper name
    assert cache.computed == 1 and again is first and calls == [1, 2]
    cache.visualise(resnet18, VisRequest("layer1", 3, "mean", size=64, steps=2))
    cache.visualise(resnet18, VisRequest("layer1", 2, "max", size=64, steps=2))
    assert cache.computed == 3
    assert cache.get(resnet18, request) is first


def test_stage_outputs_match_the_module(resnet18):
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        outputs = stage_outputs(resnet18.module, x)
        assert torch.allclose(outputs["fc"], resnet18.module(x), atol=1e-4)
        for stage in ("maxpool", "layer1", "layer2", "layer3", "layer4"):
            assert torch.equal(forward_to(resnet18.module, stage, x), outputs[stage])
            assert stage_channels(resnet18.module, stage) == outputs[stage].shape[1]


def test_fourier_image_is_valid_rgb():
    image = FourierImage(48, torch.Generator().manual_seed(0))()
    assert image.shape == (1, 3, 48, 48) and 0 <= image.min() and image.max() <= 1


def test_bad_requests_say_what_exists(resnet18):
    with pytest.raises(ModelChoiceError, match="0 to 255"):
        visualise(resnet18, VisRequest("layer3", 256, "mean", 64, 1))
    with pytest.raises(ModelChoiceError, match="Unknown objective"):
        visualise(resnet18, VisRequest("layer3", 1, "median", 64, 1))
    with pytest.raises(ModelChoiceError, match="Unknown stage"):
        visualise(resnet18, VisRequest("layer9", 1, "mean", 64, 1))
    with pytest.raises(ModelChoiceError, match="Class 1000"):
        visualise(resnet18, VisRequest("layer4", 1000, "logit", 64, 1))


def test_conv1_tiles_are_the_weights(resnet18):
    picture = conv1_filters(resnet18.module, scale=5, gap=3)
    weights = resnet18.module.conv1.weight.detach().float()
    assert picture.size == (8 * 35 + 7 * 3, 8 * 35 + 7 * 3)
    pixels = np.asarray(picture)
    for index in (0, 9, 63):
        row, column = divmod(index, 8)
        tile = pixels[row * 38 : row * 38 + 35 : 5, column * 38 : column * 38 + 35 : 5]  # one pixel per weight
        w = weights[index]
        expected = np.uint8(np.round((0.5 + 0.5 * w / w.abs().max()).permute(1, 2, 0).numpy() * 255))
        assert np.array_equal(tile, expected)
    assert isinstance(picture, Image.Image) and picture.mode == "RGB"
