"""One full analysis against the physics of the problem, measured side by side in one run.

    python benchmarks/bench_analyze.py [--quick] [--device cpu|cuda]

(a) floor: forward + autograd.grad of the target logit w.r.t. the four stage outputs
(b) forward + full backward (every weight gradient)
(c) resnet_viz.analyze + all the rendering and encoding the UI does (render_encoded, browser formats)
(d) naive: a forward for predictions, four GradCAM(target_layers=[stage]) objects, a matplotlib
    subplot grid per stage
(e) as (c) with EigenCAM (no backward; the first principal component per stage)
and, to split c − a: the analysis alone (its time after the network: preprocessing, CAM arithmetic,
the host copy), render_stages alone (colormaps, resizing, blending, grids), and render_encoded minus
render_stages (encoding). Ratios are given three ways: of the medians, of the minima, and paired
(the median of each round's ratio, the steadiest on a noisy machine). Then a folder of 16 photos:
`resnet-viz analyze DIR --batch-size 8` (as the CLI runs it, in-process) against the one-at-a-time
loop, both end to end with every file written. Last, a phone photo (a 4032×3024 JPEG): the app's
decode + analysis with every pixel decoded against libjpeg's reduced scale (images.DECODE_FOR_NETWORK).
Random weights: speed does not depend on what the weights are.
"""

from __future__ import annotations

import argparse
import copy
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

import skimage.data
import torch
from matplotlib.figure import Figure
from PIL import Image
from pytorch_grad_cam import GradCAM
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

sys.path.insert(0, str(Path(__file__).resolve().parent))  # serverkit: the benchmarks' photos
import resnet_viz
from resnet_viz.analysis import preprocess
from resnet_viz.batch import PictureOptions, analyze_folder, write_analysis
from resnet_viz.capture import capture_stage_outputs
from resnet_viz.render import BROWSER_PHOTO_FORMAT, render_encoded, render_stages, strongest_channels
from resnet_viz.stages import CAM_STAGES


