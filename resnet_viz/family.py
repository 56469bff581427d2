"""The ResNet family on one photo: ResNet-50, ResNeXt-50 32×4d, Wide ResNet-50-2 and (with timm)
ResNetV2-50: parameters, GMACs, acc@1 with its training recipe named, the layer4 CAM, top-3, time.

Like the depth comparison, a model whose pretrained weights are not cached runs with random weights,
marked UNTRAINED (its size, GMACs and time are real); nothing is downloaded here. Each model sees the
photo through its own preprocessing (timm's crop and mean differ from torchvision's)."""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.flop_counter import FlopCounterMode
from torchvision import models as tv_models

from .analysis import analyze
from .cam import CAM_METHODS
from .i18n import check_lang, pick
from .images import ImageSource, load_image
from .models import check_model_name, is_available_offline, is_timm_name, load_model_uncached, resolve_device
from .plotting import figure_bytes, figure_lang, new_figure, style
from .render import cam_overlay

TORCHVISION_FAMILY = ("resnet50", "resnext50_32x4d", "wide_resnet50_2")
TIMM_FAMILY = ("timm/resnetv2_50",)
PAPER_NAMES = {
    "resnet50": "ResNet-50",
    "resnext50_32x4d": "ResNeXt-50 32×4d",
    "wide_resnet50_2": "Wide ResNet-50-2",
    "timm/resnetv2_50": "ResNetV2-50 (pre-act)",
}
Progress = Callable[[int, int, str], None]

TEXT = {
    "en": {
        "title": "One photo, four ResNets · {method} on the last stage (layer4 · conv5_x) for each model's top-1 class",
        "stats": "{params:.1f} M params · {gmacs:.2f} GMACs\n{ms:.0f} ms on {device}",
        "acc": "acc@1 {acc} · {recipe}",
        "untrained": "UNTRAINED (random weights)",
        "no_timm": 'ResNetV2-50 left out: timm is not installed (pip install "resnet-viz[timm]").',
        "recipes": "The comparison spans training recipes: {recipes}. Accuracy differences mix architecture and training.",
        "one_recipe": "All models share one training recipe: {recipe}.",
        "caption": "GMACs: counted here for a 224×224 input (multiply-adds). acc@1: the published ImageNet-1k top-1 of "
        "each model's default weights, even where those weights are not loaded. Time: forward + backward + CAM.",
        "no_acc": "not in timm's config",
        "header": "model              weights            params  GMACs     ms  acc@1   top-1",
        "wrote": "wrote {files} to {out}/",
    },
    "ko": {
        "title": "사진 한 장, ResNet 네 가지 · 각 모델의 top-1 클래스에 대한 마지막 스테이지(layer4 · conv5_x)의 {method}",
        "stats": "매개변수 {params:.1f} M · {gmacs:.2f} GMACs\n{device}에서 {ms:.0f} ms",
        "acc": "acc@1 {acc} · {recipe}",
        "untrained": "학습되지 않음 (무작위 가중치)",
        "no_timm": 'ResNetV2-50은 빠졌습니다: timm이 설치되어 있지 않습니다 (pip install "resnet-viz[timm]").',
        "recipes": "이 비교는 서로 다른 학습 레시피에 걸쳐 있습니다: {recipes}. 정확도 차이에는 구조와 학습 방법의 차이가 섞여 있습니다.",
        "one_recipe": "모든 모델이 같은 학습 레시피를 씁니다: {recipe}.",
        "caption": "GMACs: 224×224 입력에서 여기서 센 곱-합 수. acc@1: 각 모델 기본 가중치의 공개된 ImageNet-1k top-1 "
        "(그 가중치를 불러오지 않았어도). 시간: 순전파 + 역전파 + CAM.",
        "no_acc": "timm 설정에 없음",
        "header": "모델               가중치             매개변수 GMACs     ms  acc@1   top-1",
        "wrote": "{out}/에 {files}을(를) 썼습니다",
    },
}


@dataclass(frozen=True)
class FamilyRow:
    model: str
    paper_name: str
    weights_label: str
    weights_status: str  # pretrained | untrained
    note: str
    params: int
    gmacs: float  # multiply-adds for one 224×224 image, counted by torch's FlopCounterMode / 2
    acc1: float | None  # published ImageNet-1k top-1 of the default weights (torchvision's meta)
    recipe: str  # the training recipe those weights come from, by name and link
    top: tuple[tuple[str, float], ...]
    cam: np.ndarray  # the last stage's CAM at this model's shown image size
    image: Image.Image  # what this model sees (its own preprocessing)
    seconds: float

    def as_json(self) -> dict:
        return {
            "model": self.model,
            "paper_name": self.paper_name,
            "weights": self.weights_label,
            "weights_status": self.weights_status,
            "note": self.note,
            "params": self.params,
            "gmacs": self.gmacs,
            "acc1": self.acc1,
            "recipe": self.recipe,
            "top3": [{"label": label, "probability": p} for label, p in self.top],
            "seconds": self.seconds,
        }


