"""One channel told three ways (its map on the photo, its feature visualisation, its dataset
examples), shared by the CLI and the app; words in English and Korean."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .featurevis import FeatureVis, FeatureVisCache, VisRequest
from .i18n import pick
from .models import LoadedModel
from .reference import Example, ReferenceCache, ReferenceSet, best_reference, top_examples

TEXT = {
    "en": {
        "noise": "⚠️ These weights are **untrained (random)**: the feature visualisation will be noise, and the "
        "dataset examples are chosen by random filters. Load trained weights to see what a channel has learned.",
        "objective_mean": "channel {channel} of {stage}, mean over positions",
        "objective_max": "channel {channel} of {stage}, max over positions",
        "objective_logit": "the logit of class {label} ({channel})",
        "measured": "Objective ({objective}): visualisation **{vis:.3g}**, best reference image **{ref:.3g}** ({file}).",
        "larger": "The visualisation excites it more than every reference image, as it should by construction.",
        "not_larger": "⚠️ The visualisation does **not** excite it more than the best reference image: the "
        "optimisation ({steps} steps at {size} px) did not get there. More steps or a larger size may.",
        "conv1_story": "**conv1's 64 filters, the weights themselves** (7×7×3 each, every filter scaled to its own "
        "largest weight; grey = 0). A trained ResNet's first layer holds oriented edge detectors "
        "(light against dark at an angle), colour blobs and colour-opponent edges (red against green, "
        "blue against yellow): the same kinds of filter a Gabor bank or the primary visual cortex "
        "has. Every later channel is built from these.",
        "conv1_random": "With untrained weights they are random noise: nothing here has been learned.",
    },
    "ko": {
        "noise": "⚠️ 이 가중치는 **학습되지 않은(무작위)** 가중치입니다. 특징 시각화는 노이즈로 나오고, 데이터셋 예시도 "
        "무작위 필터가 고른 것입니다. 채널이 무엇을 배웠는지 보려면 학습된 가중치를 불러오세요.",
        "objective_mean": "{stage}의 채널 {channel}, 위치 평균",
        "objective_max": "{stage}의 채널 {channel}, 위치 최댓값",
        "objective_logit": "클래스 {label}({channel})의 로짓",
        "measured": "목표값({objective}): 시각화 **{vis:.3g}**, 가장 높은 참조 이미지 **{ref:.3g}** ({file}).",
        "larger": "시각화가 모든 참조 이미지보다 이 값을 크게 만듭니다. 최적화로 만든 입력이니 그래야 맞습니다.",
        "not_larger": "⚠️ 시각화가 가장 높은 참조 이미지보다 이 값을 **크게 만들지 못했습니다**. "
        "최적화({steps}단계, {size} px)가 거기까지 가지 못했습니다. 단계를 늘리거나 크기를 키우면 나아질 수 있습니다.",
        "conv1_story": "**conv1의 필터 64개, 가중치 그 자체**입니다(각 7×7×3, 필터마다 자기 최대 가중치로 맞춤, 회색 = 0). "
        "학습된 ResNet의 첫 층에는 방향이 있는 에지 검출기(어떤 각도로 밝음과 어둠이 맞닿는 곳), 색 덩어리, "
        "반대색 에지(빨강 대 초록, 파랑 대 노랑)가 들어 있습니다. 가보 필터 뱅크나 일차 시각 피질과 같은 "
        "종류의 필터입니다. 뒤의 모든 채널이 이것들로 만들어집니다.",
        "conv1_random": "학습되지 않은 가중치라 무작위 노이즈일 뿐이고, 여기에는 학습된 것이 없습니다.",
    },
}


@dataclass(frozen=True)
class ChannelStory:
    vis: FeatureVis
    examples: list[Example]
    best_file: str
    best_activation: float  # the objective's value on the best reference image

    @property
    def vis_is_larger(self) -> bool:
        return self.vis.activation > self.best_activation


def objective_words(loaded: LoadedModel, request: VisRequest, lang: str = "en") -> str:
    label = loaded.categories[request.channel] if request.objective == "logit" else ""
    return pick(TEXT, f"objective_{request.objective}", lang, channel=request.channel, stage=request.stage, label=label)


def tell(
    loaded: LoadedModel,
    request: VisRequest,
    channel: int,
    references: ReferenceSet,
    vis_cache: FeatureVisCache,
    reference_cache: ReferenceCache,
    k: int = 6,
    progress=None,
) -> ChannelStory:
    """The visualisation of `request` and the top-k examples of (request.stage, channel)."""
    activations = reference_cache.activations(loaded, references)
    vis = vis_cache.visualise(loaded, request, progress)
    examples = top_examples(loaded, activations, vis.request.stage, channel, k)
    best_file, best = best_reference(activations, vis.request.stage, request.channel, request.objective)
    return ChannelStory(vis, examples, best_file, best)


def verdict(loaded: LoadedModel, story: ChannelStory, lang: str = "en") -> str:
    """The measured objective of both, and what it means; the untrained warning first."""
    request = story.vis.request
    words = [
        pick(
            TEXT,
            "measured",
            lang,
            objective=objective_words(loaded, request, lang),
            vis=story.vis.activation,
            ref=story.best_activation,
            file=story.best_file,
        )
    ]
    words.append(
        pick(TEXT, "larger", lang)
        if story.vis_is_larger
        else pick(TEXT, "not_larger", lang, steps=request.steps, size=request.size)
    )
    return " ".join(words)


def default_effort(device: torch.device) -> tuple[int, int]:
    """(size, steps): about 10 s on a 2-core CPU for resnet18; larger and longer on a GPU."""
    return (224, 256) if device.type == "cuda" else (128, 48)
