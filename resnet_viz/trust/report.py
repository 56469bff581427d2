"""trust.json (the issue's schema) and the chart files, from the checks' results."""

from __future__ import annotations

import math
from pathlib import Path

from ..plotting import figure_bytes, figure_lang, style
from . import charts
from .faithfulness import FaithfulnessResult
from .sanity import ClassCheck, SanityResult


def _float(value: float) -> float | None:
    """JSON has no NaN: an undefined correlation (a constant map) is written as null."""
    return None if value is None or math.isnan(value) else float(value)


def trust_json(model: str, sanity: SanityResult, check: ClassCheck, faith: FaithfulnessResult | None) -> dict:
    return {
        "model": model,
        "target": int(sanity.target),
        "stage": sanity.stage,
        "sanity": [
            {"randomized_up_to": s.randomized_up_to, "spearman": _float(s.spearman), "ssim": _float(s.ssim)}
            for s in sanity.steps
        ],
        "class_check": {
            "random_class": check.random_class,
            "spearman_random": _float(check.spearman_random),
            "least_likely": check.least_likely,
            "spearman_least": _float(check.spearman_least),
        },
        "faithfulness": []
        if faith is None
        else [
            {"stage": s.stage, "road_combined": _float(s.road_combined), "deletion_auc": _float(s.deletion_auc)}
            for s in faith.stages
        ],
    }


def figures(
    sanity: SanityResult | None = None,
    check: ClassCheck | None = None,
    faith: FaithfulnessResult | None = None,
    lang: str = "en",
    fmt: str = "png",
) -> dict[str, bytes]:
    """File name -> encoded chart, for the results given."""
    lang = figure_lang(lang)
    out: dict[str, bytes] = {}
    with style(lang):
        if sanity is not None:
            out[f"trust-sanity.{fmt}"] = figure_bytes(charts.sanity_strip(sanity, lang), fmt)
        if check is not None:
            out[f"trust-class-check.{fmt}"] = figure_bytes(
                charts.class_check_figure(check, sanity.method if sanity else "", lang), fmt
            )
        if faith is not None:
            out[f"trust-road.{fmt}"] = figure_bytes(charts.road_figure(faith, lang), fmt)
            out[f"trust-deletion.{fmt}"] = figure_bytes(charts.deletion_figure(faith, lang), fmt)
    return out


def write(out: Path, files: dict[str, bytes]) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (out / name).write_bytes(data)
    return list(files)
