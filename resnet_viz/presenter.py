"""Every word the page shell and the stages view show, in English and Korean: labels, headings,
summaries, notices and the theory text. Pure functions of results and choices; no Gradio."""

from __future__ import annotations

from .analysis import AnalysisResult
from .cam import CAM_METHODS
import re

from .i18n import Table, pick
from .models import LoadedModel
from .service import Subject
from .stages import STAGES, StageSpec

_THEORY_EN = """
**Residual block.** Each block learns a *residual* F(x) and adds its input back: **H(x) = F(x) + x**.
If the best thing a block can do is nothing, it only has to push F(x) to 0 — easy — instead of
learning an identity through a stack of convolutions. The gradient through the sum is
H'(x) = F'(x) + 1: the "+1" carries the signal back through 100+ layers, which is why **depth stops
hurting**: a plain 56-layer network trains worse than a 20-layer one, a ResNet does not.

**Identity vs projection shortcuts.** When x and F(x) have the same shape the shortcut is the identity
(free). Where the shape changes it becomes a **projection**: a 1×1 convolution plus batch norm
(torchvision's `downsample`) — with stride 2 where a stage halves the resolution (the first block of
layer2, layer3 and layer4), and with stride 1 where only the channels change: in ResNet-50/101/152 the
first block of layer1 widens 64 → 256 channels at 56×56. ResNet-18/34 keep 64 channels in layer1, so
their layer1 has identity shortcuts only.

**Bottleneck.** ResNet-50/101/152 use 1×1 → 3×3 → 1×1 blocks. From a stage's second block on, the first
1×1 shrinks the channels 4× (256 → 64 in layer1), the 3×3 works on the thin tensor and the last 1×1
widens again (64 → 256). A stage's first block receives the previous stage's output instead: in layer1
the stem's 64 channels, which its first 1×1 keeps at 64; in layer2–4 it halves them (256 → 128, …).
About the cost of a basic block, and much deeper.

**Ensemble view.** With n blocks there are 2ⁿ paths from input to output (each block taken or
skipped); a ResNet behaves like an ensemble of many shallower networks.

**Which stem convention.** The stem row (C1) shows conv1's output *after* the 3×3 max-pool —
64×56×56, the tensor layer1 receives — as lecture code does when its C1 follows the max-pool.
He et al. (2016), Table 1, lists conv1's output at 112×112 and counts the max-pool as the start of conv2_x.

**Reading the rows.** Early stages (C1, C2) respond to edges and colours at high resolution; late
stages (C4, C5) to object parts at 14×14 and 7×7. Grad-CAM on layer4 is the classic map; on early
stages it is sharper but less about the class.
"""

