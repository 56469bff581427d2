"""The app over HTTP, as its users meet it: `python app.py` in a subprocess, driven by gradio_client.

    python benchmarks/bench_server.py [--quick] [--models resnet18 resnet50]

Per model: cold start (launch to first answer); 1, 4 and 16 concurrent clients, each sending its
own photo, with p50/p95 latency and throughput, every answer checked pixel for pixel against the
single-client answer to the same photo. For resnet18 also: the queue's concurrency limit 1/2/4 at
16 clients (the design choice), and the server's RSS after 50 and after 500 analyses.
Every request carries a fresh nonce in its PNG, so the result cache never answers for the model.
Also one client over Gradio's HTTP queue API directly (upload, POST /gradio_api/call/analyze, read its
SSE stream to `complete`; no client library, no polling), beside the server's own analysis time.
Latency is request → the server's answer (picture URLs), as a browser gets it; the pictures are
then fetched, untimed, to compare them. The clients run in this process and share the machine's
cores with the server: latencies include that.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import serverkit  # noqa: E402


def run_clients(
    server: serverkit.Server, workdir: Path, n_clients: int, requests_each: int, references: dict | None, tag: str
) -> dict:
    """n_clients threads, client i sends photo i `requests_each` times; returns latencies and mismatches."""
    photos = serverkit.photos(n_clients)
    latencies: list[float] = []
    collected: list[tuple[int, int, tuple]] = []
    answers: dict[int, dict] = {}
    mismatches: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(n_clients)

    def client_loop(index: int) -> None:
        client = serverkit.connect(server.url)
        barrier.wait()
        for repeat in range(requests_each):
            path = serverkit.save_with_nonce(
                photos[index], workdir / f"{tag}-{index}-{repeat}.png", f"{tag}-{index}-{repeat}"
            )
            started = time.perf_counter()
            try:
                outputs = serverkit.analyze(client, path, server.model)
            except Exception as err:  # counted, not fatal: the figure says how many failed
                with lock:
                    errors.append(f"client {index}: {err}")
                continue
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                collected.append((index, repeat, outputs))

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(n_clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    for index, repeat, outputs in collected:  # after the clock stops: fetching pictures is the check's cost
        answer = serverkit.fingerprint(outputs)
        answers.setdefault(index, answer)
        expected = references.get(index) if references else answers[index]
        if answer != expected:
            mismatches.append(f"client {index} request {repeat}")
    return {"latencies": latencies, "wall": wall, "answers": answers, "mismatches": mismatches, "errors": errors}


# The two things to adapt when /analyze changes: its API name and its inputs, in order.
ANALYZE_API = "analyze"


def analyze_inputs(uploaded_path: str, model: str) -> list:
    """/analyze's inputs as the HTTP API takes them (what serverkit.analyze sends through gradio_client)."""
    image = {"path": uploaded_path, "meta": {"_type": "gradio.FileData"}}
    return [image, model, "random", "gradcam", "", 16, "per-stage", "viridis", 0.5, "en", ""]  # lang, contrast


def server_ms(outputs: list) -> float | None:
    """The server's own analysis time: the '… NNN ms' the summary prints (None if no output says it)."""
    for value in outputs:
        found = isinstance(value, str) and re.search(r"(\d+) ms", value)
        if found:
            return float(found.group(1))
    return None


def queue_call(http, url: str, api_name: str, data: list, session_hash: str | None = None) -> list:
    """One event over Gradio's queue, as its HTTP API documents it: POST /gradio_api/call/<api> gives an
    event id; GET /gradio_api/call/<api>/<id> streams server-sent events until `complete` (or `error`).
    `session_hash`: the caller's session, as a browser tab or gradio_client keeps one; None: a new one."""
    body = {"data": data} if session_hash is None else {"data": data, "session_hash": session_hash}
    event_id = http.post(f"{url}gradio_api/call/{api_name}", json=body).raise_for_status().json()["event_id"]
    with http.stream("GET", f"{url}gradio_api/call/{api_name}/{event_id}") as stream:
        event = None
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line.removeprefix("event:").strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                payload = json.loads(line.removeprefix("data:").strip() or "null")
                if event == "error":
                    raise RuntimeError(f"/{api_name} failed: {payload}")
                return payload
    raise RuntimeError(f"/{api_name}: the stream ended without a complete event")


