"""The ensemble view (Veit et al. 2016): delete blocks of a trained study net at test time.

A deleted block's output is `post(shortcut(x))`: what flows past the residual branch. A plain block has no
shortcut, so there the deleted block passes `post(skip(x))` with the same parameter-free skip a residual
net would have (identity, or option A's subsample-and-pad at a downsampling block): deleting it removes
exactly the same layers as in the residual net, and what breaks is the chain the plain net relies on.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from .models import PadShortcut, StudyBlock, StudyNet, load_study_model


def _skip(block: StudyBlock, x: torch.Tensor) -> torch.Tensor:
    if block.shortcut is not None:
        return block.shortcut(x)
    conv = next(m for m in block.residual.modules() if isinstance(m, torch.nn.Conv2d))
    return PadShortcut(conv.in_channels, _out_channels(block), conv.stride[0])(x)


def _out_channels(block: StudyBlock) -> int:
    return [m for m in block.residual.modules() if isinstance(m, torch.nn.Conv2d)][-1].out_channels


def forward_without(model: StudyNet, deleted: set[int] | frozenset[int], x: torch.Tensor) -> torch.Tensor:
    """The model's logits with the blocks at `deleted` (indices in forward order) replaced by post(skip(x))."""
    x = model.stem(x)
    for index, block in enumerate(model.blocks()):
        x = block.post(_skip(block, x)) if index in deleted else block(x)
    return model.head(x)


def lesioned_error(model: StudyNet, deleted, images: torch.Tensor, labels: torch.Tensor, batch: int = 500) -> float:
    """Held-out top-1 error in percent with `deleted` blocks removed (eval mode)."""
    model.eval()
    wrong = 0
    with torch.no_grad():
        for i in range(0, len(images), batch):
            logits = forward_without(model, frozenset(deleted), images[i : i + batch])
            wrong += int((logits.argmax(1) != labels[i : i + batch]).sum())
    return 100.0 * wrong / len(images)


def lesion_study(
    model: StudyNet,
    images: torch.Tensor,
    labels: torch.Tensor,
    draws: int = 10,
    seed: int = 0,
    max_k: int | None = None,
    progress=None,
) -> dict:
    """Single-block deletions in model order, then k random deletions (k = 1..n) with mean and spread."""
    blocks = model.blocks()
    n = (model.depth - 2) // 6
    max_k = max_k or n
    steps = len(blocks) + max_k * draws + 1
    done = 0

    def tick(message: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, steps, message)

    intact = lesioned_error(model, (), images, labels)
    tick("intact")
    single = []
    for index, block in enumerate(blocks):
        single.append(
            {
                "block": index,
                "stage": _stage_of(model, index),
                "downsampling": block.downsampling,
                "error": lesioned_error(model, {index}, images, labels),
            }
        )
        tick(f"block {index}")
    rng = np.random.default_rng(seed)
    random_k = []
    for k in range(1, max_k + 1):
        errors = []
        for _ in range(draws):
            chosen = set(rng.choice(len(blocks), size=k, replace=False).tolist())
            errors.append(lesioned_error(model, chosen, images, labels))
            tick(f"k={k}")
        random_k.append(
            {
                "k": k,
                "mean_error": float(np.mean(errors)),
                "std": float(np.std(errors)),
                "min": float(np.min(errors)),
                "max": float(np.max(errors)),
                "draws": draws,
            }
        )
    return {
        "kind": model.kind,
        "depth": model.depth,
        "blocks": len(blocks),
        "intact_error": intact,
        "single": single,
        "random_k": random_k,
        "held_out": len(images),
        "draw_seed": seed,
    }


def _stage_of(model: StudyNet, index: int) -> int:
    for stage_index, stage in enumerate(model.stages):
        if index < len(stage):
            return stage_index + 1
        index -= len(stage)
    raise IndexError(index)


def held_out_for(path: str | Path, limit: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The held-out split a checkpoint was trained beside (its data spec is in the checkpoint)."""
    from .data import StudyDataSpec, load_study_split

    meta = torch.load(path, map_location="cpu", weights_only=True).get("meta", {})
    spec = StudyDataSpec(**meta["data"]) if meta.get("data") else StudyDataSpec()
    _, (images, labels) = load_study_split(spec)
    return (images[:limit], labels[:limit]) if limit else (images, labels)


def _run(args: argparse.Namespace) -> int:
    torch.set_num_threads(args.threads)
    model = load_study_model(args.checkpoint)
    images, labels = held_out_for(args.checkpoint, args.held_out)
    started = time.time()

    def progress(done: int, total: int, message: str) -> None:
        elapsed = time.time() - started
        if done == total or done % 10 == 0:
            print(f"lesion-study {done}/{total} ({message}), ~{elapsed / done * (total - done):.0f} s left", flush=True)

    result = lesion_study(model, images, labels, draws=args.draws, seed=args.seed, progress=progress)
    result = {"checkpoint": str(args.checkpoint), **result, "seconds": round(time.time() - started, 1)}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "lesions.json").write_text(json.dumps(result, indent=1))
    from .charts import write_lesion_charts

    paths = write_lesion_charts([result], out)
    print(f"intact {result['intact_error']:.1f}%; wrote {out / 'lesions.json'} and {len(paths)} charts")
    return 0


def register(commands) -> None:
    lesion = commands.add_parser(
        "lesion-study", help="delete blocks of a study checkpoint at test time (Veit et al. 2016)"
    )
    lesion.add_argument("checkpoint", help="a .pt written by depth-study")
    lesion.add_argument("--out", default="lesion-out")
    lesion.add_argument("--draws", type=int, default=10, help="random draws per k")
    lesion.add_argument("--seed", type=int, default=0, help="seed of the random draws")
    lesion.add_argument("--held-out", type=int, default=None, help="use only the first N held-out pictures")
    lesion.add_argument("--threads", type=int, default=1)
    lesion.set_defaults(handler=_run)