_THEORY_KO = """
**잔차 블록 (residual block).** 각 블록은 *잔차* F(x)를 학습하고 입력을 다시 더합니다: **H(x) = F(x) + x**.
블록이 할 수 있는 최선이 아무것도 하지 않는 것이라면, 여러 합성곱으로 항등 매핑을 학습하는 대신
F(x)를 0으로 만들기만 하면 됩니다 — 쉬운 일입니다. 덧셈을 지나는 기울기는 H'(x) = F'(x) + 1이고,
이 "+1"이 100개가 넘는 레이어를 거슬러 신호를 전달합니다. 그래서 **깊어져도 나빠지지 않습니다**
(성능 저하 문제, degradation): 일반(plain) 56층 네트워크는 20층보다 학습이 더 안 되지만 ResNet은 그렇지 않습니다.

**항등 숏컷과 프로젝션 숏컷.** x와 F(x)의 모양이 같으면 숏컷은 항등 숏컷(identity shortcut)입니다 (비용 없음).
모양이 바뀌는 곳에서는 **프로젝션 숏컷**(projection shortcut: 1×1 합성곱 + 배치 정규화, torchvision의
`downsample`)이 됩니다. 단계가 해상도를 절반으로 줄이는 곳(layer2, layer3, layer4의 첫 블록)에서는
stride 2이고, 채널 수만 바뀌는 곳에서는 stride 1입니다: ResNet-50/101/152의 layer1 첫 블록은
56×56에서 채널을 64 → 256으로 넓힙니다. ResNet-18/34의 layer1은 64채널을 유지하므로 항등 숏컷만 있습니다.

**병목 블록 (bottleneck).** ResNet-50/101/152는 1×1 → 3×3 → 1×1 블록을 씁니다. 단계의 두 번째 블록부터는
첫 1×1이 채널을 4배 줄이고 (layer1에서 256 → 64), 3×3이 얇은 텐서에서 계산하고, 마지막 1×1이 다시
넓힙니다 (64 → 256). 단계의 첫 블록은 이전 단계의 출력을 받습니다: layer1에서는 스템의 64채널을
첫 1×1이 그대로 64로 두고, layer2–4에서는 절반으로 줄입니다 (256 → 128, …). 기본 블록과 비용은
비슷하면서 훨씬 깊습니다.

**앙상블 관점.** 블록이 n개면 입력에서 출력까지 경로가 2ⁿ개 있습니다 (블록마다 지나가거나 건너뜀).
ResNet은 더 얕은 네트워크 여러 개의 앙상블(ensemble)처럼 동작합니다.

**스템 행의 기준.** 스템 행(C1)은 conv1의 출력을 3×3 최대 풀링(max-pool) *뒤에서* 보여 줍니다 —
64×56×56, 즉 layer1이 받는 텐서이며, 강의 코드에서 C1이 최대 풀링 다음에 오는 것과 같습니다.
He et al. (2016)의 Table 1은 conv1의 출력을 112×112로 적고, 최대 풀링을 conv2_x의 시작으로 셉니다.

**행 읽는 법.** 앞 단계(C1, C2)는 높은 해상도에서 가장자리와 색에 반응하고, 뒤 단계(C4, C5)는
14×14, 7×7에서 물체의 부분에 반응합니다. layer4의 Grad-CAM이 고전적인 히트맵이고, 앞 단계의 맵은
더 선명하지만 클래스와는 덜 관련됩니다.
"""

