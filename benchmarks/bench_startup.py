"""Start-up, each in a fresh process, beside what torch and gradio alone cost to import.

    python benchmarks/bench_startup.py [--runs 3] [--model resnet18]

Rows: `python -c "import torch"`, `... "import torch, gradio"`, `resnet-viz --help`, `weights list`,
and app.py (random weights, offline) until it listens and serves the page (first paint: GET /
answers 200) and until it answers its first /analyze (first answer). Medians of --runs, with min-max.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import serverkit  # noqa: E402

ROOT = serverkit.ROOT  # --root: another checkout, e.g. an older commit, measured the same way
ENV = {**os.environ, "RESNET_VIZ_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}


def seconds_to_run(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, env=ENV, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def app_start(model: str, timeout: float = 300) -> tuple[float, float]:
    """Seconds from `python app.py` to the page served, and to the first analysis answered."""
    port = serverkit.free_port()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-startup-{port}.log"
    url = f"http://127.0.0.1:{port}/"
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "app.py", "--model", model, "--weights", "random", "--device", "cpu", "--port", str(port)],
        cwd=ROOT,
        env=ENV,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        while True:
            if process.poll() is not None or time.perf_counter() - started > timeout:
                raise RuntimeError(f"app.py did not serve the page:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=5) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.25)  # gently: Gradio's own start-up check gives up after one 3 s HEAD
        paint = time.perf_counter() - started
        photo = serverkit.save_with_nonce(serverkit.photos(1)[0], log.with_suffix(".png"), f"startup-{port}")
        while True:
            try:
                serverkit.analyze(serverkit.connect(url), photo, model)
                return paint, time.perf_counter() - started
            except Exception:  # the page is served before the API answers on a busy machine: try again
                if process.poll() is not None:
                    raise RuntimeError(f"app.py exited:\n{log.read_text()[-3000:]}") from None
                if time.perf_counter() - started > timeout:
                    raise
                time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(30)


def app_start_retrying(model: str, tries: int = 3) -> tuple[float, float, int]:
    """app_start, again when Gradio refused to start: on a loaded machine its own check of the local URL
    (one HEAD with a 3 s timeout) can time out, and launch() then raises. Returns the failures too."""
    for failures in range(tries):
        try:
            return (*app_start(model), failures)
        except RuntimeError:
            if failures == tries - 1:
                raise
    raise AssertionError("unreachable")


def row(name: str, values: list[float]) -> str:
    return f"| {name} | {statistics.median(values):.2f} | {min(values):.2f}-{max(values):.2f} |"


def main() -> None:
    global ROOT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--model", default="resnet18")
    parser.add_argument("--no-app", action="store_true", help="only the command-line rows")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to measure (default: this one)")
    args = parser.parse_args()
    ROOT = args.root.resolve()
    commands = {
        '`python -c "import torch"`': [sys.executable, "-c", "import torch"],
        '`python -c "import torch, gradio"`': [sys.executable, "-c", "import torch, gradio"],
        "`resnet-viz --help`": [sys.executable, "-m", "resnet_viz.cli", "--help"],
        "`resnet-viz weights list`": [sys.executable, "-m", "resnet_viz.cli", "weights", "list"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    paints: list[float] = []
    answers: list[float] = []
    refused = 0
    for _ in range(args.runs):  # rounds alternate the rows, so a busy moment hits them all alike
        for name, argv in commands.items():
            times[name].append(seconds_to_run(argv))
        if not args.no_app:
            paint, answer, failures = app_start_retrying(args.model)
            refused += failures
            paints.append(paint)
            answers.append(answer)
    print(f"{ROOT}: {args.runs} runs each, {os.cpu_count()} CPU cores, python {sys.version.split()[0]}\n")
    print("| start-up | median s | min-max s |\n|---|---:|---:|")
    for name, values in times.items():
        print(row(name, values))
    if paints:
        print(row(f"`python app.py` → page served (first paint), {args.model}", paints))
        print(row(f"`python app.py` → first /analyze answered, {args.model}", answers))
    if refused:
        print(f"\n({refused} start(s) refused by Gradio's local-URL check on the loaded machine, retried)")


if __name__ == "__main__":
    main()
