"""How large a chart's text is on a projector: the smallest text of a Figure in screen pixels, as it
is shown on a 1280×720 page. The app shows a PNG scaled to its column: a label of `pt` points in a
figure drawn at `dpi` and shown `shown` px wide for `natural` px of image is pt · dpi/72 · shown/natural
px tall."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.text import Text

MIN_PX = 12.0
# Width in CSS px at which each chart is shown on a 1280×720 page with the sidebar open (measured in
# Chromium on the app: the lab's charts fill a 4/5 column, the trust tab splits its width).
DISPLAYED = {
    "lab": 682,
    "lab_degradation": 431,
    "trust_strip": 517,
    "trust_class": 345,
    "trust_road": 432,
    "trust_deletion": 432,
    "trust_field": 432,
}


def rendered_px(points: float, dpi: float, natural_px: float, shown_px: float) -> float:
    """Screen pixels of a `points` font in an image `natural_px` wide drawn at `dpi`, shown `shown_px` wide."""
    return points * dpi / 72.0 * min(1.0, shown_px / natural_px)


def texts(figure: Figure) -> list[Text]:
    """Every visible, non-empty text of the figure (titles, labels, ticks, legends, annotations)."""
    figure.canvas.draw()  # tick labels exist only once drawn
    return [
        t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip() and t.get_window_extent().width > 0
    ]


def smallest_text(figure: Figure, shown_px: float, dpi: float = 100) -> tuple[float, str]:
    """(px, text) of the smallest text in `figure` when saved at `dpi` and shown `shown_px` wide."""
    natural = figure.get_figwidth() * dpi
    sizes = [(rendered_px(t.get_fontsize(), dpi, natural, shown_px), t.get_text()) for t in texts(figure)]
    return min(sizes) if sizes else (float("inf"), "")
