"""The `resnet-viz` command. Every command is registered here, in COMMANDS, and nowhere else.

A command's module is imported only when that command runs (or its own --help is asked for), so
`resnet-viz --help`, `weights list` and argument errors load neither torch, gradio nor grad-cam.
A command module has `register(subparsers)`, which adds its parser(s) with `set_defaults(handler=...)`;
it imports its shared options from cli_options, never from this module.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .errors import ResnetVizError

# (command, module whose register(subparsers) adds it, one-line help for `resnet-viz --help`).
# To add a command: one row here, and its module. tests/test_cli_startup.py checks that each module
# registers exactly the commands its rows name.
COMMANDS: list[tuple[str, str, str]] = [
    ("analyze", "resnet_viz.core_commands", "write feature maps, Grad-CAMs and predictions for images"),
    ("weights", "resnet_viz.core_commands", "prefetch or list pretrained weights in the torch hub cache"),
    ("serve", "resnet_viz.core_commands", "run the web app (what app.py runs)"),
    ("figure", "resnet_viz.lecture", "slide-ready composite figures (PNG/SVG/PDF) with manifests"),
    ("compare", "resnet_viz.compare", "the same image through resnet18/34/50/101/152, side by side"),
    ("trust", "resnet_viz.trust.command", "sanity checks, class check, faithfulness and receptive fields"),
    ("lab", "resnet_viz.lab.cli", "residual lab: block norms, lesion study, gradient flow (charts + lab.json)"),
    ("train-demo", "resnet_viz.lab.cli", "train a resnet18 on drawn shapes (a few minutes, CPU) for the app"),
    (
        "degradation",
        "resnet_viz.lab.cli",
        "train plain and residual CIFAR-style nets at two depths; plot training error",
    ),
    (
        "depth-study",
        "resnet_viz.study.cli",
        "train plain/residual/pre-activation nets at several depths (He et al. 2015 Fig. 6) and chart their errors",
    ),
    ("lesion-study", "resnet_viz.study.cli", "delete blocks of a study checkpoint at test time (Veit et al. 2016)"),
    (
        "landscape",
        "resnet_viz.study.cli",
        "filter-normalised 2-D loss landscape of a study checkpoint (Li et al. 2018)",
    ),
    ("handout", "resnet_viz.handout", "a printable A4 PDF handout (theory, stage table, this photo, charts)"),
    ("channel", "resnet_viz.channel_command", "what one channel looks for: feature visualisation + dataset examples"),
]


def _command_in(argv: list[str]) -> str | None:
    """The command word: the first argument that is not an option (the top level has only -h)."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser, with the full options of the command `argv` names (imported now) and a one-line
    entry for every other command. Without `argv`: every command in full (imports them all)."""
    parser = argparse.ArgumentParser(prog="resnet-viz", description="See inside a ResNet.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    wanted = {name for name, _, _ in COMMANDS} if argv is None else {_command_in(argv)}
    for module in dict.fromkeys(module for name, module, _ in COMMANDS if name in wanted):
        importlib.import_module(module).register(commands)
    for name, _, help_text in COMMANDS:
        if name not in commands.choices:  # listed for --help and for the error's list of choices
            commands.add_parser(name, help=help_text)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(argv).parse_args(argv)
    try:
        return args.handler(args)  # every module in COMMANDS sets one (tests/test_cli_startup.py)
    except ResnetVizError as err:
        # Commands with --lang say it in that language; the rest in English.
        lang = getattr(args, "lang", None) or "en"
        print(("오류: " if lang == "ko" else "error: ") + err.render(lang), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