TEXT: Table = {
    "en": {
        "title": "# resnet-viz — see inside a ResNet",
        "intro": "Upload a photo: it runs once through a torchvision ResNet. Each row below is one **stage** — what "
                 "that stage computes (its strongest feature maps) and where it looks for the chosen class (its CAM).",
        "theory": _THEORY_EN,
        "theory_title": "How ResNet works — and this model's stages",
        "prompt": "Pick an example or upload a photo, then press **Analyze**.",
        "photo": "Photo", "model": "Model", "model_info": "✓ offline = weights cached", "weights": "Weights",
        "method": "CAM method", "target": "Class for the heatmaps",
        "target_info": "automatic = the top-1 class of each photo; type to search, or click a prediction",
        "contrast": "Contrast with (why A, not B)",
        "contrast_info": "optional: a class B; the heatmaps then show where the evidence for A over B lies "
                         "(logit A − logit B). Not for EigenCAM, which uses no class",
        "no_contrast": "none", "contrast_shown": " − {contrast}",
        "automatic": "top-1 (automatic)", "analyze": "Analyze", "examples": "Examples (public domain / CC0)",
        "display": "Display", "n_channels": "Feature maps per stage (strongest by mean activation)",
        "scale": "Heatmap scale", "per_stage": "per stage (each 0–1)", "shared": "shared scale across stages",
        "colormap": "Feature-map colormap", "opacity": "Heatmap opacity",
        "seen": "**As the network sees it** (resized, centre-cropped)",
        "top": "**Top-{k} predictions**", "top_untrained": "**Top-{k} predictions** — UNTRAINED weights (random)",
        "top_click": "click a class to draw the heatmaps for it",
        "head_stage": "**stage** · output shape",
        "head_features": "**feature maps**: strongest channels by mean activation, channel ids in the corner",
        "head_cam": "**{method}**: where the stage's evidence for the chosen class lies",
        "head_cam_contrast": "**{method}** for {target} − {contrast}: where the stage's evidence for {target} "
                             "over {contrast} lies",
        "head_cam_agnostic": "**{method}**: the main pattern of the stage's activations — class-agnostic, "
                             "the chosen class does not change it",
        "stem": "stem", "no_cam": "No CAM for the stem (it sees edges and colours, not classes): the input is shown instead.",
        "stage_maxpool": "stem: 7×7 conv, stride 2 + 3×3 max-pool",
        "stage_layer1": "first residual stage, stride 4", "stage_layer2": "stride 8", "stage_layer3": "stride 16",
        "stage_layer4": "last residual stage, stride 32",
        "showing": "Showing **{image}** · **{model}** · weights **{weights}** ({status}) · **{method}** · class: {target}",
        "status_pretrained": "pretrained", "status_untrained": "untrained", "status_checkpoint": "checkpoint",
        "target_auto": "automatic (top-1)", "target_picked": "picked: {target}",
        "run": "device **{device}** · {ms} ms",
        "for_class": "Heatmaps: **{method}** for **{label}** (class {index}, p = {p}){how}; {scale}.",
        "for_contrast": "Heatmaps: **{method} for {label} − {contrast}**: where the evidence for {label} over "
                        "{contrast} lies (logit {index} − logit {c_index}; p = {p} vs {c_p}){how}; {scale}. "
                        "Where the evidence favours {contrast}, the map is clipped to 0 (no heat).",
        "how_auto": " — the top-1 class, chosen automatically", "how_picked": " — the class you picked",
        "agnostic": "Heatmaps: **{method}** is class-agnostic: it shows the main pattern of each stage's activations "
                    "and uses no class (top-1: {label}, class {index}, p = {p}); {scale}.",
        "scale_per_stage": "each stage on its own 0–1 scale", "scale_shared": "one shared scale across stages",
        "stale": "⚠️ **Not up to date:** the results below are for the previous {fields}. Press **Analyze** to update them.",
        "f_image": "photo", "f_model": "model", "f_weights": "weights", "f_method": "CAM method", "f_target": "class",
        "f_contrast": "contrast class",
        "and": " and ",
        "refused": "⚠️ **Not analysed.** {message}",
        "untrained_banner": "⚠️ **Untrained weights.** {model} is running with **random weights**, so its predictions "
                            "are meaningless and its heatmaps show the mechanics, not what a trained network has learned. {note}",
        "inspect": "Inspect one channel", "stage": "Stage", "channel": "Channel id (from the grid's #labels)",
        "stage_info": "conv1 … conv5_x, C1 … C5 or maxpool, layer1 … layer4",
        "show_channel": "Show channel", "channel_image": "Channel over the image",
        "channel_caption": "Channel **#{channel}** of **{stage}** over the photo ({method} not involved: this is the raw activation).",
        "no_photo": "Upload a photo first (or pick one of the examples).",
    },
    "ko": {
        "title": "# resnet-viz — ResNet의 속을 들여다보기",
        "intro": "사진을 올리면 torchvision ResNet을 한 번 통과합니다. 아래 각 행은 하나의 **단계(stage)** 입니다 — "
                 "그 단계가 계산하는 것(가장 강한 특징 맵)과 선택한 클래스의 근거를 어디에서 찾는지(CAM)를 보여 줍니다.",
        "theory": _THEORY_KO,
        "theory_title": "ResNet의 원리 — 그리고 이 모델의 단계",
        "prompt": "예시를 고르거나 사진을 올린 뒤 **분석**을 누르세요.",
        "photo": "사진", "model": "모델", "model_info": "✓ offline = 가중치가 저장되어 있음", "weights": "가중치",
        "method": "CAM 방법", "target": "히트맵의 클래스",
        "target_info": "자동 = 사진마다 1위 클래스; 입력해서 찾거나 예측을 클릭하세요",
        "contrast": "비교할 클래스 (왜 A이고 B가 아닌가)",
        "contrast_info": "선택 사항: 클래스 B를 고르면 히트맵이 B보다 A라는 근거가 있는 곳을 보여 줍니다 "
                         "(logit A − logit B). 클래스를 쓰지 않는 EigenCAM에는 쓸 수 없습니다",
        "no_contrast": "없음", "contrast_shown": " − {contrast}",
        "automatic": "1위 (자동)", "analyze": "분석", "examples": "예시 (퍼블릭 도메인 / CC0)",
        "display": "표시", "n_channels": "단계별 특징 맵 수 (평균 활성값이 큰 순)",
        "scale": "히트맵 척도", "per_stage": "단계별 (각각 0–1)", "shared": "모든 단계 공통 척도",
        "colormap": "특징 맵 색상표", "opacity": "히트맵 불투명도",
        "seen": "**네트워크가 보는 입력** (크기 조정, 가운데 자르기)",
        "top": "**상위 {k}개 예측**", "top_untrained": "**상위 {k}개 예측** — 학습되지 않은(무작위) 가중치",
        "top_click": "클래스를 클릭하면 그 클래스의 히트맵을 그립니다",
        "head_stage": "**단계** · 출력 모양",
        "head_features": "**특징 맵**: 평균 활성값이 가장 큰 채널, 모서리에 채널 번호",
        "head_cam": "**{method}**: 이 단계에서 선택한 클래스의 근거가 있는 곳",
        "head_cam_contrast": "{target} − {contrast}에 대한 **{method}**: 이 단계에서 {contrast}보다 {target}이라는 "
                             "근거가 있는 곳",
        "head_cam_agnostic": "**{method}**: 이 단계 활성값의 주된 패턴 — 클래스와 무관하며, 선택한 클래스가 바꾸지 않습니다",
        "stem": "스템", "no_cam": "스템에는 CAM이 없습니다 (클래스가 아니라 가장자리와 색을 봅니다): 대신 입력을 보여 줍니다.",
        "stage_maxpool": "스템: 7×7 합성곱, stride 2 + 3×3 최대 풀링",
        "stage_layer1": "첫 번째 잔차 단계, stride 4", "stage_layer2": "stride 8", "stage_layer3": "stride 16",
        "stage_layer4": "마지막 잔차 단계, stride 32",
        "showing": "표시 중: **{image}** · **{model}** · 가중치 **{weights}** ({status}) · **{method}** · 클래스: {target}",
        "status_pretrained": "사전 학습됨", "status_untrained": "학습되지 않음", "status_checkpoint": "체크포인트",
        "target_auto": "자동 (1위)", "target_picked": "선택함: {target}",
        "run": "장치 **{device}** · {ms} ms",
        "for_class": "히트맵: **{label}** (클래스 {index}, p = {p})에 대한 **{method}**{how}; {scale}.",
        "for_contrast": "히트맵: **{label} − {contrast}에 대한 {method}**: {contrast}보다 {label}이라는 근거가 있는 곳 "
                        "(logit {index} − logit {c_index}; p = {p} 대 {c_p}){how}; {scale}. "
                        "{contrast} 쪽 근거가 더 큰 곳은 0으로 잘려 열이 표시되지 않습니다.",
        "how_auto": " — 자동으로 고른 1위 클래스", "how_picked": " — 직접 고른 클래스",
        "agnostic": "히트맵: **{method}** 은(는) 클래스와 무관합니다: 각 단계 활성값의 주된 패턴을 보여 주며 클래스를 쓰지 않습니다 "
                    "(1위: {label}, 클래스 {index}, p = {p}); {scale}.",
        "scale_per_stage": "단계마다 각자의 0–1 척도", "scale_shared": "모든 단계 공통 척도",
        "stale": "⚠️ **최신이 아닙니다:** 아래 결과는 이전 {fields} 기준입니다. **분석**을 눌러 갱신하세요.",
        "f_image": "사진", "f_model": "모델", "f_weights": "가중치", "f_method": "CAM 방법", "f_target": "클래스",
        "f_contrast": "비교 클래스",
        "and": ", ",
        "refused": "⚠️ **분석하지 못했습니다.** {message}",
        "untrained_banner": "⚠️ **학습되지 않은 가중치.** {model}은(는) **무작위 가중치**로 실행 중이므로 예측은 의미가 없고, "
                            "히트맵은 학습된 네트워크가 배운 것이 아니라 계산 과정만 보여 줍니다. {note}",
        "inspect": "채널 하나 살펴보기", "stage": "단계", "channel": "채널 번호 (격자의 # 번호)",
        "stage_info": "conv1 … conv5_x, C1 … C5 또는 maxpool, layer1 … layer4",
        "show_channel": "채널 보기", "channel_image": "이미지 위의 채널",
        "channel_caption": "**{stage}** 의 채널 **#{channel}** 을(를) 사진 위에 겹침 ({method}와 무관한 원래 활성값).",
        "no_photo": "먼저 사진을 올리세요 (또는 예시를 고르세요).",
    },
}


