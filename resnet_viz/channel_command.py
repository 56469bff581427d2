"""`resnet-viz channel PHOTO --stage layer3 --channel 37 --out DIR`: what one channel looks for, as
files: its map on the photo, its feature visualisation (lossless PNG, `vis` in the name, at the
network's input size), its top dataset examples and channel.json."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path


def _run(args: argparse.Namespace) -> int:
    import numpy as np
    import torch
    from PIL import Image

    from .analysis import analyze, resolve_target
    from .channel_story import TEXT, default_effort, tell, verdict
    from .featurevis import FeatureVisCache, VisRequest, check_request, conv1_filters, measure
    from .i18n import pick
    from .images import load_image
    from .models import load_model
    from .reference import ReferenceCache, examples_grid, reference_set_for
    from .render import channel_overlay, encode_png
    from .trust.receptive import stage_name

    photo = load_image(args.photo)  # a bad file fails here, before a model loads
    stage = stage_name(args.stage)
    loaded = load_model(args.model, args.weights, args.device, args.class_names)
    if not loaded.is_pretrained:
        print(f"warning: {pick(TEXT, 'noise', args.lang).replace('**', '').lstrip('⚠️ ')}", file=sys.stderr)
    size_default, steps_default = default_effort(loaded.device)
    size = args.size or int(loaded.transforms.crop_size[0])  # the network's input size
    steps = args.steps or (steps_default if size <= size_default else steps_default * 2)
    result = analyze(loaded, photo, method="gradcam")
    stage_result = result.stage(stage)
    channel_request = check_request(loaded, VisRequest(stage, args.channel, "mean", size, steps, args.seed))
    if args.objective == "logit":
        top1 = loaded.categories.index(result.predictions[0][0])
        target = resolve_target(loaded.categories, args.target, top1)
        request = check_request(loaded, VisRequest(stage, target, "logit", size, steps, args.seed))
    else:
        request = VisRequest(stage, channel_request.channel, args.objective, size, steps, args.seed)
    references = reference_set_for(loaded, args.reference)
    every = max(1, steps // 10)
    progress = lambda step, total: (
        print(f"  step {step}/{total}", file=sys.stderr) if step % every == 0 or step == total else None
    )
    story = tell(
        loaded,
        request,
        channel_request.channel,
        references,
        FeatureVisCache(),
        ReferenceCache(),
        k=args.top_k,
        progress=None if args.quiet else progress,
    )

    # The file is at the network's input size; its activation is measured on the file's own pixels.
    input_size = int(loaded.transforms.crop_size[0])
    picture = story.vis.image
    if picture.size != (input_size, input_size):
        picture = picture.resize((input_size, input_size), Image.Resampling.BICUBIC)
    pixels = torch.from_numpy(np.array(picture)).permute(2, 0, 1)[None].float() / 255
    story = replace(
        story, vis=replace(story.vis, image=picture, activation=float(measure(loaded, story.vis.request, pixels)[0]))
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    name = f"{stage}-{'class' if args.objective == 'logit' else 'channel'}{request.channel}-{args.objective}"
    files = {
        f"{name}-vis.png": encode_png(story.vis.image),
        f"{stage}-channel{channel_request.channel}-examples.png": encode_png(examples_grid(story.examples)),
        f"{stage}-channel{channel_request.channel}-map.png": encode_png(
            channel_overlay(result.image, stage_result, channel_request.channel, args.alpha)
        ),
    }
    if args.conv1:
        files["conv1-filters.png"] = encode_png(conv1_filters(loaded.module))
    for file_name, data in files.items():
        (out / file_name).write_bytes(data)
    report = {
        "stage": stage,
        "channel": channel_request.channel,
        "objective": args.objective,
        "class": request.channel if args.objective == "logit" else None,
        "model": loaded.name,
        "weights": loaded.weights_label,
        "untrained": not loaded.is_pretrained,
        "vis_activation": story.vis.activation,
        "vis_file": f"{name}-vis.png",
        "vis_size": input_size,
        "optimised_at": size,
        "steps": steps,
        "seed": args.seed,
        "seconds": round(story.vis.seconds, 2),
        "best_reference": {"file": story.best_file, "activation": story.best_activation},
        "vis_is_larger": story.vis_is_larger,
        "reference_images": len(references),
        "top_examples": [
            {"file": e.file, "box": list(e.box), "activation": e.activation, "unit": list(e.unit)}
            for e in story.examples
        ],
    }
    (out / "channel.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print(verdict(loaded, story, args.lang).replace("**", ""))
    print(f"wrote {len(files) + 1} files to {out}/ ({story.vis.seconds:.1f} s for {steps} steps at {size} px)")
    return 0


def _channel_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a channel is a whole number, not {text!r}") from None


def register(commands) -> None:
    from .cli_options import add_model_options

    parser = commands.add_parser("channel", help="what one channel looks for: feature visualisation + dataset examples")
    parser.add_argument("photo", help="the photo whose map of the channel is drawn")
    add_model_options(parser, model_default=None)
    parser.add_argument("--stage", default="layer3", help="conv1/stem, layer1..layer4 (or conv2_x..conv5_x, C1..C5)")
    parser.add_argument("--channel", type=_channel_number, default=0, help="the channel id (default: %(default)s)")
    parser.add_argument(
        "--objective",
        default="mean",
        choices=["mean", "max", "logit"],
        help="maximise the channel's mean or max over positions, or a class logit (default: %(default)s)",
    )
    parser.add_argument("--target", default=None, help="the class for --objective logit (default: the photo's top-1)")
    parser.add_argument(
        "--reference",
        default=None,
        metavar="DIR",
        help="more reference images for the dataset examples (besides the bundled photos)",
    )
    parser.add_argument("--top-k", type=int, default=6, help="dataset examples to keep (default: %(default)s)")
    parser.add_argument("--size", type=int, default=None, help="visualisation size in px (default: the input size)")
    parser.add_argument(
        "--steps",
        type=int,
        default=None,
        help="optimisation steps (default: 48 on a CPU, 96 at the 224-px input size; 256 on a GPU)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--alpha", type=float, default=0.5, help="the map's opacity over the photo")
    parser.add_argument("--conv1", action="store_true", help="also write conv1's 64 filters as RGB tiles")
    parser.add_argument("--lang", default="en", choices=["en", "ko"])
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.add_argument("--out", default="out", help="output folder (default: %(default)s)")
    parser.set_defaults(handler=_run)
