"""Results that show themselves in Jupyter and Colab: each result class's `_repr_png_` calls one of
these (the composite figure, the lab's charts, the trust checks' charts), and `progress_bar` turns the
lab's and the trust checks' progress callbacks into a tqdm bar. No Gradio, no IPython needed here."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from PIL import Image

NOTEBOOK_LANG = {"lang": "en"}  # set_language("ko"): the pictures' words in Korean


def set_language(lang: str) -> None:
    """The language the notebook's pictures are drawn in ("en" or "ko")."""
    from .i18n import check_lang

    NOTEBOOK_LANG["lang"] = check_lang(lang)


def _stacked(pngs: Sequence[bytes]) -> bytes:
    """Several PNGs one under the other, as one PNG (a notebook shows one picture per result)."""
    images = [Image.open(io.BytesIO(data)).convert("RGB") for data in pngs]
    if len(images) == 1:
        return pngs[0]
    sheet = Image.new("RGB", (max(i.width for i in images), sum(i.height for i in images)), "white")
    top = 0
    for image in images:
        sheet.paste(image, (0, top))
        top += image.height
    buffer = io.BytesIO()
    sheet.save(buffer, "PNG")
    return buffer.getvalue()


def analysis_png(result) -> bytes:
    """An AnalysisResult's composite figure: input, top-5, every stage's feature maps above its CAM."""
    from .figure import FigureOptions, render_figure

    return render_figure(result, FigureOptions(lang=NOTEBOOK_LANG["lang"]), ("png",))["png"]


def lab_png(result) -> bytes:
    """A LabResult's charts, those measured so far (norms, lesions, gradient flow, shattering)."""
    from .lab.charts import lab_chart_png

    present = {
        "norms": bool(result.norms),
        "lesion": bool(result.lesions),
        "gradients": result.flow is not None,
        "shattering": result.shatter is not None,
    }
    return _stacked([lab_chart_png(result, None, name, NOTEBOOK_LANG["lang"]) for name, ok in present.items() if ok])


def _trust_png(draw: Callable, *args) -> bytes:
    from .plotting import figure_bytes, figure_lang, style

    lang = figure_lang(NOTEBOOK_LANG["lang"])
    with style(lang):
        return figure_bytes(draw(*args, lang), "png")


def sanity_png(result) -> bytes:
    from .trust import charts

    return _trust_png(charts.sanity_strip, result)


def class_check_png(check) -> bytes:
    from .trust import charts

    return _trust_png(charts.class_check_figure, check, "")


def faithfulness_png(result) -> bytes:
    from .trust import charts

    return _stacked([_trust_png(charts.road_figure, result), _trust_png(charts.deletion_figure, result)])


@contextmanager
def progress_bar(description: str, total: int = 100) -> Iterator[Callable[[float, str], None]]:
    """A tqdm bar (tqdm.auto: a widget in Jupyter, text elsewhere) fed by a `progress(fraction, text)`
    callback, the kind the lab and the trust checks take."""
    from tqdm.auto import tqdm

    with tqdm(total=total, desc=description, unit="%") as bar:

        def report(fraction: float, text: str = "") -> None:
            bar.n = max(bar.n, min(total, round(fraction * total)))
            if text:
                bar.set_postfix_str(str(text), refresh=False)
            bar.refresh()

        yield report
        bar.n = total
        bar.refresh()


__all__ = [
    "analysis_png",
    "class_check_png",
    "faithfulness_png",
    "lab_png",
    "progress_bar",
    "sanity_png",
    "set_language",
]
