"""Procedurally drawn shapes on textured backgrounds: a dataset made here, with no download."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

SHAPES: tuple[str, ...] = ("circle", "square", "triangle", "star", "ring")


@dataclass(frozen=True)
class Drawing:
    image: Image.Image
    label: int
    box: tuple[int, int, int, int]  # the shape's bounding box (left, top, right, bottom) in pixels


def _background(rng: np.random.Generator, size: int) -> Image.Image:
    """Noise, stripes or a gradient in random colours: the shape must be found, not the background."""
    yy, xx = np.mgrid[0:size, 0:size] / size
    base = rng.uniform(0, 255, 3)
    other = rng.uniform(0, 255, 3)
    kind = rng.integers(3)
    if kind == 0:
        angle, freq = rng.uniform(0, math.pi), rng.uniform(3, 10)
        t = 0.5 + 0.5 * np.sin(2 * math.pi * freq * (xx * math.cos(angle) + yy * math.sin(angle)))
    elif kind == 1:
        t = xx * rng.uniform(-1, 1) + yy * rng.uniform(-1, 1)
        t = (t - t.min()) / (np.ptp(t) + 1e-6)
    else:
        t = rng.uniform(0, 1, (size, size))
    pixels = base * (1 - t[..., None]) * 0.6 + other * t[..., None] * 0.6 + rng.normal(0, 12, (size, size, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _polygon(kind: str, cx: float, cy: float, r: float, turn: float) -> list[tuple[float, float]]:
    if kind == "square":
        corners = [turn + math.pi / 4 + k * math.pi / 2 for k in range(4)]
        return [(cx + r * math.cos(a), cy + r * math.sin(a)) for a in corners]
    if kind == "triangle":
        return [
            (cx + r * math.cos(turn + k * 2 * math.pi / 3), cy + r * math.sin(turn + k * 2 * math.pi / 3))
            for k in range(3)
        ]
    points = []  # star: 5 points, inner radius 0.45 r
    for k in range(10):
        radius = r if k % 2 == 0 else 0.45 * r
        a = turn + k * math.pi / 5
        points.append((cx + radius * math.cos(a), cy + radius * math.sin(a)))
    return points


def draw(rng: np.random.Generator, size: int = 64, label: int | None = None) -> Drawing:
    """One picture: a random shape at a random place, size and colour."""
    label = int(rng.integers(len(SHAPES))) if label is None else label
    image = _background(rng, size)
    pen = ImageDraw.Draw(image)
    r = rng.uniform(0.14, 0.3) * size
    margin = r + 0.08 * size  # the app centre-crops 224 of 256: keep the shape inside the crop
    cx, cy = rng.uniform(margin, size - margin), rng.uniform(margin, size - margin)
    colour = tuple(int(c) for c in rng.uniform(0, 255, 3))
    # A dark or light outline keeps the shape visible on any background colour.
    outline = (0, 0, 0) if sum(colour) > 380 else (255, 255, 255)
    width = max(1, size // 48)
    kind = SHAPES[label]
    if kind == "circle":
        pen.ellipse([cx - r, cy - r, cx + r, cy + r], fill=colour, outline=outline, width=width)
    elif kind == "ring":
        pen.ellipse([cx - r, cy - r, cx + r, cy + r], outline=colour, width=max(2, int(r * 0.35)))
    else:
        pen.polygon(_polygon(kind, cx, cy, r, rng.uniform(0, 2 * math.pi)), fill=colour, outline=outline, width=width)
    box = (int(cx - r), int(cy - r), int(math.ceil(cx + r)), int(math.ceil(cy + r)))
    return Drawing(image, label, box)


def dataset(n: int, size: int, seed: int) -> tuple[np.ndarray, np.ndarray, list[Drawing]]:
    """n drawings as a uint8 array (n, size, size, 3), their labels, and the drawings themselves."""
    rng = np.random.default_rng(seed)
    drawings = [draw(rng, size, label=i % len(SHAPES)) for i in range(n)]
    order = rng.permutation(n)
    drawings = [drawings[i] for i in order]
    images = np.stack([np.asarray(d.image) for d in drawings])
    return images, np.array([d.label for d in drawings]), drawings
