"""One unit (GMACs, named) and one training recipe in the depth tables; the recipe said where they mix."""

from torchvision import models as tv_models

from resnet_viz.compare import Comparison, DepthRow, recipe_note, table_lines
from resnet_viz.lab.arch import RECIPE, TEXT, compare_depths, compare_markdown


def test_depth_table_uses_one_recipe_and_names_its_unit():
    rows = compare_depths()
    assert {r.recipe for r in rows} == {"IMAGENET1K_V1"} == {RECIPE}
    # torchvision's V1 figures (papers.md): not resnet50's V2 80.858.
    assert [round(r.acc1, 1) for r in rows] == [69.8, 73.3, 76.1, 77.4, 78.3]
    assert rows[2].acc1_default == tv_models.ResNet50_Weights.DEFAULT.meta["_metrics"]["ImageNet-1K"]["acc@1"]
    for lang in ("en", "ko"):
        table = compare_markdown(lang)
        assert "GFLOPs" not in table.split("\n")[0] and "GMACs" in table and "(IMAGENET1K_V1)" in table
        assert "| 76.1% |" in table and "80.9% |" not in table
        assert "“V1.5”" in table and "3.8" in table and "4.1" in table and "80.9 %" in table
    assert "| 기본 |" in compare_markdown("ko") and "| basic |" not in compare_markdown("ko")
    assert set(TEXT["en"]) == set(TEXT["ko"])


def _comparison(labels):
    rows = tuple(DepthRow(f"resnet{d}", label, "pretrained", "", 1, 1.0) for d, label in zip((18, 50), labels))
    return Comparison(None, "gradcam", None, "cpu", rows)


def test_compare_says_when_its_weights_mix_recipes():
    mixed = _comparison(["IMAGENET1K_V1", "IMAGENET1K_V2"])
    note = recipe_note(mixed, "en")
    assert "resnet18 IMAGENET1K_V1, resnet50 IMAGENET1K_V2" in note and "recipe" in note
    assert "레시피" in recipe_note(mixed, "ko")
    assert table_lines(mixed)[-1] == note and "GMACs" in table_lines(mixed)[0]
    assert recipe_note(_comparison(["IMAGENET1K_V1", "IMAGENET1K_V1"])) == ""


def test_balduzzi_caption_says_what_they_found_and_what_was_measured_here():
    from resnet_viz.lab.charts import shattering_found
    from resnet_viz.lab.gradients import Shattering

    steps = [0.0, 0.1, 0.2, 0.3]
    agrees = shattering_found(Shattering(steps, [1.0, 0.9, 0.8, 0.7], [1.0, 0.4, 0.2, 0.0]), "en")
    assert agrees.startswith("Balduzzi et al. (2017) found") and "Here," in agrees
    assert "mean correlation 0.80 with shortcuts and 0.20 without; higher with shortcuts, as they found" in agrees
    same = shattering_found(Shattering(steps, [1.0, 0.5, 0.4, 0.3], [1.0, 0.52, 0.41, 0.3]), "en")
    assert "about the same (within 0.05): their effect does not show here" in same
    lower = shattering_found(Shattering(steps, [1.0, 0.2, 0.1, 0.0], [1.0, 0.9, 0.8, 0.7]), "ko")
    assert "Balduzzi 외(2017)" in lower and "보이지 않습니다" in lower and "0.10" in lower
