"""`resnet-viz depth-study`: train plain / residual / pre-activation nets at several depths and seeds."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

from ..errors import ResnetVizError
from .data import StudyDataSpec
from .models import KINDS
from .train import Schedule, _write_json, run_job


def _utc(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def plan_jobs(
    kinds,
    depths,
    seeds,
    spec: StudyDataSpec,
    schedule: Schedule,
    out: Path,
    device: str,
    deadline: float | None,
    checkpoints: str,
) -> list[dict]:
    """Seed-major, deepest first: whatever a deadline cuts off, every kind and depth of seed 0 came first."""
    jobs = []
    for seed in seeds:
        for depth in sorted(depths, reverse=True):
            for kind in kinds:
                jobs.append(
                    {
                        "kind": kind,
                        "depth": depth,
                        "seed": seed,
                        "data": asdict(spec),
                        "schedule": asdict(schedule),
                        "out": str(out),
                        "device": device,
                        "deadline": deadline,
                        "save_checkpoint": checkpoints == "all" or seed == seeds[0],
                        "threads": 1,
                    }
                )
    return jobs


def study_document(
    spec: StudyDataSpec,
    schedule: Schedule,
    jobs: list[dict],
    records: dict,
    started: float,
    workers: int,
    device: str,
    deadline: float | None,
    finished: float | None,
) -> dict:
    runs = [records[key] for key in (_key(j) for j in jobs) if key in records]
    return {
        "dataset": spec.describe(),
        "schedule": asdict(schedule),
        "matrix": {
            "kinds": sorted({j["kind"] for j in jobs}, key=KINDS.index),
            "depths": sorted({j["depth"] for j in jobs}),
            "seeds": sorted({j["seed"] for j in jobs}),
        },
        "machine": {
            "device": device,
            "workers": workers,
            "threads_per_worker": 1,
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "torch": _torch_version(),
        },
        "started": _utc(started),
        "finished": _utc(finished) if finished else None,
        "wall_seconds": round((finished or time.time()) - started, 1),
        "deadline": _utc(deadline) if deadline else None,
        "completed": [_name(r) for r in runs if r.get("completed")],
        "partial": [_name(r) for r in runs if not r.get("completed") and r.get("iterations")],
        "not_run": [_name(j) for j in jobs if not records.get(_key(j), {}).get("iterations")],
        "runs": runs,
    }


def _torch_version() -> str:
    import torch

    return torch.__version__


def _key(item: dict) -> tuple:
    return item["kind"], item["depth"], item["seed"]


def _name(item: dict) -> str:
    return f"{item['kind']}-{item['depth']}-s{item['seed']}"


def _cost(job: dict) -> float:
    return job["depth"] * job["schedule"]["iterations"]


def run_study(args: argparse.Namespace) -> int:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if any(k not in KINDS for k in args.kinds):
        raise ResnetVizError(f"--kinds takes {', '.join(KINDS)}.")
    spec = StudyDataSpec(
        name=args.data, seed=args.data_seed, train=args.train_size, test=args.test_size, size=args.size, root=args.root
    )
    schedule = Schedule(iterations=args.iterations, batch=args.batch, lr=args.lr, log_every=args.log_every)
    started = time.time()
    deadline = started + args.max_minutes * 60 if args.max_minutes else None
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    jobs = plan_jobs(args.kinds, args.depths, seeds, spec, schedule, out, args.device, deadline, args.checkpoints)
    if args.data == "cifar10":  # fail here, with a message, rather than in every worker
        from .data import load_study_split

        load_study_split(spec)
    total_cost = sum(_cost(j) for j in jobs)
    print(
        f"depth-study: {len(jobs)} runs ({', '.join(args.kinds)} × depths {args.depths} × seeds {seeds}), "
        f"{schedule.iterations} iterations each, {args.workers} worker(s), out {out}/",
        flush=True,
    )
    records: dict = {}
    done_cost = 0.0

    def save(finished: float | None = None) -> None:
        _write_json(
            out / "depth_study.json",
            study_document(spec, schedule, jobs, records, started, args.workers, args.device, deadline, finished),
        )

    if args.workers > 1:
        context = multiprocessing.get_context("spawn")
        with context.Pool(args.workers, maxtasksperchild=None) as pool:
            results = pool.imap_unordered(run_job, jobs)
            for record in results:
                done_cost = _progress(record, records, jobs, done_cost, total_cost, started, deadline)
                save()
    else:
        for job in jobs:
            done_cost = _progress(run_job(job), records, jobs, done_cost, total_cost, started, deadline)
            save()
    save(time.time())
    document = json.loads((out / "depth_study.json").read_text())
    print(
        f"depth-study: {len(document['completed'])} runs complete, {len(document['partial'])} partial, "
        f"{len(document['not_run'])} not run; wall time {document['wall_seconds'] / 60:.1f} min",
        flush=True,
    )
    if not args.no_charts:
        from .charts import write_depth_charts

        for path in write_depth_charts(document, out):
            print(f"wrote {path}")
    return 0


def _progress(
    record: dict,
    records: dict,
    jobs: list[dict],
    done_cost: float,
    total_cost: float,
    started: float,
    deadline: float | None = None,
) -> float:
    records[_key(record)] = record
    done_cost += record["depth"] * record["schedule"]["iterations"]
    elapsed = time.time() - started
    eta = elapsed / done_cost * (total_cost - done_cost) if done_cost else 0
    state = "complete" if record.get("completed") else f"stopped at {record.get('iterations_done', 0)} (deadline)"
    last = f", test {record['test_error'][-1]:.1f}%" if record["test_error"] else ""
    cap = f" (the cap stops everything in {(deadline - time.time()) / 60:.1f} min)" if deadline else ""
    print(
        f"== {_name(record)} {state}{last}; {len(records)}/{len(jobs)} runs, {elapsed / 60:.1f} min elapsed, "
        f"~{eta / 60:.1f} min left at this pace{cap}",
        flush=True,
    )
    return done_cost


def register(commands) -> None:
    study = commands.add_parser(
        "depth-study",
        help="train plain/residual/pre-activation nets at several depths "
        "(He et al. 2015 Fig. 6) and chart their errors",
    )
    study.add_argument("--depths", type=int, nargs="+", default=[20, 56])
    study.add_argument("--kinds", nargs="+", default=list(KINDS), help="plain residual preact")
    study.add_argument("--seeds", type=int, default=3, help="how many seeds (0, 1, ...)")
    study.add_argument("--first-seed", type=int, default=0)
    study.add_argument("--iterations", type=int, default=600)
    study.add_argument("--batch", type=int, default=128)
    study.add_argument("--lr", type=float, default=0.1)
    study.add_argument("--log-every", type=int, default=50)
    study.add_argument("--data", default="procedural", choices=["procedural", "cifar10"])
    study.add_argument(
        "--root", default=None, help="with --data cifar10: torchvision's CIFAR-10 folder or train/ test/ ImageFolders"
    )
    study.add_argument("--data-seed", type=int, default=0)
    study.add_argument("--train-size", type=int, default=20000)
    study.add_argument("--test-size", type=int, default=2000)
    study.add_argument("--size", type=int, default=16, help="picture side in pixels (default 16; CIFAR is 32)")
    study.add_argument("--workers", type=int, default=1, help="runs trained at once, one thread each")
    study.add_argument(
        "--max-minutes", type=float, default=None, help="stop every run at this wall time; partial runs are kept"
    )
    study.add_argument(
        "--checkpoints", default="first", choices=["first", "all"], help="save the first seed's nets, or all"
    )
    study.add_argument("--device", default="cpu", help="cpu or cuda")
    study.add_argument("--out", default="study-out")
    study.add_argument("--no-charts", action="store_true")
    study.set_defaults(handler=run_study)
