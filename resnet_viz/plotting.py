"""Matplotlib figures for the app, the CLI and lectures: Figure objects (never pyplot, which keeps
global state and is not thread-safe), a CJK font for Korean, and byte-identical output."""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure

from .i18n import Lang, check_lang

log = logging.getLogger("resnet_viz")
CJK_FONTS = (
    "Noto Sans CJK KR",
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "NanumGothic",
    "Malgun Gothic",
    "AppleGothic",
    "Noto Sans KR",
)
FORMATS = ("png", "svg", "pdf")
# Fixed metadata: the same figure gives the same bytes, so lecture figures can be regenerated and diffed.
_METADATA = {
    "png": {"Software": "resnet-viz"},
    "svg": {"Date": None, "Creator": "resnet-viz"},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": "resnet-viz", "Producer": "resnet-viz"},
}


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first installed font that has Hangul, or None."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def figure_lang(lang: str | None) -> Lang:
    """The language figures can really be drawn in: Korean needs a CJK font, else English with a warning."""
    code = check_lang(lang)
    if code == "ko" and cjk_font() is None:
        warnings.warn(
            "No CJK font is installed (e.g. Debian's fonts-noto-cjk): figures fall back to English.", stacklevel=2
        )
        return "en"
    return code


@contextmanager
def style(lang: str | None = "en", dark: bool = False, font_scale: float = 1.0) -> Iterator[dict]:
    """rcParams for figures made inside: fonts (CJK first for Korean), text kept as text in SVG,
    a fixed hash salt. Yields the rc dict. Figures must be *drawn and saved* inside the block."""
    code = check_lang(lang)
    families = ["DejaVu Sans"]
    font = cjk_font()
    if code == "ko" and font:
        families = [font, "DejaVu Sans"]
    rc = {
        "font.family": "sans-serif",
        "font.sans-serif": families,
        "font.size": 10 * font_scale,
        "svg.fonttype": "none",
        "svg.hashsalt": "resnet-viz",
        "pdf.fonttype": 42,
        "axes.unicode_minus": False,  # U+2212 is missing from some CJK fonts
        "figure.dpi": 100,
    }
    if dark:
        rc.update(
            {
                "figure.facecolor": "#111827",
                "axes.facecolor": "#111827",
                "savefig.facecolor": "#111827",
                "text.color": "#f3f4f6",
                "axes.labelcolor": "#f3f4f6",
                "xtick.color": "#e5e7eb",
                "ytick.color": "#e5e7eb",
                "axes.edgecolor": "#9ca3af",
            }
        )
    with matplotlib.rc_context(rc):
        yield rc


def new_figure(width: float, height: float, **kwargs) -> Figure:
    """A Figure not registered with pyplot (thread-safe to build and save concurrently)."""
    return Figure(figsize=(width, height), **kwargs)


def figure_bytes(figure: Figure, fmt: str = "png", dpi: int = 100) -> bytes:
    """The figure encoded as png, svg or pdf, with fixed metadata: same figure, same bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown figure format {fmt!r}: use one of {', '.join(FORMATS)}.")
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, dpi=dpi, metadata=_METADATA[fmt])
    return buffer.getvalue()
