"""Every string of the trust checks exists in English and Korean, and the tab relabels all it shows."""

import re

import pytest

from resnet_viz.trust import text
from resnet_viz.ui import trust_view

HANGUL = re.compile("[\uac00-\ud7a3]")


@pytest.mark.parametrize("table", [text.TEXT, trust_view.TEXT], ids=["charts", "tab"])
def test_english_and_korean_have_the_same_keys_and_placeholders(table):
    assert table["en"].keys() == table["ko"].keys()
    for key, english in table["en"].items():
        korean = table["ko"][key]
        assert set(re.findall(r"{(\w+)", english)) == set(re.findall(r"{(\w+)", korean)), key
        if HANGUL.search(english) is None and key not in ("scores", "auc"):  # ρ · SSIM and AUC read the same
            assert HANGUL.search(korean), key


def test_relabel_gives_one_update_per_static_component():
    components = {
        key: object()
        for key in (
            "intro",
            "sanity_head",
            "faith_head",
            "faith_cost",
            "field_head",
            "stage",
            "sanity_button",
            "faith_button",
            "field_button",
            "clickable",
        )
    }
    components.update({key: (object(), object(), object()) for key in trust_view.CHARTS})
    for lang in ("en", "ko"):
        assert len(trust_view._relabel(lang)) == len(trust_view._static(components)) == 20
    assert trust_view._relabel("ko")[0].startswith("### 이 히트맵을 믿을 수 있을까?")
