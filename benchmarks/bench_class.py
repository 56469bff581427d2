"""A class at once: 40 students press Analyze within a second, against the same 40 one after another.

    python benchmarks/bench_class.py [--students 40] [--model resnet18] [--device cpu] [--apis predict analyze]
                                     [--cli] [--cli-photos 48] [--json OUT]

Server part: `python app.py` as a user launches it (offline, random weights), on loopback. Each
student has a photo of their own (a fresh nonce in the PNG, so the result cache never answers) and
a class and contrast of their own. First the 40 requests one after another from one client, then
all 40 from 40 clients released together. Per API: throughput ratio, p50/p95 latency, the last
answer's wait (release → last answer), and mismatches: each answer of the burst against the same
request's answer made alone (predictions within 1e-4, classes equal; for /analyze every picture
within 2 grey levels, the JPEG's rounding of a 1e-6 difference).

CLI part (--cli): `resnet-viz analyze DIR` on a folder of 48 photos, end to end as a user runs it
(a fresh process, start-up included), --batch-size 8 against 1, alternated, best of two each.

The clients run on this machine and share its cores with the server: latencies include that.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import serverkit  # noqa: E402

TARGETS = ["", "281", "", "504", "tabby", "", "954", "7"]  # each student their own class ...
CONTRASTS = ["", "", "285", "", "", "1", "", ""]  # ... and some a contrast of their own


def student_request(index: int) -> tuple[str, str]:
    target, contrast = TARGETS[index % len(TARGETS)], CONTRASTS[index % len(CONTRASTS)]
    return target, ("" if contrast == target else contrast)


@dataclass
class Student:
    http: object  # httpx.Client
    session: str
    url: str


def connect(url: str) -> Student:
    """One student's HTTP client: a keep-alive connection and a Gradio session of its own, as a browser
    tab has. Plain HTTP (upload, then Gradio's queue API) rather than gradio_client, whose threads and
    config fetches would take the cores the server needs: the clients share this machine with it."""
    import uuid

    import httpx

    return Student(httpx.Client(timeout=300), uuid.uuid4().hex[:11], url)


def call(client, api: str, path: Path, model: str, target: str, contrast: str):
    """Upload the photo, then one queue call; returns the API's outputs (a list, as gradio_client would)."""
    from bench_server import queue_call

    with open(path, "rb") as handle:
        uploaded = client.http.post(f"{client.url}gradio_api/upload", files={"files": (path.name, handle, "image/png")})
    image = {"path": uploaded.raise_for_status().json()[0], "meta": {"_type": "gradio.FileData"}}
    if api == "predict":
        data = [image, model, "random", "gradcam", target, 16, contrast]
    else:
        data = [image, model, "random", "gradcam", target, 16, "per-stage", "viridis", 0.5, "en", contrast]
    outputs = queue_call(client.http, client.url, api, data, client.session)
    return outputs[0] if api == "predict" else outputs


def compare(api: str, got, expected) -> str | None:
    """None when the two answers agree; else what differs."""
    if api == "predict":
        if got["target"] != expected["target"] and got["target"]["index"] != expected["target"]["index"]:
            return "target"
        if (got["contrast"] or {}).get("index") != (expected["contrast"] or {}).get("index"):
            return "contrast"
        if [p["label"] for p in got["predictions"]] != [p["label"] for p in expected["predictions"]]:
            return "labels"
        if not np.allclose(
            [p["probability"] for p in got["predictions"]],
            [p["probability"] for p in expected["predictions"]],
            atol=1e-4,
        ):
            return "probabilities"
        return None
    got_conf, exp_conf = got[1]["confidences"], expected[1]["confidences"]
    if [c["label"] for c in got_conf] != [c["label"] for c in exp_conf]:
        return "labels"
    if not np.allclose([c["confidence"] for c in got_conf], [c["confidence"] for c in exp_conf], atol=1e-4):
        return "probabilities"
    pictures = [0] + [3 + i for i in range(15) if i % 3 != 0]
    for slot in pictures:
        a, b = serverkit.pixels(got[slot]).astype(int), serverkit.pixels(expected[slot]).astype(int)
        if a.shape != b.shape or np.abs(a - b).max() > 2:
            return f"picture {slot}"
    return None


def run_api(server: serverkit.Server, workdir: Path, api: str, students: int) -> dict:
    photos = serverkit.photos(students)
    requests = [student_request(i) for i in range(students)]
    # one after another, one client (its answers are the references)
    client = connect(server.url)
    sequential, references = [], []
    started = time.perf_counter()
    for index in range(students):
        path = serverkit.save_with_nonce(photos[index], workdir / f"{api}-seq-{index}.png", f"{api}-seq-{index}")
        began = time.perf_counter()
        references.append(call(client, api, path, server.model, *requests[index]))
        sequential.append(time.perf_counter() - began)
    sequential_wall = time.perf_counter() - started
    # the class at once: 40 clients, connected first, released together
    clients = [connect(server.url) for _ in range(students)]
    paths = [
        serverkit.save_with_nonce(photos[i], workdir / f"{api}-burst-{i}.png", f"{api}-burst-{i}")
        for i in range(students)
    ]
    answers, latencies, errors = [None] * students, [0.0] * students, []
    barrier = threading.Barrier(students + 1)
    release = [0.0]

    def student(index: int) -> None:
        barrier.wait()
        try:
            answers[index] = call(clients[index], api, paths[index], server.model, *requests[index])
        except Exception as err:  # counted: the table says how many failed
            errors.append(f"student {index}: {err}")
        latencies[index] = time.perf_counter() - release[0]

    threads = [threading.Thread(target=student, args=(i,)) for i in range(students)]
    for thread in threads:
        thread.start()
    release[0] = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    burst_wall = time.perf_counter() - release[0]
    mismatches = [
        f"student {i}: {why}"
        for i in range(students)
        if answers[i] is not None and (why := compare(api, answers[i], references[i]))
    ]
    return {
        "api": api,
        "students": students,
        "sequential_s": sequential_wall,
        "burst_s": burst_wall,
        "ratio": sequential_wall / burst_wall,
        "sequential_p50": statistics.median(sequential),
        "sequential_p95": serverkit.percentile(sequential, 0.95),
        "burst_p50": statistics.median(latencies),
        "burst_p95": serverkit.percentile(latencies, 0.95),
        "last_wait_s": max(latencies),
        "sequential_last_wait_s": sequential_wall,
        "mismatches": mismatches,
        "errors": errors,
    }


def cli_run(folder: Path, out: Path, batch_size: int, model: str, device: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "resnet_viz.cli",
            "analyze",
            str(folder),
            "--model",
            model,
            "--weights",
            "random",
            "--device",
            device,
            "--out",
            str(out),
            "--batch-size",
            str(batch_size),
            "--quiet",
        ],
        cwd=serverkit.ROOT,
        check=True,
        capture_output=True,
        env={**os.environ, "RESNET_VIZ_OFFLINE": "1"},
    )
    return time.perf_counter() - started


