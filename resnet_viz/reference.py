"""Dataset examples (DeepVis; Distill's "Building Blocks"): the reference images whose patches excite
a channel most, each cropped to the receptive field of its strongest unit.

A reference set is the bundled example photos plus any folder given with `--reference DIR`; for the
demo shapes model, its own held-out drawings instead of the photos. Its activations are computed
once per (model, weights, set) and kept as what ranking needs: per image, stage and channel the
max over positions, where it is, and the mean (plus the logits), never the maps themselves."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont, ImageOps
from torch import nn

from .analysis import preprocess
from .errors import ImageInputError, ModelChoiceError
from .featurevis import weights_fingerprint
from .images import DECODE_FOR_NETWORK, images_in, load_image
from .models import LoadedModel
from .stages import STAGES
from .trust.receptive import receptive_field, stage_name

ASSETS = Path(__file__).resolve().parent.parent / "assets"
BUNDLED = ASSETS / "examples"
SHAPES_HELD_OUT = 40  # drawings from the demo's held-out seed (lab/train.py: seed + 10_000)
STAGE_NAMES = tuple(s.name for s in STAGES)


@dataclass(frozen=True)
class ReferenceSet:
    """Named images; `key` says what the set is (its files' bytes, or the drawings' seed)."""

    key: str
    names: tuple[str, ...]
    images: tuple[Image.Image, ...]

    def __len__(self) -> int:
        return len(self.names)


def _digest(parts: list[bytes]) -> str:
    digest = hashlib.sha1()
    for part in parts:
        digest.update(hashlib.sha1(part).digest())
    return digest.hexdigest()


def folder_set(folders: list[Path | str]) -> ReferenceSet:
    """Every image under the folders (recursively); a file that is not an image is refused by name."""
    names, images, parts = [], [], []
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            raise ImageInputError(f"Reference folder {folder} does not exist.")
        files = images_in(folder)
        if not files:
            raise ImageInputError(f"Reference folder {folder} holds no images (.jpg, .png, …).")
        for path in files:
            data = path.read_bytes()
            images.append(load_image(data, name=path.name, at_least=DECODE_FOR_NETWORK))
            names.append(path.name if folder == BUNDLED else str(path))
            parts.append(data)
    return ReferenceSet(_digest(parts), tuple(names), tuple(images))


def shapes_set(count: int = SHAPES_HELD_OUT) -> ReferenceSet:
    """The demo shapes model's held-out drawings (its training never saw this seed)."""
    from .lab.shapes import SHAPES, dataset
    from .lab.train import DemoConfig

    config = DemoConfig()
    pixels, labels, _ = dataset(count, config.draw_size, seed=config.seed + 10_000)
    names = tuple(f"held-out {i:03d} ({SHAPES[int(label)]})" for i, label in enumerate(labels))
    return ReferenceSet(f"shapes-{count}-{config.seed + 10_000}", names, tuple(Image.fromarray(p) for p in pixels))


def is_shapes_model(loaded: LoadedModel) -> bool:
    from .lab.shapes import SHAPES

    return tuple(loaded.categories) == SHAPES


def reference_set_for(loaded: LoadedModel, folder: str | Path | None = None) -> ReferenceSet:
    """The shapes model's held-out drawings, else the bundled photos; plus `folder` if given."""
    base = shapes_set() if is_shapes_model(loaded) else folder_set([BUNDLED])
    if folder is None or str(folder) == "":
        return base
    extra = folder_set([folder])
    return ReferenceSet(
        _digest([base.key.encode(), extra.key.encode()]), base.names + extra.names, base.images + extra.images
    )


