"""Files a user might upload, good and bad, made on the fly from scikit-image's photos."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import skimage.data
from PIL import Image


def _png(image: Image.Image, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **kwargs)
    return buffer.getvalue()


def _jpeg(image: Image.Image, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90, **kwargs)
    return buffer.getvalue()


def chelsea() -> Image.Image:
    return Image.fromarray(skimage.data.chelsea())


def bomb_png(width: int = 30000, height: int = 30000) -> bytes:
    """A tiny PNG whose header declares a huge image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def exif_rotated(orientation: int) -> bytes:
    """Chelsea stored sideways, with the EXIF tag that tells viewers how to turn it upright."""
    upright = chelsea()
    # Orientation 6 means "rotate 90° clockwise to view": store it turned the other way.
    stored = upright.transpose(Image.Transpose.ROTATE_90 if orientation == 6 else Image.Transpose.ROTATE_270)
    exif = Image.Exif()
    exif[0x0112] = orientation
    return _jpeg(stored, exif=exif.tobytes())


def animated_gif() -> bytes:
    frames = [chelsea().convert("P"), Image.new("P", chelsea().size, 0)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


def gray16() -> bytes:
    array = skimage.data.camera().astype(np.uint16) * 257  # full 16-bit range
    return _png(Image.fromarray(array))  # uint16 -> mode I;16


def p_with_transparency() -> bytes:
    image = chelsea().convert("P")
    return _png(image, transparency=0)


def rgba() -> bytes:
    image = chelsea().convert("RGBA")
    image.putalpha(128)
    return _png(image)


class Arbitrary:
    """Pickles as a call to print: what a hostile checkpoint would do with something worse."""

    def __reduce__(self):
        return (print, ("this ran during unpickling",))


def checkpoint_with_objects(path) -> None:
    import torch

    torch.save({"weights": Arbitrary()}, path)


def raw_pickle(path) -> None:
    import pickle

    path.write_bytes(pickle.dumps(Arbitrary()))


# name -> (bytes, expected error text or None when the file must be accepted)
def cases() -> dict[str, tuple[bytes, str | None]]:
    good_png = _png(chelsea())
    return {
        "not-an-image": (b"hello, I am a text file\n" * 20, "is not an image that can be read"),
        "empty": (b"", "is empty"),
        "truncated-png": (good_png[: len(good_png) // 2], "truncated or damaged"),
        "truncated-jpeg": (_jpeg(chelsea())[:3000], "truncated or damaged"),
        "truncated-jpeg-header": (_jpeg(chelsea())[:400], "truncated or damaged"),  # Image.open itself fails
        "bomb-30000x30000": (bomb_png(), "above the 50 MP limit|more than 50 megapixels"),
        "1x1": (_png(Image.new("RGB", (1, 1), (255, 0, 0))), "too small to analyse"),
        "20000x200": (_png(Image.new("RGB", (20000, 200), (0, 128, 0))), "more than 10:1"),
        "svg": (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', "is an SVG"),
        "rgba": (rgba(), None),
        "la": (_png(chelsea().convert("LA")), None),
        "p-transparency": (p_with_transparency(), None),
        "l": (_png(chelsea().convert("L")), None),
        "1-bit": (_png(chelsea().convert("1")), None),
        "cmyk-jpeg": (_jpeg(chelsea().convert("CMYK")), None),
        "gray16": (gray16(), None),
        "animated-gif": (animated_gif(), None),
        "exif-6": (exif_rotated(6), None),
        "exif-8": (exif_rotated(8), None),
    }
