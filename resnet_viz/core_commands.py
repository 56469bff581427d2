"""`analyze`, `weights` and `serve`: the commands that are neither the lab, trust nor lecture modes.

Registered by resnet_viz/cli.py's table. Imports stay inside the handlers: building these parsers
(for --help or an argument error) must not load torch, gradio or grad-cam.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .cli_options import add_method_option, add_model_options, model_name
from .errors import ModelChoiceError, ResnetVizError
from .hub_cache import DEPTH_NAMES, MODEL_NAMES, is_timm_name, weights_name, weights_path


def _analyze(args: argparse.Namespace) -> int:
    inputs = args.inputs
    if len(inputs) == 1 and not Path(inputs[0]).is_dir():
        return _analyze_one(args, inputs[0])
    return _analyze_many(args)


def _picture_options(args: argparse.Namespace):
    from .batch import PictureOptions

    return PictureOptions(args.channels, args.colormap, args.alpha, args.channel, not args.predictions_only)


def _load(args: argparse.Namespace):
    from .models import load_model

    loaded = load_model(args.model, args.weights, args.device, args.class_names)
    if not loaded.is_pretrained:
        print(
            f"warning: UNTRAINED (random) weights, predictions are meaningless. {loaded.weights_note}", file=sys.stderr
        )
    return loaded


def _analyze_one(args: argparse.Namespace, path: str) -> int:
    from .analysis import analyze
    from .batch import write_analysis
    from .images import load_image

    image = load_image(path)  # a bad file fails here, before a model loads
    loaded = _load(args)
    result = analyze(
        loaded,
        image,
        target=args.target,
        method=args.method,
        top_k=args.top_k,
        normalization=args.normalization,
        contrast=args.contrast,
    )
    out = Path(args.out)
    report = write_analysis(result, out, str(path), loaded.weights_note, _picture_options(args))
    status = "" if loaded.is_pretrained else "  [untrained weights]"
    print(f"{result.model_name} ({result.weights_label}) on {result.device}{status}, {result.seconds * 1000:.0f} ms")
    for label, probability in result.predictions:
        print(f"  {probability:7.2%}  {label}")
    versus = "" if result.contrast is None else f" minus {result.contrast.label} (class {result.contrast.index})"
    print(f"{result.method} target: {result.target.label} (class {result.target.index}){versus}")
    print(f"wrote {len(report['files'])} files to {out}/")
    return 0


def _analyze_many(args: argparse.Namespace) -> int:
    from .batch import analyze_folder

    loaded = _load(args)
    out = Path(args.out)
    report = analyze_folder(
        loaded,
        args.inputs,
        out,
        args.batch_size,
        args.target,
        args.contrast,
        args.method,
        args.top_k,
        args.normalization,
        _picture_options(args),
        progress=not args.quiet,
        workers=args.workers,
    )
    rate = report.analysed / report.seconds if report.seconds else 0.0
    print(
        f"{loaded.name} ({loaded.weights_label}) on {loaded.device}: {report.analysed} images analysed in "
        f"{report.seconds:.1f} s ({rate:.1f} images/s, batches of {args.batch_size}); {out}/predictions.jsonl"
    )
    for path, message in report.failed:
        print(f"failed: {message if path in message else f'{path}: {message}'}", file=sys.stderr)
    if report.failed:
        print(
            f"{len(report.failed)} of {len(report.failed) + report.analysed} files failed (listed above and in predictions.jsonl).",
            file=sys.stderr,
        )
    return 1 if report.failed else 0


def _weights(args: argparse.Namespace) -> int:
    # fetch with no names: the five depths (ResNeXt-101 and Wide ResNet-101 are 340 and 500 MB more);
    # list shows every torchvision model
    names = args.models or list(MODEL_NAMES if args.action == "list" else DEPTH_NAMES)
    if args.action == "list":  # torch-free (hub_cache): listing must not take seconds
        for name in names:
            if is_timm_name(name):
                from . import timm_models

                state = "offline ✓" if timm_models.is_cached(name) else "not cached"
                print(f"{name:10s} {'DEFAULT':14s} {state:11s} {timm_models.cache_hint(name)}")
                continue
            try:
                label, where = weights_name(name, args.weights), weights_path(name, args.weights)
            except ValueError as err:
                raise ModelChoiceError(str(err)) from None
            state = "offline ✓" if where.is_file() else "not cached"
            print(f"{name:10s} {label:14s} {state:11s} {where}")
        return 0
    from .models import fetch_weights

    failures = 0
    for name in names:
        try:
            if is_timm_name(name):
                from . import timm_models

                path = timm_models.fetch(name)
            else:
                path = fetch_weights(name, args.weights)
            print(f"{name}: {path}")
        except Exception as err:  # torch hub's URLError/OSError; huggingface_hub's HTTP errors
            failures += 1
            print(f"{name}: download failed ({err}). Check the network and try again.", file=sys.stderr)
    return 1 if failures else 0


def _serve(args: argparse.Namespace) -> int:
    from .server_settings import configure_server_process

    if args.reference and not Path(args.reference).is_dir():
        raise ResnetVizError(f"Reference folder {args.reference} does not exist.")
    configure_server_process()  # before torch loads (GOMP_SPINCOUNT); a library user never gets these
    from .ui import DEFAULT_CONCURRENCY, launch

    # A Space runs `python app.py` with no arguments: its settings' variables choose instead.
    model = args.model or os.environ.get("RESNET_VIZ_MODEL") or None
    weights = os.environ.get("RESNET_VIZ_WEIGHTS", "DEFAULT") if args.weights == "DEFAULT" else args.weights
    # Hugging Face's ZeroGPU package, if app.py imported it (it must come before torch).
    spaces = sys.modules.get("spaces")
    launch(
        model=model,
        weights=weights,
        device=args.device,
        port=args.port,
        share=args.share,
        host=args.host,
        class_names=args.class_names,
        concurrency=args.concurrency or DEFAULT_CONCURRENCY,
        gpu=spaces.GPU if spaces is not None else None,
        reference=args.reference,
        max_batch=args.max_batch,
    )
    return 0


def register(commands) -> None:
    """Add `analyze`, `weights` and `serve` to the `resnet-viz` command's subparsers."""

    analyze = commands.add_parser("analyze", help="write feature maps, Grad-CAMs and predictions for images")
    analyze.add_argument(
        "inputs",
        nargs="+",
        metavar="DIR_OR_FILES",
        help="an image; or several images and/or folders (then one sub-folder per image and predictions.jsonl)",
    )
    add_model_options(analyze, model_default=None)  # None: resnet50, or what a checkpoint holds
    analyze.add_argument("--out", default="out", help="output folder (default: %(default)s)")
    add_method_option(analyze)
    analyze.add_argument("--target", default=None, help="class index or name (default: the top-1 class)")
    analyze.add_argument(
        "--contrast",
        default=None,
        help="class index or name B: the maps explain logit(target) − logit(B) (gradient methods)",
    )
    analyze.add_argument("--top-k", type=int, default=5)
    analyze.add_argument("--channels", type=int, default=16, help="feature maps per stage, 8-64")
    analyze.add_argument("--colormap", default="viridis")
    analyze.add_argument("--alpha", type=float, default=0.5, help="heatmap opacity")
    analyze.add_argument("--normalization", default="per-stage", choices=["per-stage", "shared"])
    analyze.add_argument("--channel", default=None, help="also write one channel large, e.g. layer3:117")
    analyze.add_argument(
        "--batch-size",
        type=int,
        default=8,
        help="images per forward/backward for several inputs (default: %(default)s)",
    )
    analyze.add_argument(
        "--workers",
        type=int,
        default=None,
        help="decode processes for several inputs (default: none on CPU, where a thread decodes ahead; "
        "up to 4 with a GPU)",
    )
    analyze.add_argument(
        "--predictions-only", action="store_true", help="write predictions, no pictures (fastest for a folder)"
    )
    analyze.add_argument("--quiet", action="store_true", help="no progress bar")
    analyze.set_defaults(handler=_analyze)

    weights = commands.add_parser("weights", help="prefetch or list pretrained weights in the torch hub cache")
    weights.add_argument("action", choices=["fetch", "list"])
    weights.add_argument("models", nargs="*", type=model_name, metavar="MODEL")
    weights.add_argument("--weights", default="DEFAULT", help="which torchvision weights (default: %(default)s)")
    weights.set_defaults(handler=_weights)

    serve = commands.add_parser("serve", help="run the web app (what app.py runs)")
    add_model_options(serve, model_default=None)  # None: resnet50, or what a checkpoint holds
    serve.add_argument("--port", type=int, default=None, help="default: $GRADIO_SERVER_PORT or 7860")
    serve.add_argument("--host", default=None, help="default: $GRADIO_SERVER_NAME or 127.0.0.1")
    serve.add_argument("--share", action="store_true", help="a public gradio.live link")
    serve.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="requests processed at once per event group (default 2; the model itself runs one at a time)",
    )
    serve.add_argument(
        "--max-batch",
        type=int,
        default=8,
        help="concurrent analyses of one model and method run as one batch of up to this many (1: each alone)",
    )
    serve.add_argument(
        "--reference",
        default=None,
        metavar="DIR",
        help="more reference images for the channel inspector's dataset examples",
    )
    serve.set_defaults(handler=_serve)
