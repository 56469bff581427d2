import numpy as np
import torch

import resnet_viz
from resnet_viz.render import TILE, cam_overlay, channel_overlay, encode_png, feature_grid, render_stages, strongest_channels


def test_feature_grid_tiles_the_strongest_channels_with_their_ids():
    activation = torch.zeros(32, 7, 7)
    activation[5] = 3.0
    activation[5, 6, 6] = 0.0  # one dark cell, bottom right, so the tile has contrast
    activation[9] = 1.0
    assert strongest_channels(activation, 2) == [5, 9]
    grid, channels = feature_grid(activation, n_channels=16)
    assert channels[:2] == [5, 9] and len(channels) == 16
    width, height = grid.size
    assert width == height == 4 * TILE + 3 * 3
    assert grid.mode == "P"  # palette: one byte per pixel to encode
    pixels = np.asarray(grid.convert("RGB"))
    # channel 5's tile, nearest-upsampled: viridis' darkest in the bottom-right cell, its brightest elsewhere
    tile = pixels[:TILE, :TILE]
    assert tuple(tile[-3, -3]) == (68, 1, 84)
    assert tuple(tile[TILE // 2, TILE // 2]) == (253, 231, 37)
    # a label box was drawn in the corner: pure black pixels exist
    assert (tile[:12, :30] == 0).all(axis=2).any()


def test_grid_size_follows_the_channel_count(resnet18, chelsea):
    result = resnet_viz.analyze(resnet18, chelsea)
    small, _ = feature_grid(result.stage("layer1").activation, 8)
    large, ids = feature_grid(result.stage("layer1").activation, 64)
    assert len(ids) == 64 and large.size[0] > small.size[0]
    means = result.stage("layer1").activation.mean(dim=(1, 2))
    assert ids == means.argsort(descending=True)[:64].tolist()


def test_overlays_are_rgb_at_the_displayed_size(resnet18, chelsea):
    result = resnet_viz.analyze(resnet18, chelsea)
    rendered = render_stages(result)
    assert [r.name for r in rendered] == ["maxpool", "layer1", "layer2", "layer3", "layer4"]
    assert rendered[0].overlay is None
    for stage in rendered[1:]:
        assert stage.overlay.size == result.image.size and stage.overlay.mode == "RGB"
    hot = np.zeros((224, 224), np.float32)
    hot[:50, :50] = 1.0
    overlay = np.asarray(cam_overlay(result.image, hot, alpha=0.9)).astype(int)
    # jet: hot corner is red, cold rest is blue
    assert overlay[10, 10, 0] > overlay[10, 10, 2] and overlay[200, 200, 2] > overlay[200, 200, 0]
    single = channel_overlay(result.image, result.stage("layer4"), 3)
    assert single.size == (224, 224)


def test_png_encoding_is_lossless(resnet18, chelsea):
    import io
    from PIL import Image
    image = resnet_viz.analyze(resnet18, chelsea).image
    data = encode_png(image)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(data))), np.asarray(image))
