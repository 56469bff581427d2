"""Turning an analysis into pictures: feature-map grids, CAM overlays, PNG bytes. No pyplot."""

from __future__ import annotations

import io
import math
import os
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import cv2
import matplotlib
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFont

from .analysis import AnalysisResult, StageResult

COLORMAPS: tuple[str, ...] = ("viridis", "magma", "inferno", "plasma", "cividis", "gray")
DEFAULT_CHANNELS = 16
MIN_CHANNELS, MAX_CHANNELS = 8, 64
TILE = 80  # px per channel tile: readable when projected, small enough to encode fast
GAP = 3
# Grids are palette images: one byte per pixel encodes ~3× faster than RGB and loses nothing.
# Indices 0..239 are the colormap, 240..255 a black-to-white ramp for the (antialiased) labels.
COLOR_LEVELS = 240
GREY_BASE = COLOR_LEVELS
WHITE = 255

_encoder_pool = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="png")


@lru_cache(maxsize=16)
def _palette(colormap: str) -> list[int]:
    """A 256-entry RGB palette: the colormap sampled at 240 levels, then 16 greys."""
    cmap = matplotlib.colormaps[colormap]
    colours = np.uint8(np.round(cmap(np.linspace(0, 1, COLOR_LEVELS))[:, :3] * 255))
    greys = np.repeat(np.uint8(np.round(np.linspace(0, 255, 256 - COLOR_LEVELS)))[:, None], 3, axis=1)
    return np.concatenate([colours, greys]).flatten().tolist()


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


