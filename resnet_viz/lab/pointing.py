"""Checks a shapes checkpoint the way the app uses it: ImageNet transforms (resize 256, crop 224),
top-1 accuracy and whether the peak of layer4's Grad-CAM falls inside the shape's bounding box."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..analysis import analyze
from ..models import load_model
from .shapes import dataset


def box_in_crop(box: tuple[int, int, int, int], size: int, resize: int, crop: int) -> tuple[float, float, float, float]:
    """A box drawn on a size×size picture, in the coordinates of the app's centre crop."""
    scale = resize / size
    offset = (resize - crop) / 2
    return tuple(v * scale - offset for v in box)  # type: ignore[return-value]


def app_path_report(
    weights: str | Path, classes: str | Path, n: int = 100, seed: int = 20_000, size: int = 224
) -> dict:
    """Accuracy and Grad-CAM pointing on n new drawings, through load_model + analyze. The drawings are
    made at `size` px (224: what a user would draw or photograph), then the app resizes and crops them."""
    loaded = load_model("resnet18", str(weights), "cpu", str(classes))
    _, labels, drawings = dataset(n, size, seed)
    resize, crop = loaded.transforms.resize_size[0], loaded.transforms.crop_size[0]
    correct = hits = 0
    for drawing in drawings:
        result = analyze(loaded, drawing.image, target=int(drawing.label))
        correct += loaded.categories.index(result.predictions[0][0]) == drawing.label
        cam = result.stage("layer4").cam
        y, x = np.unravel_index(int(np.argmax(cam)), cam.shape)
        left, top, right, bottom = box_in_crop(drawing.box, size, resize, crop)
        hits += left <= x <= right and top <= y <= bottom
    return {"classes": list(loaded.categories), "app_accuracy": correct / n, "pointing": hits / n, "checked": n}
