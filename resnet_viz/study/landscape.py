"""Loss landscapes (Li et al. 2018): the loss on a fixed held-out batch around the trained weights, along two
random filter-normalised directions.

Each direction is Gaussian noise rescaled so that every filter (an output channel of a conv, a row of the
linear layer) has the norm of the same filter in the trained weights; BatchNorm weights and biases get no
direction, as in the paper. The net is evaluated in eval mode (its running BatchNorm statistics).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .models import StudyNet, load_study_model


def filter_normalised_direction(model: StudyNet, seed: int) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    direction = []
    for parameter in model.parameters():
        if parameter.dim() <= 1:
            direction.append(torch.zeros_like(parameter))
            continue
        d = torch.randn(parameter.shape, generator=generator, dtype=parameter.dtype)
        flat_d, flat_p = d.view(d.shape[0], -1), parameter.detach().view(parameter.shape[0], -1)
        d = (flat_d * (flat_p.norm(dim=1, keepdim=True) / (flat_d.norm(dim=1, keepdim=True) + 1e-10))).view_as(
            parameter
        )
        direction.append(d)
    return direction


def landscape(
    model: StudyNet,
    images: torch.Tensor,
    labels: torch.Tensor,
    grid: int = 21,
    span: float = 1.0,
    seeds: tuple[int, int] = (1, 2),
    progress=None,
) -> dict:
    """Loss and error over a grid×grid square [-span, span]² of (alpha, beta); the model is left as it was."""
    model.eval()
    origin = [p.detach().clone() for p in model.parameters()]
    delta, eta = (filter_normalised_direction(model, s) for s in seeds)
    coords = np.linspace(-span, span, grid)
    loss = np.zeros((grid, grid))
    error = np.zeros((grid, grid))
    total = grid * grid
    try:
        with torch.no_grad():
            for i, beta in enumerate(coords):
                for j, alpha in enumerate(coords):
                    for p, o, d, e in zip(model.parameters(), origin, delta, eta):
                        p.copy_(o + float(alpha) * d + float(beta) * e)
                    logits = model(images)
                    loss[i, j] = float(F.cross_entropy(logits, labels))
                    error[i, j] = 100.0 * float((logits.argmax(1) != labels).float().mean())
                    if progress is not None:
                        progress(i * grid + j + 1, total)
    finally:  # the trained weights come back even if a step fails
        with torch.no_grad():
            for p, o in zip(model.parameters(), origin):
                p.copy_(o)
    return {
        "kind": model.kind,
        "depth": model.depth,
        "grid": grid,
        "span": span,
        "direction_seeds": list(seeds),
        "alphas": coords.tolist(),
        "betas": coords.tolist(),
        "loss": loss.tolist(),
        "error": error.tolist(),
        "batch": len(images),
        "center_loss": loss[grid // 2, grid // 2] if grid % 2 else None,
    }


def _run(args: argparse.Namespace) -> int:
    from .lesions import held_out_for

    torch.set_num_threads(args.threads)
    model = load_study_model(args.checkpoint)
    images, labels = held_out_for(args.checkpoint, args.batch)
    started = time.time()

    def progress(done: int, total: int) -> None:
        if done == total or done % max(1, total // 20) == 0:
            elapsed = time.time() - started
            print(f"landscape {done}/{total}, ~{elapsed / done * (total - done):.0f} s left", flush=True)

    result = landscape(model, images, labels, args.grid, args.span, progress=progress)
    result = {"checkpoint": str(args.checkpoint), **result, "seconds": round(time.time() - started, 1)}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "landscape.json").write_text(json.dumps(result, indent=1))
    from .charts import write_landscape_charts

    others = [json.loads(Path(p).read_text()) for p in args.compare]
    paths = write_landscape_charts([result, *others], out)
    print(
        f"loss at the trained weights {result['center_loss']:.3f}; wrote {out / 'landscape.json'} and {len(paths)} charts"
    )
    return 0


def register(commands) -> None:
    parser = commands.add_parser(
        "landscape", help="filter-normalised 2-D loss landscape of a study checkpoint (Li et al. 2018)"
    )
    parser.add_argument("checkpoint", help="a .pt written by depth-study")
    parser.add_argument("--grid", type=int, default=21, help="points per axis (odd, so (0, 0) is on the grid)")
    parser.add_argument("--span", type=float, default=1.0, help="alpha and beta run over [-span, span]")
    parser.add_argument(
        "--batch", type=int, default=256, help="the fixed held-out batch: the first N held-out pictures"
    )
    parser.add_argument(
        "--compare", nargs="*", default=[], help="other landscape.json files drawn beside it on one colour scale"
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default="landscape-out")
    parser.set_defaults(handler=_run)


def shipped_checkpoints(root: Path) -> list[Path]:
    """The seed-0 checkpoints shipped with the study, residual and plain 56 first."""
    found = sorted((root / "checkpoints").glob("*.pt"))
    first = [p for p in found if p.stem in ("residual-56-s0", "plain-56-s0")]
    return first + [p for p in found if p not in first]


def live_landscape(checkpoint: str | Path, grid: int = 11, batch: int = 256, progress=None) -> dict:
    """The coarse landscape the app computes on request: same directions and batch as the command."""

    model = load_study_model(checkpoint)
    images, labels = _held_out_cached(str(checkpoint), batch)
    result = landscape(model, images, labels, grid, progress=progress)
    return {"checkpoint": Path(checkpoint).name, **result}


_HELD_OUT: dict = {}


def _held_out_cached(checkpoint: str, batch: int):
    from .lesions import held_out_for

    meta = torch.load(checkpoint, map_location="cpu", weights_only=True).get("meta", {})
    key = (json.dumps(meta.get("data"), sort_keys=True), batch)
    if key not in _HELD_OUT:
        _HELD_OUT.clear()
        _HELD_OUT[key] = held_out_for(checkpoint, batch)
    return _HELD_OUT[key]
