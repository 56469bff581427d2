import numpy as np
import torch
from PIL import Image

import resnet_viz
from resnet_viz.analysis import preprocess
from resnet_viz.capture import capture_stage_outputs
from resnet_viz.render import (
    TILE,
    cam_overlay,
    channel_overlay,
    encode_png,
    feature_grid,
    render_stages,
    strongest_channels,
)


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

    result = resnet_viz.analyze(resnet18, chelsea)
    layer3 = render_stages(result)[3]
    # the photo and an overlay (RGB, run-length strategy), a feature grid (palette, default strategy)
    for image in (result.image, layer3.overlay, layer3.grid):
        data = encode_png(image)
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        decoded = Image.open(io.BytesIO(data))
        assert decoded.mode == image.mode
        assert np.array_equal(np.asarray(decoded), np.asarray(image))
        if image.mode == "P":
            assert decoded.getpalette() == image.getpalette()


def test_palette_png_writer_round_trips_any_indices():
    """Our "Up"-filtered palette PNG decodes (by Pillow) to the same indices and palette: rows that
    repeat, rows whose differences wrap below 0, one row, one column, odd sizes."""
    import io

    from resnet_viz.render import _palette, encode_palette_png

    generator = np.random.default_rng(0)
    repeated = np.repeat(generator.integers(0, 256, (7, 41), dtype=np.uint8), 12, axis=0)  # like a tile's rows
    wraps = np.array([[0, 255, 0], [255, 0, 255], [1, 254, 3]], dtype=np.uint8)
    for indices in (
        repeated,
        wraps,
        generator.integers(0, 256, (1, 50), dtype=np.uint8),
        generator.integers(0, 256, (33, 1), dtype=np.uint8),
        generator.integers(0, 256, (29, 17), dtype=np.uint8),
    ):
        palette = _palette("magma")
        decoded = Image.open(io.BytesIO(encode_palette_png(indices, palette)))
        assert decoded.mode == "P" and decoded.size == indices.shape[::-1]
        assert np.array_equal(np.asarray(decoded), indices)
        assert decoded.getpalette() == palette


def test_overlay_is_grad_cams_show_cam_on_image_within_one_level(resnet18, chelsea):
    from pytorch_grad_cam.utils.image import show_cam_on_image

    result = resnet_viz.analyze(resnet18, chelsea)
    rgb = np.float32(result.image) / 255
    for name in ("layer1", "layer4"):
        cam = result.stage(name).cam
        for alpha in (0.3, 0.5):
            ours = np.asarray(cam_overlay(result.image, cam, alpha)).astype(int)
            theirs = show_cam_on_image(rgb, cam, use_rgb=True, image_weight=1 - alpha).astype(int)
            assert np.abs(ours - theirs).max() <= 1, (name, alpha)


def test_device_path_on_the_cpu_draws_what_the_numbers_say(resnet18, chelsea):
    """render_stages on device="cpu" runs the device code (LUT, integer blend, tensor grids, one
    host copy); its pixels are checked against an independent NumPy construction."""
    from resnet_viz.render import COLOR_LEVELS, GAP, render_stages

    result = resnet_viz.analyze(resnet18, chelsea)
    pictures = render_stages(result, n_channels=9, device="cpu")
    layer2 = result.stage("layer2").activation.numpy()
    means = layer2.mean(axis=(1, 2))
    ids = list(np.argsort(-means, kind="stable")[:9])
    assert pictures[2].channels == ids
    indices = np.asarray(pictures[2].grid)  # palette indices
    assert indices.shape == (3 * TILE + 2 * GAP,) * 2
    for position, channel in enumerate(ids):
        row, column = divmod(position, 3)
        channel_map = layer2[channel]
        scaled = (channel_map - channel_map.min()) / max(channel_map.max() - channel_map.min(), 1e-6)
        nearest = np.floor(np.arange(TILE) * channel_map.shape[0] / TILE).astype(int)
        expected = np.round(scaled[nearest][:, nearest] * (COLOR_LEVELS - 1))
        tile = indices[
            row * (TILE + GAP) : row * (TILE + GAP) + TILE, column * (TILE + GAP) : column * (TILE + GAP) + TILE
        ]
        below_label = slice(20, TILE)  # the label patch covers the top-left corner
        assert np.abs(tile[below_label].astype(int) - expected[below_label]).max() <= 1
    assert (indices[TILE : TILE + GAP] == 255).all()  # white gaps
    cpu_overlay = np.asarray(cam_overlay(result.image, result.stage("layer3").cam)).astype(int)
    assert np.array_equal(np.asarray(pictures[3].overlay).astype(int), cpu_overlay)


