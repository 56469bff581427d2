"""Reading user images safely: size limits before decoding, every Pillow mode to 8-bit RGB."""

from __future__ import annotations

import io
import math
import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ImageInputError

MAX_PIXELS = 50_000_000  # a 50 MP photo decodes to 150 MB; anything larger is not a photo to classify
MIN_SIDE = 16
MAX_ASPECT = 10.0  # the network sees a centre square: past 10:1 it would see a sliver

# A phone photo (12 MP JPEG) decoded in full took 90-200 ms, and resizing it to the network's 256 px
# another 60 ms (2 cores). libjpeg can decode at 1/2, 1/4 or 1/8 scale in the DCT itself. With the
# shorter side kept at twice the network's resize (256 for every torchvision ResNet), a 4032×3024 photo
# is decoded at 1008×756 in 23-93 ms and resized in 20: the 224-pixel crop the network sees then
# differs from a full decode by 0.2-0.4 grey levels on average, at most 3-4 (tests/test_images.py).
DECODE_FOR_NETWORK = 512

ImageSource = str | os.PathLike | bytes | Image.Image | np.ndarray
# What a folder given to the CLI's batch commands is searched for.
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff")


def images_in(folder: Path) -> list[Path]:
    """The image files under a folder (recursively), sorted: the order of a batch's outputs."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def _open(source: str | os.PathLike | bytes, name: str | None) -> Image.Image:
    if isinstance(source, bytes):
        data = source
        name = name or "The upload"
    else:
        path = Path(source)
        name = name or path.name
        if not path.is_file():
            raise ImageInputError("image_missing", name=name)
        data = path.read_bytes()
    if not data:
        raise ImageInputError("image_empty", name=name)
    head = data[:512].lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in data[:4096].lower()):
        raise ImageInputError("image_svg", name=name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageInputError("image_bomb", name=name, megapixels=MAX_PIXELS // 1_000_000) from None
    except UnidentifiedImageError:
        raise ImageInputError("image_unreadable", name=name) from None
    except OSError as err:  # e.g. a JPEG cut inside its header: Pillow fails while reading it
        raise ImageInputError("image_truncated", name=name, reason=str(err)) from None


def _check_size(image: Image.Image, name: str) -> None:
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ImageInputError(
            "image_too_large",
            name=name,
            width=width,
            height=height,
            mp=f"{width * height / 1e6:.0f}",
            limit=MAX_PIXELS // 1_000_000,
        )
    if min(width, height) < MIN_SIDE:
        raise ImageInputError("image_too_small", name=name, width=width, height=height, min_side=MIN_SIDE)
    if max(width, height) / min(width, height) > MAX_ASPECT:
        raise ImageInputError("image_aspect", name=name, width=width, height=height, aspect=f"{MAX_ASPECT:.0f}")


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        # Pillow's convert("L") clips >255 to white; scale the real range instead.
        values = np.asarray(image, dtype=np.float64)
        if image.mode == "F":
            low, high = float(values.min()), float(values.max())
            values = (values - low) / (high - low or 1.0) * 255.0
        else:
            values = values / (65535.0 if values.max() > 255 else 255.0) * 255.0
        image = Image.fromarray(np.clip(values, 0, 255).round().astype(np.uint8), "L")
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        # Transparent pixels keep arbitrary colours; show them as white, as a viewer does.
        rgba = image.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(canvas, rgba)
    return image.convert("RGB")


def load_image(source: ImageSource, name: str | None = None, at_least: int | None = None) -> Image.Image:
    """An 8-bit RGB image, upright, first frame, or an ImageInputError saying what is wrong.
    `name`: how messages call the file (default: its file name, or "the upload" for bytes).
    `at_least`: the shorter side the caller needs. A larger JPEG is then decoded at the smallest of
    libjpeg's 1/2, 1/4, 1/8 scales that still gives it (see DECODE_FOR_NETWORK); None: every pixel."""
    if isinstance(source, np.ndarray):
        if source.ndim not in (2, 3) or source.size == 0:
            raise ImageInputError("image_array", shape=str(source.shape))
        array = source if source.dtype == np.uint8 else np.clip(source, 0, 255).astype(np.uint8)
        source = Image.fromarray(array)
    if isinstance(source, Image.Image):
        image = source
        name = name or "The image"
    else:
        image = _open(source, name)
        name = name or (Path(source).name if not isinstance(source, bytes) else "The upload")
    _check_size(image, name)
    if at_least is not None and image.format == "JPEG":
        width, height = image.size
        scale = at_least / min(width, height)
        if scale < 0.5:  # draft changes nothing above half size
            image.draft(image.mode, (math.ceil(width * scale), math.ceil(height * scale)))
    try:
        if getattr(image, "n_frames", 1) > 1:
            image.seek(0)  # animated: the first frame
        image.load()
        image = ImageOps.exif_transpose(image) or image
        return _to_rgb(image)
    except OSError as err:
        message = str(err)
        if "truncated" in message or "broken" in message.lower() or "EOF" in message:
            raise ImageInputError("image_truncated", name=name, reason=message) from None
        raise ImageInputError("image_undecodable", name=name, reason=message) from None
    except (ValueError, SyntaxError) as err:
        raise ImageInputError("image_undecodable", name=name, reason=str(err)) from None