def text(key: str, lang: str | None = "en", **values: object) -> str:
    return pick(TEXT, key, lang, **values)


def stage_label(spec: StageSpec, lang: str | None = "en") -> str:
    """'layer1 · conv2_x (C2)': both names, because lectures use the paper's."""
    if spec.name == "maxpool":
        return f"conv1 · {text('stem', lang)} ({spec.level})"
    if spec.paper_name == "conv1":  # a timm stem: its module's name, then the paper's
        return f"{spec.name} · conv1 {text('stem', lang)} ({spec.level})"
    return f"{spec.name} · {spec.paper_name} ({spec.level})"


def stage_title(spec: StageSpec, lang: str | None = "en", shape_text: str | None = None) -> str:
    """A stage row's heading: its names, then its output shape once analysed, else what it is."""
    detail = f"`{shape_text}` (C×H×W)" if shape_text else text(f"stage_{spec.name}", lang)
    title = f"### {stage_label(spec, lang)}\n{detail}"
    if shape_text and spec.paper_name == "conv1":
        title += "\n\n" + text("no_cam", lang)
    return title


def stage_titles(result: AnalysisResult | None, lang: str | None = "en") -> list[str]:
    if result is not None and len(result.stages) == len(STAGES):  # the model's own names (timm's modules)
        return [stage_title(s.spec, lang, s.shape_text) for s in result.stages]
    return [stage_title(spec, lang) for spec in STAGES]