@lru_cache(maxsize=4096)
def _label_patch(text: str, font_size: int) -> np.ndarray:
    """White text on a black box as palette indices, drawn once per (id, size): drawing text costs
    more than a tile."""
    font = _font(font_size)
    left, top, right, bottom = font.getbbox(text)
    patch = Image.new("L", (right + 6, bottom + 4), 0)
    ImageDraw.Draw(patch).text((3, 1), text, fill=255, font=font)
    patch_array = np.uint8(GREY_BASE + (np.asarray(patch).astype(np.uint16) * (255 - GREY_BASE) + 127) // 255)
    patch_array.setflags(write=False)
    return patch_array


def strongest_channels(activation: torch.Tensor, count: int) -> list[int]:
    """Channel ids ranked by mean activation, strongest first."""
    return _strongest(activation, count).tolist()


def _strongest(activation: torch.Tensor, count: int) -> torch.Tensor:
    count = max(1, min(count, activation.shape[0]))
    return activation.mean(dim=(1, 2)).topk(count).indices


def _normalise_per_channel(maps: torch.Tensor) -> torch.Tensor:
    flat = maps.reshape(maps.shape[0], -1)
    low, high = torch.aminmax(flat, dim=1)  # one pass, not two
    return ((flat - low[:, None]) / (high - low).clamp_min(1e-6)[:, None]).view(maps.shape)


def _grid_shape(count: int) -> tuple[int, int]:
    columns = math.ceil(math.sqrt(count))
    return math.ceil(count / columns), columns


@lru_cache(maxsize=64)
def _grid_sources(count: int, height: int, width: int, tile: int, device: str) -> torch.Tensor:
    """For every pixel of a grid of `count` tiles, the index of the map cell it shows in the
    flattened (count, height, width) maps, or count·height·width (a white pixel) for gaps and
    blank tiles. The nearest-neighbour mapping is F.interpolate's own, so tiles equal it."""
    cells = torch.arange(height * width, dtype=torch.float64).view(1, 1, height, width)
    tile_cells = F.interpolate(cells, size=(tile, tile), mode="nearest")[0, 0].long()
    rows, columns = _grid_shape(count)
    white = count * height * width
    sources = torch.full((rows * (tile + GAP), columns * (tile + GAP)), white, dtype=torch.long)
    for position in range(count):
        row, column = divmod(position, columns)
        y, x = row * (tile + GAP), column * (tile + GAP)
        sources[y : y + tile, x : x + tile] = tile_cells + position * height * width
    return sources[:-GAP, :-GAP].contiguous().to(device)


def grid_indices(activation: torch.Tensor, n_channels: int, tile: int = TILE) -> tuple[torch.Tensor, torch.Tensor]:
    """(palette indices of the tiled grid, channel ids) on the activation's device, without labels.

    Tiles are upsampled with nearest neighbour so a 7×7 layer4 map shows as 7×7 blocks:
    the coarseness is the lesson, not an artefact to smooth away. The maps are quantised at their
    own size and the grid is ONE gather from them (a cached index map), not a resize, pad and
    reshuffle per stage."""
    channels = _strongest(activation, n_channels)
    maps = _normalise_per_channel(activation[channels].float())
    levels = (maps * (COLOR_LEVELS - 1)).round().to(torch.uint8).flatten()
    white = torch.full((1,), WHITE, dtype=torch.uint8, device=levels.device)
    _, height, width = maps.shape
    sources = _grid_sources(len(channels), height, width, tile, str(levels.device))
    return torch.take(torch.cat([levels, white]), sources), channels


def _labelled_grid(indices: np.ndarray, channels: list[int], colormap: str, tile: int) -> Image.Image:
    """Channel ids drawn (as cached palette patches) into the tiles' corners, on the host."""
    canvas = np.array(indices, dtype=np.uint8, copy=True)
    _, columns = _grid_shape(len(channels))
    font_size = max(10, tile // 6)
    for position, channel in enumerate(channels):
        row, column = divmod(position, columns)
        y, x = row * (tile + GAP), column * (tile + GAP)
        label = _label_patch(f"#{channel}", font_size)
        height, width = label.shape[:2]
        canvas[y : y + min(height, tile), x : x + min(width, tile)] = label[:tile, :tile]
    grid = Image.fromarray(canvas)  # "L"; putpalette makes it "P"
    grid.putpalette(_palette(colormap))
    return grid


def feature_grid(
    activation: torch.Tensor,
    n_channels: int = DEFAULT_CHANNELS,
    colormap: str = "viridis",
    tile: int = TILE,
) -> tuple[Image.Image, list[int]]:
    """The n strongest channels of one stage (C, H, W), each min-max scaled, tiled with their ids."""
    n_channels = max(MIN_CHANNELS, min(MAX_CHANNELS, int(n_channels)))
    indices, channels = grid_indices(activation, n_channels, tile)
    return _labelled_grid(indices.cpu().numpy(), channels.tolist(), colormap, tile), channels.tolist()


@lru_cache(maxsize=8)
def _jet(device: str) -> torch.Tensor:
    """OpenCV's jet (what grad-cam's show_cam_on_image uses) as a 256-entry RGB lookup table."""
    bgr = cv2.applyColorMap(np.arange(256, dtype=np.uint8)[:, None], cv2.COLORMAP_JET)[:, 0]
    return torch.from_numpy(np.ascontiguousarray(bgr[:, ::-1])).to(device)


def overlay_pixels(image: torch.Tensor, cams: torch.Tensor, alpha: float = 0.5) -> torch.Tensor:
    """grad-cam's show_cam_on_image on the tensors' device:
    image (H, W, 3) uint8, cams (N, H, W) in [0, 1] -> (N, H, W, 3) uint8.

    The jet LUT is indexed by uint8(255·cam) as grad-cam does; the blend is integer-valued (weights
    in 1/256ths), then rescaled so its brightest channel is 255 (grad-cam's `cam / max(cam)`): within
    one grey level of grad-cam's float result (it truncates, we round). The integers are held in
    float32 (exact below 2**24) because integer division has no vector instructions on a CPU."""
    index = cams.mul(255).clamp_(0, 255).to(torch.uint8).long()
    weight = int(round(float(alpha) * 256))
    # index_select on the flattened map: twice as fast as advanced indexing on the CPU.
    blend = (_jet(str(cams.device)).float() * weight).index_select(0, index.flatten()).view(*index.shape, 3)
    blend += image.to(torch.float32).mul_(256 - weight)  # in place: one N×H×W×3 float buffer, not two
    peak = blend.amax(dim=(1, 2, 3), keepdim=True).clamp_min(1)
    return blend.mul_(255.0 / peak).round_().to(torch.uint8)


def _pixels(image: Image.Image) -> torch.Tensor:
    return torch.from_numpy(np.array(image.convert("RGB")))  # a writable copy: torch refuses read-only arrays


def cam_overlay(image: Image.Image, cam: np.ndarray, alpha: float = 0.5) -> Image.Image:
    """The CAM as a jet heatmap over the image (grad-cam's blending, RGB)."""
    if cam.shape != (image.height, image.width):
        raise ValueError(f"CAM {cam.shape} and image {(image.height, image.width)} differ in size.")
    return Image.fromarray(
        overlay_pixels(_pixels(image), torch.as_tensor(np.asarray(cam, np.float32))[None], alpha)[0].numpy()
    )


def channel_overlay(image: Image.Image, stage: StageResult, channel: int, alpha: float = 0.5) -> Image.Image:
    """One channel of one stage, upsampled to the image and laid over it."""
    if not 0 <= channel < stage.activation.shape[0]:
        raise ValueError(f"{stage.label} has channels 0 to {stage.activation.shape[0] - 1}, not {channel}.")
    width, height = image.size
    single = stage.activation[channel][None, None].float()
    upsampled = F.interpolate(single, size=(height, width), mode="bilinear", align_corners=False)[0, 0]
    return cam_overlay(image, _normalise_per_channel(upsampled[None])[0].numpy(), alpha)


@dataclass(frozen=True)
class StageImages:
    name: str
    label: str
    shape_text: str
    grid: Image.Image
    channels: list[int]
    overlay: Image.Image | None


def render_device(result: AnalysisResult, device: str | torch.device | None = None) -> torch.device:
    """Where to draw: the device asked for, else the analysis' device when it is here (a result made on
    a GPU worker, e.g. ZeroGPU, may be rendered in a process without one), else the CPU."""
    if device is not None:
        return torch.device(device)
    made_on = torch.device(result.device)
    return made_on if made_on.type == "cpu" or torch.cuda.is_available() else torch.device("cpu")


def bytes_to_host(tensors: list[torch.Tensor]) -> list[np.ndarray]:
    """Tensors of any dtype -> host arrays in ONE device-to-host copy of their bytes (one sync)."""
    flat = torch.cat([t.contiguous().reshape(-1).view(torch.uint8) for t in tensors]).cpu().numpy()
    sizes = [t.numel() * t.element_size() for t in tensors]
    parts = np.split(flat, np.cumsum(sizes)[:-1])
    numpy_dtype = {torch.uint8: np.uint8, torch.int64: np.int64}
    return [part.view(numpy_dtype[t.dtype]).reshape(tuple(t.shape)) for part, t in zip(parts, tensors)]


@dataclass(frozen=True)
class _HostPixels:
    """What the device computed for every stage, as host arrays: overlays by stage name (RGB), and
    per stage its grid's palette indices (unlabelled) and channel ids."""

    overlays: dict[str, np.ndarray]
    grids: list[tuple[np.ndarray, list[int]]]


def _device_pixels(
    result: AnalysisResult, n_channels: int, alpha: float, device: str | torch.device | None
) -> _HostPixels:
    where = render_device(result, device)
    n_channels = max(MIN_CHANNELS, min(MAX_CHANNELS, int(n_channels)))
    cam_stages = [stage for stage in result.stages if stage.cam is not None]
    overlays = []
    if cam_stages:
        cams = torch.stack([torch.from_numpy(np.asarray(stage.cam, np.float32)) for stage in cam_stages]).to(where)
        overlays = [overlay_pixels(_pixels(result.image).to(where), cams, alpha)]
    grids = [grid_indices(stage.activation.to(where), n_channels) for stage in result.stages]
    host = bytes_to_host([*overlays, *(indices for indices, _ in grids), *(channels for _, channels in grids)])
    count = len(result.stages)
    indices_host, channels_host = host[len(overlays) : len(overlays) + count], host[len(overlays) + count :]
    return _HostPixels(
        dict(zip((s.name for s in cam_stages), host[0])) if overlays else {},
        [(indices, channels.tolist()) for indices, channels in zip(indices_host, channels_host)],
    )


def render_stages(
    result: AnalysisResult,
    n_channels: int = DEFAULT_CHANNELS,
    colormap: str = "viridis",
    alpha: float = 0.5,
    device: str | torch.device | None = None,
) -> list[StageImages]:
    """Every picture the UI shows per stage. Colormap indices, resizing and blending run on `device`
    (see render_device) for all stages at once, then one host copy of the uint8 pixels; the labels
    and the palette are applied on the host. Cheap: re-run it when only display options change."""
    pixels = _device_pixels(result, n_channels, alpha, device)
    pictures = []
    for stage, (indices, ids) in zip(result.stages, pixels.grids):
        overlay = pixels.overlays.get(stage.name)
        pictures.append(
            StageImages(
                stage.name,
                stage.label,
                stage.shape_text,
                _labelled_grid(indices, ids, colormap, TILE),
                ids,
                None if overlay is None else Image.fromarray(overlay),
            )
        )
    return pictures


@dataclass(frozen=True)
class EncodedStage:
    images: StageImages
    grid_png: bytes
    overlay_bytes: bytes | None


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")


def encode_palette_png(indices: np.ndarray, palette: list[int]) -> bytes:
    """An 8-bit palette PNG of (H, W) indices, every row after the first with PNG's "Up" filter.

    A feature grid's tiles are nearest-upsampled, so most rows repeat the row above: "Up" turns them
    into zeros, and zlib's run-length strategy packs those fastest (1.5 ms against Pillow's 2.5 for a
    16-channel 56×56 grid, the same size). zlib releases the GIL, so the grids encode in parallel."""
    height, width = indices.shape
    rows = np.empty((height, width + 1), np.uint8)
    rows[:, 0] = 2  # filter type "Up"; the first row's "above" is zeros, so it is stored as is
    rows[0, 1:] = indices[0]
    np.subtract(indices[1:], indices[:-1], out=rows[1:, 1:], dtype=np.uint8, casting="unsafe")  # mod 256
    compressor = zlib.compressobj(1, zlib.DEFLATED, 15, 9, zlib.Z_RLE)
    idat = compressor.compress(rows.data) + compressor.flush()
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 3, 0, 0, 0])  # 8-bit, palette
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"PLTE", bytes(palette))
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def encode_png(image: Image.Image) -> bytes:
    """PNG, lossless as heatmaps need, at a low compression level: 3× faster, ~20% larger. Photos and
    overlays (RGB) use zlib's run-length strategy: on four photos' overlays 16% faster and 12% smaller
    than the default strategy. Palette images (the grids) go through encode_palette_png."""
    if image.mode == "P" and "transparency" not in image.info:
        return encode_palette_png(np.asarray(image), image.getpalette())
    buffer = io.BytesIO()
    strategy = zlib.Z_RLE if image.mode in ("RGB", "RGBA", "L") else zlib.Z_DEFAULT_STRATEGY
    image.save(buffer, format="PNG", compress_level=1, compress_type=strategy)
    return buffer.getvalue()