def stage_outputs(module: nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Every stage's output and the logits ('fc') of a torchvision ResNet, by calling its children."""
    outputs = {}
    x = module.maxpool(module.relu(module.bn1(module.conv1(x))))
    outputs["maxpool"] = x
    for name in STAGE_NAMES[1:]:
        x = getattr(module, name)(x)
        outputs[name] = x
    outputs["fc"] = module.fc(torch.flatten(module.avgpool(x), 1))
    return outputs


@dataclass(frozen=True)
class ReferenceActivations:
    """Per stage: `peak` (N, C) the max over positions, `where` (N, C, 2) its (row, col) (the first
    in row-major order on ties), `mean` (N, C); `logits` (N, classes); `shown` the crops seen."""

    references: ReferenceSet
    shown: tuple[Image.Image, ...]
    peak: dict[str, np.ndarray]
    where: dict[str, np.ndarray]
    mean: dict[str, np.ndarray]
    logits: np.ndarray
    grid: dict[str, tuple[int, int]]


def compute_activations(loaded: LoadedModel, references: ReferenceSet, batch_size: int = 8) -> ReferenceActivations:
    shown, batches = zip(*(preprocess(loaded.transforms, image) for image in references.images))
    peak, where, mean, grid = {}, {}, {}, {}
    parts: dict[str, list] = {name: [] for name in STAGE_NAMES}
    logits = []
    with torch.no_grad():
        for start in range(0, len(batches), batch_size):
            x = torch.cat(batches[start : start + batch_size]).to(loaded.device)
            if loaded.device.type == "cpu":
                x = x.contiguous(memory_format=torch.channels_last)
            outputs = stage_outputs(loaded.module, x)
            logits.append(outputs["fc"].float().cpu())
            for name in STAGE_NAMES:
                maps = outputs[name].float()
                flat = maps.flatten(2)
                values, index = flat.max(dim=2)
                width = maps.shape[3]
                parts[name].append(
                    (values.cpu(), torch.stack([index // width, index % width], -1).cpu(), flat.mean(dim=2).cpu())
                )
                grid[name] = (maps.shape[2], maps.shape[3])
    for name in STAGE_NAMES:
        peak[name] = torch.cat([p[0] for p in parts[name]]).numpy()
        where[name] = torch.cat([p[1] for p in parts[name]]).numpy()
        mean[name] = torch.cat([p[2] for p in parts[name]]).numpy()
    return ReferenceActivations(references, tuple(shown), peak, where, mean, torch.cat(logits).numpy(), grid)


class ReferenceCache:
    """Activations per (model, weights, reference set); `computed` counts the sets run through the model."""

    def __init__(self, size: int = 8) -> None:
        self._items: OrderedDict[tuple, ReferenceActivations] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()
        self.computed = 0

    def activations(self, loaded: LoadedModel, references: ReferenceSet) -> ReferenceActivations:
        key = (
            loaded.name,
            loaded.weights_status,
            loaded.weights_label,
            weights_fingerprint(loaded.module),
            references.key,
        )
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        result = compute_activations(loaded, references)
        with self._lock:
            self.computed += 1
            self._items[key] = result
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return result


@dataclass(frozen=True)
class Example:
    file: str
    box: tuple[int, int, int, int]  # (x0, y0, x1, y1) in the network's input (the centre crop); x1, y1 exclusive
    activation: float  # the channel's max over positions in this image
    unit: tuple[int, int]  # (row, col) of that max in the stage's grid
    crop: Image.Image


def top_examples(
    loaded: LoadedModel, activations: ReferenceActivations, stage: str, channel: int, k: int = 6
) -> list[Example]:
    """The k images whose strongest unit of the channel is strongest, best first (ties: file order)."""
    name = stage_name(stage)
    peak = activations.peak[name]
    if not 0 <= int(channel) < peak.shape[1]:
        raise ModelChoiceError(f"Channel {channel} does not exist here: use 0 to {peak.shape[1] - 1}.")
    order = sorted(range(peak.shape[0]), key=lambda i: (-float(peak[i, channel]), i))[:k]
    examples = []
    for i in order:
        row, col = (int(v) for v in activations.where[name][i, channel])
        field = receptive_field(loaded, name, row, col, activations.shown[i].size[0])
        examples.append(
            Example(
                activations.references.names[i],
                field.box,
                float(peak[i, channel]),
                (row, col),
                activations.shown[i].crop(field.box),
            )
        )
    return examples


def best_reference(activations: ReferenceActivations, stage: str, channel: int, objective: str) -> tuple[str, float]:
    """The reference image with the largest value of the objective, and that value."""
    if objective == "logit":
        values = activations.logits[:, channel]
    else:
        table = activations.mean if objective == "mean" else activations.peak
        values = table[stage_name(stage)][:, channel]
    best = int(np.argmax(values))
    return activations.references.names[best], float(values[best])


def examples_grid(examples: list[Example], tile: int = 128, columns: int = 3) -> Image.Image:
    """The crops side by side, each resized to `tile` px, with its activation under it."""
    if not examples:
        return Image.new("RGB", (tile, tile), "white")
    font = ImageFont.load_default(size=22)  # >= 12 px as shown in the app's third of 1280 px
    caption = 28
    rows = -(-len(examples) // columns)
    cols = min(columns, len(examples))
    canvas = Image.new("RGB", (cols * (tile + 6) - 6, rows * (tile + caption + 6) - 6), "white")
    pen = ImageDraw.Draw(canvas)
    for index, example in enumerate(examples):
        row, column = divmod(index, columns)
        x, y = column * (tile + 6), row * (tile + caption + 6)
        # A field clipped at the border is not square: padded, not stretched.
        canvas.paste(ImageOps.pad(example.crop, (tile, tile), Image.Resampling.BICUBIC, color="white"), (x, y))
        label = f"#{index + 1}  {example.activation:.2f}"
        pen.text((x + 2, y + tile + 3), label, fill="black", font=font)
    return canvas
