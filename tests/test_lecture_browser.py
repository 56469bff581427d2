"""Chromium at 1280×720: after an analysis the one-screen view shows the top-5, the input and all
five stages without scrolling; in Korean its labels are Korean; the batch contact sheet opens."""

import os
import time
from pathlib import Path

import pytest
from browserkit import EXAMPLES, needs_chromium, upload

pytestmark = pytest.mark.e2e
ASSETS = Path(__file__).resolve().parent.parent / "assets"
BOXES = """() => Array.from(document.querySelectorAll('#one-screen img')).map(i => {
  const r = i.getBoundingClientRect(); return {kind: i.className, left: r.left, top: r.top, right: r.right,
  bottom: r.bottom, loaded: i.complete && i.naturalWidth > 0};})"""


@needs_chromium
def test_one_screen_at_1280x720_in_english_and_korean(tmp_path, http_server, browser):
    shot = Path(os.environ.get("RESNET_VIZ_LECTURE_SCREENSHOT", tmp_path / "one-screen.png"))
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    try:
        page.goto(http_server)
        page.get_by_text("Untrained weights").first.wait_for(timeout=60_000)
        upload(page, EXAMPLES / "chelsea.jpg")
        page.locator("img[src*='chelsea']").first.wait_for(timeout=30_000)
        page.get_by_role("button", name="Analyze").click()
        page.get_by_role("tab", name="One screen").click()
        page.locator("#one-screen img.os-cam").nth(3).wait_for(timeout=120_000)
        page.get_by_role("button", name="Toggle Sidebar").first.click()  # the controls collapse
        time.sleep(1.0)
        boxes = page.evaluate(BOXES)
        assert [b["kind"] for b in boxes].count("os-grid") == 5 and [b["kind"] for b in boxes].count("os-cam") == 4
        for box in boxes:  # every stage's grid, every CAM and the input: loaded and inside the viewport
            assert box["loaded"], box
            assert box["left"] >= 0 and box["top"] >= 0 and box["right"] <= 1280 and box["bottom"] <= 720, box
        assert page.get_by_text("Top-5 · resnet18 (random)").is_visible()
        assert (
            page.get_by_text("conv5_x · layer4 (C5)").is_visible()
            and page.locator("#one-screen").get_by_text("512×7×7").is_visible()
        )
        page.screenshot(path=str(shot))

        page.locator("#lang").get_by_text("한국어").click()
        page.get_by_text("특징 맵 (가장 강한 9개)").first.wait_for(timeout=30_000)
        page.get_by_role("button", name="슬라이드용 그림 (PNG, SVG, PDF)").wait_for(timeout=30_000)
        page.screenshot(path=str(shot.with_name(shot.stem + "-ko.png")))
        assert page.get_by_role("tab", name="한 화면").is_visible()
        assert page.get_by_text("학습되지 않은 가중치: 예측은 의미가 없습니다").is_visible()
        page.get_by_role("button", name="슬라이드용 그림 (PNG, SVG, PDF)").click()
        page.locator("#figure-files").get_by_text("-ko-", exact=False).first.wait_for(timeout=120_000)
        names = page.locator("#figure-files").inner_text()
        assert ".png" in names and ".svg" in names and ".pdf" in names
    finally:
        page.close()
    assert shot.stat().st_size > 50_000


@needs_chromium
def test_contact_sheet_opens(tmp_path, browser):
    from resnet_viz.lecture import BatchReport, contact_sheet

    (tmp_path / "a.png").write_bytes((ASSETS / "screenshot.png").read_bytes())
    report = BatchReport(
        written=[
            {
                "image": "/photos/a.jpg",
                "model": "resnet18",
                "weights_label": "random",
                "method": "gradcam",
                "target_used": {"label": "tabby"},
                "outputs": {"png": {"file": "a.png"}, "svg": {"file": "a.svg"}},
            }
        ],
        failed=[("/photos/b.jpg", "The image file is truncated or damaged")],
    )
    (tmp_path / "index.html").write_text(contact_sheet(report, "ko"), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    try:
        page.goto((tmp_path / "index.html").as_uri())
        page.wait_for_function("document.images.length === 1 && document.images[0].complete")
        assert page.evaluate("document.images[0].naturalWidth") > 100
        assert page.get_by_text("resnet-viz 그림").first.is_visible() and page.get_by_text("/photos/b.jpg").is_visible()
    finally:
        page.close()