def direct_round_trips(server: serverkit.Server, workdir: Path, count: int, one_session: bool = True) -> dict:
    """`count` requests, one at a time, over one keep-alive HTTP connection: upload the photo, then the
    queue call; the round trip is both, as a browser pays both. Returns round trips and server times (s).
    `one_session`: every call in one Gradio session, as a browser tab makes them; else each call starts
    a session of its own (Gradio then builds the page's per-session state: one config per component)."""
    import uuid

    import httpx

    session_hash = uuid.uuid4().hex[:11] if one_session else None
    photo = serverkit.photos(1)[0]
    trips, uploads, analyses = [], [], []
    with httpx.Client(timeout=120) as http:
        for index in range(count + 1):  # the first one warms the connection and is not counted
            tag = f"direct-{'one' if one_session else 'new'}-{index}"  # a fresh nonce: never a cached answer
            path = serverkit.save_with_nonce(photo, workdir / f"{tag}.png", tag)
            started = time.perf_counter()
            with open(path, "rb") as handle:
                uploaded = http.post(
                    f"{server.url}gradio_api/upload", files={"files": (path.name, handle, "image/png")}
                )
            uploaded_at = time.perf_counter()
            outputs = queue_call(
                http,
                server.url,
                ANALYZE_API,
                analyze_inputs(uploaded.raise_for_status().json()[0], server.model),
                session_hash,
            )
            finished = time.perf_counter()
            if index:
                trips.append(finished - started)
                uploads.append(uploaded_at - started)
                analyses.append((server_ms(outputs) or float("nan")) / 1000)
    return {"trips": trips, "uploads": uploads, "analyses": analyses, "one_session": one_session}


def direct_row(run: dict) -> str:
    p50 = statistics.median(run["trips"]) * 1000
    analysis = statistics.median(run["analyses"]) * 1000
    label = "1 client, HTTP queue API" if run["one_session"] else "…, a new session each call"
    target = " (target ≤ 80)" if run["one_session"] else ""
    return (
        f"{label:>28} | {len(run['trips']):4d} | {p50:7.0f} | "
        f"{serverkit.percentile([t * 1000 for t in run['trips']], 0.95):7.0f} | server analysis p50 {analysis:.0f} ms,"
        f" upload p50 {statistics.median(run['uploads']) * 1000:.0f} ms: round trip − analysis = {p50 - analysis:.0f} ms{target}"
    )


def single_client_answers(server: serverkit.Server, workdir: Path, count: int) -> dict[int, dict]:
    """The reference: one client sending each photo alone, one after another."""
    client = serverkit.connect(server.url)
    answers = {}
    for index, photo in enumerate(serverkit.photos(count)):
        path = serverkit.save_with_nonce(photo, workdir / f"ref-{index}.png", f"ref-{index}")
        answers[index] = serverkit.fingerprint(serverkit.analyze(client, path, server.model))
    return answers


def row(label: str, run: dict) -> str:
    lat = [t * 1000 for t in run["latencies"]]
    n = len(lat)
    identical = "all identical" if not run["mismatches"] else f"{len(run['mismatches'])} DIFFER"
    if run["errors"]:
        identical += f", {len(run['errors'])} errors"
    return (
        f"{label:>28} | {n:4d} | {statistics.median(lat):7.0f} | {serverkit.percentile(lat, 0.95):7.0f} |"
        f" {n / run['wall']:6.2f} | {identical}"
    )


