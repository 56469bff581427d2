import numpy as np
import pytest
import skimage.data

import resnet_viz
from resnet_viz.images import load_image

import bad_inputs

CASES = bad_inputs.cases()


@pytest.mark.parametrize("name", list(CASES))
def test_every_upload_is_read_or_refused_with_a_clear_message(name):
    data, error = CASES[name]
    if error is None:
        image = load_image(data)
        assert image.mode == "RGB" and min(image.size) >= 16
    else:
        with pytest.raises(resnet_viz.ImageInputError, match=error):
            load_image(data)


def test_16_bit_grayscale_is_scaled_not_clipped_to_white():
    image = np.asarray(load_image(CASES["gray16"][0]))
    expected = skimage.data.camera()
    assert image.shape == expected.shape + (3,)
    assert np.abs(image[..., 0].astype(int) - expected).max() <= 1


@pytest.mark.parametrize("orientation", [6, 8])
def test_exif_orientation_is_applied(orientation):
    image = np.asarray(load_image(CASES[f"exif-{orientation}"][0])).astype(float)
    upright = skimage.data.chelsea().astype(float)
    assert image.shape == upright.shape  # 300×451 again, not 451×300
    assert np.abs(image - upright).mean() < 8  # JPEG noise only


def test_animated_gif_uses_the_first_frame():
    image = np.asarray(load_image(CASES["animated-gif"][0]))
    assert image.std() > 20  # the cat, not the blank second frame


def test_transparent_pixels_become_white():
    image = np.asarray(load_image(CASES["p-transparency"][0]))
    assert image.shape[2] == 3


def test_a_bad_upload_does_not_break_the_next_analysis(resnet18, chelsea):
    with pytest.raises(resnet_viz.ImageInputError):
        resnet_viz.analyze(resnet18, CASES["truncated-png"][0])
    result = resnet_viz.analyze(resnet18, chelsea)
    assert result.stage("layer4").cam.shape == (224, 224)
