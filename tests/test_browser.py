"""A real Chromium (Debian's) against the running app: what a student or lecturer sees.

Each test reproduces one defect of issue 8 as a user meets it: every result on screen belongs to
one (photo, model, weights, method, class) and the page says which."""

import os
import time
from pathlib import Path

import bad_inputs
import pytest
from browserkit import EXAMPLES, choose, needs_chromium, upload

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("RESNET_VIZ_SHOTS")  # a folder: save the screenshots the tests take there


@pytest.fixture
def page(browser, http_server):
    page = browser.new_page(viewport={"width": 1600, "height": 1000}, locale="en-US")
    page.goto(http_server)
    page.get_by_text("Untrained weights").wait_for(timeout=60_000)
    yield page
    page.close()


def shot(page, name: str) -> None:
    """The page as a projector shows it: 1600×1000 and 1280×720."""
    if not SHOTS:
        return
    size = page.viewport_size
    for width, height in ((1600, 1000), (1280, 720)):
        page.set_viewport_size({"width": width, "height": height})
        time.sleep(0.3)
        page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}x{height}.png"))
    page.set_viewport_size(size)


def summary(page) -> str:
    return page.locator("#summary").inner_text()


def analyze(page, showing: str) -> str:
    """Press Analyze and wait until the summary says it shows `showing` (a file name)."""
    page.get_by_role("button", name="Analyze").click()
    page.wait_for_function(
        "name => { const s = document.querySelector('#summary'); return s && s.innerText.includes('Showing ' + name)"
        " && !document.querySelector('#summary .pending') }",
        arg=showing,
        timeout=120_000,
    )
    page.wait_for_function("() => !document.querySelector('.wrap.default.full:not(.hide)')", timeout=60_000)
    time.sleep(0.5)
    return summary(page)


def top1(page) -> str:
    return page.locator("#predictions .output-class").inner_text().strip()


def target_box(page) -> str:
    return page.locator("#target input").input_value()


def stale(page, expect: str | None = None) -> str:
    """The 'not up to date' notice once the freshness check after the last event has answered. With
    `expect`: until the notice shows that word (a control's change event answers after the upload or
    pick that caused it, with no progress overlay to wait for)."""
    if expect is not None:
        page.wait_for_function(
            "t => { const s = document.querySelector('#stale'); return !!s && s.offsetParent !== null"
            " && s.innerText.includes(t) }",
            arg=expect,
            timeout=30_000,
        )
    try:
        page.wait_for_function(
            "() => { const s = document.querySelector('#stale');"
            " return !s || s.offsetParent === null || !/\\d+\\.\\ds/.test(s.innerText) }",
            timeout=15_000,
        )
    except Exception:
        pass
    locator = page.locator("#stale")
    return locator.inner_text() if locator.is_visible() else ""


def set_opacity(page, value: str) -> None:
    field = page.locator("#opacity input[type=number]")
    if not field.is_visible():
        page.get_by_text("Display", exact=True).click()
    field.fill(value)
    field.press("Enter")


