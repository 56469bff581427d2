"""A real Chromium (Debian's) uploads a photo, clicks Analyze and waits for every stage row."""

import os
import shutil
import time
from pathlib import Path

import pytest


pytestmark = pytest.mark.e2e
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
EXAMPLE = Path(__file__).resolve().parent.parent / "assets" / "examples" / "chelsea.jpg"


@pytest.mark.skipif(not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM),
                    reason="Debian chromium is not installed (.ci/run installs it)")
def test_upload_analyze_and_screenshot(tmp_path, http_server):
    playwright = pytest.importorskip("playwright.sync_api")
    shot = Path(os.environ.get("RESNET_VIZ_SCREENSHOT", tmp_path / "app.png"))
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        page.goto(http_server)
        page.get_by_text("Untrained weights").wait_for(timeout=60_000)
        page.locator("input[type=file]").first.set_input_files(str(EXAMPLE))
        page.locator("img[src*='chelsea']").first.wait_for(timeout=30_000)
        page.get_by_role("button", name="Analyze").click()
        page.get_by_text("512×7×7").wait_for(timeout=120_000)
        # Below-the-fold images load lazily: scroll through the page first.
        for y in range(0, 4000, 500):
            page.mouse.wheel(0, 500)
            time.sleep(0.2)
        page.wait_for_function(
            "Array.from(document.querySelectorAll('img')).filter(i => i.complete && i.naturalWidth > 200).length >= 12",
            timeout=60_000)
        assert page.get_by_text("Top-5 predictions — UNTRAINED weights (random)").count() >= 1
        assert page.get_by_text("layer4 · conv5_x (C5)").count() >= 1
        page.mouse.wheel(0, -10_000)
        time.sleep(0.5)
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert shot.stat().st_size > 100_000
