"""Soak: hundreds of analyses over HTTP with bad requests mixed in, then look for what they left behind.

    python benchmarks/soak.py [--requests 500] [--model resnet18] [--clients 2]

Runs the real app in this process (so its models can be inspected afterwards), on random weights.
Every 7th request is bad (a truncated PNG, a text file, a class out of range, an unknown method,
weights that are not offered), each must fail with its own message. Afterwards: forward/backward
hooks left on any module of any loaded model, `param.grad` left allocated, and the process's RSS
after request 50 and after the last. Prints the figures; exits 1 if any check fails.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import serverkit  # noqa: E402

BAD_REQUESTS = [
    # (what, file maker or None for a good photo, request fields, message it must carry)
    ("truncated PNG", lambda photo: _png_bytes(photo)[:3000], {}, "truncated or damaged"),
    ("text file", lambda photo: b"not an image\n" * 50, {}, "is not an image that can be read"),
    ("class out of range", None, {"target": "5000"}, "Class 5000 is out of range"),
    ("unknown method", None, {"method": "scorecam"}, "Unknown CAM method 'scorecam'"),
    ("weights not offered", None, {"weights": "/etc/hostname"}, "are not offered"),
]


def _png_bytes(photo) -> bytes:
    import io

    buffer = io.BytesIO()
    photo.save(buffer, format="PNG")
    return buffer.getvalue()


def rss_mb() -> float:
    """This process's RSS once the heaps' free pages are handed back (the server does that every second, so
    a reading between two trims would count freed memory as if it were held: not a leak)."""
    from resnet_viz.malloc import trim_heap

    trim_heap()
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def hooks_left(module) -> int:
    return sum(
        len(m._forward_hooks)
        + len(m._forward_pre_hooks)
        + len(m._backward_hooks)
        + len(getattr(m, "_backward_pre_hooks", {}))
        for m in module.modules()
    )


def soak(
    url: str, model: str, weights: str, requests: int, clients: int, workdir: Path, checkpoint_at: int = 50
) -> dict:
    """Drive `requests` analyses through `clients` concurrent clients; returns the counts and RSS."""
    from gradio_client.exceptions import AppError

    photos = serverkit.photos(8)
    counter = {"next": 0, "ok": 0, "refused_right": 0, "wrong": [], "rss_at_checkpoint": None}
    lock = threading.Lock()

    def loop(client_index: int) -> None:
        client = serverkit.connect(url)
        while True:
            with lock:
                if counter["next"] >= requests:
                    return
                counter["next"] += 1
                number = counter["next"]
            photo = photos[number % len(photos)]
            path = workdir / f"soak-{client_index}.png"
            serverkit.save_with_nonce(photo, path, f"soak-{number}")  # new bytes: computed, not cached
            fields = {"weights": weights}
            bad = BAD_REQUESTS[(number // 7) % len(BAD_REQUESTS)] if number % 7 == 0 else None
            if bad is not None:
                if bad[1] is not None:
                    path.write_bytes(bad[1](photo))
                fields.update(bad[2])
            try:
                serverkit.analyze(client, path, model, **fields)
                outcome = "ok" if bad is None else f"request {number} ({bad[0]}) was not refused"
            except AppError as err:
                outcome = "refused_right" if bad is not None and bad[3] in str(err) else f"request {number}: {err}"
            except Exception as err:  # a transport error is a failure too
                outcome = f"request {number}: {type(err).__name__}: {err}"
            with lock:
                if outcome in ("ok", "refused_right"):
                    counter[outcome] += 1
                else:
                    counter["wrong"].append(outcome)
                if number == checkpoint_at:
                    counter["rss_at_checkpoint"] = rss_mb()

    started = time.perf_counter()
    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counter["seconds"] = time.perf_counter() - started
    counter["rss_at_end"] = rss_mb()
    return counter


def leftovers() -> tuple[int, int, int]:
    """(models inspected, hooks left, parameters with .grad) over every model the app loaded."""
    from resnet_viz import models

    loaded = list(models._cache.values())
    hooks = sum(hooks_left(entry.module) for entry in loaded)
    grads = sum(p.grad is not None for entry in loaded for p in entry.module.parameters())
    return len(loaded), hooks, grads


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--model", default="resnet18")
    parser.add_argument("--clients", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("RESNET_VIZ_OFFLINE", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import tempfile

    from resnet_viz.ui import launch

    port = serverkit.free_port()
    app = launch(model=args.model, weights="random", device="cpu", port=port, prevent_thread_lock=True, quiet=True)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            figures = soak(
                f"http://127.0.0.1:{port}/",
                args.model,
                "random",
                args.requests,
                args.clients,
                Path(tmp),
                checkpoint_at=min(50, args.requests),
            )
        n_models, hooks, grads = leftovers()
    finally:
        app.close()
    bad = sum(1 for n in range(1, args.requests + 1) if n % 7 == 0)
    growth = figures["rss_at_end"] - figures["rss_at_checkpoint"]
    print(
        f"{args.requests} requests ({bad} bad) through {args.clients} clients in {figures['seconds']:.0f} s:"
        f" {figures['ok']} answered, {figures['refused_right']} refused with the right message,"
        f" {len(figures['wrong'])} wrong"
    )
    for line in figures["wrong"][:10]:
        print("  wrong:", line)
    print(f"after: {hooks} hooks left and {grads} parameters with .grad over {n_models} loaded models")
    print(
        f"RSS (this process, server and clients): {figures['rss_at_checkpoint']:.0f} MB after request"
        f" {min(50, args.requests)}, {figures['rss_at_end']:.0f} MB after {args.requests}: {growth:+.0f} MB (limit 50)"
    )
    healthy = not figures["wrong"] and hooks == 0 and grads == 0 and growth < 50 and figures["refused_right"] == bad
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