def test_bytes_to_host_is_one_copy_of_mixed_tensors():
    from resnet_viz.render import bytes_to_host

    tensors = [
        torch.arange(12, dtype=torch.uint8).reshape(3, 4),
        torch.tensor([5, 2047, 3]),
        torch.zeros(2, 2, 3, dtype=torch.uint8),
    ]
    back = bytes_to_host(tensors)
    assert [b.dtype for b in back] == [np.uint8, np.int64, np.uint8]
    for tensor, array in zip(tensors, back):
        assert np.array_equal(tensor.numpy(), array)


def test_grid_is_the_resized_padded_tiles_of_its_channels():
    """The one-gather grid equals the obvious construction: each channel min-max scaled, quantised,
    resized with F.interpolate (nearest), padded with white gaps, tiled row by row, blanks white."""
    import torch.nn.functional as F

    from resnet_viz.render import COLOR_LEVELS, GAP, WHITE, grid_indices

    generator = torch.Generator().manual_seed(0)
    for count, (channels, height, width) in [
        (16, (64, 56, 56)),
        (8, (512, 7, 7)),
        (10, (30, 13, 9)),
        (64, (256, 14, 14)),
    ]:
        activation = torch.randn(channels, height, width, generator=generator)
        for layout in (torch.contiguous_format, torch.channels_last):
            held = activation[None].contiguous(memory_format=layout)[0]
            indices, ids = grid_indices(held, count)
            assert ids.tolist() == activation.mean(dim=(1, 2)).topk(count).indices.tolist()
            maps = activation[ids]
            low = maps.amin(dim=(1, 2), keepdim=True)
            high = maps.amax(dim=(1, 2), keepdim=True)
            levels = ((maps - low) / (high - low) * (COLOR_LEVELS - 1)).round()
            tiles = F.interpolate(levels[:, None], size=(TILE, TILE), mode="nearest")[:, 0].to(torch.uint8)
            columns = int(np.ceil(np.sqrt(count)))
            rows = -(-count // columns)
            expected = torch.full((rows * (TILE + GAP) - GAP, columns * (TILE + GAP) - GAP), WHITE, dtype=torch.uint8)
            for position in range(count):
                row, column = divmod(position, columns)
                expected[
                    row * (TILE + GAP) : row * (TILE + GAP) + TILE, column * (TILE + GAP) : column * (TILE + GAP) + TILE
                ] = tiles[position]
            assert indices.shape == expected.shape
            assert torch.equal(indices, expected), (count, channels, height, width, layout)


def test_to_host_keeps_values_shapes_and_channels_last_layout(resnet18, chelsea):
    from resnet_viz.analysis import to_host

    nchw = torch.randn(2, 5, 3, 4)
    nhwc = torch.randn(2, 5, 3, 4).contiguous(memory_format=torch.channels_last)
    others = [torch.randn(7), torch.randn(3, 2), torch.randn(1, 6, 1, 1).contiguous(memory_format=torch.channels_last)]
    back = to_host([nchw, nhwc, *others, nhwc.double()])
    for tensor, copy in zip([nchw, nhwc, *others, nhwc], back):
        assert copy.shape == tensor.shape and copy.dtype == torch.float32
        assert torch.equal(copy, tensor.float())
    assert back[0].is_contiguous() and back[1].is_contiguous(memory_format=torch.channels_last)
    # what the CPU model hands to the analysis is channels-last; the analysis' stages keep its values
    assert resnet18.module.conv1.weight.is_contiguous(memory_format=torch.channels_last)
    result = resnet_viz.analyze(resnet18, chelsea)
    with torch.no_grad(), capture_stage_outputs(resnet18.module) as outputs:
        resnet18.module(preprocess(resnet18.transforms, Image.fromarray(chelsea))[1])
    for stage in result.stages:
        assert torch.allclose(stage.activation, outputs[stage.name][0].contiguous(), atol=1e-5)


def test_browser_jpeg_is_close_to_lossless_and_files_stay_lossless(resnet18, chelsea):
    import io

    from PIL import Image

    from resnet_viz.render import encode_jpeg

    result = resnet_viz.analyze(resnet18, chelsea)
    overlay = cam_overlay(result.image, result.stage("layer3").cam)
    decoded = np.asarray(Image.open(io.BytesIO(encode_jpeg(overlay)))).astype(float)
    mse = np.mean((decoded - np.asarray(overlay).astype(float)) ** 2)
    assert 10 * np.log10(255**2 / mse) > 38  # dB: invisible on a heatmap
