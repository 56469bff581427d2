import sys
from pathlib import Path

import bad_inputs
import numpy as np
import pytest
import skimage.data

import resnet_viz
from resnet_viz.images import load_image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import serverkit  # noqa: E402  (the benchmarks' photos)

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


def test_a_phone_photo_is_decoded_small_for_the_network_and_the_network_sees_the_same(resnet18):
    from resnet_viz.analysis import preprocess
    from resnet_viz.images import DECODE_FOR_NETWORK

    photo = serverkit.phone_photo(grain=25.0)
    full, small = load_image(photo), load_image(photo, at_least=DECODE_FOR_NETWORK)
    assert full.size == (4032, 3024) and small.size == (1008, 756)  # libjpeg's 1/4 scale, shorter side ≥ 512
    assert DECODE_FOR_NETWORK >= 2 * max(resnet18.transforms.resize_size)
    seen_full, batch_full = preprocess(resnet18.transforms, full)
    seen_small, batch_small = preprocess(resnet18.transforms, small)
    difference = np.abs(np.asarray(seen_full).astype(int) - np.asarray(seen_small).astype(int))
    assert seen_full.size == seen_small.size == (224, 224)
    assert difference.mean() < 0.6 and difference.max() <= 6  # grey levels; measured 0.41 and 4
    assert 0 < difference.mean()  # it did decode differently: the comparison compares something


def test_small_photos_pngs_and_rotated_phone_photos_with_at_least():
    import io

    from PIL import Image

    chelsea_jpeg = io.BytesIO()
    Image.fromarray(skimage.data.chelsea()).save(chelsea_jpeg, "JPEG", quality=90)
    assert load_image(chelsea_jpeg.getvalue(), at_least=512).size == (451, 300)  # below 2× the side: all pixels
    png = io.BytesIO()
    Image.fromarray(np.zeros((3024, 4032, 3), np.uint8)).save(png, "PNG", compress_level=1)
    assert load_image(png.getvalue(), at_least=512).size == (4032, 3024)  # only JPEG has the cheap scales
    assert load_image(serverkit.phone_photo(grain=25.0, exif_orientation=6), at_least=512).size == (
        756,
        1008,
    )  # still upright


def test_a_truncated_phone_photo_is_refused_with_at_least():
    photo = serverkit.phone_photo(grain=5.0)
    with pytest.raises(resnet_viz.ImageInputError, match="truncated or damaged"):
        load_image(photo[: len(photo) // 2], name="cut.jpg", at_least=512)
