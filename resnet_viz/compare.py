"""The same image through resnet18, 34, 50, 101 and 152: top-3, the layer4 CAM, parameters,
GFLOPs and time. Models are loaded one at a time and freed (resnet152 alone is 240 MB).

Models whose pretrained weights are not in the torch hub cache are never downloaded here ("whatever
weights are present"): by default they still run with random weights, marked UNTRAINED, because
their parameters, GFLOPs and time are real and are half of what a depth comparison shows; their
top-3 and CAM mean nothing and the table and figure say so. `pretrained_only` lists them instead."""

from __future__ import annotations

import argparse
import gc
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from PIL import Image
from torchvision import models as tv_models

from .analysis import analyze
from .cam import CAM_METHODS
from .errors import ResnetVizError
from .i18n import check_lang, pick
from .images import ImageSource, load_image
from .models import (
    DEPTH_NAMES,
    MODEL_NAMES,
    cached_weights_path,
    is_available_offline,
    load_model_uncached,
    resolve_device,
    resolve_weights,
)
from .plotting import figure_bytes, figure_lang, new_figure, style
from .render import cam_overlay

Progress = Callable[[int, int, str], None]  # (models done, models in all, model now starting)

TEXT = {
    "en": {
        "not_cached": "pretrained weights not in the torch hub cache ({path}); run `resnet-viz weights fetch {model}` while online",
        "untrained": "UNTRAINED (random weights)",
        "skipped": "not run: no pretrained weights cached",
        "title": "Same image, five depths · {method} on layer4 (conv5_x) for each model's {target}",
        "top1": "own top-1 class",
        "class": "class “{label}”",
        "stats": "{params:.1f} M params · {gflops:.2f} GMACs\n{ms:.0f} ms on {device}",
        "caption": "GMACs: billions of multiply-adds (the papers' “FLOPs”), torchvision's figure for a 224×224 input. "
        "Time: one forward + backward + CAM, after one warm-up run. "
        "UNTRAINED models' predictions and CAMs are noise; their size, GMACs and time are real.",
        "header": "model      weights          params    GMACs      ms  top-1",
        "recipes": "Mixed training recipes: {pairs}. torchvision's V1 and V2 weights come from different recipes (V2: "
        "2021, longer training, stronger augmentation; resnet50 76.1 % V1 against 80.9 % V2), so accuracy "
        "differences between them are partly the recipe's, not the depth's.",
        "wrote": "wrote {files} to {out}/",
    },
    "ko": {
        "not_cached": "사전 학습된 가중치가 torch hub 캐시에 없습니다 ({path}). 온라인일 때 `resnet-viz weights fetch {model}`을 실행하세요",
        "untrained": "학습되지 않음 (무작위 가중치)",
        "skipped": "실행하지 않음: 사전 학습된 가중치 없음",
        "title": "같은 이미지, 다섯 가지 깊이 · 각 모델의 {target}에 대한 layer4 (conv5_x)의 {method}",
        "top1": "자체 1위 클래스",
        "class": "클래스 “{label}”",
        "stats": "매개변수 {params:.1f} M · {gflops:.2f} GMACs\n{device}에서 {ms:.0f} ms",
        "caption": "GMACs: 224×224 입력에 대한 torchvision의 곱셈-덧셈 연산 수(10억 단위, 논문의 “FLOPs”). "
        "시간: 한 번 예열한 뒤 순전파 + 역전파 + CAM 한 번. "
        "학습되지 않은 모델의 예측과 CAM은 잡음이지만, 크기와 GMACs와 시간은 실제 값입니다.",
        "header": "모델       가중치           매개변수   GMACs      ms  top-1",
        "recipes": "학습 레시피가 섞여 있습니다: {pairs}. torchvision의 V1과 V2 가중치는 학습 레시피가 다르므로(V2는 2021년, "
        "더 오래 학습하고 더 강한 증강; resnet50이 V1 76.1 %, V2 80.9 %), 이들 사이의 정확도 차이는 깊이만이 "
        "아니라 레시피 때문이기도 합니다.",
        "wrote": "{out}/에 {files}을(를) 썼습니다",
    },
}


