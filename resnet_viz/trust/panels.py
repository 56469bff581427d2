"""What the trust tab shows, computed without Gradio: chart PNGs and text per check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

from ..analysis import analyze, preprocess
from ..i18n import pick
from ..images import ImageSource, load_image
from ..models import LoadedModel
from ..plotting import figure_bytes, figure_lang, style
from ..render import cam_overlay
from . import charts
from .faithfulness import faithfulness
from .receptive import ReceptiveField, effective_field, receptive_field
from .report import figures
from .sanity import cascading_randomization, class_check
from .text import TEXT, number, verdict

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class SanityPanel:
    strip_png: bytes
    class_png: bytes
    verdict: str  # one line, markdown
    class_line: str


def sanity_panel(loaded: LoadedModel, image: ImageSource, stage: str, target: int | str | None, method: str,
                 lang: str = "en", progress: Progress | None = None) -> SanityPanel:
    picture = load_image(image)
    result = cascading_randomization(loaded, picture, stage, target, method, progress=progress)
    check = class_check(loaded, picture, stage, method)
    files = figures(result, check, None, lang)
    line = pick(TEXT, "class_line", lang, random=check.labels[1], rho_random=number(check.spearman_random, lang),
                least=check.labels[2], rho_least=number(check.spearman_least, lang))
    return SanityPanel(files["trust-sanity.png"], files["trust-class-check.png"],
                       verdict(result, lang, untrained=not loaded.is_pretrained), line)


@dataclass(frozen=True)
class FaithfulnessPanel:
    road_png: bytes
    deletion_png: bytes
    table: str  # markdown: per stage ROAD and deletion AUC, and the cost


def faithfulness_panel(loaded: LoadedModel, image: ImageSource, target: int | str | None, method: str,
                       lang: str = "en", progress: Progress | None = None) -> FaithfulnessPanel:
    result = faithfulness(loaded, load_image(image), target, method, progress=progress)
    files = figures(faith=result, lang=lang)
    rows = [pick(TEXT, "faith_head", lang), "|---|---|---|---|"]
    rows += [f"| {s.stage} | {s.road_combined:+.3f} | {s.road_morf:+.3f} / {s.road_lerf:+.3f} | {s.deletion_auc:.3f} |"
             for s in result.stages]
    cost = pick(TEXT, "cost", lang, stages=len(result.stages), passes=result.forward_passes,
                solves=result.sparse_solves, seconds=result.seconds)
    note = "" if loaded.is_pretrained else "\n\n" + pick(TEXT, "faith_untrained", lang)
    return FaithfulnessPanel(files["trust-road.png"], files["trust-deletion.png"], "\n".join(rows) + f"\n\n{cost}{note}")


@dataclass(frozen=True)
class StagePicture:
    overlay: Image.Image  # the stage's CAM over the input, as the network sees it
    grid: tuple[int, int]  # the stage's (rows, cols): a click maps to one unit


def stage_picture(loaded: LoadedModel, image: ImageSource, stage: str, target: int | str | None,
                  method: str) -> StagePicture:
    result = analyze(loaded, load_image(image), target=target, method=method)
    chosen = result.stage(stage)
    return StagePicture(cam_overlay(result.image, chosen.cam, 0.5), tuple(chosen.activation.shape[1:]))  # type: ignore[arg-type]


def unit_at(picture_size: tuple[int, int], grid: tuple[int, int], x: float, y: float) -> tuple[int, int]:
    """The (row, col) of the unit under a click at pixel (x, y) of a picture of `picture_size` (w, h)."""
    width, height = picture_size
    row = min(grid[0] - 1, max(0, int(y * grid[0] // height)))
    col = min(grid[1] - 1, max(0, int(x * grid[1] // width)))
    return row, col


@dataclass(frozen=True)
class FieldPanel:
    png: bytes
    field: ReceptiveField
    text: str


def field_panel(loaded: LoadedModel, image: ImageSource, stage: str, row: int, col: int,
                lang: str = "en") -> FieldPanel:
    picture = load_image(image)
    field = receptive_field(loaded, stage, row, col)
    effective = effective_field(loaded, picture, stage, row, col)
    shown, _ = preprocess(loaded.transforms, picture)
    code = figure_lang(lang)
    with style(code):
        png = figure_bytes(charts.receptive_field_figure(shown, field, effective, code))
    inside = float(effective[field.box[1]:field.box[3], field.box[0]:field.box[2]].sum() / max(effective.sum(), 1e-30))
    text = pick(TEXT, "field_line", lang, stage=field.stage, row=row, col=col, size=field.size,
                box=field.box, inside=inside)
    return FieldPanel(png, field, text)
