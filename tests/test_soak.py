"""The short soak CI runs (the full one: python benchmarks/soak.py --requests 500)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import soak  # noqa: E402

pytestmark = pytest.mark.e2e


def test_short_soak_leaves_nothing_behind(http_app, tmp_path):
    requests = 70
    figures = soak.soak(http_app.url, "resnet18", "DEFAULT", requests, clients=2, workdir=tmp_path, checkpoint_at=20)
    bad = requests // 7
    assert figures["wrong"] == []
    assert figures["refused_right"] == bad and figures["ok"] == requests - bad
    n_models, hooks, grads = soak.leftovers()
    assert n_models >= 1 and hooks == 0 and grads == 0
    assert figures["rss_at_end"] - figures["rss_at_checkpoint"] < 50
