"""An offline lecture hall: no web font (the page's "E" fell back to "Ɛ"), tables that break between
words, and a terminal that says at start when the weights are random."""

import logging

import gradio as gr
import pytest

from resnet_viz.models import load_model
from resnet_viz.ui import app as app_module


def test_theme_uses_system_fonts_only():
    theme = app_module.theme()
    fonts = [*theme._font, *theme._font_mono]
    assert fonts and not any(isinstance(f, gr.themes.GoogleFont) for f in fonts)
    names = [f.name if hasattr(f, "name") else f for f in fonts]
    assert "Noto Sans CJK KR" in names and names[len(theme._font) - 1] == "sans-serif"
    assert "Montserrat" not in theme._get_theme_css() and "fonts.googleapis" not in theme._get_theme_css()


def test_tables_never_break_inside_a_word():
    css = app_module.CSS
    assert "word-break: keep-all" in css and "overflow-wrap: normal" in css


def test_random_weights_are_logged_at_start(caplog):
    with caplog.at_level(logging.WARNING, logger="resnet_viz"):
        app_module.log_weights(load_model("resnet18", "random", "cpu"))
    assert any(
        r.levelno == logging.WARNING
        and "resnet18 is running with RANDOM (untrained) weights" in r.getMessage()
        and "Random weights were asked for." in r.getMessage()
        for r in caplog.records
    )


@pytest.mark.e2e
def test_page_fetches_no_web_font_and_renders_a_system_face(http_server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    try:
        page.goto(http_server, timeout=120_000)
        page.get_by_text("Untrained weights").first.wait_for(timeout=60_000)
        family = page.evaluate("getComputedStyle(document.querySelector('#banner')).fontFamily")
        assert family.startswith("system-ui") and "Montserrat" not in family
        assert not [u for u in requested if "woff" in u or "fonts.g" in u or "Montserrat" in u]
    finally:
        page.close()
