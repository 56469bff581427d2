"""A folder of images: one forward and one backward per batch, the next batch decoded while this one
computes, a file per image written as `resnet-viz analyze` writes it, and a report of the files that failed."""

from __future__ import annotations

import json
import os
import queue
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

from .analysis import (
    AnalysisResult,
    ClassChoice,
    ImageClassification,
    analyze_prepared,
    check_contrast,
    preprocess,
    resolve_target,
)
from .cam import Normalization, check_normalization, get_method
from .errors import ImageInputError, ResnetVizError
from .images import IMAGE_SUFFIXES, images_in, load_image
from .models import LoadedModel
from .render import channel_overlay, encode_png, render_encoded


def find_images(inputs: Sequence[str | os.PathLike]) -> list[Path]:
    """Files as given (a bad one is reported later, not skipped silently); folders: their images, sorted."""
    found: list[Path] = []
    for entry in map(Path, inputs):
        if entry.is_dir():
            found += images_in(entry)
        else:
            found.append(entry)
    if not found:
        raise ImageInputError("no_images", suffixes=", ".join(IMAGE_SUFFIXES), inputs=", ".join(map(str, inputs)))
    return found


@dataclass
class Decoded:
    index: int
    path: Path
    shown: Image.Image | None = None
    tensor: torch.Tensor | None = None  # (1, 3, H, W)
    error: str | None = None


class DecodedImages(Dataset):
    """Each file decoded, checked and preprocessed (in a DataLoader worker); a bad file becomes an error entry."""

    def __init__(self, paths: Sequence[Path], transforms: ImageClassification) -> None:
        self.paths, self.transforms = list(paths), transforms

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> Decoded:
        path = self.paths[index]
        try:
            shown, tensor = preprocess(self.transforms, load_image(path))
        except ResnetVizError as err:
            return Decoded(index, path, error=str(err))
        return Decoded(index, path, shown, tensor)

    def __getitems__(self, indices: list[int]) -> list[Decoded]:
        """A batch decoded on two threads (PIL releases the GIL): the first batch, which nothing can
        overlap, is ready sooner. The DataLoader's fetcher calls this when it exists."""
        with ThreadPoolExecutor(2) as pool:
            return list(pool.map(self.__getitem__, indices))


def _as_list(items: list[Decoded]) -> list[Decoded]:
    return items


@dataclass(frozen=True)
class PictureOptions:
    n_channels: int = 16
    colormap: str = "viridis"
    alpha: float = 0.5
    channel: str | None = None  # "layer3:117": also one channel large
    write: bool = True  # False: predictions only


def write_analysis(
    result: AnalysisResult, out: Path, image_name: str, weights_note: str, options: PictureOptions = PictureOptions()
) -> dict:
    """The files `resnet-viz analyze` writes for one image (lossless PNGs, predictions.json); returns the report."""
    out.mkdir(parents=True, exist_ok=True)
    written, stages_json = [], []
    if options.write:
        input_bytes, encoded = render_encoded(result, options.n_channels, options.colormap, options.alpha)
        (out / "input.png").write_bytes(input_bytes)
        written.append("input.png")
    for index, stage in enumerate(result.stages):
        entry = {"name": stage.name, "paper_name": stage.paper_name, "level": stage.level, "shape": list(stage.shape)}
        if options.write:
            pictures = encoded[index]
            grid_name = f"{stage.name}_features.png"
            (out / grid_name).write_bytes(pictures.grid_png)
            written.append(grid_name)
            cam_name = None
            if pictures.overlay_bytes is not None:
                cam_name = f"{stage.name}_{result.method}.png"
                (out / cam_name).write_bytes(pictures.overlay_bytes)
                written.append(cam_name)
            entry.update(strongest_channels=pictures.images.channels, features_png=grid_name, cam_png=cam_name)
        stages_json.append(entry)
    if options.channel is not None and options.write:
        stage_name, _, channel = options.channel.partition(":")
        overlay = channel_overlay(result.image, result.stage(stage_name), int(channel), options.alpha)
        name = f"{stage_name}_channel{channel}.png"
        (out / name).write_bytes(encode_png(overlay))
        written.append(name)
    report = _report(result, image_name, weights_note, stages_json)
    (out / "predictions.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    written.append("predictions.json")
    return {**report, "files": written}


def _target_json(target) -> dict | None:
    return None if target is None else {"index": target.index, "label": target.label, "probability": target.probability}


def _report(result: AnalysisResult, image_name: str, weights_note: str, stages_json: list[dict]) -> dict:
    return {
        "image": image_name,
        "model": result.model_name,
        "weights": result.weights_label,
        "weights_status": result.weights_status,
        "weights_note": weights_note,
        "device": result.device,
        "method": result.method,
        "normalization": result.normalization,
        "predictions": [{"label": label, "probability": p} for label, p in result.predictions],
        "target": _target_json(result.target),
        "contrast": _target_json(result.contrast),
        "stages": stages_json,
        "seconds": result.seconds,
    }


@dataclass
class FolderReport:
    analysed: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, message)
    seconds: float = 0.0


