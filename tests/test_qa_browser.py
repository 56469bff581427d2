"""Defects found by exploratory testing, each as a user met it in Chromium: a Korean student, a lecturer
on the One screen tab, a careless user who switches things after an analysis."""

import time

import pytest
from browserkit import EXAMPLES, choose, needs_chromium, upload

pytestmark = pytest.mark.e2e


@pytest.fixture
def page(browser, http_server):
    page = browser.new_page(viewport={"width": 1280, "height": 720}, locale="en-US")
    page.goto(http_server)
    page.locator("#banner").get_by_text("Untrained weights").wait_for(timeout=60_000)
    yield page
    page.close()


def language(page, name: str) -> None:
    page.locator("#lang").get_by_text(name).click()


@needs_chromium
def test_korean_banner_and_refusal_follow_the_language(page, tmp_path):
    """The banner's reason ('… is not in the torch hub cache …') and a refused photo's message stayed
    English in Korean; the refusal notice stayed in the language it was made in."""
    language(page, "한국어")
    banner = page.locator("#banner")
    banner.get_by_text("torch hub 캐시").wait_for(timeout=15_000)
    assert "is not in the torch hub cache" not in banner.inner_text()
    assert "resnet-viz weights fetch resnet18" in banner.inner_text()  # the command stays a command

    fake = tmp_path / "notes.jpg"
    fake.write_text("not a photo")
    upload(page, fake)
    page.get_by_role("button", name="분석").click()
    notice = page.locator("#notice")
    notice.get_by_text("읽을 수 있는 이미지가 아닙니다").wait_for(timeout=30_000)
    assert "notes.jpg" in notice.inner_text() and "is not an image" not in notice.inner_text()

    language(page, "English")
    notice.get_by_text("Not analysed.").wait_for(timeout=15_000)
    assert "notes.jpg is not an image that can be read" in notice.inner_text()
    language(page, "한국어")
    notice.get_by_text("분석하지 못했습니다").wait_for(timeout=15_000)
    assert "읽을 수 있는 이미지가 아닙니다" in notice.inner_text()


@needs_chromium
def test_one_screen_names_the_contrast_class_and_says_when_it_is_stale(page):
    """With a contrast class B the One screen (and the slide figure) said 'Grad-CAM for “A”' for maps of
    A − B; after a model switch it kept showing the old model's results without a word."""
    upload(page, EXAMPLES / "chelsea.jpg")
    choose(page, "#contrast", "tabb", "tabby (281)")
    page.get_by_role("button", name="Analyze").click()
    page.get_by_role("tab", name="One screen").click()
    top = page.locator("#one-screen .os-top")
    top.wait_for(timeout=120_000)
    page.wait_for_function(
        "() => document.querySelector('#one-screen .os-top').innerText.includes('tabby')", timeout=30_000
    )
    assert "” − “tabby” (" in top.inner_text() and " − 281)" in top.inner_text()
    stale = page.locator("#one-screen-stale")
    assert not stale.is_visible()

    choose(page, "#model", "resnet34", "resnet34")
    stale.get_by_text("Not up to date").wait_for(timeout=30_000)
    assert "model" in stale.inner_text()
    assert "resnet18" in top.inner_text()  # still the analysis it is about, now marked


def test_slide_figure_title_names_the_contrast_class(resnet18, chelsea):
    from resnet_viz import analyze
    from resnet_viz.figure import _title

    result = analyze(resnet18, chelsea, target="tabby", method="gradcam", contrast="tiger cat")
    assert "“tabby” − “tiger cat” (281 − 282)" in _title(result, "en")
    assert "“tabby” − “tiger cat” (281 − 282)에 대한" in _title(result, "ko")


@needs_chromium
def test_korean_compare_table_headers_and_stage_hint(page):
    """In Korean the depth comparison's column names stayed English (Gradio ignores new headers of a
    table that has a value), and the channel inspector's stage hint said 'or'."""
    language(page, "한국어")
    page.get_by_role("tab", name="깊이 비교").click()
    table = page.locator("#compare-table")
    page.wait_for_function(
        "() => document.querySelector('#compare-table').innerText.includes('매개변수 (M)')", timeout=15_000
    )
    assert "params (M)" not in table.inner_text() and "상위 3개" in table.inner_text()
    page.get_by_role("tab", name="단계별 보기").click()
    assert page.get_by_text("C1 … C5 또는 maxpool").is_visible()
    language(page, "English")
    page.get_by_role("tab", name="Compare depths").click()
    page.wait_for_function(
        "() => document.querySelector('#compare-table').innerText.includes('params (M)')", timeout=15_000
    )


@needs_chromium
def test_trust_checks_say_when_they_are_stale_or_in_the_other_language(page):
    """The trust tab kept its verdict and charts, in English, after a switch to Korean, and after a
    model switch, without a word: a student read an old model's verdict as the new one's."""
    upload(page, EXAMPLES / "chelsea.jpg")
    page.get_by_role("tab", name="Trust checks").click()
    page.get_by_role("button", name="Sanity checks").click()
    page.get_by_text("Class check: ρ with the top-1 map").wait_for(timeout=120_000)
    notice = page.locator("#trust-stale")
    assert not notice.is_visible()
    language(page, "한국어")
    # A switch redraws the kept check in Korean from its numbers (no recompute), so it is not stale.
    page.get_by_text("클래스 점검: 1위 히트맵과의 ρ").wait_for(timeout=30_000)
    assert not notice.is_visible()
    page.get_by_role("button", name="건전성 점검").click()
    page.get_by_text("클래스 점검: 1위 히트맵과의 ρ").wait_for(timeout=120_000)
    page.wait_for_function(
        "() => { const s = document.querySelector('#trust-stale'); return !s || s.offsetParent === null }",
        timeout=15_000,
    )
    choose(page, "#model", "resnet34", "resnet34")
    notice.get_by_text("최신이 아닙니다").wait_for(timeout=30_000)
    assert "모델" in notice.inner_text()


def test_compare_table_says_untrained_in_korean():
    """The Korean depth table said 'random (UNTRAINED)' in every row."""
    from types import SimpleNamespace

    from resnet_viz.ui.compare_view import table_rows

    row = SimpleNamespace(
        model="resnet18",
        weights_label="random",
        weights_status="untrained",
        params=11.7e6,
        gflops=1.81,
        seconds=0.2,
        top=[("tabby", 0.5)],
        note="",
    )
    comparison = SimpleNamespace(rows=[row])
    assert table_rows(comparison, "ko")[0][1] == "무작위 (학습되지 않음)"
    assert table_rows(comparison, "en")[0][1] == "random (UNTRAINED)"
    # The table's note is short and names the fix; the full reason (with the cache path) stays in the JSON.
    row.note = "ResNet18_Weights.IMAGENET1K_V1 is not in the torch hub cache (/root/.cache/torch/hub/checkpoints/x.pth)"
    assert table_rows(comparison, "en")[0][6] == (
        "weights not cached: `resnet-viz weights fetch resnet18` while online (full reason in the JSON)"
    )
    assert "캐시에 없음" in table_rows(comparison, "ko")[0][6]


@needs_chromium
def test_trust_checks_before_a_photo_say_so_in_place(page):
    """Pressing a Trust check before any upload put red 'Error' badges on the empty charts; the message
    now stands where the verdict goes, as the Stages view does it."""
    page.get_by_role("tab", name="Trust checks").click()
    page.get_by_role("button", name="Sanity checks").click()
    page.locator("#trust-verdict").get_by_text("Upload an image first").wait_for(timeout=30_000)
    time.sleep(1.0)
    assert page.get_by_text("Error", exact=True).count() == 0