def run_cli(workdir: Path, count: int, model: str, device: str, rounds: int = 2) -> dict:
    folder = workdir / "folder"
    folder.mkdir(exist_ok=True)
    for index, photo in enumerate(serverkit.photos(count)):
        photo.save(folder / f"p{index:02d}.jpg", quality=90)
    times: dict[int, list[float]] = {1: [], 8: []}
    for _ in range(rounds):  # alternated, so a neighbour's load falls on both
        for batch_size in (1, 8):
            times[batch_size].append(cli_run(folder, workdir / f"out-{batch_size}", batch_size, model, device))
    best1, best8 = min(times[1]), min(times[8])
    return {"photos": count, "model": model, "batch1_s": times[1], "batch8_s": times[8], "ratio": best1 / best8}


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--model", default="resnet18")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--apis", nargs="+", default=["predict", "analyze"], choices=["predict", "analyze"])
    parser.add_argument("--cli", action="store_true", help="also the CLI's folder mode, --batch-size 8 against 1")
    parser.add_argument("--cli-only", action="store_true")
    parser.add_argument("--cli-photos", type=int, default=48)
    parser.add_argument("--cli-model", default="resnet50", help="the CLI's own default model")
    parser.add_argument(
        "--max-batch", type=int, default=None, help="the server's --max-batch (1: no batching, to compare)"
    )
    parser.add_argument("--json", default=None, help="also write the numbers here")
    args = parser.parse_args()
    if args.device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            print("no CUDA device: skipped")
            return 0
    report: dict = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cores": os.cpu_count(),
        "load_before": load_average(),
        "device": args.device,
        "model": args.model,
    }
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if not args.cli_only:
            extra = [] if args.device == "cpu" else ["--device", args.device]
            extra += [] if args.max_batch is None else ["--max-batch", str(args.max_batch)]
            report["max_batch"] = args.max_batch or 8
            server, cold = serverkit.start_server(args.model, extra)
            report["cold_start_s"] = cold
            try:
                report["apis"] = [run_api(server, workdir, api, args.students) for api in args.apis]
            finally:
                server.stop()
            print(
                f"{args.students} students, {args.model} on {args.device}, server --max-batch {report['max_batch']}, load before {report['load_before']}"
            )
            print(
                "| API | one after another | all at once | ratio | p50 seq / burst | p95 seq / burst | last answer's wait seq / burst | mismatches | errors |"
            )
            print("|---|---|---|---|---|---|---|---|---|")
            for r in report["apis"]:
                print(
                    f"| /{r['api']} | {r['sequential_s']:.2f} s | {r['burst_s']:.2f} s | **{r['ratio']:.2f}×** | "
                    f"{r['sequential_p50'] * 1000:.0f} / {r['burst_p50'] * 1000:.0f} ms | "
                    f"{r['sequential_p95'] * 1000:.0f} / {r['burst_p95'] * 1000:.0f} ms | "
                    f"{r['sequential_last_wait_s']:.2f} / {r['last_wait_s']:.2f} s | {len(r['mismatches'])} | {len(r['errors'])} |"
                )
                for line in r["mismatches"][:5] + r["errors"][:5]:
                    print("   ", line)
        if args.cli or args.cli_only:
            cli = run_cli(workdir, args.cli_photos, args.cli_model, args.device)
            report["cli"] = cli
            print(
                f"CLI folder mode, {cli['photos']} photos, {cli['model']}, end to end: batch 1 "
                f"{' / '.join(f'{t:.1f}' for t in cli['batch1_s'])} s, batch 8 {' / '.join(f'{t:.1f}' for t in cli['batch8_s'])} s: "
                f"**{cli['ratio']:.2f}×** (best of each)"
            )
    report["load_after"] = load_average()
    print(f"load average before {report['load_before']}, after {report['load_after']} ({report['cores']} cores)")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    failed = any(r["mismatches"] or r["errors"] for r in report.get("apis", []))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