def encode_webp(image: Image.Image) -> bytes:
    """Lossless WebP at the fastest effort: for photo-like RGB (overlays) 2.5× faster than PNG and smaller."""
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", lossless=True, quality=0, method=0)
    return buffer.getvalue()


def encode_jpeg(image: Image.Image) -> bytes:
    """JPEG q95, 4:4:4 chroma, for the browser only: ~10× faster than lossless WebP; PSNR ≈ 44 dB on
    the overlays (benchmarks/bench_analyze.py prints it), below what the eye sees on a heatmap.
    Files and figures stay lossless."""
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=95, subsampling=0)
    return buffer.getvalue()


PHOTO_ENCODERS = {"png": encode_png, "webp": encode_webp, "jpeg": encode_jpeg}
# What the web UI should send the input and the overlays as (service.UI_PHOTO_FORMAT).
BROWSER_PHOTO_FORMAT = "jpeg"


def render_encoded(
    result: AnalysisResult,
    n_channels: int = DEFAULT_CHANNELS,
    colormap: str = "viridis",
    alpha: float = 0.5,
    photo_format: str = "png",
    device: str | torch.device | None = None,
) -> tuple[bytes, list[EncodedStage]]:
    """The input and every stage's pictures, encoded: what the UI and the CLI send or write.

    Grids are palette PNGs; the input and the overlays are `photo_format` (png/webp lossless, jpeg for
    the browser only). The input is encoded on the pool while the stages are drawn; then each grid
    is labelled and encoded as its own task on the pool (zlib releases the GIL), while this thread
    encodes the overlays."""
    encode_photo = PHOTO_ENCODERS[photo_format]
    input_bytes = _encoder_pool.submit(encode_photo, result.image)
    pixels = _device_pixels(result, n_channels, alpha, device)

    def grid_file(indices: np.ndarray, ids: list[int]) -> tuple[Image.Image, bytes]:
        grid = _labelled_grid(indices, ids, colormap, TILE)
        return grid, encode_png(grid)

    def overlay_file(overlay: np.ndarray) -> tuple[Image.Image, bytes]:
        image = Image.fromarray(overlay)
        return image, encode_photo(image)

    # Stem first: the largest grids start first, so the two workers finish close together. Pillow's
    # JPEG encoder holds the GIL, so the overlays are encoded here while the pool works on the grids.
    grids = [_encoder_pool.submit(grid_file, indices, ids) for indices, ids in pixels.grids]
    overlays = {name: overlay_file(overlay) for name, overlay in pixels.overlays.items()}
    stages = []
    for stage, grid_task, (_, ids) in zip(result.stages, grids, pixels.grids):
        grid, grid_png = grid_task.result()
        overlay, overlay_bytes = overlays.get(stage.name, (None, None))
        stages.append(
            EncodedStage(
                StageImages(stage.name, stage.label, stage.shape_text, grid, ids, overlay), grid_png, overlay_bytes
            )
        )
    return input_bytes.result(), stages
