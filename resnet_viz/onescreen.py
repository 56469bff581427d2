"""One analysis as one screen of HTML: the top-5 and every stage as a column, feature maps above the
CAM, so a 1280×720 projector shows it all without scrolling. Pictures are inline data URIs."""

from __future__ import annotations

import base64
import html

from .analysis import AnalysisResult
from .cam import CAM_METHODS
from .figure import class_words
from .i18n import pick
from .render import render_encoded

SCREEN_CHANNELS = 9  # a 3×3 grid: tiles stay large enough to see at a fifth of the screen's width

TEXT = {
    "en": {
        "empty": "Analyze an image (sidebar): the top-5, the input and all five stages then fit on one screen here.",
        "top": "Top-{k}",
        "untrained": "UNTRAINED weights: predictions are meaningless",
        "features": "feature maps ({n} strongest)",
        "cam": "{method}",
        "input": "input (stem: no CAM)",
        "stem": "conv1 · stem",
        "scale": "{method} for “{label}” ({index}) · {scale}",
        "per_stage": "each stage scaled 0–1 on its own",
        "shared": "one shared 0–1 scale",
    },
    "ko": {
        "empty": "사이드바에서 이미지를 분석하면 상위 5개 예측, 입력, 다섯 단계 모두가 여기 한 화면에 들어옵니다.",
        "top": "상위 {k}개",
        "untrained": "학습되지 않은 가중치: 예측은 의미가 없습니다",
        "features": "특징 맵 (가장 강한 {n}개)",
        "cam": "{method}",
        "input": "입력 (스템: CAM 없음)",
        "stem": "conv1 · 스템",
        "scale": "“{label}” ({index})에 대한 {method} · {scale}",
        "per_stage": "단계마다 0–1로 따로 정규화",
        "shared": "하나의 0–1 척도를 공유",
    },
}

CSS = """
.os{display:grid;grid-template-columns:1.15fr repeat(5,1fr);gap:6px;align-items:start;font-size:13px;line-height:1.25}
.os figure{margin:0}.os img{width:100%;aspect-ratio:1;object-fit:contain;display:block;max-height:calc(50vh - 160px)}
.os h4{margin:0 0 2px;font-size:13px}.os .shape{font-family:monospace;font-size:12px;opacity:.8}
.os figcaption{font-size:11px;opacity:.8}.os .bar{border-radius:3px;margin:2px 0;white-space:nowrap;
overflow:hidden;text-overflow:ellipsis}.os .bar span{padding-left:4px}.os .warn{color:#b91c1c;font-weight:bold}
"""


def _uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _top(result: AnalysisResult, lang: str) -> str:
    esc = html.escape
    rows = []
    best = max(p for _, p in result.predictions) or 1.0
    for label, p in result.predictions:
        width = max(3.0, 100 * p / best)
        rows.append(
            f'<div class="bar" title="{esc(label)}" style="background:linear-gradient(to right,#c7d2fe {width:.1f}%,'
            f'transparent {width:.1f}%)"><span>{p:.1%} {esc(label)}</span></div>'
        )
    warn = (
        f'<div class="warn">{esc(pick(TEXT, "untrained", lang))}</div>' if result.weights_status == "untrained" else ""
    )
    method = CAM_METHODS[result.method].label
    scale = pick(TEXT, "per_stage" if result.normalization == "per-stage" else "shared", lang)
    label, index = class_words(result)  # "A − B" when the maps explain a contrast
    about = pick(TEXT, "scale", lang, method=method, label=label, index=index, scale=scale)
    return (
        f'<div class="os-top"><h4>{esc(pick(TEXT, "top", lang, k=len(result.predictions)))} · '
        f"{esc(result.model_name)} ({esc(result.weights_label)})</h4>{''.join(rows)}{warn}"
        f'<p style="margin:4px 0 0">{esc(about)}</p></div>'
    )


def one_screen_html(
    result: AnalysisResult | None, lang: str = "en", colormap: str = "viridis", alpha: float = 0.5
) -> str:
    """The whole analysis on one screen (an empty-state hint when there is none yet)."""
    if result is None:
        return f'<p class="os-empty">{html.escape(pick(TEXT, "empty", lang))}</p>'
    esc = html.escape
    input_bytes, stages = render_encoded(result, SCREEN_CHANNELS, colormap, alpha, "webp")
    method = CAM_METHODS[result.method].label
    cells = [_top(result, lang)]
    for encoded in stages:
        images = encoded.images
        title = (
            pick(TEXT, "stem", lang)
            if images.name == "maxpool"
            else f"{result.stage(images.name).paper_name} · {images.name}"
        )
        level = result.stage(images.name).level
        if encoded.overlay_bytes is None:
            bottom, caption, kind = _uri(input_bytes, "image/webp"), pick(TEXT, "input", lang), "input"
        else:
            bottom = _uri(encoded.overlay_bytes, "image/webp")
            caption, kind = pick(TEXT, "cam", lang, method=method, label=result.target.label), "cam"
        features = pick(TEXT, "features", lang, n=len(images.channels))
        cells.append(
            f'<div class="os-stage" data-stage="{images.name}"><h4>{esc(title)} ({level})</h4>'
            f'<div class="shape">{esc(images.shape_text)}</div>'
            f'<figure><img class="os-grid" alt="{esc(title)}: {esc(features)}" src="{_uri(encoded.grid_png, "image/png")}">'
            f"<figcaption>{esc(features)}</figcaption></figure>"
            f'<figure><img class="os-{kind}" alt="{esc(title)}: {esc(caption)}" src="{bottom}">'
            f"<figcaption>{esc(caption)}</figcaption></figure></div>"
        )
    return f'<style>{CSS}</style><div class="os" lang="{lang}">{"".join(cells)}</div>'