def photo(tmp_path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    import skimage.data
    from PIL import Image

    Image.fromarray(getattr(skimage.data, name)()).save(path)
    return path


@needs_chromium
def test_automatic_class_stays_automatic_for_the_next_photo(page, tmp_path):
    """Defect 1: the class box kept the first photo's top-1, so the second photo's maps were for it."""
    upload(page, EXAMPLES / "chelsea.jpg")
    text = analyze(page, "chelsea.jpg")
    assert "class: automatic (top-1)" in text
    assert target_box(page) == "top-1 (automatic)"  # not rewritten to the photo's top-1
    shot(page, "defect1")
    second = photo(tmp_path, "coffee")
    upload(page, second)
    assert "photo" in stale(page, "photo")  # the rows still show chelsea: marked
    text = analyze(page, "coffee.png")
    assert f"Grad-CAM for {top1(page)} (class" in text  # the heatmaps are for this photo's own top-1
    assert target_box(page) == "top-1 (automatic)" and stale(page) == ""


@needs_chromium
def test_a_model_switch_marks_the_results_and_the_next_analysis_is_of_the_new_model(page):
    """Defect 2: after a model switch the banner and table were new while pictures and summary were old."""
    upload(page, EXAMPLES / "chelsea.jpg")
    analyze(page, "chelsea.jpg")
    page.locator("#model input").click()
    page.get_by_role("option", name="resnet34").click()
    page.wait_for_function(
        "() => { const s = document.querySelector('#stale'); return s && s.innerText.includes('model') }",
        timeout=60_000,
    )
    assert "resnet18" in summary(page)  # what is shown is still said to be resnet18's, and marked stale
    shot(page, "defect2-stale")
    text = analyze(page, "chelsea.jpg")
    assert "resnet34" in text and stale(page) == ""
    assert target_box(page) == "top-1 (automatic)"
    # the race: switch back while an analysis of resnet34 is still running
    page.get_by_role("button", name="Analyze").click()
    page.locator("#model input").click()
    page.get_by_role("option", name="resnet18").click()
    page.wait_for_function(
        "() => { const s = document.querySelector('#stale');"
        " return s && s.offsetParent !== null && s.innerText.includes('previous model') }",
        timeout=60_000,
    )
    time.sleep(2.0)
    assert "resnet34" in summary(page) and "model" in stale(
        page, "model"
    )  # what is shown says whose it is, and is marked


@needs_chromium
def test_a_refused_photo_leaves_a_clean_page(page, tmp_path):
    """Defect 3: 'Error' badges on 20 outputs, and later the previous photo's maps beside the rejected one."""
    upload(page, EXAMPLES / "chelsea.jpg")
    analyze(page, "chelsea.jpg")
    bad = tmp_path / "cut.jpg"
    bad.write_bytes(bad_inputs.cases()["truncated-jpeg-header"][0])
    upload(page, bad)
    page.get_by_role("button", name="Analyze").click()
    page.locator("#notice").get_by_text("cut.jpg is truncated or damaged").wait_for(timeout=60_000)
    time.sleep(1.0)
    assert page.get_by_text("Error", exact=True).count() == 0
    assert summary(page).startswith("Pick an example")
    assert page.locator("#seen img, #predictions .output-class").count() == 0
    set_opacity(page, "0.8")
    time.sleep(2.0)
    from resnet_viz.service import UI_PHOTO_FORMAT

    assert page.locator(f"img[src*='.{UI_PHOTO_FORMAT}']").count() == 0  # no old maps come back
    shot(page, "defect3-refused")
    upload(page, EXAMPLES / "chelsea.jpg")
    analyze(page, "chelsea.jpg")
    assert not page.locator("#notice").is_visible()


@needs_chromium
def test_channel_inspector_checks_input_follows_opacity_and_clears(page):
    """Defect 4: an empty id gave a bare 'Error'; the picture outlived a new analysis and ignored opacity."""
    upload(page, EXAMPLES / "chelsea.jpg")
    analyze(page, "chelsea.jpg")
    page.locator("#channel-id input").fill("")
    page.get_by_role("button", name="Show channel").click()
    page.locator("#channel-note").get_by_text("Type a channel id").wait_for(timeout=30_000)
    page.locator("#channel-id input").fill("7")
    page.get_by_role("button", name="Show channel").click()
    page.locator("#channel-image img").wait_for(timeout=30_000)
    before = page.locator("#channel-image img").get_attribute("src")
    set_opacity(page, "0.85")
    page.wait_for_function(
        "src => { const i = document.querySelector('#channel-image img'); return i && i.src !== src }",
        arg=before,
        timeout=30_000,
    )
    page.locator("#method input").click()
    page.get_by_role("option", name="Grad-CAM++").click()
    analyze(page, "chelsea.jpg")
    assert page.locator("#channel-image img").count() == 0


@needs_chromium
def test_clicking_a_prediction_redraws_the_maps_for_it(page):
    """Defect 5: a click only filled the class box; the maps stayed on the old class until Analyze."""
    upload(page, EXAMPLES / "chelsea.jpg")
    analyze(page, "chelsea.jpg")
    second = page.locator("#predictions .confidence-set").nth(1)
    label = second.locator(".text").first.inner_text().strip()
    second.click()
    page.wait_for_function(
        "label => document.querySelector('#summary').innerText.includes('picked: ' + label)", arg=label, timeout=120_000
    )
    assert f"Grad-CAM for {label} (class" in summary(page) and "the class you picked" in summary(page)
    assert stale(page) == ""


@needs_chromium
def test_eigencam_is_called_class_agnostic(page):
    """Defect 6: 'eigencam for photocopier' under a header about the chosen class."""
    upload(page, EXAMPLES / "chelsea.jpg")
    page.locator("#method input").click()
    page.get_by_role("option", name="EigenCAM").click()
    text = analyze(page, "chelsea.jpg")
    assert "EigenCAM is class-agnostic" in text and " for " not in text.split("\n")[-1].split("(top-1")[0]
    assert "class-agnostic" in page.locator("#cam-head").inner_text()


@needs_chromium
def test_at_1280x720_headings_do_not_cover_the_results(page):
    """Defect 10: the two-line top-5 heading covered the top class; a label was cut by the toolbar."""
    page.set_viewport_size({"width": 1280, "height": 720})
    upload(page, EXAMPLES / "chelsea.jpg")
    analyze(page, "chelsea.jpg")
    heading = page.locator("#top-head").bounding_box()
    top_class = page.locator("#predictions .output-class").bounding_box()
    assert heading["y"] + heading["height"] <= top_class["y"] + 1
    seen_head = page.get_by_text("As the network sees it").bounding_box()
    seen = page.locator("#seen").bounding_box()
    assert seen_head["y"] + seen_head["height"] <= seen["y"] + 1
    shot(page, "defect10-analysed")


@needs_chromium
def test_a_contrast_class_draws_the_maps_for_a_minus_b(page):
    """Issue 11 §2: 'why tabby, not tiger cat' — the summary and the CAM heading name both classes;
    changing the contrast marks the results; Korean says it too."""
    upload(page, EXAMPLES / "chelsea.jpg")
    choose(page, "#target", "tabby", "tabby (281)")
    choose(page, "#contrast", "tiger c", "tiger cat (282)")
    text = analyze(page, "chelsea.jpg")
    assert "Grad-CAM for tabby − tiger cat" in text and "logit 281 − logit 282" in text
    assert "tabby − tiger cat" in page.locator("#cam-head").inner_text()
    shot(page, "contrast")
    choose(page, "#contrast", "Egyptian", "Egyptian cat (285)")
    assert "contrast class" in stale(page, "contrast class")
    text = analyze(page, "chelsea.jpg")
    assert "Grad-CAM for tabby − Egyptian cat" in text and stale(page) == ""
    page.get_by_text("한국어").click()
    page.get_by_text("tabby − Egyptian cat에 대한").first.wait_for(timeout=30_000)


@needs_chromium
def test_eigencam_with_a_contrast_is_refused_in_place(page):
    """EigenCAM uses no class, so it cannot contrast two: the page says so and keeps no old maps."""
    upload(page, EXAMPLES / "chelsea.jpg")
    choose(page, "#contrast", "tiger c", "tiger cat (282)")
    page.locator("#method input").click()
    page.get_by_role("option", name="EigenCAM").click()
    page.get_by_role("button", name="Analyze").click()
    page.locator("#notice").get_by_text(
        "EigenCAM is class-agnostic (it uses no gradients), so it cannot contrast two classes"
    ).wait_for(timeout=60_000)
    time.sleep(1.0)
    assert page.get_by_text("Error", exact=True).count() == 0
    assert summary(page).startswith("Pick an example")
    shot(page, "contrast-eigencam-refused")


@needs_chromium
def test_korean_switches_the_shell_and_the_stages_view(page):
    upload(page, EXAMPLES / "chelsea.jpg")
    analyze(page, "chelsea.jpg")
    page.get_by_text("한국어").click()
    page.get_by_text("표시 중").wait_for(timeout=30_000)
    page.get_by_role("button", name="분석").wait_for(timeout=10_000)
    assert page.get_by_text("ResNet의 속을 들여다보기").count() >= 1
    assert page.get_by_text("단계별 보기").count() >= 1
    shot(page, "korean")


@needs_chromium
def test_upload_analyze_and_screenshot(page):
    """The whole page after one analysis, every stage row drawn (README screenshot)."""
    upload(page, EXAMPLES / "chelsea.jpg")
    analyze(page, "chelsea.jpg")
    for _ in range(8):  # below-the-fold images load lazily
        page.mouse.wheel(0, 500)
        time.sleep(0.2)
    page.wait_for_function(
        "Array.from(document.querySelectorAll('img')).filter(i => i.complete && i.naturalWidth > 200).length >= 11",
        timeout=60_000,
    )
    assert page.get_by_text("Top-5 predictions — UNTRAINED weights (random)").count() >= 1
    assert page.get_by_text("layer4 · conv5_x (C5)").count() >= 1
    page.evaluate(
        "() => { window.scrollTo(0, 0); document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; }); }"
    )
    page.set_viewport_size({"width": 1600, "height": 1300})  # header, top-5, summary and two stage rows
    time.sleep(0.5)
    target = Path(os.environ.get("RESNET_VIZ_SCREENSHOT", Path(SHOTS or "/tmp") / "app.png"))
    page.screenshot(path=str(target))
    assert target.stat().st_size > 100_000
