"""What each Gradio speed-up (resnet_viz/ui/gradio_speedups.py) buys: one /analyze round trip with
all of them on, each alone off, and all off (RESNET_VIZ_GRADIO_SPEEDUPS), servers run in turn.

    python benchmarks/bench_speedups.py [--requests 20] [--rounds 2] [--model resnet18]

Each configuration is a fresh `python app.py` (random weights, offline); after two warm-up requests
it answers --requests analyses of the same photo one after another; the round trip is measured at
the client (gradio_client, pictures not downloaded). Rounds alternate the configurations.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import serverkit  # noqa: E402

CONFIGS = {
    "all on (default)": "1",
    "inline off": "static,monitoring",
    "static-first off": "inline,monitoring",
    "monitoring summary on": "inline,static",
    "all off (RESNET_VIZ_GRADIO_SPEEDUPS=0)": "0",
}


def round_trips(model: str, switch: str, requests: int) -> list[float]:
    server, _ = serverkit.start_server(model, env={"RESNET_VIZ_GRADIO_SPEEDUPS": switch})
    try:
        client = serverkit.connect(server.url)
        photo = serverkit.save_with_nonce(serverkit.photos(1)[0], server.log_path.with_suffix(".bench.png"), switch)
        for _ in range(2):
            serverkit.analyze(client, photo, model)
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            serverkit.analyze(client, photo, model)
            times.append((time.perf_counter() - started) * 1000)
        return times
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--model", default="resnet18")
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in CONFIGS}
    for _ in range(args.rounds):
        for name, switch in CONFIGS.items():
            times[name] += round_trips(args.model, switch, args.requests)
    base = statistics.median(times["all on (default)"])
    print(
        f"{args.model}, {args.rounds} rounds × {args.requests} requests per configuration, {os.cpu_count()} CPU cores\n"
    )
    print("| Gradio speed-ups | median ms | p90 ms | vs all on |\n|---|---:|---:|---:|")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"| {name} | {median:.0f} | {serverkit.percentile(values, 0.9):.0f} | {median - base:+.0f} |")


if __name__ == "__main__":
    main()
