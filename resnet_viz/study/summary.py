"""Numbers and verdicts from the study's JSON files: pure functions, no torch, no matplotlib.

A verdict says an effect "appears" only when the gap is in the paper's direction and exceeds the spread:
every seed of one group is on the paper's side of every seed of the other (the min-max ranges do not
overlap). With one seed there is no spread, and the verdict says so."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class GroupStat:
    kind: str
    depth: int
    seeds: int
    iteration: int
    mean: float
    std: float
    low: float
    high: float


def groups(document: dict) -> dict[tuple[str, int], list[dict]]:
    out: dict[tuple[str, int], list[dict]] = {}
    for run in document.get("runs", []):
        if run.get("iterations"):
            out.setdefault((run["kind"], run["depth"]), []).append(run)
    return out


def common_iteration(document: dict, pairs: list[tuple[str, int]] | None = None) -> int | None:
    """The last iteration every finished run of these groups (default: all) reached: where they are compared."""
    grouped = groups(document)
    keys = pairs if pairs is not None else list(grouped)
    ends = [run["iterations"][-1] for key in keys for run in finished_runs(grouped.get(key, []))]
    return min(ends) if ends else None


def curve(runs: list[dict], key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """iterations, mean, min, max over the runs, at the iterations they all reached."""
    length = min(len(r["iterations"]) for r in runs)
    its = np.array(runs[0]["iterations"][:length])
    values = np.array([r[key][:length] for r in runs])
    return its, values.mean(0), values.min(0), values.max(0)


def stat(
    document: dict, kind: str, depth: int, key: str = "test_error", iteration: int | None = None
) -> GroupStat | None:
    runs = finished_runs(groups(document).get((kind, depth), []))
    if not runs:
        return None
    iteration = iteration or common_iteration(document, [(kind, depth)])
    values = [r[key][r["iterations"].index(iteration)] for r in runs if iteration in r["iterations"]]
    if not values:
        return None
    return GroupStat(
        kind,
        depth,
        len(values),
        iteration,
        float(np.mean(values)),
        float(np.std(values)),
        float(np.min(values)),
        float(np.max(values)),
    )


@dataclass(frozen=True)
class Verdict:
    state: str  # "appears", "reversed", "not_seen", "one_seed", "missing"
    gap: float | None  # worse minus better, in the paper's direction (positive = as in the paper)
    spread: float | None  # the larger half-range (max-min)/2 of the two groups


def compare(worse: GroupStat | None, better: GroupStat | None) -> Verdict:
    """Is `worse` above `better` (error), as the paper says, beyond the spread over seeds?"""
    if worse is None or better is None:
        return Verdict("missing", None, None)
    gap = worse.mean - better.mean
    spread = max(worse.high - worse.low, better.high - better.low) / 2
    if min(worse.seeds, better.seeds) < 2:
        return Verdict("one_seed", gap, None)
    if worse.low > better.high:
        return Verdict("appears", gap, spread)
    if better.low > worse.high:
        return Verdict("reversed", gap, spread)
    return Verdict("not_seen", gap, spread)


def lesion_summary(result: dict) -> dict:
    """Single deletions split into downsampling and other blocks; the worst of each."""
    rest = [r["error"] for r in result["single"] if not r["downsampling"]]
    down = [r["error"] for r in result["single"] if r["downsampling"]]
    return {
        "intact": result["intact_error"],
        "median_other": float(np.median(rest)) if rest else None,
        "max_other": max(rest) if rest else None,
        "max_downsampling": max(down) if down else None,
        "k_max": result["random_k"][-1] if result["random_k"] else None,
    }


def landscape_summary(result: dict) -> dict:
    """Loss at the centre, the range, and how far from convex the grid is: the share of interior points whose
    discrete Laplacian is negative (a bowl has none; Li et al.'s 'chaotic' surfaces have many)."""
    loss = np.array(result["loss"])
    lap = loss[1:-1, 2:] + loss[1:-1, :-2] + loss[2:, 1:-1] + loss[:-2, 1:-1] - 4 * loss[1:-1, 1:-1]
    centre = loss[loss.shape[0] // 2, loss.shape[1] // 2]
    error = np.array(result["error"])
    return {
        "centre": float(centre),
        "centre_error": float(error[error.shape[0] // 2, error.shape[1] // 2]),
        "min": float(loss.min()),
        "max": float(loss.max()),
        "non_convex_share": float((lap < 0).mean()),
        "centre_is_min": bool(centre <= loss.min() + 1e-9),
    }


def finished_runs(runs: list[dict]) -> list[dict]:
    """The completed runs of a group; only if none completed, the partial ones (marked by the caller)."""
    done = [r for r in runs if r.get("completed")]
    return done or runs


def stat_all_seeds(
    document: dict, pairs: list[tuple[str, int]], key: str = "test_error"
) -> list[GroupStat | None] | None:
    """Each group over *all* its runs, partial ones included, at the last iteration all of them reached.

    None when that adds no seed to what the completed runs give (then there is nothing more to say)."""
    grouped = groups(document)
    runs = [grouped.get(pair, []) for pair in pairs]
    if not all(runs) or all(len(r) == len(finished_runs(r)) for r in runs):
        return None
    iteration = min(run["iterations"][-1] for group in runs for run in group)
    out = []
    for (kind, depth), group in zip(pairs, runs):
        values = [r[key][r["iterations"].index(iteration)] for r in group if iteration in r["iterations"]]
        out.append(
            GroupStat(
                kind,
                depth,
                len(values),
                iteration,
                float(np.mean(values)),
                float(np.std(values)),
                float(np.min(values)),
                float(np.max(values)),
            )
            if values
            else None
        )
    return out
