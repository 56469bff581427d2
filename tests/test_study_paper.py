"""The Paper tab and the shipped study: read from assets/study with no network and no training."""

import json
import socket

import pytest

from resnet_viz.cli import main
from resnet_viz.study import summary
from resnet_viz.study.models import load_study_model
from resnet_viz.study.paper import ASSETS, comparison_table, study_sections

STUDY = json.loads((ASSETS / "depth_study.json").read_text())


@pytest.fixture
def offline_and_untrainable(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the Paper tab must not train or touch the network")

    import resnet_viz.study.train as train

    monkeypatch.setattr(train, "train_run", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_paper_tab_shows_the_shipped_numbers_and_charts(offline_and_untrainable, lang):
    from resnet_viz.ui.paper_view import page_content

    blocks = page_content(lang)
    text = "\n".join(markdown for markdown, _ in blocks)
    for kind, depth in {(r["kind"], r["depth"]) for r in STUDY["runs"]}:
        stat = summary.stat(STUDY, kind, depth)
        if stat is not None:
            row = next(line for line in text.splitlines() if line.startswith(f"| {kind}-{depth} |"))
            ours = row.split("|")[-2].strip()  # the shipped mean; a spread only where more than one seed ran
            assert ours.startswith(f"{stat.mean:.1f}") and ("±" in ours) == (stat.seeds > 1)
    charts = [path for _, paths in blocks for path in paths]
    assert charts and all(p.endswith(".png") for p in charts)
    assert all((ASSETS / p.split("assets/study/")[-1]).is_file() for p in charts)
    assert ("_ko.png" in charts[0]) == (lang == "ko")
    keys = [s.key for s in study_sections(lang)]
    assert keys[:4] == ["deg", "res", "short", "pre"] and {"variants", "grad"} <= set(keys)


def test_verdicts_say_appears_only_beyond_the_spread():
    def group(low, high, seeds=3):
        return summary.GroupStat("plain", 56, seeds, 600, (low + high) / 2, 1.0, low, high)

    assert summary.compare(group(30, 34), group(20, 29)).state == "appears"
    assert summary.compare(group(30, 34), group(25, 31)).state == "not_seen"
    assert summary.compare(group(20, 24), group(30, 34)).state == "reversed"
    assert summary.compare(group(30, 30, 1), group(20, 20, 1)).state == "one_seed"
    assert summary.compare(None, group(20, 24)).state == "missing"


def test_the_run_record_says_what_ran():
    names = {f"{r['kind']}-{r['depth']}-s{r['seed']}" for r in STUDY["runs"]}
    assert set(STUDY["completed"]) | set(STUDY["partial"]) <= names
    assert STUDY["wall_seconds"] > 0 and STUDY["started"]
    for run in STUDY["runs"]:
        assert len(run["iterations"]) == len(run["train_error"]) == len(run["test_error"])
        assert all(0 <= e <= 100 for e in run["train_error"] + run["test_error"])
    assert "| plain-56 |" in comparison_table("en")


def test_every_shipped_checkpoint_loads_eval_ready_with_its_kind_and_depth():
    shipped = [r for r in STUDY["runs"] if r.get("checkpoint")]
    assert shipped
    for run in shipped:
        model = load_study_model(ASSETS / run["checkpoint"])
        assert (model.kind, model.depth, model.training) == (run["kind"], run["depth"], False)
        assert hasattr(model, "stem") and hasattr(model, "head") and len(model.stages) == 3


@pytest.mark.parametrize("kind", ["residual", "plain"])
def test_shipped_lesions_and_landscapes_are_in_the_schema(kind):
    lesions = json.loads((ASSETS / f"lesions-{kind}-56" / "lesions.json").read_text())
    assert {"checkpoint", "intact_error", "single", "random_k"} <= set(lesions)
    assert [row["block"] for row in lesions["single"]] == list(range(27))
    assert [row["block"] for row in lesions["single"] if row["downsampling"]] == [9, 18]
    assert [row["k"] for row in lesions["random_k"]] == list(range(1, 10))
    scape = json.loads((ASSETS / f"landscape-{kind}-56" / "landscape.json").read_text())
    middle = scape["grid"] // 2
    assert len(scape["loss"]) == scape["grid"] and scape["loss"][middle][middle] == scape["center_loss"]


def test_bad_checkpoints_get_a_message_not_a_traceback(tmp_path, capsys):
    assert main(["lesion-study", str(tmp_path / "missing.pt"), "--out", str(tmp_path)]) == 2
    assert "No study checkpoint" in capsys.readouterr().err
    junk = tmp_path / "junk.pt"
    junk.write_text("not a checkpoint")
    assert main(["landscape", str(junk), "--out", str(tmp_path)]) == 2
    assert "not a readable study checkpoint" in capsys.readouterr().err


@pytest.mark.e2e
def test_the_app_has_a_paper_tab_with_the_shipped_table(http_server):
    import urllib.request

    config = urllib.request.urlopen(http_server + "config", timeout=60).read().decode()
    assert '"Paper"' in config and "plain-56" in config and "depth_study.png" in config