@dataclass(frozen=True)
class DepthRow:
    model: str
    weights_label: str  # e.g. IMAGENET1K_V2, or "random"
    weights_status: str  # pretrained | untrained | skipped
    note: str  # why it is untrained or skipped ("" when pretrained)
    params: int
    gflops: float  # torchvision's weights meta["_ops"], 224×224
    top: tuple[tuple[str, float], ...] = ()
    target: str = ""
    cam: np.ndarray | None = None  # layer4's CAM at the shown image's size
    seconds: float | None = None

    def as_json(self) -> dict:
        return {
            "model": self.model,
            "weights": self.weights_label,
            "weights_status": self.weights_status,
            "note": self.note,
            "params": self.params,
            "gflops": self.gflops,
            "top3": [{"label": label, "probability": p} for label, p in self.top],
            "cam_target": self.target,
            "seconds": self.seconds,
        }


@dataclass(frozen=True)
class Comparison:
    image: Image.Image  # what the networks see (all five share the same preprocessing)
    method: str
    target: str | None
    device: str
    rows: tuple[DepthRow, ...]

    def as_json(self) -> dict:
        return {
            "method": self.method,
            "target": self.target,
            "device": self.device,
            "models": [row.as_json() for row in self.rows],
        }


def gflops(name: str) -> float:
    """torchvision's own count for a 224×224 input (the weights' meta), no forward pass needed."""
    return float(tv_models.get_model_weights(name).DEFAULT.meta["_ops"])


def _run_one(
    name: str, image: Image.Image, device: str, method: str, target: str | None, pretrained_only: bool, lang: str
) -> tuple[DepthRow, Image.Image | None]:
    weights = resolve_weights(name, "DEFAULT")
    cached = is_available_offline(name)
    note = "" if cached else pick(TEXT, "not_cached", lang, path=cached_weights_path(weights), model=name)
    if not cached and pretrained_only:
        params = int(weights.meta["num_params"])
        return DepthRow(name, weights.name, "skipped", note, params, gflops(name)), None
    # Not load_model: its cache would keep the last three models (up to 500 MB) and evict the app's.
    loaded = load_model_uncached(name, "DEFAULT" if cached else "random", resolve_device(device), None)
    try:
        params = sum(p.numel() for p in loaded.module.parameters())
        analyze(loaded, image, target=target, method=method, top_k=3)  # warm-up: first calls allocate
        result = analyze(loaded, image, target=target, method=method, top_k=3)
    finally:
        del loaded
        gc.collect()
    row = DepthRow(
        name,
        result.weights_label,
        result.weights_status,
        note,
        params,
        gflops(name),
        tuple(result.predictions),
        result.target.label,
        result.stage("layer4").cam,
        result.seconds,
    )
    return row, result.image


def compare_depths(
    image: ImageSource,
    models: Sequence[str] = DEPTH_NAMES,
    device: str = "cpu",
    method: str = "gradcam",
    target: str | None = None,
    pretrained_only: bool = False,
    lang: str = "en",
    progress: Progress | None = None,
) -> Comparison:
    """Each model in turn on the same image; one loaded at a time."""
    picture = load_image(image)
    rows, shown = [], None
    for done, name in enumerate(models):
        if progress:
            progress(done, len(models), name)
        row, seen = _run_one(name, picture, device, method, target, pretrained_only, lang)
        rows.append(row)
        shown = seen or shown
    if progress:
        progress(len(models), len(models), "")
    if shown is None:  # every model skipped: show the photo as the networks would have seen it
        from .analysis import preprocess

        shown, _ = preprocess(resolve_weights(models[0], "DEFAULT").transforms(), picture)
    return Comparison(shown, method, target, str(resolve_device(device)), tuple(rows))


