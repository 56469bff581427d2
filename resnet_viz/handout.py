"""A printable handout: a multi-page A4 PDF, Korean or English, its fonts embedded (Type 42 subsets of
Noto Sans CJK, so Hangul prints and can be searched and copied), and the same bytes on every rerun.

Pages: residual learning in brief (y = relu(F(x) + x), block types, the bottleneck) and the theory text
the app shows; the model's stage table; the composite figure for the photo; the lab's and the depth
study's charts where the repository has them (assets/); the misconceptions box.

    resnet-viz handout PHOTO --lang ko --out DIR [--model resnet50] [--weights DEFAULT]
"""

from __future__ import annotations

import argparse
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib
import numpy as np
from PIL import Image

from .analysis import AnalysisResult
from .architecture import describe
from .i18n import Table, check_lang, pick
from .plotting import figure_lang, new_figure, style

if TYPE_CHECKING:  # matplotlib's PDF backend is imported when a handout is made, not by every command
    from matplotlib.figure import Figure

ASSETS = Path(__file__).resolve().parent.parent / "assets"
A4 = (8.27, 11.69)  # inches, portrait
A4_LANDSCAPE = (A4[1], A4[0])
# Fixed metadata: PdfPages would otherwise stamp the time of day into every file.
PDF_METADATA = {
    "Title": "resnet-viz handout",
    "Author": None,
    "Subject": None,
    "Keywords": None,
    "Creator": "resnet-viz",
    "Producer": "resnet-viz",
    "CreationDate": None,
    "ModDate": None,
}

