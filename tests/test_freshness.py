"""Issue 19 §2 without a browser: every tab's results keep the subject they were made for, and one
helper (freshness.stale_notice) says which choices have moved on since, in English and Korean."""

import shutil

import gradio as gr
import pytest
import torch
from torchvision import models as tv_models

from resnet_viz.freshness import TEXT, changed_fields, stale_notice
from resnet_viz.lab.blocks import block_names
from resnet_viz.service import SUBJECT_FIELDS, Analyzer, Subject, subject_of
from resnet_viz.ui import compare_view, lab_view, trust_view
from resnet_viz.ui.context import EXAMPLES

CHELSEA, COFFEE = (str(next(p for p in EXAMPLES if p.stem == name)) for name in ("chelsea", "coffee"))


def test_every_key_in_both_languages():
    assert set(TEXT["en"]) == set(TEXT["ko"])
    # each field a subject can have is named in both languages
    named = {"image" if name == "digest" else name for name in SUBJECT_FIELDS}
    assert {f"f_{name}" for name in named} <= set(TEXT["ko"])


def test_the_stages_notice_is_the_shared_one():
    from resnet_viz import presenter

    shown = subject_of(CHELSEA, "resnet18", "DEFAULT", "gradcam", "")
    now = subject_of(COFFEE, "resnet34", "DEFAULT", "gradcam", "")
    assert (
        presenter.stale_notice(shown, now)
        == stale_notice(shown, now)
        == (
            "⚠️ **Not up to date:** the results below are for the previous photo and model. "
            "Press **Analyze** to update them."
        )
    )
    assert (
        stale_notice(shown, now, "ko")
        == "⚠️ **최신이 아닙니다:** 아래 결과는 이전 사진, 모델 기준입니다. **분석**을 눌러 갱신하세요."
    )
    assert stale_notice(shown, shown) == "" and stale_notice(None, now) == ""
    assert stale_notice(shown, None) != ""  # the photo was removed


def test_each_field_is_told_apart_and_named():
    base = Subject("a.png", "1", "resnet18", "DEFAULT", "gradcam", "")
    changes = dict(
        digest="2",
        model="resnet34",
        weights="random",
        method="layercam",
        target="3",
        contrast="4",
        stage="layer2",
        display=("shared",),
        lang="ko",
        extra=("layer1.0",),
    )
    assert set(changes) == set(SUBJECT_FIELDS)
    for name, value in changes.items():
        other = Subject(**{**base.__dict__, name: value})
        assert changed_fields(base, other) == [name]
        words = TEXT["en"]["f_" + ("image" if name == "digest" else name)]
        assert f"previous {words}." in stale_notice(base, other, redo="run")


def test_several_results_each_against_its_own_reading_of_the_controls():
    ran = Subject("a.png", "1", "resnet18", "DEFAULT", "", "", stage="layer4", lang="en")
    other_stage = Subject("a.png", "1", "resnet18", "DEFAULT", "", "", stage="layer2", lang="en")
    no_stage = Subject("a.png", "1", "resnet18", "DEFAULT", "", "", lang="en")
    # one result per entry; None = never run, skipped
    assert changed_fields([ran, None, no_stage], [other_stage, other_stage, no_stage]) == ["stage"]
    assert stale_notice([None, None], [other_stage, no_stage]) == ""
    assert "이전 단계" in stale_notice([ran], [other_stage], "ko", redo="run", what="checks")


def test_trust_stage_radio_alone_marks_the_checks_of_one_stage_not_faithfulness():
    run = lambda stage="": trust_view.check_subject(CHELSEA, "resnet18", "DEFAULT", "gradcam", "", "en", stage)  # noqa: E731
    sanity, faith, field = (run("layer4"), None), (run(), None), (run("layer4"), None)

    def notice(stage, lang="en", image=CHELSEA, runs=(sanity, faith, field)):
        return trust_view.freshness(*runs, image, "resnet18", "DEFAULT", "gradcam", "", stage, lang)

    assert not notice("layer4").visible
    moved = notice("layer2")
    assert moved.visible and "previous stage" in moved.value and "checks below" in moved.value
    assert not notice("layer2", runs=(None, faith, None)).visible  # faithfulness covers every stage
    # a result made in English while the page is Korean: marked (it finished after the switch)
    assert "이전 언어" in notice("layer4", "ko").value
    assert "이전 사진" in notice("layer4", "ko", image=COFFEE).value


def test_lab_results_keep_their_own_subjects():
    run = (lab_view.lab_subject(CHELSEA, "resnet18", "DEFAULT", "", "en"), None)
    removal = (
        lab_view.removal_subject(CHELSEA, "resnet18", "DEFAULT", "layercam", "", ["layer1.0"], "en"),
        {},
        "layercam",
        ("layer1.0",),
    )
    now = dict(
        image=CHELSEA, model="resnet18", weights="DEFAULT", method="layercam", target="", names=["layer1.0"], lang="en"
    )
    notice = lambda **changes: lab_view.lab_notice(run, removal, None, **{**now, **changes})  # noqa: E731
    assert notice() == ""
    assert "previous CAM method" in notice(method="gradcam")  # the removal's maps, not the lab's charts
    assert "previous blocks to remove" in notice(names=[])
    assert "previous photo" in notice(image=COFFEE) and "previous model" in notice(model="resnet34")
    assert lab_view.lab_notice(run, None, None, **{**now, "method": "gradcam"}) == ""  # the charts use no CAM