@dataclass(frozen=True)
class FamilyComparison:
    method: str
    device: str
    rows: tuple[FamilyRow, ...]
    left_out: tuple[str, ...]  # why a member is missing (timm not installed)

    @property
    def spans_recipes(self) -> bool:
        return len({row.recipe for row in self.rows}) > 1

    def recipe_note(self, lang: str = "en") -> str:
        if self.spans_recipes:
            listed = "; ".join(f"{row.paper_name}: {row.recipe}" for row in self.rows)
            return pick(TEXT, "recipes", lang, recipes=listed)
        return pick(TEXT, "one_recipe", lang, recipe=self.rows[0].recipe) if self.rows else ""

    def as_json(self) -> dict:
        return {
            "method": self.method,
            "device": self.device,
            "spans_recipes": self.spans_recipes,
            "recipe_note": self.recipe_note(),
            "left_out": list(self.left_out),
            "models": [row.as_json() for row in self.rows],
        }


def default_members() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(models, notes on who is left out): the three torchvision models, and ResNetV2-50 with timm."""
    from . import timm_models

    if timm_models.available():
        return TORCHVISION_FAMILY + TIMM_FAMILY, ()
    return TORCHVISION_FAMILY, (pick(TEXT, "no_timm", "en"),)


def count_gmacs(module: torch.nn.Module, size: int = 224) -> float:
    """Multiply-adds of one forward pass at size×size, as torch's FlopCounterMode counts them (2 per MAC)."""
    device = next(module.parameters()).device
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        module(torch.zeros(1, 3, size, size, device=device))
    return counter.get_total_flops() / 2e9


def published(name: str) -> tuple[float | None, str]:
    """(acc@1, recipe) of a model's default weights: torchvision's meta (_metrics, recipe URL), or
    timm's pretrained tag (timm's config carries no accuracy)."""
    if is_timm_name(name):
        from . import timm_models

        cfg = timm_models._pretrained_cfg(name)
        return None, f"timm tag {cfg.tag} (hf.co/{cfg.hf_hub_id})"
    weights = tv_models.get_model_weights(name).DEFAULT
    return float(
        weights.meta["_metrics"]["ImageNet-1K"]["acc@1"]
    ), f"torchvision {weights.name} ({weights.meta['recipe']})"


def _run_one(name: str, image: Image.Image, device: str, method: str) -> FamilyRow:
    cached = is_available_offline(name)
    # Not load_model: its cache would keep these models and evict the app's; "random" when not cached,
    # so that nothing is downloaded here.
    loaded = load_model_uncached(name, "DEFAULT" if cached else "random", resolve_device(device), None)
    try:
        params = sum(p.numel() for p in loaded.module.parameters())
        gmacs = count_gmacs(loaded.module)
        analyze(loaded, image, method=method, top_k=3)  # warm-up: first calls allocate
        start = time.perf_counter()
        result = analyze(loaded, image, method=method, top_k=3)
        seconds = time.perf_counter() - start
    finally:
        del loaded
        gc.collect()
    acc1, recipe = published(name)
    last = result.stages[-1]  # layer4 · conv5_x ('stages.3' in timm's ResNetV2)
    return FamilyRow(
        name,
        PAPER_NAMES.get(name, name),
        result.weights_label,
        result.weights_status,
        "" if result.weights_status == "pretrained" else _note(name),
        params,
        gmacs,
        acc1,
        recipe,
        tuple(result.predictions),
        last.cam,
        result.image,
        seconds,
    )


def _note(name: str) -> str:
    """Why a member ran with random weights (never downloaded here)."""
    if is_timm_name(name):
        from . import timm_models

        where = timm_models.cache_hint(name)
    else:
        from .models import cached_weights_path, resolve_weights

        where = f"the torch hub cache ({cached_weights_path(resolve_weights(name, 'DEFAULT'))})"
    return f"pretrained weights not in {where}; run `resnet-viz weights fetch {name}` while online"


def compare_family(
    image: ImageSource,
    models: Sequence[str] | None = None,
    device: str = "cpu",
    method: str = "gradcam",
    progress: Progress | None = None,
) -> FamilyComparison:
    """Each family member in turn on the same photo, one loaded at a time."""
    picture = load_image(image)
    left_out: tuple[str, ...] = ()
    if models is None:
        models, left_out = default_members()
    models = [check_model_name(m) for m in models]
    rows = []
    for done, name in enumerate(models):
        if progress:
            progress(done, len(models), name)
        rows.append(_run_one(name, picture, device, method))
    if progress:
        progress(len(models), len(models), "")
    return FamilyComparison(method, str(resolve_device(device)), tuple(rows), left_out)


def _acc_text(row: FamilyRow, lang: str) -> str:
    return pick(TEXT, "no_acc", lang) if row.acc1 is None else f"{row.acc1:.1f}%"