TEXT: Table = {
    "en": {
        "title": "Residual learning — a handout",
        "subtitle": "{model} · {weights} · photo: {photo}",
        "core_title": "The idea in one line",
        "core": (
            "A residual block computes a residual F(x) with two or three convolutions and adds its input back: "
            "H(x) = F(x) + x. In torchvision's ResNets the block's output is relu(F(x) + x): the ReLU comes "
            "after the sum, so the block passes on relu(H(x)), not H(x) itself. If doing nothing is best, the "
            "block only has to push F(x) towards 0. The gradient through the sum has a direct path (the +x) "
            "that the shortcut carries back through every block."
        ),
        "blocks_title": "Block types",
        "blocks": (
            "Basic block (ResNet-18/34): 3×3 conv → BN → ReLU → 3×3 conv → BN, then + shortcut, then ReLU. "
            "Bottleneck (ResNet-50/101/152): 1×1 conv narrows the channels, 3×3 conv works on the thin tensor, "
            "1×1 conv widens them 4× again; + shortcut, then ReLU. Shortcut: the identity where shapes agree; "
            "a projection (1×1 conv + BN, torchvision's downsample) where the channels or the resolution "
            "change — stride 2 in the first block of layer2, layer3 and layer4."
        ),
        "theory_title": "As the app explains it",
        "table_title": "The model's stages: {model}",
        "table_note": (
            "Stem row: conv1's output after the 3×3 max-pool (56×56 for a 224 input). "
            "He et al. (2016), Table 1, counts the max-pool in conv2_x."
        ),
        "col_stage": "stage",
        "col_block": "block",
        "col_blocks": "blocks",
        "col_identity": "identity\nshortcuts",
        "col_projection": "projection\nshortcuts",
        "col_channels": "out\nchannels",
        "col_params": "parameters",
        "head_row": "fc · head",
        "total_row": "total",
        "figure_title": "This photo, stage by stage",
        "untrained": "UNTRAINED (random) weights: the predictions and maps show no learned features.",
        "charts_title": "From the residual lab and the depth study",
        "chart_lab": "Residual lab: what the shortcut changes, measured on this repository's lab run.",
        "chart_degradation": "Depth study: training error of plain and residual networks as depth grows.",
        "chart_depth_study": "Depth study: plain and residual networks of several depths, trained here.",
        "chart_compare": "Compare depths: the same photo through ResNet-18, -34, -50.",
        "chart_gradients": "Gradient norm per block, plain against residual (lab).",
        "no_charts": "No lab or depth-study charts are in this copy of resnet-viz (assets/).",
        "mis_title": "Common misconceptions",
        "footer": "resnet-viz handout · {model} · page {page} of {pages}",
    },
    "ko": {
        "title": "잔차 학습 — 강의 자료",
        "subtitle": "{model} · {weights} · 사진: {photo}",
        "core_title": "핵심 한 줄",
        "core": (
            "잔차 블록은 합성곱 두세 개로 잔차 F(x)를 계산하고 입력을 다시 더합니다: H(x) = F(x) + x. "
            "torchvision의 ResNet에서 블록의 출력은 relu(F(x) + x)입니다. ReLU가 덧셈 뒤에 오므로 블록이 "
            "내보내는 것은 H(x) 자체가 아니라 relu(H(x))입니다. 아무것도 하지 않는 것이 최선이라면 블록은 "
            "F(x)를 0 쪽으로 보내기만 하면 됩니다. 덧셈을 지나는 기울기에는 숏컷(+x)이 블록마다 그대로 "
            "거슬러 전달하는 직접 경로가 있습니다."
        ),
        "blocks_title": "블록의 종류",
        "blocks": (
            "기본 블록(ResNet-18/34): 3×3 합성곱 → BN → ReLU → 3×3 합성곱 → BN, 그다음 숏컷을 더하고 ReLU. "
            "병목 블록(ResNet-50/101/152): 1×1 합성곱이 채널을 줄이고, 3×3 합성곱이 얇은 텐서에서 계산하고, "
            "1×1 합성곱이 채널을 다시 4배로 넓힙니다. 그다음 숏컷을 더하고 ReLU. 숏컷: 모양이 같으면 "
            "항등 숏컷, 채널 수나 해상도가 바뀌면 프로젝션 숏컷(1×1 합성곱 + BN, torchvision의 downsample)이며, "
            "layer2, layer3, layer4의 첫 블록에서는 스트라이드 2입니다."
        ),
        "theory_title": "앱의 설명",
        "table_title": "모델의 단계: {model}",
        "table_note": (
            "스템 행: 3×3 최대 풀링 뒤의 conv1 출력(224 입력에서 56×56). "
            "He 외(2016) 표 1은 최대 풀링을 conv2_x에 넣습니다."
        ),
        "col_stage": "단계",
        "col_block": "블록",
        "col_blocks": "블록 수",
        "col_identity": "항등\n숏컷",
        "col_projection": "프로젝션\n숏컷",
        "col_channels": "출력\n채널",
        "col_params": "파라미터",
        "head_row": "fc · 헤드",
        "total_row": "합계",
        "figure_title": "이 사진을 단계별로",
        "untrained": "학습되지 않은(무작위) 가중치: 예측과 히트맵에 학습된 특징이 없습니다.",
        "charts_title": "잔차 실험실과 깊이 연구에서",
        "chart_lab": "잔차 실험실: 숏컷이 바꾸는 것, 이 저장소의 실험 결과로 측정했습니다.",
        "chart_degradation": "깊이 연구: 깊이가 늘 때 일반 망과 잔차 망의 학습 오차.",
        "chart_depth_study": "깊이 연구: 여러 깊이의 일반 망과 잔차 망을 여기서 학습했습니다.",
        "chart_compare": "깊이 비교: 같은 사진을 ResNet-18, -34, -50에 넣었을 때.",
        "chart_gradients": "블록별 기울기 크기, 일반 망과 잔차 망(실험실).",
        "no_charts": "이 resnet-viz에는 실험실이나 깊이 연구의 그림이 없습니다(assets/).",
        "mis_title": "흔한 오해",
        "footer": "resnet-viz 강의 자료 · {model} · {page} / {pages}쪽",
    },
}