def is_class_agnostic(method: str) -> bool:
    """A CAM that uses no gradient (EigenCAM) does not depend on the chosen class."""
    return method in CAM_METHODS and not CAM_METHODS[method].uses_gradients


def method_label(method: str) -> str:
    return CAM_METHODS[method].label if method in CAM_METHODS else method


def cam_heading(method: str, lang: str | None = "en", result: AnalysisResult | None = None) -> str:
    """The CAM column's heading; with a contrastive result it names both classes."""
    if result is not None and result.contrast is not None:
        return text("head_cam_contrast", lang, method=method_label(method), target=result.target.label,
                    contrast=result.contrast.label)
    key = "head_cam_agnostic" if is_class_agnostic(method) else "head_cam"
    return text(key, lang, method=method_label(method))


def predictions_heading(result: AnalysisResult | None, lang: str | None = "en") -> str:
    if result is None:
        return text("top", lang, k=5)
    key = "top" if result.weights_status != "untrained" else "top_untrained"
    heading = text(key, lang, k=len(result.predictions))
    return heading if is_class_agnostic(result.method) else f"{heading} · {text('top_click', lang)}"


def _scale(normalization: str, lang: str | None) -> str:
    return text("scale_per_stage" if normalization == "per-stage" else "scale_shared", lang)


def summary(result: AnalysisResult, subject: Subject, lang: str | None = "en") -> str:
    """What the results on screen are of (photo, model, weights, method, class), then the heatmaps' class."""
    picked = bool(subject.target)
    target_word = text("target_picked", lang, target=result.target.label) if picked else text("target_auto", lang)
    if result.contrast is not None:
        target_word += text("contrast_shown", lang, contrast=result.contrast.label)
    showing = text("showing", lang, image=subject.image, model=result.model_name, weights=result.weights_label,
                   status=text("status_" + result.weights_status, lang), method=method_label(result.method), target=target_word)
    run = text("run", lang, device=result.device, ms=f"{result.seconds * 1000:.0f}")
    values = dict(method=method_label(result.method), label=result.target.label, index=result.target.index,
                  p=f"{result.target.probability:.3f}", scale=_scale(result.normalization, lang),
                  how=text("how_picked" if picked else "how_auto", lang))
    if is_class_agnostic(result.method):
        heatmaps = text("agnostic", lang, **values)
    elif result.contrast is not None:
        heatmaps = text("for_contrast", lang, contrast=result.contrast.label, c_index=result.contrast.index,
                        c_p=f"{result.contrast.probability:.3f}", **values)
    else:
        heatmaps = text("for_class", lang, **values)
    return f"{showing} · {run}\n\n{heatmaps}"


