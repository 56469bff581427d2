"""One full analysis against the physics of the problem, measured side by side in one run.

    python benchmarks/bench_analyze.py [--quick] [--device cpu|cuda]

(a) floor: forward + autograd.grad of the target logit w.r.t. the four stage outputs
(b) forward + full backward (every weight gradient)
(c) resnet_viz.analyze + all the rendering and encoding the UI does (render_encoded, as the UI calls it)
(d) naive: a forward for predictions, four GradCAM(target_layers=[stage]) objects, a matplotlib
    subplot grid per stage
Random weights: speed does not depend on what the weights are.
"""

from __future__ import annotations

import argparse
import copy
import io
import statistics
import time

import skimage.data
import torch
from matplotlib.figure import Figure
from PIL import Image
from pytorch_grad_cam import GradCAM
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

import resnet_viz
from resnet_viz.analysis import preprocess
from resnet_viz.capture import capture_stage_outputs
from resnet_viz.render import render_encoded, strongest_channels
from resnet_viz.service import UI_PHOTO_FORMAT
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


def bench(name: str, size: int, device: str, repeats: int) -> dict[str, list[float]]:
    loaded = resnet_viz.load_model(name, weights="random", device=device)
    if size != 224:  # same weights, bigger input: rebuild transforms at that size
        from torchvision.transforms._presets import ImageClassification
        loaded = resnet_viz.LoadedModel(loaded.name, loaded.module, loaded.device, loaded.categories,
                                        ImageClassification(crop_size=size, resize_size=int(size * 256 / 224)),
                                        loaded.weights_status, loaded.weights_label)
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
        # what the UI (Analyzer.present) and the CLI do, minus writing the files
        render_encoded(resnet_viz.analyze(loaded, image), photo_format=UI_PHOTO_FORMAT)

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
    return interleaved({"a": floor, "b": full_backward, "c": ours, "d": naive}, repeats, warmup, sync)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no 448 run: under a minute")
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    device = str(resnet_viz.models.resolve_device(args.device))
    repeats = 3 if args.quick else 9
    configs = [("resnet18", 224), ("resnet50", 224)] + ([] if args.quick else [("resnet50", 448)])
    print(f"device {device}, torch {torch.__version__}, {torch.get_num_threads()} threads, {repeats} repeats, median [min–max] ms")
    print(f"{'model':>14} | {'(a) floor':>18} | {'(b) fwd+full bwd':>18} | {'(c) resnet-viz':>18} | {'(d) naive':>20} | c/a  | d/c")
    for name, size in configs:
        times = bench(name, size, device, repeats)
        med = {k: statistics.median(v) * 1000 for k, v in times.items()}
        cell = lambda k: f"{med[k]:6.0f} [{min(times[k]) * 1000:4.0f}–{max(times[k]) * 1000:4.0f}]"
        print(f"{name + '@' + str(size):>14} | {cell('a'):>18} | {cell('b'):>18} | {cell('c'):>18} | {cell('d'):>20} |"
              f" {med['c'] / med['a']:.2f} | {med['d'] / med['c']:.1f}")


if __name__ == "__main__":
    main()
