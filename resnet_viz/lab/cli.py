"""The lab's commands for `resnet-viz`: lab, train-demo, degradation."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import message_in
from ..i18n import pick
from .train import DemoConfig

CLI_TEXT = {
    "en": {"untrained": "warning: UNTRAINED (random) weights: the lab's charts show an untrained network. {note}"},
    "ko": {
        "untrained": "경고: 학습되지 않은(무작위) 가중치입니다. 실험실 차트는 학습되지 않은 네트워크를 보여 줍니다. {note}"
    },
}


def _train_demo(args: argparse.Namespace) -> int:
    from .pointing import app_path_report
    from .train import save_demo, train_demo

    config = DemoConfig(
        steps=args.steps, batch=args.batch, seed=args.seed, final_steps=min(args.final_steps, args.steps)
    )
    model, result = train_demo(config, log=lambda line: print(line, file=sys.stderr))
    paths = save_demo(model, result, args.out)
    report = app_path_report(paths["weights"], paths["classes"], n=args.check_images, seed=config.seed + 20_000)
    save_demo(model, result, args.out, extra=report)
    print(f"trained resnet18 on {len(report['classes'])} shapes in {result.seconds:.0f} s ({result.steps} steps)")
    print(f"held-out accuracy at {config.final_size} px: {result.held_out_accuracy:.1%}")
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
        save_chart(
            out / ("degradation.png" if lang == "en" else "degradation_ko.png"), degradation_chart, report, lang=lang
        )
    print(f"wrote {out}/degradation.json and degradation.png")
    return 0


def _lab(args: argparse.Namespace) -> int:
    import json

    from ..images import load_image
    from ..models import load_model
    from .charts import depth_flow_chart, save_chart, save_lab_charts
    from .depths import depth_flow_json
    from .run import lab_json, run_depth_flow, run_lab

    image = load_image(args.image)  # a bad file fails here, before a model loads
    loaded = load_model(args.model, args.weights, args.device, args.class_names)
    if not loaded.is_pretrained:
        print(pick(CLI_TEXT, "untrained", args.lang, note=message_in(loaded.weights_note, args.lang)), file=sys.stderr)
    result = run_lab(
        loaded, image, args.target, progress=lambda fraction, text: print(f"  {fraction:4.0%} {text}", file=sys.stderr)
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = save_lab_charts(result, loaded.module, out, args.lang)
    report = lab_json(result)
    if args.depths:
        depths = run_depth_flow(
            loaded,
            image,
            result.target,
            progress=lambda fraction, text: print(f"  depths {fraction:4.0%} {text}", file=sys.stderr),
        )
        report["depth_flow"] = depth_flow_json(depths)
        save_chart(out / "depth_gradients.png", depth_flow_chart, depths, lang=args.lang)
        written.append(out / "depth_gradients.png")
    (out / "lab.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(
        f"{result.model} ({result.weights}), target {result.target_label} (class {result.target}), "
        f"p = {result.intact_prob:.3f}"
    )
    print(f"wrote lab.json and {len(written)} charts to {out}/")
    return 0


def register(commands) -> None:
    """Add the lab's subcommands to `resnet-viz`'s subparsers."""
    from ..cli_options import add_model_options

    lab = commands.add_parser("lab", help="residual lab: block norms, lesion study, gradient flow (charts + lab.json)")
    lab.add_argument("image")
    add_model_options(lab, model_default=None)
    lab.add_argument("--target", default=None, help="class index or name (default: the top-1 class)")
    lab.add_argument("--out", default="lab", help="output folder (default: %(default)s)")
    lab.add_argument("--lang", default="en", choices=["en", "ko"], help="language of the charts")
    lab.add_argument(
        "--depths",
        action="store_true",
        help="also gradient flow at 18/34/50/101/152 layers, one seeded random init (~7 s on 2 CPU cores)",
    )
    lab.set_defaults(handler=_lab)

    demo = commands.add_parser("train-demo", help="train a resnet18 on drawn shapes (a few minutes, CPU) for the app")
    demo.add_argument("--out", required=True, help="folder for model.pt, classes.txt, train.json")
    demo.add_argument(
        "--steps", type=int, default=DemoConfig.steps, help="training steps in all (default: %(default)s)"
    )
    demo.add_argument(
        "--final-steps",
        type=int,
        default=DemoConfig.final_steps,
        help="of them, the last ones at 224 px (default: %(default)s)",
    )
    demo.add_argument("--batch", type=int, default=32)
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--check-images", type=int, default=100, help="held-out drawings checked through the app's path")
    demo.set_defaults(handler=_train_demo)

    deg = commands.add_parser(
        "degradation", help="train plain and residual CIFAR-style nets at two depths; plot training error"
    )
    deg.add_argument("--out", default="assets/degradation")
    deg.add_argument("--depths", type=int, nargs=2, default=[8, 20], help="two depths 6n+2 (default: 8 20)")
    deg.add_argument("--steps", type=int, default=200)
    deg.add_argument("--batch", type=int, default=32)
    deg.add_argument("--seed", type=int, default=0)
    deg.add_argument("--record-command", action="store_true", help="store this command line in the JSON")
    deg.set_defaults(handler=_degradation)