def _output_names(paths: Sequence[Path]) -> list[str]:
    """One sub-folder per image, named by its file stem; a repeated stem gets its position appended."""
    names, seen = [], set()
    for index, path in enumerate(paths):
        name = path.stem if path.stem not in seen else f"{path.stem}-{index}"
        seen.add(name)
        names.append(name)
    return names


def _prefetched(batches: Iterable[list[Decoded]], depth: int = 1) -> Iterator[list[Decoded]]:
    """The batches of `batches`, made in a background thread up to `depth` ahead: decoding and resizing
    (PIL releases the GIL) overlap the model without a worker process's start-up and pickling."""
    ready: queue.Queue = queue.Queue(maxsize=depth)
    done = object()

    def produce() -> None:
        try:
            for batch in batches:
                ready.put(batch)
        except BaseException as err:  # handed to the consumer, raised there
            ready.put(err)
        ready.put(done)

    threading.Thread(target=produce, name="resnet-viz-decode", daemon=True).start()
    while (item := ready.get()) is not done:
        if isinstance(item, BaseException):
            raise item
        yield item


def _write_one(
    item: Decoded, result: AnalysisResult, out: Path, name: str, weights_note: str, pictures: PictureOptions
) -> dict:
    """One image's files; its predictions.jsonl line (an error line if the files could not be written)."""
    try:
        entry = write_analysis(result, out / name, str(item.path), weights_note, pictures)
    except (OSError, ResnetVizError, ValueError, KeyError) as err:  # e.g. a full disk, a bad --channel
        item.error = f"{item.path}: could not write results ({err})"
        return {"image": str(item.path), "error": item.error}
    return {"folder": name, **{k: v for k, v in entry.items() if k != "stages"}}


def default_workers(device: torch.device) -> int:
    """Decode processes: none when the CPU runs the model (a process would only take cores from it and
    pay start-up and pickling; a thread decodes ahead instead), a few when a GPU does."""
    return 0 if device.type == "cpu" else min(4, max(1, (os.cpu_count() or 2) // 2))


def analyze_folder(
    loaded: LoadedModel,
    inputs: Sequence[str | os.PathLike],
    out: Path,
    batch_size: int = 8,
    target: ClassChoice = None,
    contrast: ClassChoice = None,
    method: str = "gradcam",
    top_k: int = 5,
    normalization: Normalization = "per-stage",
    pictures: PictureOptions = PictureOptions(),
    progress: bool = True,
    workers: int | None = None,
) -> FolderReport:
    """Every image of `inputs` analysed a batch at a time; writes out/<stem>/… per image and
    out/predictions.jsonl (one line per image, failures included). Bad files do not stop the run.
    While a batch computes, the next one is decoded and the previous one's files are written."""
    started = time.perf_counter()
    get_method(method)
    check_normalization(normalization)
    if batch_size < 1:
        raise ResnetVizError("batch_size", value=batch_size)
    if target not in (None, ""):
        resolve_target(loaded.categories, target, 0)  # a bad class stops the run before it starts
    check_contrast(method, loaded.categories, contrast)
    paths = find_images(inputs)
    names = _output_names(paths)
    workers = default_workers(loaded.device) if workers is None else workers
    workers = workers if len(paths) > batch_size else 0  # one batch: nothing to decode ahead
    loader = DataLoader(
        DecodedImages(paths, loaded.transforms),
        batch_size=batch_size,
        collate_fn=_as_list,
        num_workers=workers,
        prefetch_factor=2 if workers else None,
    )
    out.mkdir(parents=True, exist_ok=True)
    report = FolderReport()
    batches = _prefetched(loader) if workers == 0 and len(paths) > batch_size else iter(loader)
    # Two writer threads: PNG encoding (zlib releases the GIL) overlaps the next batch's network, and the
    # last batch's files are written on both cores.
    with (
        open(out / "predictions.jsonl", "w", encoding="utf-8") as lines,
        ThreadPoolExecutor(2) as writer,
        tqdm(total=len(paths), unit="image", disable=not progress) as bar,
    ):

        def finish(pending: list[tuple[Decoded, Future | None]]) -> None:
            for item, written in pending:  # input order, failures in place
                line = written.result() if written is not None else {"image": str(item.path), "error": item.error}
                lines.write(json.dumps(line, ensure_ascii=False) + "\n")
                if item.error is None:
                    report.analysed += 1
                else:
                    report.failed.append((str(item.path), item.error))
            bar.update(len(pending))

        pending: list[tuple[Decoded, Future | None]] = []
        for items in batches:
            good = [item for item in items if item.error is None]
            results = iter(
                analyze_prepared(
                    loaded,
                    [item.shown for item in good],
                    torch.cat([item.tensor for item in good]),
                    [target] * len(good),
                    [contrast] * len(good),
                    method,
                    top_k,
                    normalization,
                )
                if good
                else []
            )
            finish(pending)  # at most one batch of results waits to be written: memory stays bounded
            pending = [
                (
                    item,
                    None
                    if item.error is not None
                    else writer.submit(
                        _write_one, item, next(results), out, names[item.index], loaded.weights_note, pictures
                    ),
                )
                for item in items
            ]
        finish(pending)
    report.seconds = time.perf_counter() - started
    return report
