"""Every word the trust checks show, in English and Korean: labels, one-line captions, the verdict."""

from __future__ import annotations

import math

from ..i18n import pick
from .sanity import CHANGED_BELOW, SanityResult

TEXT = {
    "en": {
        "original": "original",
        "randomized": "random up to {name}",
        "scores": "ρ {rho} · SSIM {ssim}",
        "sanity_title": "{stage} {method} for “{label}” (class {index}) as the weights are randomised from the top",
        "class_title": "{stage} {method}: does the map depend on the class?",
        "top1": "top-1: {label}",
        "random": "random class: {label}",
        "least": "least likely: {label}",
        "rho": "ρ vs top-1 {rho}",
        "road_title": "ROAD (Rong et al. 2022) combined score per stage (higher = more faithful)",
        "road_axis": "ROAD combined score (Δ probability)",
        "deletion_title": "Deletion curve: probability of “{label}”\nas the top-ranked pixels are blurred away",
        "deletion_x": "fraction of pixels removed (highest-ranked first)",
        "deletion_y": "probability of the class",
        "auc": "{stage} (AUC {auc})",
        "rf_title": "{stage} unit ({row}, {col})\ntheoretical field {size}×{size} px (box), effective field (heat)",
        "caption_sanity": "Shows how the map changes as a copy of the model is re-initialised layer by layer "
        "(ρ = Spearman, SSIM against the original); it does not show that the map is correct.",
        "caption_class": "Shows whether the map changes with the class asked for; similar maps mean it shows the "
        "image more than the class, different maps do not prove it is right.",
        "caption_road": "Shows how much the class probability drops when each stage's top pixels are imputed "
        "away (ROAD, Rong et al. 2022, as grad-cam implements it); it measures the model's reliance, not human-meaningful regions.",
        "caption_deletion": "Shows the class probability as the pixels each map ranks highest are blurred away "
        "(lower area = more faithful); blurring can itself confuse the model.",
        "caption_rf": "Shows which input pixels can reach this unit (box) and how strongly they do on this image "
        "(heat); it does not show what the unit detects.",
        "verdict_changed": "✓ The map changes with the weights: from “random up to {step}” on, ρ stays below "
        "{threshold} to the end (lowest {low} at “random up to {low_step}”). ρ per step: {steps}.",
        "verdict_flat": "✓ The map changes with the weights: from “random up to {step}” on it is flat (all zero): "
        "the randomised model shows no evidence for this class at this stage.",
        "verdict_same": "⚠ Warning: the map barely changes when the weights are randomised: ρ stays at or above "
        "{threshold} at every step ({low} to {high}). ρ per step: {steps}. It may show the image's "
        "edges, not what the model learned.",
        "verdict_mixed": "◐ Mixed: ρ falls below {threshold} at “random up to {step}” (lowest {low} at “random up to "
        "{low_step}”) but is back at or above it from “random up to {back}” (highest {high}). "
        "ρ per step: {steps}. The map depends on the weights at some steps only: no clear verdict "
        "from this image.",
        "verdict_untrained": " The original weights are themselves untrained (random): this compares one random "
        "model with another.",
        "cost": "{stages} stages · {passes} forward passes and {solves} sparse solves · {seconds:.1f} s",
        "undefined": "n/a (flat map)",
        "class_line": "Class check: ρ with the top-1 map is {rho_random} for “{random}” (a random class) and "
        "{rho_least} for “{least}” (the least likely class). High ρ: the map ignores the class.",
        "faith_untrained": "Untrained (random) weights: the class probability is near chance, so these differences "
        "are tiny and say little about any stage.",
        "faith_head": "| stage | ROAD combined ↑ | ROAD MoRF ↓ / LeRF ↑ | deletion AUC ↓ |",
        "field_line": "{stage} unit ({row}, {col}): theoretical field {size}×{size} px, box {box} on the input; "
        "{inside:.1%} of the effective field's mass lies inside it.",
        "cli_untrained": "warning: UNTRAINED (random) weights. {note}",
    },
    "ko": {
        "original": "원본",
        "randomized": "{name}까지 무작위",
        "scores": "ρ {rho} · SSIM {ssim}",
        "sanity_title": "가중치를 위에서부터 무작위로 바꿀 때 “{label}”(클래스 {index})에 대한 {stage} {method}",
        "class_title": "{stage} {method}: 히트맵이 클래스에 따라 달라지는가?",
        "top1": "1위: {label}",
        "random": "무작위 클래스: {label}",
        "least": "가장 낮은 확률: {label}",
        "rho": "1위 히트맵과 ρ {rho}",
        "road_title": "단계별 ROAD(Rong 외 2022) 종합 점수 (높을수록 충실함)",
        "road_axis": "ROAD 종합 점수 (확률 변화)",
        "deletion_title": "삭제 곡선: “{label}”의 확률\n상위 픽셀을 흐리게 지울 때",
        "deletion_x": "지운 픽셀 비율 (높은 순위부터)",
        "deletion_y": "클래스 확률",
        "auc": "{stage} (AUC {auc})",
        "rf_title": "{stage} 유닛 ({row}, {col})\n이론적 수용 영역 {size}×{size} px (상자), 유효 수용 영역 (히트맵)",
        "caption_sanity": "모델 사본을 층마다 다시 초기화할 때 히트맵이 얼마나 바뀌는지 보여 줍니다(원본 대비 "
        "Spearman ρ, SSIM). 히트맵이 옳다는 증명은 아닙니다.",
        "caption_class": "요청한 클래스에 따라 히트맵이 바뀌는지 보여 줍니다. 비슷하면 클래스보다 이미지를 "
        "보여 주는 것이고, 다르다고 해서 옳다는 뜻은 아닙니다.",
        "caption_road": "각 단계 히트맵의 상위 픽셀을 보간해 지울 때 클래스 확률이 얼마나 떨어지는지 보여 줍니다"
        "(Rong 외 2022의 ROAD, grad-cam 구현). 모델의 의존도를 재는 것이지, 사람에게 의미 있는 영역인지는 아닙니다.",
        "caption_deletion": "각 히트맵이 높게 매긴 픽셀부터 흐리게 지울 때의 클래스 확률입니다(면적이 작을수록 "
        "충실함). 흐림 자체가 모델을 혼란스럽게 할 수 있습니다.",
        "caption_rf": "이 유닛에 닿을 수 있는 입력 픽셀(상자)과 이 이미지에서 실제 영향의 크기(히트맵)를 보여 "
        "줍니다. 유닛이 무엇을 검출하는지는 보여 주지 않습니다.",
        "verdict_changed": "✓ 히트맵이 가중치에 따라 바뀝니다: “{step}까지 무작위”부터 끝까지 원본과의 순위 상관 ρ가 "
        "{threshold} 아래에 머뭅니다(최저 {low}, “{low_step}까지 무작위”). 단계별 ρ: {steps}.",
        "verdict_flat": "✓ 히트맵이 가중치에 따라 바뀝니다: “{step}까지 무작위”부터 히트맵이 평평합니다(모두 0). "
        "무작위 모델은 이 단계에서 이 클래스의 근거를 보이지 않습니다.",
        "verdict_same": "⚠ 경고: 가중치를 무작위로 바꿔도 히트맵이 거의 바뀌지 않습니다: 모든 단계에서 ρ가 "
        "{threshold} 이상입니다({low}~{high}). 단계별 ρ: {steps}. 모델이 배운 것이 아니라 이미지의 "
        "윤곽을 보여 줄 수 있습니다.",
        "verdict_mixed": "◐ 엇갈림: “{step}까지 무작위”에서 ρ가 {threshold} 아래로 떨어지고 “{low_step}까지 무작위”에서 "
        "가장 낮지만({low}), “{back}까지 무작위”부터는 다시 {threshold} 이상입니다(최고 {high}). "
        "단계별 ρ: {steps}. 히트맵이 일부 단계에서만 가중치에 따라 바뀌므로, 이 이미지로는 "
        "분명한 판정을 내릴 수 없습니다.",
        "verdict_untrained": " 원래 가중치도 학습되지 않은(무작위) 가중치이므로, 무작위 모델끼리 비교한 것입니다.",
        "cost": "{stages}개 단계 · 순전파 {passes}회, 희소 선형계 풀이 {solves}회 · {seconds:.1f}초",
        "undefined": "없음(평평한 맵)",
        "class_line": "클래스 점검: 1위 히트맵과의 ρ는 “{random}”(무작위 클래스) {rho_random}, “{least}”(가장 낮은 "
        "확률) {rho_least}입니다. ρ가 높으면 히트맵이 클래스를 무시하는 것입니다.",
        "faith_untrained": "학습되지 않은(무작위) 가중치: 클래스 확률이 우연 수준이라 이 차이들은 아주 작고 "
        "어느 단계에 대해서도 말해 주는 것이 적습니다.",
        "faith_head": "| 단계 | ROAD 종합 점수 ↑ | ROAD MoRF ↓ / LeRF ↑ | 삭제 AUC ↓ |",
        "field_line": "{stage} 유닛 ({row}, {col}): 이론적 수용 영역 {size}×{size} px, 입력에서의 상자 {box}; "
        "유효 수용 영역 질량의 {inside:.1%}가 그 안에 있습니다.",
        "cli_untrained": "경고: 학습되지 않은(무작위) 가중치입니다. {note}",
    },
}


