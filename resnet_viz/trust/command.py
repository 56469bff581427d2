"""`resnet-viz trust IMAGE …`: the sanity checks, class check and faithfulness to charts + trust.json;
`--rf stage:row,col` adds a receptive-field chart."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..cam import CAM_METHODS
from ..stages import CAM_STAGES


def _run(args: argparse.Namespace) -> int:
    from ..analysis import preprocess
    from ..errors import message_in
    from ..i18n import pick
    from ..images import load_image
    from ..models import load_model
    from ..plotting import figure_bytes, figure_lang, style
    from . import charts
    from .faithfulness import faithfulness
    from .receptive import effective_field, parse_unit, receptive_field
    from .report import figures, trust_json, write
    from .sanity import cascading_randomization, class_check
    from .text import TEXT, verdict

    image = load_image(args.image)  # a bad file fails here, before a model loads
    unit = parse_unit(args.rf) if args.rf else None  # and a bad --rf before the slow part
    loaded = load_model(args.model, args.weights, args.device, args.class_names)
    if unit is not None:
        receptive_field(loaded, *unit)  # an out-of-range unit fails early too
    if not loaded.is_pretrained:
        print(pick(TEXT, "cli_untrained", args.lang, note=message_in(loaded.weights_note, args.lang)), file=sys.stderr)
    progress = (lambda fraction, what: print(f"  {what}…", file=sys.stderr)) if args.verbose else None
    sanity = cascading_randomization(loaded, image, args.stage, args.target, args.method, progress=progress)
    check = class_check(loaded, image, args.stage, args.method)
    faith = None
    if not args.no_faithfulness:
        faith = faithfulness(loaded, image, sanity.target, args.method, progress=progress)
    out = Path(args.out)
    written = write(out, figures(sanity, check, faith, args.lang))
    if unit is not None:
        field = receptive_field(loaded, *unit)
        effective = effective_field(loaded, image, *unit)
        shown, _ = preprocess(loaded.transforms, image)
        lang = figure_lang(args.lang)
        with style(lang):
            data = figure_bytes(charts.receptive_field_figure(shown, field, effective, lang))
        written += write(out, {f"trust-rf-{field.stage}-{field.row}-{field.col}.png": data})
        print(f"receptive field of {field.stage} ({field.row},{field.col}): box {field.box}, size {field.size} px")
    report = trust_json(loaded.name, sanity, check, faith)
    (out / "trust.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    written.append("trust.json")
    print(verdict(sanity, args.lang, untrained=not loaded.is_pretrained))
    if faith is not None:
        print(
            pick(
                TEXT,
                "cost",
                args.lang,
                stages=len(faith.stages),
                passes=faith.forward_passes,
                solves=faith.sparse_solves,
                seconds=faith.seconds,
            )
        )
    print(f"wrote {len(written)} files to {out}/")
    return 0


def register(subparsers) -> None:
    """Add the `trust` command to the CLI's subparsers."""
    from ..cli_options import add_model_options

    parser = subparsers.add_parser("trust", help="sanity checks, class check, faithfulness and receptive fields")
    parser.add_argument("image")
    add_model_options(parser, model_default=None)
    parser.add_argument("--target", default=None, help="class index or name (default: the top-1 class)")
    parser.add_argument("--stage", default="layer4", choices=list(CAM_STAGES), help="stage whose map is checked")
    parser.add_argument("--method", default="gradcam", choices=list(CAM_METHODS))
    parser.add_argument("--out", default="trust", help="output folder (default: %(default)s)")
    parser.add_argument(
        "--rf", default=None, metavar="STAGE:ROW,COL", help="also draw the receptive field of one unit, e.g. layer3:4,7"
    )
    parser.add_argument(
        "--no-faithfulness",
        action="store_true",
        help="skip ROAD and deletion (the slow part: tens of seconds on a CPU)",
    )
    parser.add_argument("--lang", default="en", choices=["en", "ko"], help="language of the charts")
    parser.add_argument("--verbose", action="store_true", help="print each step")
    parser.set_defaults(handler=_run)