# Used only where presenter.py has no misconceptions of its own (see misconceptions()).
# (text key, English file, Korean file) under assets/: the first file that exists is used.
CHARTS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("chart_lab", ("lab.png",), ("lab_ko.png", "lab.png")),
    ("chart_gradients", ("lab-demo/gradients.png",), ("lab-demo/gradients_ko.png", "lab-demo/gradients.png")),
    (
        "chart_degradation",
        ("degradation/degradation.png",),
        ("degradation/degradation_ko.png", "degradation/degradation.png"),
    ),
    (
        "chart_depth_study",
        ("depth-study/depth_study.png", "depth_study.png"),
        ("depth-study/depth_study_ko.png", "depth_study_ko.png", "depth-study/depth_study.png", "depth_study.png"),
    ),
    ("chart_compare", ("compare.png",), ("compare_ko.png", "compare.png")),
)

MARGIN = 0.75  # inches
BODY_PT = 10.5
LINE_IN = BODY_PT * 1.5 / 72


def _width_units(text: str) -> int:
    """Width in half-em units: Hangul and other wide characters take two, Latin letters one."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# Formulas kept on one line (wrap would otherwise break "H(x) = F(x) + x" at its spaces).
FORMULAS = ("H(x) = F(x) + x", "relu(F(x) + x)", "H'(x) = F'(x) + 1", "F(x) + x")
_GLUE = "\x00"


def wrap(text: str, units: int) -> list[str]:
    """Greedy word wrap by displayed width (textwrap counts characters, which halves Hangul's room)."""
    for formula in FORMULAS:
        text = text.replace(formula, formula.replace(" ", _GLUE))
    return [line.replace(_GLUE, " ") for line in _wrap_words(text, units)]


def _wrap_words(text: str, units: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if _width_units(candidate) <= units or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    return lines + ([line] if line else [])


def plain_paragraphs(markdown: str) -> list[tuple[str | None, str]]:
    """Markdown paragraphs as (bold heading or None, text), emphasis and code marks removed."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", markdown.strip()):
        block = " ".join(line.strip() for line in block.splitlines())
        match = re.match(r"^\*\*(.+?)\*\*\s*(.*)$", block)
        heading, body = (match.group(1), match.group(2)) if match else (None, block)
        body = re.sub(r"\*\*|(?<!\w)\*|\*(?!\w)|`", "", body).replace("ⁿ", "^n")  # no superscript n in Noto CJK
        paragraphs.append((heading, body))
    return paragraphs


def theory_text(lang: str) -> str:
    """The theory the app shows (presenter.py), so the handout and the page say the same."""
    from . import presenter

    return presenter.text("theory", lang)


def misconceptions(lang: str) -> list[str]:
    """The page's misconceptions box (presenter.misconceptions, Markdown), one plain-text item per bullet."""
    from . import presenter

    items: list[str] = []
    for line in presenter.misconceptions(lang).splitlines():
        line = re.sub(r"^\s*>\s?", "", line)
        if line.startswith("#") or not line.strip():
            continue
        if re.match(r"^\s*[-*•]\s+", line):
            items.append(re.sub(r"^\s*[-*•]\s+", "", line))
        elif items:
            items[-1] += " " + line.strip()
    return [re.sub(r"\*\*|`", "", item).strip() for item in items]


@dataclass
class _Cursor:
    """Where the next line goes on a text page, in inches from the top; new pages as they fill."""

    pages: list[Figure]
    y: float = MARGIN

    @property
    def figure(self) -> Figure:
        return self.pages[-1]

    def need(self, height: float) -> None:
        if self.y + height > A4[1] - MARGIN - 0.3:
            self.pages.append(new_figure(*A4))
            self.y = MARGIN

    def line(
        self, text: str, size: float = BODY_PT, weight: str = "normal", indent: float = 0.0, color: str = "#111827"
    ) -> None:
        height = size * 1.5 / 72
        self.need(height)
        self.figure.text(
            (MARGIN + indent) / A4[0],
            1 - (self.y + size / 72) / A4[1],
            text,
            fontsize=size,
            fontweight=weight,
            color=color,
            va="baseline",
        )
        self.y += height

    def paragraph(self, text: str, size: float = BODY_PT, indent: float = 0.0, color: str = "#111827") -> None:
        units = int((A4[0] - 2 * MARGIN - indent) * 72 / (size * 0.52))
        for line in wrap(text, units):
            self.line(line, size, indent=indent, color=color)
        self.y += size * 0.6 / 72


def _frame(cursor: _Cursor, top: float, face: str, edge: str, width: float) -> None:
    """A rounded box behind the lines drawn on this page since `top` (inches from the page's top)."""
    from matplotlib.patches import FancyBboxPatch

    cursor.figure.patches.append(
        FancyBboxPatch(
            (MARGIN / A4[0], 1 - (cursor.y + 0.05) / A4[1]),
            (A4[0] - 2 * MARGIN) / A4[0],
            (cursor.y - top + 0.15) / A4[1],
            boxstyle="round,pad=0.004",
            transform=cursor.figure.transFigure,
            facecolor=face,
            edgecolor=edge,
            linewidth=width,
            zorder=-1,
        )
    )


def _theory_pages(result: AnalysisResult, lang: str, photo_name: str) -> list[Figure]:
    cursor = _Cursor([new_figure(*A4)])
    cursor.line(pick(TEXT, "title", lang), 20, "bold")
    cursor.line(
        pick(TEXT, "subtitle", lang, model=result.model_name, weights=result.weights_label, photo=photo_name),
        10,
        color="#4b5563",
    )
    cursor.y += 0.15
    top = cursor.y
    cursor.line(pick(TEXT, "core_title", lang), 13, "bold", indent=0.15)
    cursor.paragraph(pick(TEXT, "core", lang), indent=0.15)
    cursor.line(pick(TEXT, "blocks_title", lang), 13, "bold", indent=0.15)
    cursor.paragraph(pick(TEXT, "blocks", lang), indent=0.15)

    # the summary box, drawn behind what it holds
    _frame(cursor, top, "#eef2ff", "#6366f1", 1.2)
    cursor.y += 0.3
    cursor.line(pick(TEXT, "theory_title", lang), 13, "bold")
    for heading, body in plain_paragraphs(theory_text(lang)):
        if heading:
            cursor.need(3 * LINE_IN)
            cursor.line(heading, BODY_PT + 0.5, "bold")
        cursor.paragraph(body)
    return cursor.pages


def _table_page(result: AnalysisResult, module, lang: str) -> Figure:
    fig = new_figure(*A4)
    fig.text(
        MARGIN / A4[0],
        1 - (MARGIN + 0.25) / A4[1],
        pick(TEXT, "table_title", lang, model=result.model_name),
        fontsize=16,
        fontweight="bold",
    )
    rows = describe(module)
    total = sum(p.numel() for p in module.parameters())
    fc_params = sum(p.numel() for p in module.fc.parameters())
    cells = [
        [
            r.label,
            r.block,
            str(r.blocks or "—"),
            str(r.identity_shortcuts or "—"),
            str(r.projection_shortcuts or "—"),
            str(r.out_channels),
            f"{r.parameters / 1e6:.2f} M",
        ]
        for r in rows
    ]
    cells.append(
        [
            pick(TEXT, "head_row", lang),
            f"avg-pool + {module.fc.in_features}→{module.fc.out_features}",
            "—",
            "—",
            "—",
            str(module.fc.out_features),
            f"{fc_params / 1e6:.2f} M",
        ]
    )
    cells.append([pick(TEXT, "total_row", lang), "", "", "", "", "", f"{total / 1e6:.2f} M"])
    columns = [
        pick(TEXT, key, lang)
        for key in (
            "col_stage",
            "col_block",
            "col_blocks",
            "col_identity",
            "col_projection",
            "col_channels",
            "col_params",
        )
    ]
    ax = fig.add_axes((MARGIN / A4[0], 0.45, 1 - 2 * MARGIN / A4[0], 0.45))
    ax.axis("off")
    table = ax.table(
        cellText=cells,
        colLabels=columns,
        loc="upper center",
        cellLoc="center",
        colWidths=[0.22, 0.24, 0.08, 0.1, 0.11, 0.1, 0.13],
    )
    table.auto_set_font_size(False)
    table.set_fontsize(9.5)
    table.scale(1, 2.2)
    for (row, _column), cell in table.get_celld().items():
        if row == 0:
            cell.set_facecolor("#e0e7ff")
            cell.set_text_props(fontweight="bold")
        elif row == len(cells):
            cell.set_text_props(fontweight="bold")
    cursor = _Cursor([fig], y=A4[1] * 0.55 + 0.4)
    cursor.paragraph(pick(TEXT, "table_note", lang), size=10, color="#374151")
    return fig


def _picture_page(title: str, pictures: Sequence[tuple[np.ndarray, str]], landscape: bool, note: str = "") -> Figure:
    size = A4_LANDSCAPE if landscape else A4
    fig = new_figure(*size)
    fig.text(MARGIN / size[0], 1 - (MARGIN + 0.2) / size[1], title, fontsize=16, fontweight="bold")
    if note:
        fig.text(MARGIN / size[0], 1 - (MARGIN + 0.5) / size[1], note, fontsize=10.5, color="#b91c1c")
    top, bottom = 1 - (MARGIN + 0.7) / size[1], (MARGIN + 0.3) / size[1]
    slot = (top - bottom) / max(1, len(pictures))
    for index, (pixels, caption) in enumerate(pictures):
        slot_top = top - index * slot
        ax = fig.add_axes((MARGIN / size[0], slot_top - slot + 0.045, 1 - 2 * MARGIN / size[0], slot - 0.06))
        ax.imshow(pixels, interpolation="antialiased")
        ax.set_axis_off()
        if caption:
            fig.text(0.5, slot_top - slot + 0.02, caption, ha="center", fontsize=10, color="#374151")
    return fig


def _pixels(data: bytes | Path) -> np.ndarray:
    image = Image.open(io.BytesIO(data) if isinstance(data, bytes) else data)
    return np.asarray(image.convert("RGB"))


def _truetype_korean() -> str | None:
    """An installed TrueType font with Hangul (Debian's fonts-nanum), preferred for the PDF."""
    from matplotlib import font_manager

    return next(
        (
            f.name
            for f in font_manager.fontManager.ttflist
            if f.name in ("NanumGothic", "NanumBarunGothic") and f.fname.lower().endswith(".ttf")
        ),
        None,
    )


def chart_files(lang: str, assets: Path = ASSETS) -> list[tuple[str, Path]]:
    """(text key, file) for each lab or depth-study chart present under `assets`, in the handout's order."""
    found = []
    for key, english, korean in CHARTS:
        for name in korean if lang == "ko" else english:
            if (assets / name).is_file():
                found.append((key, assets / name))
                break
    return found


def _misconceptions_page(lang: str) -> Figure:
    cursor = _Cursor([new_figure(*A4)])
    cursor.line(pick(TEXT, "mis_title", lang), 18, "bold")
    cursor.y += 0.1
    top = cursor.y
    for item in misconceptions(lang):
        units = int((A4[0] - 2 * MARGIN - 0.45) * 72 / (BODY_PT * 0.52))
        for number, line in enumerate(wrap(item, units)):
            cursor.line(("•  " if number == 0 else "   ") + line, indent=0.2)
        cursor.y += 0.12

    _frame(cursor, top, "#fff7ed", "#f59e0b", 1.4)
    return cursor.figure


def handout_pdf(result: AnalysisResult, module, lang: str = "en", photo_name: str = "", assets: Path = ASSETS) -> bytes:
    """The handout as PDF bytes. The same analysis, language and assets give the same bytes."""
    from matplotlib.backends.backend_pdf import PdfPages

    from .figure import FigureOptions, render_figure

    lang = figure_lang(lang)  # Korean without a CJK font: English, with a warning
    composite = render_figure(result, FigureOptions(lang=lang), ("png",))["png"]
    with style(lang) as rc:
        if lang == "ko" and _truetype_korean():
            # A TrueType (glyf) font embeds as what PDF's Type 42 expects; Noto Sans CJK's CFF outlines
            # embed too, and print, but some readers warn that the font file's type does not match.
            matplotlib.rcParams["font.sans-serif"] = [_truetype_korean(), *rc["font.sans-serif"]]
        pages = _theory_pages(result, lang, photo_name)
        pages.append(_table_page(result, module, lang))
        untrained = pick(TEXT, "untrained", lang) if result.weights_status == "untrained" else ""
        pages.append(_picture_page(pick(TEXT, "figure_title", lang), [(_pixels(composite), "")], True, untrained))
        charts = chart_files(lang, assets)
        for start in range(0, len(charts), 2):
            pages.append(
                _picture_page(
                    pick(TEXT, "charts_title", lang),
                    [(_pixels(path), pick(TEXT, key, lang)) for key, path in charts[start : start + 2]],
                    False,
                )
            )
        if not charts:
            page = new_figure(*A4)
            page.text(
                MARGIN / A4[0],
                1 - (MARGIN + 0.25) / A4[1],
                pick(TEXT, "charts_title", lang),
                fontsize=16,
                fontweight="bold",
            )
            page.text(MARGIN / A4[0], 1 - (MARGIN + 0.7) / A4[1], pick(TEXT, "no_charts", lang), fontsize=BODY_PT)
            pages.append(page)
        pages.append(_misconceptions_page(lang))
        buffer = io.BytesIO()
        with PdfPages(buffer, metadata=PDF_METADATA) as pdf:
            for number, page in enumerate(pages, start=1):
                width, height = page.get_size_inches()
                page.text(
                    0.5,
                    0.35 / height,
                    pick(TEXT, "footer", lang, model=result.model_name, page=number, pages=len(pages)),
                    ha="center",
                    fontsize=8.5,
                    color="#6b7280",
                )
                pdf.savefig(page)
    return buffer.getvalue()


def write_handout(
    photo: str | Path,
    out: str | Path,
    lang: str = "en",
    model: str | None = "resnet50",
    weights: str = "DEFAULT",
    device: str = "auto",
    method: str = "gradcam",
    target: str | None = None,
    class_names: str | None = None,
) -> Path:
    """Analyse `photo` and write out/handout-<lang>.pdf; returns its path."""
    from .analysis import analyze
    from .images import load_image
    from .models import load_model

    lang = check_lang(lang)
    image = load_image(photo)  # a bad photo fails here, before a model loads
    loaded = load_model(model, weights, device, class_names)
    result = analyze(loaded, image, target=target, method=method)
    data = handout_pdf(result, loaded.module, lang, Path(photo).name)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"handout-{lang}.pdf"
    path.write_bytes(data)
    return path


def _command(args: argparse.Namespace) -> int:
    path = write_handout(
        args.photo,
        args.out,
        args.lang,
        args.model,
        args.weights,
        args.device,
        args.method,
        args.target,
        args.class_names,
    )
    print(f"wrote {path}")
    return 0


def register(commands) -> None:
    """`resnet-viz handout PHOTO --lang ko|en --out DIR [--model …]`."""
    from .cli_options import add_method_option, add_model_options

    parser = commands.add_parser("handout", help="a printable A4 PDF handout (theory, stage table, this photo, charts)")
    parser.add_argument("photo", metavar="PHOTO")
    parser.add_argument("--lang", default="en", choices=["en", "ko"])
    parser.add_argument("--out", default="out", help="output folder (default: %(default)s)")
    add_model_options(parser)
    add_method_option(parser)
    parser.add_argument("--target", default=None, help="class index or name (default: the top-1 class)")
    parser.set_defaults(handler=_command)


__all__ = ["handout_pdf", "write_handout", "chart_files", "misconceptions", "register", "wrap"]