def family_figure(
    comparison: FamilyComparison, lang: str = "en", alpha: float = 0.5, fmt: str = "png", dpi: int = 150
) -> bytes:
    """One column per model: name, size, time, acc@1 and recipe, last-stage CAM, top-3; the recipe note below."""
    lang = figure_lang(lang)
    method = CAM_METHODS[comparison.method].label
    with style(lang):
        n = max(1, len(comparison.rows))
        fig = new_figure(3.4 * n, 6.4)
        grid = fig.add_gridspec(
            2, n, height_ratios=[1, 0.42], left=0.02, right=0.98, top=0.76, bottom=0.16, wspace=0.08, hspace=0.06
        )
        fig.text(
            0.5, 0.98, pick(TEXT, "title", lang, method=method), ha="center", va="top", fontsize="large", wrap=True
        )
        for column, row in enumerate(comparison.rows):
            ax = fig.add_subplot(grid[0, column])
            ax.set_xticks([])
            ax.set_yticks([])
            stats = pick(
                TEXT,
                "stats",
                lang,
                params=row.params / 1e6,
                gmacs=row.gmacs,
                ms=row.seconds * 1000,
                device=comparison.device,
            )
            ax.set_title(f"{row.paper_name}\n{stats}\nacc@1 {_acc_text(row, lang)}", fontsize="medium")
            ax.imshow(np.asarray(cam_overlay(row.image, row.cam, alpha)))
            if row.weights_status != "pretrained":
                ax.text(
                    0.5,
                    0.04,
                    pick(TEXT, "untrained", lang),
                    transform=ax.transAxes,
                    ha="center",
                    va="bottom",
                    color="white",
                    fontweight="bold",
                    fontsize="medium",
                    bbox={"facecolor": "#b91c1c", "edgecolor": "none", "pad": 3},
                )
            from .compare import draw_top

            draw_top(
                fig.add_subplot(grid[1, column]),
                row.top,
                "#b91c1c" if row.weights_status != "pretrained" else "#111827",
            )
        notes = [comparison.recipe_note(lang), *comparison.left_out, pick(TEXT, "caption", lang)]
        fig.text(0.5, 0.01, "\n".join(notes), ha="center", va="bottom", fontsize="small", wrap=True)
        return figure_bytes(fig, fmt, dpi)


def table_lines(comparison: FamilyComparison, lang: str = "en") -> list[str]:
    lines = [pick(TEXT, "header", lang)]
    for row in comparison.rows:
        weights = row.weights_label if row.weights_status == "pretrained" else f"{row.weights_label}*"
        top1 = f"{row.top[0][1]:.1%} {row.top[0][0]}" if row.top else "—"
        acc = "—" if row.acc1 is None else f"{row.acc1:.1f}%"
        lines.append(
            f"{row.model:18s} {weights:18s} {row.params / 1e6:5.1f} M {row.gmacs:6.2f} {row.seconds * 1000:6.0f}  "
            f"{acc:6s}  {top1}"
        )
    lines.append(comparison.recipe_note(lang))
    lines.extend(comparison.left_out)
    for row in comparison.rows:
        if row.note:
            lines.append(f"* {row.model}: {pick(TEXT, 'untrained', lang)}; {row.note}")
    return lines


def table_rows(comparison: FamilyComparison, lang: str = "en") -> list[list]:
    """The Compare tab's seven columns (model, weights, params, GMACs in the GFLOPs column, ms, top-3,
    note), the note naming acc@1 and its recipe; the recipe note is the last row's note."""
    rows = []
    for row in comparison.rows:
        weights = row.weights_label + (
            "" if row.weights_status == "pretrained" else f" ({pick(TEXT, 'untrained', lang)})"
        )
        top = "; ".join(f"{p:.1%} {label}" for label, p in row.top)
        note = pick(TEXT, "acc", lang, acc=_acc_text(row, lang), recipe=row.recipe)
        rows.append(
            [
                row.paper_name,
                weights,
                round(row.params / 1e6, 1),
                round(row.gmacs, 2),
                round(row.seconds * 1000),
                top,
                note,
            ]
        )
    rows.append(["", "", None, None, None, "", " ".join([comparison.recipe_note(lang), *comparison.left_out])])
    return rows


def family_command(args: argparse.Namespace) -> int:
    """`resnet-viz compare --family IMAGE`: table on stdout, family.json/png/svg in --out."""
    lang = check_lang(args.lang)
    models = None
    if args.models_given:
        models = [m.strip() for m in args.models.split(",") if m.strip()]
    comparison = compare_family(
        args.image,
        models,
        args.device,
        args.method,
        None
        if args.quiet
        else lambda done, total, name: print(
            f"[{done}/{total}] {name}" if name else f"[{total}/{total}] done", file=sys.stderr
        ),
    )
    from .compare import write_comparison

    out = Path(args.out)
    written = write_comparison(out, "family", args.image, comparison, lambda c, fmt: family_figure(c, lang, fmt=fmt))
    print("\n".join(table_lines(comparison, lang)))
    print(pick(TEXT, "wrote", lang, files=", ".join(written), out=out))
    return 0