def comparison_figure(
    comparison: Comparison, lang: str = "en", alpha: float = 0.5, dark: bool = False, fmt: str = "png", dpi: int = 150
) -> bytes:
    """One column per model: name, size, time, layer4 CAM, top-3; one colour bar."""
    lang = figure_lang(lang)
    method = CAM_METHODS[comparison.method].label
    # The class by its name, as the models resolved it ("281" -> "tabby (281)"), not as it was typed.
    named = next((row.target for row in comparison.rows if row.target), None)
    label = comparison.target if named is None or named == comparison.target else f"{named} ({comparison.target})"
    target = pick(TEXT, "class", lang, label=label) if comparison.target else pick(TEXT, "top1", lang)
    fg, alert = ("#f3f4f6", "#fca5a5") if dark else ("#111827", "#b91c1c")
    with style(lang, dark):
        n = len(comparison.rows)
        fig = new_figure(3.0 * n + 0.6, 5.6)
        grid = fig.add_gridspec(
            2,
            n + 1,
            width_ratios=[1] * n + [0.06],
            height_ratios=[1, 0.42],
            left=0.02,
            right=0.94,
            top=0.78,
            bottom=0.1,
            wspace=0.1,
            hspace=0.06,
        )
        fig.text(
            0.5,
            0.97,
            pick(TEXT, "title", lang, method=method, target=target),
            ha="center",
            va="top",
            fontsize="x-large",
        )
        for column, row in enumerate(comparison.rows):
            _model_column(fig, grid, column, row, comparison, lang, alpha, fg, alert)
        bar = fig.colorbar(ScalarMappable(Normalize(0, 1), "jet"), cax=fig.add_subplot(grid[0, n]))
        bar.set_label(method)
        caption = " ".join(filter(None, [pick(TEXT, "caption", lang), recipe_note(comparison, lang)]))
        fig.text(0.5, 0.02, caption, ha="center", va="bottom", fontsize="small", wrap=True)
        return figure_bytes(fig, fmt, dpi)


def _model_column(
    fig, grid, column: int, row: DepthRow, comparison: Comparison, lang: str, alpha: float, fg: str, alert: str
) -> None:
    ax = fig.add_subplot(grid[0, column])
    ax.set_xticks([])
    ax.set_yticks([])
    stats = pick(
        TEXT,
        "stats",
        lang,
        params=row.params / 1e6,
        gflops=row.gflops,
        ms=(row.seconds or 0) * 1000,
        device=comparison.device,
    )
    if row.seconds is None:
        stats = stats.split("\n")[0]
    ax.set_title(f"{row.model}\n{stats}", fontsize="medium")
    if row.cam is not None:
        ax.imshow(np.asarray(cam_overlay(comparison.image, row.cam, alpha)))
    else:
        ax.imshow(np.asarray(comparison.image), alpha=0.3)
    if row.weights_status != "pretrained":
        label = pick(TEXT, "untrained" if row.weights_status == "untrained" else "skipped", lang)
        ax.text(
            0.5,
            0.04,
            label,
            transform=ax.transAxes,
            ha="center",
            va="bottom",
            color="white",
            fontweight="bold",
            fontsize="medium",
            bbox={"facecolor": "#b91c1c", "edgecolor": "none", "pad": 3},
        )
    draw_top(fig.add_subplot(grid[1, column]), row.top, alert if row.weights_status != "pretrained" else fg)


def draw_top(text_ax, top, colour: str) -> None:
    """A model's top-k under its map: probability and class, one a line (also the family comparison's)."""
    text_ax.axis("off")
    lines = [f"{p:6.1%}  {label}" for label, p in top] or ["—"]
    text_ax.text(
        0.02,
        0.95,
        "\n".join(lines),
        va="top",
        ha="left",
        fontsize="medium",
        transform=text_ax.transAxes,
        color=colour,
        linespacing=1.5,
    )