def test_removal_labels_come_from_the_kept_result_in_each_language():
    removal = (None, {}, "layercam", ("layer3.1",))
    assert lab_view.removal_labels(removal, "en") == (
        "Top-5 with 1 block(s) removed",
        "LayerCAM per stage with 1 block(s) removed",
    )
    assert lab_view.removal_labels(removal, "ko") == (
        "블록 1개를 제거한 상위 5개 예측",
        "블록 1개를 제거한 채 단계별 LayerCAM",
    )


@pytest.mark.parametrize(
    "lang, words", [("en", "resnet18 has no block layer3.5"), ("ko", "resnet18에는 layer3.5 블록이 없습니다")]
)
def test_a_block_the_model_lacks_is_refused(lang, words):
    module = tv_models.resnet18()
    assert lab_view.check_blocks(module, "resnet18", ["layer4.1", "layer1.0"], lang) == ["layer4.1", "layer1.0"]
    with pytest.raises(gr.Error) as refused:
        lab_view.check_blocks(module, "resnet18", ["layer3.5", "layer1.0"], lang)
    assert words in refused.value.message and "layer4.1" in refused.value.message  # and which blocks it has
    assert block_names(tv_models.resnet50())[-1] == "layer4.2" and len(block_names(tv_models.resnet50())) == 16


@pytest.fixture(scope="module")
def shapes_checkpoint(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shapes")
    torch.manual_seed(0)
    torch.save(tv_models.resnet18(num_classes=3).state_dict(), folder / "shapes.pt")
    (folder / "classes.txt").write_text("circle\nsquare\ntriangle\n")
    return str(folder / "shapes.pt"), str(folder / "classes.txt")


def test_switching_back_to_the_checkpoints_model_selects_the_checkpoint(shapes_checkpoint):
    checkpoint, names = shapes_checkpoint
    analyzer = Analyzer(device="cpu", checkpoint=checkpoint, class_names=names)
    assert analyzer.default_weights("resnet18") == checkpoint
    assert analyzer.default_weights("resnet34") == "DEFAULT"
    assert Analyzer(device="cpu").default_weights("resnet18") == "DEFAULT"


@pytest.mark.parametrize(
    "lang, words",
    [
        ("en", "“square” (1) was picked from resnet18's own classes"),
        ("ko", "클래스 “square” (1)은(는) ImageNet이 아니라 resnet18"),
    ],
)
def test_compare_refuses_a_class_of_another_label_set(shapes_checkpoint, lang, words):
    checkpoint, names = shapes_checkpoint
    loaded = Analyzer(device="cpu", checkpoint=checkpoint, class_names=names).model(None, checkpoint)
    with pytest.raises(gr.Error) as refused:
        compare_view.check_label_set(loaded, "1", lang)
    assert words in refused.value.message
    compare_view.check_label_set(loaded, "", lang)  # automatic: each depth's own top-1, allowed
    imagenet = Analyzer(device="cpu").model("resnet18", "random")
    compare_view.check_label_set(imagenet, "281", lang)  # an ImageNet index means the same to all five


def test_compare_subject_marks_photo_class_and_models_not_the_sidebar_model(tmp_path):
    kept = compare_view.compare_subject(CHELSEA, "gradcam", "", False, "en")
    copy = tmp_path / "chelsea-again.jpg"
    shutil.copy(CHELSEA, copy)
    assert changed_fields(kept, compare_view.compare_subject(str(copy), "gradcam", "", False, "en")) == []
    assert changed_fields(kept, compare_view.compare_subject(COFFEE, "gradcam", "281", True, "ko")) == [
        "digest",
        "target",
        "lang",
        "extra",
    ]
    assert "previous choice of models" in stale_notice(
        kept, compare_view.compare_subject(CHELSEA, "gradcam", "", True, "en"), redo="run", extra="models"
    )


def test_compare_figure_names_the_class_the_models_resolved():
    from PIL import Image

    from resnet_viz.compare import Comparison, DepthRow, comparison_figure

    row = DepthRow("resnet18", "random", "untrained", "", 11_689_512, 1.81, (("tabby", 0.5),), "tabby", None, 0.1)
    comparison = Comparison(Image.new("RGB", (224, 224)), "gradcam", "281", "cpu", (row,))
    svg = comparison_figure(comparison, "en", fmt="svg").decode()
    assert "class “tabby (281)”" in svg and "class “281”" not in svg


def test_a_receptive_field_is_redrawn_in_another_language_from_its_numbers(resnet18, chelsea):
    from resnet_viz.trust.panels import draw_field, field_panel, field_raw

    raw = field_raw(resnet18, chelsea, "layer2", 7, 8)
    english, korean = draw_field(raw, "en"), draw_field(raw, "ko")
    assert english.text.startswith("layer2 unit (7, 8)") and korean.text.startswith("layer2 유닛 (7, 8)")
    assert english.png != korean.png
    assert field_panel(resnet18, chelsea, "layer2", 7, 8, "en").text == english.text  # the same numbers
