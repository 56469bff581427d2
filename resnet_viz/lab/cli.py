"""The lab's commands for `resnet-viz`: lab, train-demo, degradation."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _train_demo(args: argparse.Namespace) -> int:
    from .train import DemoConfig, save_demo, train_demo
    from .pointing import app_path_report

    config = DemoConfig(steps=args.steps, batch=args.batch, seed=args.seed)
    model, result = train_demo(config, log=lambda line: print(line, file=sys.stderr))
    paths = save_demo(model, result, args.out)
    report = app_path_report(paths["weights"], paths["classes"], n=args.check_images, seed=config.seed + 20_000)
    save_demo(model, result, args.out, extra=report)
    print(f"trained resnet18 on {len(report['classes'])} shapes in {result.seconds:.0f} s ({result.steps} steps)")
    print(f"held-out accuracy at training size: {result.held_out_accuracy:.1%}")
    print(f"held-out accuracy through the app (resize 256, crop 224): {report['app_accuracy']:.1%}")
    print(f"layer4 Grad-CAM peak inside the shape's box: {report['pointing']:.1%}")
    print(f"run the app with it: python app.py --weights {paths['weights']} --class-names {paths['classes']}")
    return 0


def _degradation(args: argparse.Namespace) -> int:
    from .degradation import DegradationConfig, run_degradation, save_json

    config = DegradationConfig(depths=tuple(args.depths), steps=args.steps, batch=args.batch, seed=args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report = run_degradation(config, log=lambda line: print(line, file=sys.stderr))
    report["command"] = "resnet-viz " + " ".join(sys.argv[1:]) if args.record_command else None
    save_json(report, out / "degradation.json")  # first: the measurement survives a plotting error
    from .charts import degradation_chart, save_chart

    for lang in ("en", "ko"):
        save_chart(out / ("degradation.png" if lang == "en" else "degradation_ko.png"), degradation_chart, report, lang=lang)
    print(f"wrote {out}/degradation.json and degradation.png")
    return 0


def register(commands) -> None:
    """Add the lab's subcommands to `resnet-viz`'s subparsers."""
    demo = commands.add_parser("train-demo", help="train a resnet18 on drawn shapes (a few minutes, CPU) for the app")
    demo.add_argument("--out", required=True, help="folder for model.pt, classes.txt, train.json")
    demo.add_argument("--steps", type=int, default=240)
    demo.add_argument("--batch", type=int, default=32)
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--check-images", type=int, default=100, help="held-out drawings checked through the app's path")
    demo.set_defaults(handler=_train_demo)

    deg = commands.add_parser("degradation", help="train plain and residual CIFAR-style nets at two depths; plot training error")
    deg.add_argument("--out", default="assets/degradation")
    deg.add_argument("--depths", type=int, nargs=2, default=[8, 20], help="two depths 6n+2 (default: 8 20)")
    deg.add_argument("--steps", type=int, default=200)
    deg.add_argument("--batch", type=int, default=32)
    deg.add_argument("--seed", type=int, default=0)
    deg.add_argument("--record-command", action="store_true", help="store this command line in the JSON")
    deg.set_defaults(handler=_degradation)