def write_comparison(out: Path, stem: str, image: str, comparison, draw) -> list[str]:
    """<stem>.json (with the image's path), .png and .svg of a comparison in `out`; the names written.
    `draw(comparison, fmt=...)` gives the figure's bytes."""
    out.mkdir(parents=True, exist_ok=True)
    report = {"image": str(image), **comparison.as_json()}
    (out / f"{stem}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    written = [f"{stem}.json"]
    for fmt in ("png", "svg"):
        (out / f"{stem}.{fmt}").write_bytes(draw(comparison, fmt=fmt))
        written.append(f"{stem}.{fmt}")
    return written


def recipe_note(comparison: Comparison, lang: str = "en") -> str:
    """A warning when the pretrained rows come from more than one training recipe (V1 and V2), else ""."""
    pretrained = [row for row in comparison.rows if row.weights_status == "pretrained"]
    if len({row.weights_label for row in pretrained}) <= 1:
        return ""
    pairs = ", ".join(f"{row.model} {row.weights_label}" for row in pretrained)
    return pick(TEXT, "recipes", lang, pairs=pairs)


def table_lines(comparison: Comparison, lang: str = "en") -> list[str]:
    lines = [pick(TEXT, "header", lang)]
    for row in comparison.rows:
        ms = "—" if row.seconds is None else f"{row.seconds * 1000:.0f}"
        top1 = f"{row.top[0][1]:.1%} {row.top[0][0]}" if row.top else "—"
        weights = row.weights_label if row.weights_status == "pretrained" else f"{row.weights_label}*"
        lines.append(f"{row.model:10s} {weights:15s} {row.params / 1e6:6.1f} M {row.gflops:7.2f} {ms:>7s}  {top1}")
    for row in comparison.rows:
        if row.note:
            lines.append(
                f"* {row.model}: "
                + (pick(TEXT, "untrained", lang) + "; " if row.weights_status == "untrained" else "")
                + row.note
            )
    if recipe_note(comparison, lang):
        lines.append(recipe_note(comparison, lang))
    return lines


def _compare_command(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    if args.family:  # ResNet-50, ResNeXt-50, Wide ResNet-50-2, ResNetV2-50 (issue 22)
        from .family import family_command

        args.models_given = args.models != ",".join(DEPTH_NAMES)
        return family_command(args)

    lang = check_lang(args.lang)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    for name in models:
        if name not in MODEL_NAMES:
            raise ResnetVizError("unknown_model_compare", name=name, choices=", ".join(MODEL_NAMES))
    bar = tqdm(total=len(models), unit="model", disable=args.quiet, file=sys.stderr)

    def progress(done: int, total: int, name: str) -> None:
        bar.n = done
        bar.set_description(name or "done")

    comparison = compare_depths(
        args.image, models, args.device, args.method, args.target, args.pretrained_only, lang, progress
    )
    bar.close()
    out = Path(args.out)
    written = write_comparison(
        out, "compare", args.image, comparison, lambda c, fmt: comparison_figure(c, lang, fmt=fmt)
    )
    print("\n".join(table_lines(comparison, lang)))
    print(pick(TEXT, "wrote", lang, files=", ".join(written), out=out))
    return 0


def register(commands) -> None:
    compare = commands.add_parser("compare", help="the same image through resnet18/34/50/101/152, side by side")
    compare.add_argument("image")
    compare.add_argument("--out", default="compare", help="output folder (default: %(default)s)")
    compare.add_argument("--models", default=",".join(DEPTH_NAMES), help="comma-separated (default: all five)")
    compare.add_argument("--method", default="gradcam", choices=list(CAM_METHODS))
    compare.add_argument("--target", default=None, help="one class for every model (default: each model's top-1)")
    compare.add_argument("--device", default="cpu", help="cpu (default, fair timing), cuda or auto")
    compare.add_argument(
        "--pretrained-only",
        action="store_true",
        help="list models without cached pretrained weights instead of running them untrained",
    )
    compare.add_argument("--lang", default="en", choices=["en", "ko"])
    compare.add_argument(
        "--family",
        action="store_true",
        help="the family instead: resnet50, resnext50_32x4d, wide_resnet50_2 and timm/resnetv2_50 (with timm)",
    )
    compare.add_argument("--quiet", action="store_true", help="no progress bar")
    compare.set_defaults(handler=_compare_command)
