"""Issue 19 §2 in a real Chromium: the Stages view's state model on the Residual lab, Trust checks and
One screen tabs. Each result belongs to the subject it was made for; when the sidebar (or the tab's
own choices) moves on, the tab says so, in English and in Korean, also for a result that finishes
after the change. One app (resnet18, random weights) for the module: the session's http_server."""

import pytest
from browserkit import EXAMPLES, needs_chromium
from tabkit import (
    image_src,
    language,
    photo,
    pick_option,
    shot,
    upload_and_wait,
    wait_hidden,
    wait_idle,
    wait_new_image,
    wait_text,
    wait_without,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def page(browser, http_server):
    page = browser.new_page(viewport={"width": 1280, "height": 720}, locale="en-US")
    page.goto(http_server)
    page.get_by_text("Untrained weights").first.wait_for(timeout=60_000)
    yield page
    page.close()


@needs_chromium
def test_lab_results_keep_their_subject_and_the_remove_list_follows_the_model(page, tmp_path):
    upload_and_wait(page, EXAMPLES / "chelsea.jpg")
    page.get_by_role("tab", name="Residual lab").click()
    page.get_by_role("button", name="Run the lab").click()
    page.locator("#lab-norms img").wait_for(timeout=120_000)  # the first chart: the run goes on
    wait_text(page, "#lab-status", "resnet18")
    # A new photo while the lab runs: its charts and heading still arrive, and say they are chelsea's.
    upload_and_wait(page, photo(tmp_path, "coffee"))
    page.locator("#lab-shattering img").wait_for(timeout=180_000)  # the last chart: the run is over
    wait_idle(page)
    wait_text(page, "#lab-stale", "previous photo")
    page.locator("#lab-stale").scroll_into_view_if_needed()
    shot(page, "lab-stale-en")
    # Korean: the kept charts are drawn again in Korean (new files), the notice speaks Korean.
    before = image_src(page, "#lab-norms")
    language(page, "ko")
    wait_text(page, "#lab-stale", "이전 사진")
    wait_new_image(page, "#lab-norms", before)
    page.get_by_role("button", name="실험 실행").wait_for(timeout=60_000)
    shot(page, "lab-stale-ko")
    # The remove list follows the model: resnet34 has a layer1.2, resnet18 does not. (A block of layer1:
    # tests/test_lab_removal.py covers every block of every depth.)
    pick_option(page, "#model", "resnet34")
    wait_text(page, "#lab-remove", "layer1.2")
    wait_text(page, "#lab-stale", "모델")
    pick_option(page, "#method", "LayerCAM")
    page.locator("#lab-remove").get_by_label("layer1.2", exact=True).check()
    page.get_by_role("button", name="제거한 채로 다시 예측").click()
    wait_text(page, "#lab-removed-top", "블록 1개를 제거한 상위 5개 예측")
    wait_text(page, "#lab-removed-cams", "블록 1개를 제거한 채 단계별 LayerCAM")
    wait_idle(page)
    page.locator("#lab-remove").get_by_label("layer1.2", exact=True).uncheck()
    wait_text(page, "#lab-stale", "제거할 블록")
    # Back to English: the labels come from the kept result (1 block, LayerCAM), not from the controls.
    language(page, "en")
    wait_text(page, "#lab-removed-top", "Top-5 with 1 block(s) removed")
    wait_text(page, "#lab-removed-cams", "LayerCAM per stage with 1 block(s) removed")
    wait_text(page, "#lab-stale", "blocks to remove")
    pick_option(page, "#model", "resnet18")
    wait_without(page, "#lab-remove", "layer1.2")
    assert "layer4.1" in page.locator("#lab-remove").inner_text()
    assert "layer3.2" not in page.locator("#lab-remove").inner_text()


@needs_chromium
def test_trust_checks_keep_their_stage_and_language(page):
    # Wider than a projector while clicking: at 1280x720 Playwright's click on the scrolled map lands beside it.
    page.set_viewport_size({"width": 1500, "height": 1000})
    upload_and_wait(page, EXAMPLES / "chelsea.jpg")
    page.get_by_role("tab", name="Trust checks").click()
    page.get_by_text("layer2", exact=True).click()
    page.get_by_role("button", name="Receptive field").click()
    page.get_by_text("layer2 unit (14, 14)").first.wait_for(timeout=90_000)
    page.wait_for_function(
        "(() => { const i = document.querySelector('#trust-stage-map img');"
        " return i && i.complete && i.naturalWidth > 0 && i.getBoundingClientRect().width > 100; })()",
        timeout=60_000,
    )
    wait_hidden(page, "#trust-stale")
    # The stage radio alone marks the map and the field drawn for layer2.
    page.get_by_text("layer4", exact=True).click()
    wait_text(page, "#trust-stale", "previous stage")
    shot(page, "trust-stale-en")
    # A click on the drawn map means a unit of that map (layer2's 28x28), not of the radio's stage.
    stage_map = page.locator("#trust-stage-map img").first
    box = stage_map.bounding_box()
    # the centre of unit (7, 8) of the 28×28 map: a fraction on a cell border lands on either side
    stage_map.click(position={"x": box["width"] * 8.5 / 28, "y": box["height"] * 7.5 / 28})
    page.get_by_text("layer2 unit (7, 8)").first.wait_for(timeout=120_000)
    wait_idle(page)
    # The language changes while a check runs: its result arrives marked, in the page's language.
    page.get_by_role("button", name="Receptive field").click()
    language(page, "ko")
    page.get_by_text("layer4 unit (3, 3)").first.wait_for(timeout=90_000)
    wait_text(page, "#trust-stale", "이전 언어")
    page.get_by_role("button", name="수용 영역").wait_for(timeout=120_000)
    shot(page, "trust-stale-ko")
    # A switch redraws the kept checks in that language, from their numbers: no longer stale.
    language(page, "en")
    wait_hidden(page, "#trust-stale")
    language(page, "ko")
    page.get_by_text("layer4 유닛 (3, 3)").first.wait_for(timeout=60_000)
    wait_hidden(page, "#trust-stale")


@needs_chromium
def test_one_screen_follows_the_display_and_drops_old_figures(page, tmp_path):
    upload_and_wait(page, EXAMPLES / "chelsea.jpg")
    page.get_by_role("button", name="Analyze").click()
    page.get_by_role("tab", name="One screen").click()
    wait_text(page, "#one-screen", "each stage scaled 0–1 on its own", timeout=120_000)
    page.get_by_role("button", name="Figure for slides (PNG, SVG, PDF)").click()
    wait_text(page, "#figure-files", "figure-resnet18", timeout=120_000)
    # The display setting the sidebar offers is honoured here, and the figure made before it goes.
    page.get_by_text("Display", exact=True).click()
    page.get_by_text("shared scale across stages").click()
    wait_text(page, "#one-screen", "one shared 0–1 scale")
    wait_without(page, "#figure-files", "figure-resnet18")
    page.get_by_role("button", name="Figure for slides (PNG, SVG, PDF)").click()
    wait_text(page, "#figure-files", "figure-resnet18", timeout=120_000)
    # The next photo: marked until analysed; once analysed, no figure of the previous photo is offered.
    before = page.locator("#one-screen img.os-grid").first.get_attribute("src")
    upload_and_wait(page, photo(tmp_path, "coffee"))
    wait_text(page, "#one-screen-stale", "previous photo")
    shot(page, "one-screen-stale-en")
    language(page, "ko")
    wait_text(page, "#one-screen-stale", "이전 사진")
    wait_text(page, "#one-screen", "하나의 0–1 척도를 공유")
    page.get_by_role("button", name="분석").wait_for(timeout=120_000)
    shot(page, "one-screen-stale-ko")
    page.get_by_role("button", name="분석").click()
    page.wait_for_function(
        "b => { const i = document.querySelector('#one-screen img.os-grid'); return i && i.src !== b }",
        arg=before,
        timeout=120_000,
    )
    wait_hidden(page, "#one-screen-stale")
    wait_without(page, "#figure-files", "figure-resnet18")
