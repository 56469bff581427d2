"""Verdicts and charts that must read all of their own numbers: the sanity check's cascade, the
lesion chart's smallest value, the degradation gap against its spread."""

import numpy as np
import pytest

from resnet_viz.lab.blocks import BlockInfo
from resnet_viz.lab.charts import lesion_chart
from resnet_viz.lab.degradation import verdict as degradation_verdict
from resnet_viz.lab.lesion import LesionResult
from resnet_viz.plotting import style
from resnet_viz.trust.sanity import RANDOMIZATION_STEPS, SanityResult, SanityStep
from resnet_viz.trust.text import verdict as sanity_verdict

NAMES = [name for name, _ in RANDOMIZATION_STEPS]  # fc, layer4, layer3, layer2, layer1, conv1


def _sanity(rhos):
    blank = np.zeros((4, 4), np.float32)
    steps = tuple(SanityStep(name, blank, rho, 0.5) for name, rho in zip(NAMES, rhos))
    return SanityResult("layer4", "gradcam", 1, "square", blank, steps, None)


def test_sanity_verdict_reads_every_step_not_only_the_last():
    # The cascade: the last step is 0.51, but layer3 fell to 0.21.
    result = _sanity([0.44, 0.53, 0.21, 0.28, 0.51, 0.51])
    text = sanity_verdict(result, "en")
    assert result.pattern == "mixed" and "barely changes" not in text
    assert "fc 0.44 · layer4 0.53 · layer3 0.21 · layer2 0.28 · layer1 0.51 · conv1 0.51" in text
    assert "below 0.5 at “random up to fc”" in text and "lowest 0.21 at “random up to layer3”" in text
    assert "from “random up to layer4”" in text and "highest 0.53" in text
    ko = sanity_verdict(result, "ko")
    assert "엇갈림" in ko and "layer3 0.21" in ko and "거의 바뀌지 않습니다" not in ko


def test_sanity_verdict_barely_changes_only_when_every_step_is_high():
    same = _sanity([0.9, 0.8, 0.7, 0.62, 0.6, 0.55])
    text = sanity_verdict(same, "en")
    assert same.pattern == "same" and "barely changes" in text and "(0.55 to 0.90)" in text
    changed = _sanity([0.8, 0.4, 0.2, 0.1, float("nan"), 0.05])
    text = sanity_verdict(changed, "en")
    assert changed.pattern == "changed" and "from “random up to layer4” on, ρ stays below 0.5 to the end" in text
    assert "lowest 0.05 at “random up to conv1”" in text and "layer1 n/a (flat map)" in text
    flat = _sanity([float("nan")] * 6)
    assert "flat (all zero)" in sanity_verdict(flat, "en")


def _rows(values, kept):
    return [
        LesionResult(BlockInfo(f"layer{1 + i // 2}.{i % 2}", f"layer{1 + i // 2}", "identity"), v, 0 if k else 1, k)
        for i, (v, k) in enumerate(zip(values, kept))
    ]


def test_lesion_chart_draws_a_visible_bar_for_every_value_and_marks_top1_changes():
    values = [0.99, 0.97, 6e-9, 0.6, 0.98, 0.3, 0.95, 1e-3]
    kept = [True, True, False, True, True, True, True, False]
    with style("en"):
        figure = lesion_chart(0.993, _rows(values, kept), "en")
        figure.canvas.draw()
        axis = figure.axes[0]
        bars = [p for p in axis.patches if p.get_width() > 0]
        assert len(bars) == len(values)
        for bar, value in zip(bars, values):
            (_, y0), (_, y1) = axis.transData.transform([(0, bar.get_y()), (0, bar.get_y() + bar.get_height())])
            assert y1 - y0 >= 15, (value, y1 - y0)  # pixels at the chart's 100 dpi
            assert bar.get_y() + bar.get_height() == pytest.approx(value, rel=1e-6)
        assert [bool(bar.get_hatch()) for bar in bars] == [not k for k in kept]
        marks = [t for t in axis.texts if t.get_text() == "×"]
        assert sorted(round(t.get_position()[0]) for t in marks) == [2, 7]
        assert any(t.get_text() == "6e-09" for t in axis.texts)  # the worst value is written on its bar


def _report(tails, seeds=None):
    """Curves whose last evaluations are the given lists: {(depth, residual): [e, …]}."""
    curves = []
    for (depth, residual), runs in tails.items():
        for seed, tail in enumerate(runs if seeds else [runs]):
            curves.append({"depth": depth, "residual": residual, "train_error": [0.8, *tail], "seed": seed})
    return {"curves": curves}


def test_degradation_needs_a_gap_larger_than_the_spread_of_the_last_points():
    # Plain-14 beats plain-8 by 0.05 on the mean, but single points swing by 0.4.
    noisy = _report(
        {
            (8, False): [0.1, 0.5, 0.1, 0.5],
            (14, False): [0.2, 0.5, 0.2, 0.5],
            (8, True): [0.1, 0.1, 0.1, 0.1],
            (14, True): [0.05, 0.05, 0.05, 0.05],
        }
    )
    text = degradation_verdict(noisy, "en")
    assert "appears here" not in text and "within the noise" in text and "spread is 0.40" in text
    assert "0.35" in text and "0.30" in text
    assert "잡음 범위 안" in degradation_verdict(noisy, "ko")
    clear = _report(
        {
            (8, False): [0.1, 0.12, 0.1, 0.12],
            (14, False): [0.4, 0.42, 0.4, 0.42],
            (8, True): [0.1, 0.1, 0.1, 0.1],
            (14, True): [0.05, 0.05, 0.05, 0.05],
        }
    )
    text = degradation_verdict(clear, "en")
    assert "appears here" in text and "gap of 0.30, larger than the spread of 0.02" in text
    worse = _report({(8, False): [0.4] * 4, (14, False): [0.1] * 4, (8, True): [0.1] * 4, (14, True): [0.1] * 4})
    assert "does not appear" in degradation_verdict(worse, "en") and "(spread 0.00)" in degradation_verdict(worse, "en")


def test_degradation_spread_over_seeds_when_the_report_has_several():
    report = _report(
        {
            (8, False): [[0.1] * 4, [0.3] * 4],
            (14, False): [[0.3] * 4, [0.4] * 4],
            (8, True): [[0.1] * 4, [0.1] * 4],
            (14, True): [[0.1] * 4, [0.1] * 4],
        },
        seeds=True,
    )
    text = degradation_verdict(report, "en")
    # Means 0.20 and 0.35: a gap of 0.15 against a spread over the 2 seeds of 0.20.
    assert (
        "mean over 2 seeds" in text
        and "within the noise" in text
        and "ends 0.15 above" in text
        and "spread is 0.20" in text
    )
