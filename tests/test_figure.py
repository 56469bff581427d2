"""The composite lecture figure: its parts, its size, byte-identical re-renders, Korean without missing glyphs."""

import io
import re
import warnings

import pytest
from PIL import Image

import resnet_viz
from resnet_viz import plotting
from resnet_viz.errors import ResnetVizError
from resnet_viz.figure import DPI, FigureOptions, render_figure

SMALL = FigureOptions(channels=8)


@pytest.fixture(scope="module")
def result(resnet18, chelsea):
    return resnet_viz.analyze(resnet18, chelsea)


def svg_text(svg: bytes) -> str:
    """All text the SVG keeps as text (svg.fonttype none), tags stripped, entities decoded."""
    import html

    return html.unescape(re.sub(r"<[^>]+>", "\n", svg.decode("utf-8")))


def test_figure_parts_size_and_determinism(result):
    first = render_figure(result, SMALL, ("png", "svg"))
    second = render_figure(result, SMALL, ("png", "svg"))
    assert first["png"] == second["png"] and first["svg"] == second["svg"]  # regenerate and diff a lecture
    png = Image.open(io.BytesIO(first["png"]))
    assert png.width >= 2400 and png.info.get("dpi", (DPI,))[0] == pytest.approx(DPI, abs=1)
    text = svg_text(first["svg"])
    for title in ("conv1 · stem", "conv2_x · layer1", "conv3_x · layer2", "conv4_x · layer3", "conv5_x · layer4"):
        assert title in text, title
    for stage in result.stages:
        assert stage.shape_text in text
    assert "resnet18" in text and "UNTRAINED" in text and result.target.label in text
    assert "each stage's CAM scaled 0–1 on its own" in text  # the title says whether the maps share a scale
    assert text.count(result.predictions[4][0]) >= 1  # the fifth prediction has its bar
    assert png.convert("RGB").getpixel((5, 5)) == (255, 255, 255)  # light background by default


def test_options_change_the_pixels(result):
    dark = render_figure(result, FigureOptions(channels=8, dark=True), ("svg",))["svg"].decode()
    assert "fill: #111827" in dark  # the dark background
    scaled = render_figure(result, FigureOptions(channels=8, font_scale=1.5), ("svg",))["svg"].decode()
    assert "font-size: 15px" in scaled and "font-size: 10px" not in scaled  # medium text: 10 pt × 1.5
    with pytest.raises(ResnetVizError, match="Unknown colormap 'rainbow'"):
        render_figure(result, FigureOptions(colormap="rainbow"), ("svg",))
    pdf = render_figure(result, SMALL, ("pdf",))["pdf"]
    assert pdf.startswith(b"%PDF")


def test_korean_figure_has_every_glyph(result):
    if plotting.cjk_font() is None:
        pytest.skip("no CJK font installed (.ci/run installs fonts-noto-cjk)")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)" when it draws a box
        rendered = render_figure(result, FigureOptions(lang="ko", channels=8), ("png", "svg"))
    text = svg_text(rendered["svg"])
    assert "특징 맵" in text and "상위 5개 예측" in text and "conv5_x · layer4" in text
    assert "Feature maps" not in text


def test_korean_without_cjk_font_falls_back_to_english(result, monkeypatch):
    monkeypatch.setattr(plotting, "cjk_font", lambda: None)
    with pytest.warns(UserWarning, match="No CJK font"):
        rendered = render_figure(result, FigureOptions(lang="ko", channels=8), ("svg",))
    text = svg_text(rendered["svg"])
    assert "Feature maps" in text and "특징" not in text
