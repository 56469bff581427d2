"""Training the study nets: He et al.'s CIFAR recipe shrunk to a CPU budget, logged as error in percent.

One run = one (kind, depth, seed). The data (and its held-out split) are the same for every run; the seed
chooses the initial weights and the order of the mini-batches. SGD, momentum 0.9, weight decay 1e-4,
batch 128, lr 0.1 divided by 10 at 50 % and 75 % of the iterations (the paper: 32k and 48k of 64k).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from .data import StudyDataSpec
from .models import StudyNet, save_study_model


@dataclass(frozen=True)
class Schedule:
    iterations: int = 600
    batch: int = 128
    lr: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 1e-4
    log_every: int = 50
    milestones: tuple[float, ...] = (0.5, 0.75)  # fractions of `iterations` where lr drops ÷10


def evaluate_error(model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor, batch: int = 500) -> float:
    """Top-1 error in percent, in eval mode (running BatchNorm statistics)."""
    was_training = model.training
    model.eval()
    wrong = 0
    device = next(model.parameters()).device
    with torch.no_grad():
        for i in range(0, len(images), batch):
            x, y = images[i : i + batch].to(device), labels[i : i + batch].to(device)
            wrong += int((model(x).argmax(1) != y).sum())
    model.train(was_training)
    return 100.0 * wrong / len(images)


def evaluate_loss(model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor, batch: int = 500) -> float:
    """Mean cross-entropy, in eval mode."""
    was_training = model.training
    model.eval()
    total = 0.0
    device = next(model.parameters()).device
    with torch.no_grad():
        for i in range(0, len(images), batch):
            x, y = images[i : i + batch].to(device), labels[i : i + batch].to(device)
            total += float(F.cross_entropy(model(x), y, reduction="sum"))
    model.train(was_training)
    return total / len(images)


def _batches(n: int, batch: int, generator: torch.Generator):
    while True:  # a fresh permutation per epoch, drawn from the run's own generator
        order = torch.randperm(n, generator=generator)
        for i in range(0, n - batch + 1, batch):
            yield order[i : i + batch]


def train_run(
    kind: str,
    depth: int,
    seed: int,
    train: tuple[torch.Tensor, torch.Tensor],
    test: tuple[torch.Tensor, torch.Tensor],
    schedule: Schedule,
    device: str = "cpu",
    deadline: float | None = None,
    on_log: Callable[[dict], None] | None = None,
) -> tuple[dict, StudyNet]:
    """Train one net; returns its record (iterations, train_error, test_error in percent) and the model.

    `train_error` at iteration i is the error on the training mini-batches since the previous point
    (train mode, as they were seen); `test_error` is the whole held-out split in eval mode. Past
    `deadline` (time.time()) the run stops and says so ("completed": false)."""
    torch.manual_seed(seed)
    model = StudyNet(kind, depth).to(device)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.SGD(
        model.parameters(), lr=schedule.lr, momentum=schedule.momentum, weight_decay=schedule.weight_decay
    )
    steps = [math.ceil(f * schedule.iterations) for f in schedule.milestones]
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, steps, gamma=0.1)
    images, labels = train
    record = {
        "kind": kind,
        "depth": depth,
        "seed": seed,
        "iterations": [],
        "train_error": [],
        "test_error": [],
        "train_loss": [],
        "completed": False,
        "seconds": 0.0,
        "schedule": asdict(schedule),
    }
    started = time.time()
    wrong = seen = 0
    loss_sum = 0.0
    model.train()
    batches = _batches(len(images), schedule.batch, generator)
    for iteration in range(1, schedule.iterations + 1):
        if deadline is not None and time.time() > deadline:
            break
        index = next(batches)
        x, y = images[index].to(device), labels[index].to(device)
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        wrong += int((logits.detach().argmax(1) != y).sum())
        seen += len(y)
        loss_sum += float(loss.detach()) * len(y)
        if iteration % schedule.log_every == 0 or iteration == schedule.iterations:
            record["iterations"].append(iteration)
            record["train_error"].append(100.0 * wrong / seen)
            record["train_loss"].append(loss_sum / seen)
            record["test_error"].append(evaluate_error(model, *test))
            wrong = seen = 0
            loss_sum = 0.0
            record["seconds"] = round(time.time() - started, 2)
            if on_log is not None:
                on_log(record)
    else:
        record["completed"] = True
    record["seconds"] = round(time.time() - started, 2)
    record["iterations_done"] = record["iterations"][-1] if record["iterations"] else 0
    return record, model.eval()


def run_job(job: dict) -> dict:
    """One run in a worker process: writes runs/<name>.json at every logged point, then the checkpoint."""
    torch.set_num_threads(job.get("threads", 1))
    if job.get("deadline") is not None and time.time() > job["deadline"]:  # never started: say so, cheaply
        return {
            "kind": job["kind"],
            "depth": job["depth"],
            "seed": job["seed"],
            "iterations": [],
            "train_error": [],
            "test_error": [],
            "train_loss": [],
            "completed": False,
            "seconds": 0.0,
            "iterations_done": 0,
            "schedule": job["schedule"],
            "checkpoint": None,
        }
    spec = StudyDataSpec(**job["data"])
    train, test = _cached_split(spec)
    out = Path(job["out"])
    name = f"{job['kind']}-{job['depth']}-s{job['seed']}"
    runs = out / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    schedule = Schedule(**{**job["schedule"], "milestones": tuple(job["schedule"]["milestones"])})
    total = schedule.iterations

    def on_log(record: dict) -> None:
        done = record["iterations"][-1]
        rate = record["seconds"] / done
        print(
            f"[{name}] it {done}/{total}  train {record['train_error'][-1]:5.1f}%  "
            f"test {record['test_error'][-1]:5.1f}%  {rate:.2f} s/it, this run ~{rate * (total - done) / 60:.1f} min left",
            flush=True,
        )
        _write_json(runs / f"{name}.json", record)

    record, model = train_run(
        job["kind"],
        job["depth"],
        job["seed"],
        train,
        test,
        schedule,
        job.get("device", "cpu"),
        job.get("deadline"),
        on_log,
    )
    record["checkpoint"] = None
    if job.get("save_checkpoint"):
        path = Path("checkpoints") / f"{name}.pt"
        save_study_model(
            model.cpu(),
            out / path,
            record={k: record[k] for k in ("kind", "depth", "seed", "completed")},
            data=job["data"],
            test_error=record["test_error"][-1] if record["test_error"] else None,
        )
        record["checkpoint"] = str(path)
    _write_json(runs / f"{name}.json", record)
    return record


_SPLIT_CACHE: dict = {}


def _cached_split(spec: StudyDataSpec):
    from .data import load_study_split

    if spec not in _SPLIT_CACHE:
        _SPLIT_CACHE.clear()
        _SPLIT_CACHE[spec] = load_study_split(spec)
    return _SPLIT_CACHE[spec]


def _write_json(path: Path, payload: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, indent=1))
    tmp.replace(path)  # readers never see half a file