def memory(
    server: serverkit.Server, workdir: Path, total: int, first: int, clients: int = 4, new_session_each: bool = False
) -> tuple[float, float]:
    """RSS after `first` and after `total` analyses, all with fresh nonces (so all computed).
    `new_session_each`: every analysis from a new client, as if from a new browser tab."""
    photos = serverkit.photos(clients)
    done = 0
    lock = threading.Lock()
    rss_first: list[float] = []

    def loop(index: int) -> None:
        nonlocal done
        client = serverkit.connect(server.url)
        while True:
            with lock:
                if done >= total:
                    return
                done += 1
                number = done
            if new_session_each:
                client = serverkit.connect(server.url)
            path = serverkit.save_with_nonce(photos[index], workdir / f"mem-{index}.png", f"mem-{number}")
            serverkit.analyze(client, path, server.model)
            if number == first:
                rss_first.append(server.rss_mb())

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return rss_first[0], server.rss_mb()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer requests, no design comparison, memory 20→100")
    parser.add_argument("--models", nargs="+", default=["resnet18", "resnet50"])
    parser.add_argument("--direct-only", action="store_true", help="only the HTTP queue API round trip (§5)")
    parser.add_argument("--port", type=int, default=None, help="serve on this port (default: any free one)")
    args = parser.parse_args()
    if args.port is not None:
        serverkit.free_port = lambda: args.port
    import torch

    print(f"cpu, torch {torch.__version__}, {torch.get_num_threads()} threads; server = python app.py --weights random")
    header = f"{'clients':>28} |    n | p50 ms  | p95 ms  |  req/s | answers vs single client"
    failed = False
    with tempfile.TemporaryDirectory(prefix="bench-server-") as tmp:
        workdir = Path(tmp)
        for model in args.models:
            server, cold = serverkit.start_server(model)
            try:
                print(
                    f"\n{model}: cold start (python app.py → first answer) {cold:.1f} s, RSS {server.rss_mb():.0f} MB"
                )
                print(header)
                for one_session in (True, False):
                    print(direct_row(direct_round_trips(server, workdir, 8 if args.quick else 20, one_session)))
                if args.direct_only:
                    continue
                single = single_client_answers(server, workdir, 16)
                sequential = run_clients(server, workdir, 1, 4 if args.quick else 12, {0: single[0]}, f"{model}-c1")
                print(row("1 client (concurrency 2)", sequential))
                for n_clients in (4, 16):
                    each = 2 if args.quick else (6 if n_clients == 4 else 3)
                    run = run_clients(server, workdir, n_clients, each, single, f"{model}-c{n_clients}")
                    print(row(f"{n_clients} clients (concurrency 2)", run))
                    failed |= bool(run["mismatches"] or run["errors"])
            finally:
                server.stop()
            if model == "resnet18" and not args.quick and not args.direct_only:
                for limit in (1, 4):
                    other, _ = serverkit.start_server(model, ["--concurrency", str(limit)])
                    try:
                        run = run_clients(other, workdir, 16, 3, single, f"{model}-limit{limit}")
                        print(row(f"16 clients (concurrency {limit})", run))
                        failed |= bool(run["mismatches"] or run["errors"])
                    finally:
                        other.stop()
        if "resnet18" in args.models and not args.direct_only:
            first, total = (20, 100) if args.quick else (50, 500)
            print()
            for new_sessions, how in ((False, "4 clients, one session each"), (True, "a new session per analysis")):
                server, _ = serverkit.start_server("resnet18")
                try:
                    rss_first, rss_total = memory(server, workdir, total, first, new_session_each=new_sessions)
                finally:
                    server.stop()
                growth = rss_total - rss_first
                print(
                    f"resnet18 memory, {how}: RSS after {first} analyses {rss_first:.0f} MB, after {total}"
                    f" {rss_total:.0f} MB: growth {growth:+.0f} MB (target < 50)"
                )
                failed |= growth >= 50
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