def interleaved(fns: dict, repeats: int, warmup: int, sync) -> dict[str, list[float]]:
    """Round-robin over the pipelines, so a noisy moment on a shared machine hits all of them."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    sync()
    times: dict[str, list[float]] = {key: [] for key in fns}
    for _ in range(repeats):
        for key, fn in fns.items():
            start = time.perf_counter()
            fn()
            sync()
            times[key].append(time.perf_counter() - start)
    return times


def paired(times: dict[str, list[float]], over: str, under: str) -> float:
    """Median of the per-round ratios: the round-robin runs both in the same moment, so a slow spell
    of a shared machine cancels out of each ratio (medians taken apart do not pair them)."""
    return statistics.median(x / y for x, y in zip(times[over], times[under]))


def bench(name: str, size: int, device: str, repeats: int) -> dict[str, list[float]]:
    loaded = resnet_viz.load_model(name, weights="random", device=device)
    if size != 224:  # same weights, bigger input: the weights' transforms at that size
        transforms = copy.copy(loaded.transforms)
        transforms.crop_size, transforms.resize_size = [size], [int(size * 256 / 224)]
        loaded = resnet_viz.LoadedModel(
            loaded.name,
            loaded.module,
            loaded.device,
            loaded.categories,
            transforms,
            loaded.weights_status,
            loaded.weights_label,
        )
    image = Image.fromarray(skimage.data.chelsea())
    _, batch = preprocess(loaded.transforms, image)
    batch = batch.to(loaded.device)
    model = loaded.module
    trainable = copy.deepcopy(model).requires_grad_(True)
    sync = torch.cuda.synchronize if loaded.device.type == "cuda" else (lambda: None)

    def floor():
        with capture_stage_outputs(model, CAM_STAGES) as outputs:
            logits = model(batch.clone().requires_grad_(True))
            target = int(logits[0].argmax())
            torch.autograd.grad(logits[0, target], [outputs[n] for n in CAM_STAGES])

    def full_backward():
        trainable.zero_grad(set_to_none=True)
        logits = trainable(batch)
        logits[0, int(logits[0].argmax())].backward()

    def ours():
        # what the UI (Analyzer.present) does: analyse, draw, encode for the browser
        render_encoded(resnet_viz.analyze(loaded, image), photo_format=BROWSER_PHOTO_FORMAT)

    def eigen():
        render_encoded(resnet_viz.analyze(loaded, image, method="eigencam"), photo_format=BROWSER_PHOTO_FORMAT)

    held = resnet_viz.analyze(loaded, image)

    def analysis_only():
        resnet_viz.analyze(loaded, image)

    def drawing_only():
        render_stages(held)

    def drawing_and_encoding():
        render_encoded(held, photo_format=BROWSER_PHOTO_FORMAT)

    def naive():
        with torch.no_grad():
            probabilities = torch.softmax(trainable(batch), 1)
        target = int(probabilities[0].argmax())
        for stage_name in CAM_STAGES:
            with GradCAM(trainable, target_layers=[getattr(trainable, stage_name)]) as cam:
                cam(batch, targets=[ClassifierOutputTarget(target)])
        with torch.no_grad(), capture_stage_outputs(model) as outputs:
            model(batch)
        for activation in outputs.values():
            activation = activation[0].float().cpu()
            figure = Figure(figsize=(6, 6))
            for position, channel in enumerate(strongest_channels(activation, 16)):
                axes = figure.add_subplot(4, 4, position + 1)
                axes.imshow(activation[channel].numpy(), cmap="viridis")
                axes.set_title(f"#{channel}", fontsize=7)
                axes.axis("off")
            figure.savefig(io.BytesIO(), format="png")

    warmup = 1 if repeats <= 3 else 2
    return interleaved(
        {
            "a": floor,
            "b": full_backward,
            "c": ours,
            "d": naive,
            "e": eigen,
            "analysis": analysis_only,
            "draw": drawing_only,
            "draw+encode": drawing_and_encoding,
        },
        repeats,
        warmup,
        sync,
    )


def bench_folder(name: str, device: str, repeats: int, count: int = 16, batch_size: int = 8) -> dict[str, list[float]]:
    """Seconds for `count` photos: the batched folder run against the one-at-a-time loop, interleaved,
    both writing every file `resnet-viz analyze` writes; and the network alone at batch 1 and 8."""
    import serverkit

    loaded = resnet_viz.load_model(name, weights="random", device=device)
    sync = torch.cuda.synchronize if loaded.device.type == "cuda" else (lambda: None)
    with tempfile.TemporaryDirectory(prefix="bench-folder-") as tmp:
        folder = Path(tmp) / "photos"
        folder.mkdir()
        for index, photo in enumerate(serverkit.photos(count)):
            photo.save(folder / f"{index:02d}.jpg", quality=92)
        paths = sorted(folder.iterdir())
        batch = torch.cat([preprocess(loaded.transforms, resnet_viz.load_image(p))[1] for p in paths[:batch_size]])
        batch = batch.to(loaded.device)

        def one_at_a_time(options=PictureOptions()):
            def run():
                for path in paths:
                    result = resnet_viz.analyze(loaded, path)
                    write_analysis(result, Path(tmp) / "loop" / path.stem, str(path), loaded.weights_note, options)

            return run

        def batched(options=PictureOptions()):
            return lambda: analyze_folder(
                loaded, [folder], Path(tmp) / "batched", batch_size=batch_size, pictures=options, progress=False
            )

        def network(size):
            def run():
                for start in range(0, count, size):
                    with capture_stage_outputs(loaded.module, CAM_STAGES) as outputs:
                        logits = loaded.module(batch[:size].clone().requires_grad_(True))
                        torch.autograd.grad(logits.max(dim=1).values.sum(), [outputs[n] for n in CAM_STAGES])

            return run

        numbers_only = PictureOptions(write=False)
        return interleaved(
            {
                "loop": one_at_a_time(),
                "batched": batched(),
                "loop, predictions only": one_at_a_time(numbers_only),
                "batched, predictions only": batched(numbers_only),
                "net1": network(1),
                f"net{batch_size}": network(batch_size),
            },
            repeats,
            1,
            sync,
        )


def bench_phone(name: str, device: str, repeats: int, photo: bytes) -> dict[str, list[float]]:
    from resnet_viz.images import DECODE_FOR_NETWORK, load_image

    loaded = resnet_viz.load_model(name, "random", device)
    fns = {
        "full": lambda: resnet_viz.analyze(loaded, load_image(photo)),
        "reduced": lambda: resnet_viz.analyze(loaded, load_image(photo, at_least=DECODE_FOR_NETWORK)),
    }
    return interleaved(fns, repeats, 1, lambda: torch.cuda.synchronize() if device == "cuda" else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no 448 run: under a minute")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = str(resnet_viz.models.resolve_device(args.device))
    repeats = 3 if args.quick else 9
    configs = [("resnet18", 224), ("resnet50", 224)] + ([] if args.quick else [("resnet50", 448)])
    print(
        f"device {device}, torch {torch.__version__}, {torch.get_num_threads()} threads, {repeats} repeats, median [min–max] ms;"
        f" browser photos as {BROWSER_PHOTO_FORMAT}"
    )
    print(
        f"{'model':>14} | {'(a) floor':>18} | {'(b) fwd+full bwd':>18} | {'(c) resnet-viz':>18} | {'(d) naive':>20} |"
        f" c/a  | d/c  | c−a = analysis after net + drawing + encoding | {'(e) EigenCAM':>18} | e/c  | by min: c/a, e/c | paired: c/a, e/c"
    )
    for name, size in configs:
        times = bench(name, size, device, repeats)
        med = {k: statistics.median(v) * 1000 for k, v in times.items()}
        cell = lambda k: f"{med[k]:6.0f} [{min(times[k]) * 1000:4.0f}–{max(times[k]) * 1000:4.0f}]"
        after, drawing = med["analysis"] - med["a"], med["draw"]
        encoding = med["draw+encode"] - med["draw"]
        split = f"{med['c'] - med['a']:4.0f} ≈ {after:4.1f} + {drawing:4.1f} + {encoding:4.1f} ms"
        print(
            f"{name + '@' + str(size):>14} | {cell('a'):>18} | {cell('b'):>18} | {cell('c'):>18} | {cell('d'):>20} |"
            f" {med['c'] / med['a']:.2f} | {med['d'] / med['c']:4.1f} | {split:>45} | {cell('e'):>18} | {med['e'] / med['c']:.2f} |"
            f" {min(times['c']) / min(times['a']):.2f}, {min(times['e']) / min(times['c']):.2f}       |"
            f" {paired(times, 'c', 'a'):.2f}, {paired(times, 'e', 'c'):.2f}"
        )
    print(f"\nA folder of 16 photos, batches of 8 (resnet-viz analyze DIR, in-process), seconds, median of {repeats}:")
    print(
        f"{'model':>10} | {'written':>17} | {'one at a time':>13} | {'batched':>8} | speed-up | by min | paired | images/s batched | network alone: batch 8 vs 1"
    )
    for name in ["resnet18"] + ([] if args.quick else ["resnet50"]):
        times = bench_folder(name, device, repeats)
        med = {k: statistics.median(v) for k, v in times.items()}
        for suffix, written in (("", "every file"), (", predictions only", "predictions only")):
            loop, batched = f"loop{suffix}", f"batched{suffix}"
            print(
                f"{name:>10} | {written:>17} | {med[loop]:13.2f} | {med[batched]:8.2f} | {med[loop] / med[batched]:7.2f}× |"
                f" {min(times[loop]) / min(times[batched]):5.2f}× | {paired(times, loop, batched):5.2f}× |"
                f" {16 / med[batched]:16.1f} | {med['net1'] / med['net8']:.2f}×"
            )
    import serverkit

    photo = serverkit.phone_photo()
    print(
        f"\nA phone photo (4032×3024 JPEG, {len(photo) // 1000} KB): decode + analysis as the app runs them, ms, median of {repeats}:"
    )
    print(f"{'model':>10} | every pixel decoded | decoded at 1/4 (1008×756) | speed-up | paired")
    for name in ["resnet18", "resnet50"]:
        times = bench_phone(name, device, repeats, photo)
        med = {k: statistics.median(v) * 1000 for k, v in times.items()}
        print(
            f"{name:>10} | {med['full']:19.0f} | {med['reduced']:25.0f} | {med['full'] / med['reduced']:7.2f}× |"
            f" {paired(times, 'full', 'reduced'):5.2f}×"
        )


if __name__ == "__main__":
    main()
