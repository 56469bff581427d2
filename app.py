"""resnet-viz web app: `python app.py [--model resnet50] [--port 7860] [--share] [--weights W] [--device D]`.

The same as `resnet-viz serve`; this file is what a Hugging Face Space runs.
"""

from __future__ import annotations

import sys

from resnet_viz.server_settings import configure_server_process

configure_server_process()  # before torch loads: the server's process-wide settings (see that module)

try:  # Hugging Face Spaces: ZeroGPU attaches a GPU per decorated call (no-op on other hardware).
    import spaces  # before torch, as ZeroGPU requires
except ImportError:
    spaces = None

from resnet_viz.cli import main as cli_main  # noqa: E402 (after spaces, which must come before torch)


def main(argv: list[str] | None = None) -> int:
    return cli_main(["serve", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