def number(value: float, lang: str = "en") -> str:
    """Two decimals; an undefined correlation (a constant map) says so."""
    return pick(TEXT, "undefined", lang) if value is None or math.isnan(value) else f"{value:.2f}"


def step_rhos(result: SanityResult, lang: str = "en") -> str:
    """Every step's ρ, in cascade order: "fc 0.44 · layer4 0.53 · …"."""
    return " · ".join(f"{s.randomized_up_to} {number(s.spearman, lang)}" for s in result.steps)


def verdict(result: SanityResult, lang: str = "en", untrained: bool = False) -> str:
    """One honest line that reads every step of the cascade, not only the last one."""
    pattern, low, high = result.pattern, result.lowest, result.highest
    values = dict(
        threshold=CHANGED_BELOW,
        step=result.first_changed,
        steps=step_rhos(result, lang),
        low=number(low.spearman if low else float("nan"), lang),
        low_step=low.randomized_up_to if low else "",
        high=number(high.spearman if high else float("nan"), lang),
        back=result.recovered,
    )
    if pattern != "same" and low is None:
        line = pick(TEXT, "verdict_flat", lang, **values)
    else:
        line = pick(TEXT, f"verdict_{pattern}", lang, **values)
    return line + (pick(TEXT, "verdict_untrained", lang) if untrained else "")
