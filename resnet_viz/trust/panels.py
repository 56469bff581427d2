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


@dataclass(frozen=True)
class SanityRaw:
    """The sanity checks' numbers, kept so the panel can be redrawn in another language."""

    cascade: object  # sanity.SanityResult
    check: object  # sanity.ClassCheck
    untrained: bool


def sanity_raw(
    loaded: LoadedModel,
    image: ImageSource,
    stage: str,
    target: int | str | None,
    method: str,
    progress: Progress | None = None,
) -> SanityRaw:
    picture = load_image(image)
    result = cascading_randomization(loaded, picture, stage, target, method, progress=progress)
    return SanityRaw(result, class_check(loaded, picture, stage, method), not loaded.is_pretrained)


def draw_sanity(raw: SanityRaw, lang: str = "en") -> SanityPanel:
    check = raw.check
    files = figures(raw.cascade, check, None, lang)
    line = pick(
        TEXT,
        "class_line",
        lang,
        random=check.labels[1],
        rho_random=number(check.spearman_random, lang),
        least=check.labels[2],
        rho_least=number(check.spearman_least, lang),
    )
    return SanityPanel(
        files["trust-sanity.png"],
        files["trust-class-check.png"],
        verdict(raw.cascade, lang, untrained=raw.untrained),
        line,
    )


def sanity_panel(
    loaded: LoadedModel,
    image: ImageSource,
    stage: str,
    target: int | str | None,
    method: str,
    lang: str = "en",
    progress: Progress | None = None,
) -> SanityPanel:
    return draw_sanity(sanity_raw(loaded, image, stage, target, method, progress), lang)


@dataclass(frozen=True)
class FaithfulnessPanel:
    road_png: bytes
    deletion_png: bytes
    table: str  # markdown: per stage ROAD and deletion AUC, and the cost


@dataclass(frozen=True)
class FaithfulnessRaw:
    result: object  # faithfulness.FaithfulnessResult
    untrained: bool


def faithfulness_raw(
    loaded: LoadedModel, image: ImageSource, target: int | str | None, method: str, progress: Progress | None = None
) -> FaithfulnessRaw:
    return FaithfulnessRaw(
        faithfulness(loaded, load_image(image), target, method, progress=progress), not loaded.is_pretrained
    )


def draw_faithfulness(raw: FaithfulnessRaw, lang: str = "en") -> FaithfulnessPanel:
    result = raw.result
    files = figures(faith=result, lang=lang)
    rows = [pick(TEXT, "faith_head", lang), "|---|---|---|---|"]
    rows += [
        f"| {s.stage} | {s.road_combined:+.3f} | {s.road_morf:+.3f} / {s.road_lerf:+.3f} | {s.deletion_auc:.3f} |"
        for s in result.stages
    ]
    cost = pick(
        TEXT,
        "cost",
        lang,
        stages=len(result.stages),
        passes=result.forward_passes,
        solves=result.sparse_solves,
        seconds=result.seconds,
    )
    note = "\n\n" + pick(TEXT, "faith_untrained", lang) if raw.untrained else ""
    return FaithfulnessPanel(
        files["trust-road.png"], files["trust-deletion.png"], "\n".join(rows) + f"\n\n{cost}{note}"
    )


def faithfulness_panel(
    loaded: LoadedModel,
    image: ImageSource,
    target: int | str | None,
    method: str,
    lang: str = "en",
    progress: Progress | None = None,
) -> FaithfulnessPanel:
    return draw_faithfulness(faithfulness_raw(loaded, image, target, method, progress), lang)


@dataclass(frozen=True)
class StagePicture:
    overlay: Image.Image  # the stage's CAM over the input, as the network sees it
    grid: tuple[int, int]  # the stage's (rows, cols): a click maps to one unit


def stage_picture(
    loaded: LoadedModel, image: ImageSource, stage: str, target: int | str | None, method: str
) -> StagePicture:
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


@dataclass(frozen=True)
class FieldRaw:
    shown: Image.Image  # the input as the network sees it
    field: ReceptiveField
    effective: object  # np.ndarray: the effective receptive field over the input
    row: int
    col: int


def field_raw(loaded: LoadedModel, image: ImageSource, stage: str, row: int, col: int) -> FieldRaw:
    picture = load_image(image)
    field = receptive_field(loaded, stage, row, col)
    effective = effective_field(loaded, picture, stage, row, col)
    shown, _ = preprocess(loaded.transforms, picture)
    return FieldRaw(shown, field, effective, row, col)


def draw_field(raw: FieldRaw, lang: str = "en") -> FieldPanel:
    field, effective = raw.field, raw.effective
    code = figure_lang(lang)
    with style(code):
        png = figure_bytes(charts.receptive_field_figure(raw.shown, field, effective, code))
    inside = float(
        effective[field.box[1] : field.box[3], field.box[0] : field.box[2]].sum() / max(effective.sum(), 1e-30)
    )
    text = pick(
        TEXT,
        "field_line",
        lang,
        stage=field.stage,
        row=raw.row,
        col=raw.col,
        size=field.size,
        box=field.box,
        inside=inside,
    )
    return FieldPanel(png, field, text)


def field_panel(
    loaded: LoadedModel, image: ImageSource, stage: str, row: int, col: int, lang: str = "en"
) -> FieldPanel:
    return draw_field(field_raw(loaded, image, stage, row, col), lang)
