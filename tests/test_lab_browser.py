"""The Residual lab tab in Chromium: the button draws every chart."""

import pytest

pytestmark = pytest.mark.e2e

from browserkit import ARGS as CHROMIUM_ARGS, needs_chromium


@needs_chromium
def test_lab_tab_renders_its_charts(http_server, tmp_path):
    from pathlib import Path

    playwright = pytest.importorskip("playwright.sync_api")
    chelsea = Path(__file__).resolve().parent.parent / "assets" / "examples" / "chelsea.jpg"
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="en-US")
            page.goto(http_server, timeout=120_000)
            page.set_input_files("input[type=file]", str(chelsea))
            page.wait_for_timeout(2000)
            page.get_by_role("tab", name="Residual lab").click()
            page.get_by_role("button", name="Run the lab").click()
            for name in ("norms", "lesion", "gradients", "shattering", "diagram"):
                page.wait_for_selector(f"#lab-{name} img", timeout=300_000)
                box = page.locator(f"#lab-{name} img").bounding_box()
                assert box and box["width"] > 300 and box["height"] > 150
            assert page.get_by_text("Download PNG").first.is_visible()
            assert page.locator("#lab-remove").get_by_text("layer4.1").is_visible()
            page.screenshot(path=str(tmp_path / "lab.png"), full_page=True)
        finally:
            browser.close()
