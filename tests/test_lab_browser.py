"""The Residual lab tab in Chromium: the button draws every chart, a stage opens onto its blocks,
and the depth comparison draws its chart."""

import pytest

pytestmark = pytest.mark.e2e

from browserkit import EXAMPLES, needs_chromium, upload


@needs_chromium
def test_lab_tab_renders_its_charts(http_server, tmp_path, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="en-US")
    try:
        page.goto(http_server, timeout=120_000)
        upload(page, EXAMPLES / "chelsea.jpg")
        page.get_by_role("tab", name="Residual lab").click()
        page.get_by_role("button", name="Run the lab").click()
        for name in ("norms", "lesion", "gradients", "shattering", "diagram"):
            page.wait_for_selector(f"#lab-{name} img", timeout=300_000)
            box = page.locator(f"#lab-{name} img").bounding_box()
            assert box and box["width"] > 300 and box["height"] > 150
        assert page.get_by_text("Download PNG").first.is_visible()
        assert page.locator("#lab-remove").get_by_text("layer4.1").is_visible()

        # Stages are closed rows; a click opens one onto its blocks, each marked.
        blocks = page.locator("#lab-blocks")
        assert not blocks.get_by_text("1×1 conv 64→128, stride 2 + BN").is_visible()
        blocks.locator("summary").filter(has_text="conv3_x · layer2").click()
        assert blocks.get_by_text("1×1 conv 64→128, stride 2 + BN").is_visible()
        assert blocks.locator("details[open] .rv-identity").filter(has_text="identity").is_visible()  # layer2.1

        page.get_by_role("button", name="Gradient flow at 18…152 layers").click()
        page.wait_for_selector("#lab-depths img", timeout=300_000)
        assert page.locator("#lab-depths img").bounding_box()["width"] > 400
        page.get_by_text("Measured: from the last block back to the first").wait_for(timeout=30_000)
        page.screenshot(path=str(tmp_path / "lab.png"), full_page=True)
    finally:
        page.close()
