"""Turning an analysis into pictures: feature-map grids, CAM overlays, PNG bytes. No pyplot."""

from __future__ import annotations

import io
import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import matplotlib
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFont
from pytorch_grad_cam.utils.image import show_cam_on_image

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
    count = max(1, min(count, activation.shape[0]))
    return activation.mean(dim=(1, 2)).topk(count).indices.tolist()


def _normalise_per_channel(maps: torch.Tensor) -> torch.Tensor:
    flat = maps.flatten(1)
    low = flat.min(dim=1).values[:, None, None]
    high = flat.max(dim=1).values[:, None, None]
    return (maps - low) / (high - low).clamp_min(1e-6)


def feature_grid(
    activation: torch.Tensor,
    n_channels: int = DEFAULT_CHANNELS,
    colormap: str = "viridis",
    tile: int = TILE,
) -> tuple[Image.Image, list[int]]:
    """The n strongest channels of one stage (C, H, W), each min-max scaled, tiled with their ids.

    Tiles are upsampled with nearest neighbour so a 7×7 layer4 map shows as 7×7 blocks:
    the coarseness is the lesson, not an artefact to smooth away.
    """
    n_channels = max(MIN_CHANNELS, min(MAX_CHANNELS, int(n_channels)))
    channels = strongest_channels(activation, n_channels)
    maps = _normalise_per_channel(activation[channels].float())
    maps = F.interpolate(maps[:, None], size=(tile, tile), mode="nearest")[:, 0]
    tiles = (maps * (COLOR_LEVELS - 1)).round().to(torch.uint8).numpy()  # palette indices
    columns = math.ceil(math.sqrt(len(channels)))
    rows = math.ceil(len(channels) / columns)
    canvas = np.full((rows * (tile + GAP) - GAP, columns * (tile + GAP) - GAP), WHITE, np.uint8)
    for position, indices in enumerate(tiles):
        row, column = divmod(position, columns)
        y, x = row * (tile + GAP), column * (tile + GAP)
        canvas[y : y + tile, x : x + tile] = indices
    font_size = max(10, tile // 6)
    for position, channel in enumerate(channels):
        row, column = divmod(position, columns)
        y, x = row * (tile + GAP), column * (tile + GAP)
        label = _label_patch(f"#{channel}", font_size)
        height, width = label.shape[:2]
        canvas[y : y + min(height, tile), x : x + min(width, tile)] = label[:tile, :tile]
    grid = Image.fromarray(canvas)  # "L"; putpalette makes it "P"
    grid.putpalette(_palette(colormap))
    return grid, channels


def cam_overlay(image: Image.Image, cam: np.ndarray, alpha: float = 0.5) -> Image.Image:
    """The CAM as a jet heatmap over the image (grad-cam's own blending, RGB)."""
    rgb = np.float32(image.convert("RGB")) / 255.0
    if cam.shape != rgb.shape[:2]:
        raise ValueError(f"CAM {cam.shape} and image {rgb.shape[:2]} differ in size.")
    return Image.fromarray(show_cam_on_image(rgb, np.clip(cam, 0, 1), use_rgb=True, image_weight=1.0 - alpha))


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


def render_stage(result: AnalysisResult, stage: StageResult, n_channels: int = DEFAULT_CHANNELS,
                 colormap: str = "viridis", alpha: float = 0.5) -> StageImages:
    grid, channels = feature_grid(stage.activation, n_channels, colormap)
    overlay = None if stage.cam is None else cam_overlay(result.image, stage.cam, alpha)
    return StageImages(stage.name, stage.label, stage.shape_text, grid, channels, overlay)


def render_stages(
    result: AnalysisResult, n_channels: int = DEFAULT_CHANNELS, colormap: str = "viridis", alpha: float = 0.5
) -> list[StageImages]:
    """Every picture the UI shows per stage. Cheap: re-run it when only display options change."""
    return [render_stage(result, stage, n_channels, colormap, alpha) for stage in result.stages]


@dataclass(frozen=True)
class EncodedStage:
    images: StageImages
    grid_png: bytes
    overlay_bytes: bytes | None


def encode_png(image: Image.Image) -> bytes:
    """PNG, lossless as heatmaps need, at a low compression level: 3× faster, ~20% larger."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def encode_webp(image: Image.Image) -> bytes:
    """Lossless WebP at the fastest effort: for photo-like RGB (overlays) 2.5× faster than PNG and smaller."""
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", lossless=True, quality=0, method=0)
    return buffer.getvalue()


PHOTO_ENCODERS = {"png": encode_png, "webp": encode_webp}


def render_encoded(
    result: AnalysisResult, n_channels: int = DEFAULT_CHANNELS, colormap: str = "viridis", alpha: float = 0.5,
    photo_format: str = "png",
) -> tuple[bytes, list[EncodedStage]]:
    """The input and every stage's pictures, encoded: what the UI and the CLI send or write.

    Grids are palette PNGs; the input and the overlays are `photo_format` (lossless either way).
    Each picture is encoded on the pool while the next is drawn (Pillow's encoders release the GIL).
    """
    encode_photo = PHOTO_ENCODERS[photo_format]
    photo = lambda image: _encoder_pool.submit(encode_photo, image)  # noqa: E731
    input_bytes = photo(result.image)
    pending = []
    for stage in result.stages:
        images = render_stage(result, stage, n_channels, colormap, alpha)
        grid = _encoder_pool.submit(encode_png, images.grid)
        pending.append((images, grid, None if images.overlay is None else photo(images.overlay)))
    stages = [EncodedStage(images, grid.result(), None if overlay is None else overlay.result())
              for images, grid, overlay in pending]
    return input_bytes.result(), stages
