"""resnet-viz web app: `python app.py [--model resnet50] [--port 7860] [--share] [--weights W] [--device D]`."""

from __future__ import annotations

import argparse
import os
import sys

try:  # Hugging Face Spaces: ZeroGPU attaches a GPU per decorated call (no-op on other hardware).
    import spaces  # before torch, as ZeroGPU requires
except ImportError:
    spaces = None

from resnet_viz.cli import add_model_options
from resnet_viz.errors import ResnetVizError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="See inside a ResNet (web app).")
    add_model_options(parser, model_default=None)
    parser.add_argument("--port", type=int, default=None, help="default: $GRADIO_SERVER_PORT or 7860")
    parser.add_argument("--host", default=None, help="default: $GRADIO_SERVER_NAME or 127.0.0.1")
    parser.add_argument("--share", action="store_true", help="a public gradio.live link")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="requests processed at once per event group (default 2; the model itself runs one at a time)")
    args = parser.parse_args(argv)
    # A Space runs `python app.py` with no arguments: its settings' variables choose instead.
    args.model = args.model or os.environ.get("RESNET_VIZ_MODEL") or None
    if args.weights == "DEFAULT":
        args.weights = os.environ.get("RESNET_VIZ_WEIGHTS", "DEFAULT")
    from resnet_viz.ui import launch

    try:
        launch(model=args.model, weights=args.weights, device=args.device, port=args.port, share=args.share,
               host=args.host, class_names=args.class_names, gpu=spaces.GPU if spaces is not None else None,
               **({} if args.concurrency is None else {"concurrency": args.concurrency}))
    except ResnetVizError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
