"""Moves and waits the per-tab state-model browser tests share (tests/test_tabs_browser.py,
tests/test_checkpoint_tabs_browser.py): wait for a condition on the page, never a fixed time."""

import os
from pathlib import Path

SHOTS = os.environ.get("RESNET_VIZ_SHOTS")  # a folder: save the 1280x720 screenshots there


def wait_text(page, selector: str, text: str, timeout: int = 90_000) -> None:
    """Until the element is shown and its text contains `text`."""
    page.wait_for_function(
        "([s, t]) => { const e = document.querySelector(s); return !!e && e.offsetParent !== null"
        " && e.innerText.includes(t) }",
        arg=[selector, text],
        timeout=timeout,
    )


def wait_without(page, selector: str, text: str, timeout: int = 60_000) -> None:
    """Until the element is gone, hidden, or no longer contains `text`."""
    page.wait_for_function(
        "([s, t]) => { const e = document.querySelector(s); return !e || e.offsetParent === null"
        " || !e.innerText.includes(t) }",
        arg=[selector, text],
        timeout=timeout,
    )


def wait_hidden(page, selector: str, timeout: int = 60_000) -> None:
    page.wait_for_function(
        "s => { const e = document.querySelector(s); return !e || e.offsetParent === null"
        " || e.innerText.trim() === '' }",
        arg=selector,
        timeout=timeout,
    )


def wait_idle(page, timeout: int = 60_000) -> None:
    """Until no output shows Gradio's pending overlay."""
    page.wait_for_function("() => !document.querySelector('.wrap.default.full:not(.hide)')", timeout=timeout)


def image_src(page, selector: str) -> str:
    return page.evaluate("s => { const i = document.querySelector(s + ' img'); return i ? i.src : '' }", selector)


def wait_new_image(page, selector: str, before: str, timeout: int = 60_000) -> None:
    page.wait_for_function(
        "([s, b]) => { const i = document.querySelector(s + ' img');"
        " return !!i && i.src !== b && i.complete && i.naturalWidth > 0 }",
        arg=[selector, before],
        timeout=timeout,
    )


def pick_option(page, selector: str, option: str) -> None:
    """Type into a dropdown (#model, #method, ...) as a user searches it, and pick the option."""
    field = page.locator(f"{selector} input")
    field.click()
    field.press("Control+a")
    page.keyboard.type(option)
    page.get_by_role("option", name=option).first.click()
    page.wait_for_function(
        "([s, o]) => document.querySelector(s + ' input').value.startsWith(o)", arg=[selector, option], timeout=30_000
    )


def language(page, code: str) -> None:
    page.locator("#lang").get_by_text("한국어" if code == "ko" else "English").click()


def shot(page, name: str) -> None:
    """The page as a 1280x720 projector shows it, when RESNET_VIZ_SHOTS names a folder."""
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.set_viewport_size({"width": 1280, "height": 720})
    page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))
    page.set_viewport_size(size)


def photo(tmp_path, name: str) -> Path:
    """One of skimage's photos as a PNG file named after it."""
    import skimage.data
    from PIL import Image

    path = tmp_path / f"{name}.png"
    Image.fromarray(getattr(skimage.data, name)()).save(path)
    return path


def upload_and_wait(page, path: Path) -> None:
    """Upload a photo and wait until the sidebar shows it (its change events then follow)."""
    page.locator("input[type=file]").first.set_input_files(str(path))
    page.locator(f"img[src*='{path.stem}']").first.wait_for(timeout=30_000)
