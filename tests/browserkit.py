"""What every Chromium test shares: Debian's browser, its flags, and the moves a user makes."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EXAMPLES = Path(__file__).resolve().parent.parent / "assets" / "examples"
needs_chromium = pytest.mark.skipif(
    not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM),
    reason="Debian chromium is not installed (.ci/run installs it)",
)


def launch(playwright):
    """Debian's Chromium (never a downloaded one), headless and off the network."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)


def upload(page, path: Path) -> None:
    """Upload `path` into the sidebar's photo and wait until the upload has been answered and the page
    has no Gradio progress overlay left (the image's change event has run)."""
    with page.expect_response(lambda r: "/upload" in r.url and r.request.method == "POST", timeout=60_000):
        page.locator("input[type=file]").first.set_input_files(str(path))
    settled(page)


def settled(page, timeout: float = 60_000) -> None:
    """No Gradio progress overlay or pending spinner on the page."""
    page.wait_for_function("() => !document.querySelector('.wrap.default.full:not(.hide)')", timeout=timeout)


def choose(page, selector: str, typed: str, option: str) -> None:
    """Type into a dropdown (e.g. #target, #contrast) and pick the option, as a user searches 1000 names."""
    field = page.locator(f"{selector} input")
    field.click()
    field.press("Control+a")
    page.keyboard.type(typed)
    page.get_by_role("option", name=option).click()
    page.get_by_role("option", name=option).wait_for(state="detached", timeout=30_000)  # the list has closed
    settled(page)