def stale_notice(shown: Subject | None, current: Subject | None, lang: str | None = "en") -> str:
    """'' when the results on screen are of what the controls say; else which choices changed."""
    if shown is None:
        return ""
    fields = shown.differences(current)
    if not fields:
        return ""
    words = [text("f_" + ("image" if f == "digest" else f), lang) for f in fields]
    return text("stale", lang, fields=text("and", lang).join(dict.fromkeys(words)))


# The messages users meet most, written in English by the modules that check the input (models.py,
# images.py, service.py), as Korean: (pattern of the English message, Korean with its groups).
# A message not listed here is shown as it is: English beats a wrong translation.
_KOREAN = [
    (r"(\S+) is not in the torch hub cache \((.+)\) and (\w+) is set\. "
     r"Run `resnet-viz weights fetch (\S+)` while online\.",
     r"\1이(가) torch hub 캐시(\2)에 없고 \3이(가) 설정되어 있습니다. 온라인 상태에서 "
     r"`resnet-viz weights fetch \4` 명령을 실행하세요."),
    (r"(\S+) is not in the torch hub cache \((.+)\) and could not be downloaded \((.+)\)\. "
     r"Run `resnet-viz weights fetch (\S+)` while online\.",
     r"\1이(가) torch hub 캐시(\2)에 없고 내려받을 수도 없었습니다(\3). 온라인 상태에서 "
     r"`resnet-viz weights fetch \4` 명령을 실행하세요."),
    (r"(\S+) is not in the Hugging Face hub cache \((.+)\) and (\w+) is set\. "
     r"Run `resnet-viz weights fetch (\S+)` while online\.",
     r"\1이(가) Hugging Face hub 캐시(\2)에 없고 \3이(가) 설정되어 있습니다. 온라인 상태에서 "
     r"`resnet-viz weights fetch \4` 명령을 실행하세요."),
    (r"(\S+) is not in the Hugging Face hub cache \((.+)\) and could not be downloaded \((.+)\)\. "
     r"Run `resnet-viz weights fetch (\S+)` while online\.",
     r"\1이(가) Hugging Face hub 캐시(\2)에 없고 내려받을 수도 없었습니다(\3). 온라인 상태에서 "
     r"`resnet-viz weights fetch \4` 명령을 실행하세요."),
    (r"Random weights were asked for\.", "무작위 가중치를 요청했습니다."),
    (r"Upload a photo first \(or pick one of the examples\)\.", "먼저 사진을 올리세요 (또는 예시를 고르세요)."),
    (r"(.+) is not an image that can be read \((.+)\)\.", r"\1은(는) 읽을 수 있는 이미지가 아닙니다 (\2)."),
    (r"(.+) is truncated or damaged \((.+)\)\.", r"\1이(가) 잘렸거나 손상되었습니다 (\2)."),
    (r"(.+) is empty \(0 bytes\)\.", r"\1이(가) 비어 있습니다 (0바이트)."),
    (r"(.+) could not be decoded \((.+)\)\.", r"\1을(를) 디코딩할 수 없습니다 (\2)."),
]


def localized(message: str, lang: str | None = "en") -> str:
    """A service message (English) in the page's language, where it is one we know."""
    if lang != "ko":
        return message
    for pattern, korean in _KOREAN:
        match = re.fullmatch(pattern, message.strip(), flags=re.S)
        if match:
            return match.expand(korean)
    return message


def weights_banner(loaded: LoadedModel, lang: str | None = "en") -> str:
    if loaded.is_pretrained:
        return ""
    return text("untrained_banner", lang, model=loaded.name, note=localized(loaded.weights_note, lang))


def refused(message: str, lang: str | None = "en") -> str:
    return text("refused", lang, message=localized(message, lang))
