"""Errors a user can fix, and the one way their words are held: a key and its values, rendered in
the language of the page or terminal that shows them (`render(lang)`), never translated back.

`str(err)` is the English rendering, so logs, tests and API clients read what they always did."""

from __future__ import annotations

from typing import Any

# Every message a user can meet from the modules that check input and load models. {"en": …, "ko": …}
# like every other table (resnet_viz/i18n.py); values are str.format fields.
MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        # images.py
        "image_missing": "{name}: no such file.",
        "image_empty": "{name} is empty (0 bytes).",
        "image_svg": "{name} is an SVG (a vector drawing). Export it as PNG or JPEG first.",
        "image_bomb": "{name} declares more than {megapixels} megapixels: refused before decoding.",
        "image_unreadable": "{name} is not an image that can be read (PNG, JPEG, GIF, WebP, BMP, TIFF …).",
        "image_truncated": "{name} is truncated or damaged ({reason}).",
        "image_too_large": "{name} is {width}×{height} ({mp} MP), above the {limit} MP limit: refused before "
        "decoding. Resize it first.",
        "image_too_small": "{name} is {width}×{height}: too small to analyse (at least {min_side} px a side).",
        "image_aspect": "{name} is {width}×{height}, more than {aspect}:1. The network sees only a centre square "
        "crop; crop the part you want first.",
        "image_array": "An image array must be H×W or H×W×C, not {shape}.",
        "image_undecodable": "{name} could not be decoded ({reason}).",
        "no_photo": "Upload a photo first (or pick one of the examples).",
        "no_image": "Upload an image first (or pick one of the examples).",  # the lab, trust and compare tabs
        "no_images": "No images ({suffixes}) in {inputs}.",
        # models.py
        "unknown_device": "Unknown device {device!r}: use auto, cpu or cuda.",
        "no_cuda": "Device 'cuda' was asked for, but no CUDA GPU is available here.",
        "unknown_model": "Unknown model {name!r}: choose one of {choices}, or timm/NAME (e.g. timm/resnet50.a1_in1k, "
        'timm/resnetv2_50; needs pip install "resnet-viz[timm]").',
        "unknown_model_compare": "Unknown model {name!r}: choose from {choices}.",
        "unknown_weights": "{name} has no weights {weights!r}: choose one of {choices}, 'random', or a checkpoint file.",
        "weights_not_offered": "Weights {weights!r} are not offered for {model}: choose one of {choices}.",
        "ckpt_missing": "Checkpoint {path}: no such file.",
        "ckpt_empty": "Checkpoint {name} is not a readable PyTorch file (it is empty).",
        "ckpt_objects": "Checkpoint {name} was refused: it holds Python objects, not just tensors ({culprit}), and "
        "loading it could run code. Save model.state_dict() instead.",
        "ckpt_not_pickle": "Checkpoint {name} is not a readable PyTorch file (not a tensor pickle).",
        "ckpt_unreadable": "Checkpoint {name} is not a readable PyTorch file ({reason}).",
        "ckpt_not_state_dict": "Checkpoint {name} is not a state_dict (a dict of tensors).",
        "ckpt_not_resnet": "Checkpoint {name} is not a torchvision ResNet: it has no {missing}; it holds {holds}.",
        "ckpt_no_layout": "Checkpoint {name} has a ResNet layout that matches none of {choices}.",
        "ckpt_other_arch": "Checkpoint {name} holds a {arch}, not a {model}: choose {arch}.",
        "ckpt_misfit": "Checkpoint {name} does not fit {arch}: {reason}",
        "names_unreadable": "Class-names file {name} cannot be read ({reason}).",
        "names_empty": "Class-names file {name} is empty: put one class name per line.",
        "names_count": "Class-names file {name} has {count} names, but checkpoint {checkpoint} has {classes} classes.",
        # weights notes (models.py): why a model runs with random weights, or where it came from
        "note_loaded": "Loaded from {path}.",
        "note_random": "Random weights were asked for.",
        "note_offline": "{weights} is not in the torch hub cache ({path}) and {env} is set. "
        "Run `resnet-viz weights fetch {model}` while online.",
        "note_unreachable": "{weights} is not in the torch hub cache ({path}) and could not be downloaded "
        "({reason}). Run `resnet-viz weights fetch {model}` while online.",
        "note_hf_offline": "{weights} is not in the Hugging Face hub cache ({where}) and {env} is set. "
        "Run `resnet-viz weights fetch {model}` while online.",
        "note_hf_unreachable": "{weights} is not in the Hugging Face hub cache ({where}) and could not be downloaded "
        "({reason}). Run `resnet-viz weights fetch {model}` while online.",
        "note_cache_unreadable": "The cached weights file {path} cannot be read ({reason}). Delete it, then: "
        "Run `resnet-viz weights fetch {model}` while online.",
        "note_download_failed": "{weights} could not be downloaded ({reason}). "
        "Run `resnet-viz weights fetch {model}` while online.",
        "note_cache_corrupt": "The cached weights file {path} is corrupt ({reason}). Delete it, then: "
        "Run `resnet-viz weights fetch {model}` while online.",
        # service.py, analysis.py, cam.py, figure.py, batch.py, trust/
        "unknown_stage": "Unknown stage {name!r}: use one of {choices}.",
        "channel_missing": "Type a channel id: a whole number from 0 to {last}.",
        "channel_absent": "Channel {value!r} does not exist here: type a whole number from 0 to {last}.",
        "unknown_class": "No class is named {target!r} in this model's {count} classes.",
        "class_range": "Class {index} is out of range: this model has classes 0 to {last}.",
        "contrast_agnostic": "{method} is class-agnostic (it uses no gradients), so it cannot contrast two classes: "
        "choose a gradient method such as gradcam.",
        "contrast_same": "The contrast class is the target class ({label}, {index}): logit(A) − logit(A) is 0 "
        "everywhere. Choose a different class to contrast with.",
        "unknown_method": "Unknown CAM method {key!r}: choose one of {choices}.",
        "unknown_normalization": "Unknown normalisation {value!r}: use per-stage or shared.",
        "unknown_colormap": "Unknown colormap {value!r}: use one of {choices}.",
        "opacity_range": "Opacity must be between 0 and 1, not {value}.",
        "font_scale_range": "Font scale must be between 0.5 and 2, not {value}.",
        "batch_size": "--batch-size must be at least 1, not {value}.",
        "unknown_language": "Unknown language {lang!r}: use en or ko.",
        "no_cam_stage": "No CAM for stage {stage!r}: choose one of {choices}.",
        "class_check_flat": "The class check needs a model with at least two distinct class probabilities.",
        "unit_range": "{name} is {rows}×{cols} for a {size}-pixel input: row and column must be 0 to {last_row}, "
        "not {row},{col}.",
        "unit_missing": "{name} is {rows}×{cols}: no unit at {row},{col}.",
        "unit_syntax": "Give a unit as stage:row,col (e.g. layer3:4,7), not {text!r}.",
        # ui/errors.py: anything a handler did not expect (its details are in the server log)
        "failed": "{what} failed: {kind}: {reason}",
    },
    "ko": {
        "image_missing": "{name}: 파일이 없습니다.",
        "image_empty": "{name}이(가) 비어 있습니다 (0바이트).",
        "image_svg": "{name}은(는) SVG(벡터 그림)입니다. 먼저 PNG나 JPEG로 내보내세요.",
        "image_bomb": "{name}은(는) {megapixels}메가픽셀이 넘는다고 선언되어 있어, 디코딩하기 전에 거부했습니다.",
        "image_unreadable": "{name}은(는) 읽을 수 있는 이미지가 아닙니다 (PNG, JPEG, GIF, WebP, BMP, TIFF …).",
        "image_truncated": "{name}이(가) 잘렸거나 손상되었습니다 ({reason}).",
        "image_too_large": "{name}은(는) {width}×{height} ({mp} MP)로 한도 {limit} MP를 넘어, 디코딩하기 전에 "
        "거부했습니다. 먼저 크기를 줄이세요.",
        "image_too_small": "{name}은(는) {width}×{height}로, 분석하기에 너무 작습니다 (한 변이 {min_side} px 이상이어야 합니다).",
        "image_aspect": "{name}은(는) {width}×{height}로, 가로세로 비가 {aspect}:1을 넘습니다. 네트워크는 가운데 "
        "정사각형만 보므로, 보려는 부분을 먼저 잘라 내세요.",
        "image_array": "이미지 배열은 H×W 또는 H×W×C여야 합니다 (받은 모양: {shape}).",
        "image_undecodable": "{name}을(를) 디코딩할 수 없습니다 ({reason}).",
        "no_photo": "먼저 사진을 올리세요 (또는 예시를 고르세요).",
        "no_image": "먼저 이미지를 올리세요 (또는 예시를 고르세요).",
        "no_images": "{inputs}에 이미지({suffixes})가 없습니다.",
        "unknown_device": "알 수 없는 장치 {device!r}: auto, cpu, cuda 중에서 고르세요.",
        "no_cuda": "'cuda' 장치를 요청했지만 이 컴퓨터에는 CUDA GPU가 없습니다.",
        "unknown_model": "알 수 없는 모델 {name!r}: {choices} 중에서, 또는 timm/NAME(예: timm/resnet50.a1_in1k, "
        'timm/resnetv2_50; pip install "resnet-viz[timm]" 필요)으로 고르세요.',
        "unknown_model_compare": "알 수 없는 모델 {name!r}: {choices} 중에서 고르세요.",
        "unknown_weights": "{name}에는 가중치 {weights!r}이(가) 없습니다: {choices}, 'random' 또는 체크포인트 파일 중에서 고르세요.",
        "weights_not_offered": "{model}에는 가중치 {weights!r}을(를) 쓸 수 없습니다: {choices} 중에서 고르세요.",
        "ckpt_missing": "체크포인트 {path}: 파일이 없습니다.",
        "ckpt_empty": "체크포인트 {name}은(는) 읽을 수 있는 PyTorch 파일이 아닙니다 (비어 있음).",
        "ckpt_objects": "체크포인트 {name}을(를) 거부했습니다: 텐서만이 아니라 파이썬 객체({culprit})가 들어 있어, "
        "불러오면 코드가 실행될 수 있습니다. 대신 model.state_dict()를 저장하세요.",
        "ckpt_not_pickle": "체크포인트 {name}은(는) 읽을 수 있는 PyTorch 파일이 아닙니다 (텐서 pickle이 아님).",
        "ckpt_unreadable": "체크포인트 {name}은(는) 읽을 수 있는 PyTorch 파일이 아닙니다 ({reason}).",
        "ckpt_not_state_dict": "체크포인트 {name}은(는) state_dict(텐서의 dict)가 아닙니다.",
        "ckpt_not_resnet": "체크포인트 {name}은(는) torchvision ResNet이 아닙니다: {missing}이(가) 없습니다. 들어 있는 것: {holds}.",
        "ckpt_no_layout": "체크포인트 {name}의 ResNet 구조가 {choices} 중 어느 것과도 맞지 않습니다.",
        "ckpt_other_arch": "체크포인트 {name}은(는) {model}이 아니라 {arch}입니다: {arch}을(를) 고르세요.",
        "ckpt_misfit": "체크포인트 {name}이(가) {arch}에 맞지 않습니다: {reason}",
        "names_unreadable": "클래스 이름 파일 {name}을(를) 읽을 수 없습니다 ({reason}).",
        "names_empty": "클래스 이름 파일 {name}이(가) 비어 있습니다: 한 줄에 클래스 이름 하나씩 적으세요.",
        "names_count": "클래스 이름 파일 {name}에는 이름이 {count}개 있지만, 체크포인트 {checkpoint}의 클래스는 {classes}개입니다.",
        "note_loaded": "{path}에서 불러왔습니다.",
        "note_random": "무작위 가중치를 요청했습니다.",
        "note_offline": "{weights}이(가) torch hub 캐시({path})에 없고 {env}이(가) 설정되어 있습니다. "
        "온라인 상태에서 `resnet-viz weights fetch {model}` 명령을 실행하세요.",
        "note_unreachable": "{weights}이(가) torch hub 캐시({path})에 없고 내려받을 수도 없었습니다 "
        "(원인: {reason}). 온라인 상태에서 `resnet-viz weights fetch {model}` 명령을 실행하세요.",
        "note_hf_offline": "{weights}이(가) Hugging Face hub 캐시({where})에 없고 {env}이(가) 설정되어 있습니다. "
        "온라인 상태에서 `resnet-viz weights fetch {model}` 명령을 실행하세요.",
        "note_hf_unreachable": "{weights}이(가) Hugging Face hub 캐시({where})에 없고 내려받을 수도 없었습니다 "
        "(원인: {reason}). 온라인 상태에서 `resnet-viz weights fetch {model}` 명령을 실행하세요.",
        "note_cache_unreadable": "캐시된 가중치 파일 {path}을(를) 읽을 수 없습니다 (원인: {reason}). 파일을 지운 뒤 "
        "온라인 상태에서 `resnet-viz weights fetch {model}` 명령을 실행하세요.",
        "note_download_failed": "{weights}을(를) 내려받지 못했습니다 (원인: {reason}). "
        "온라인 상태에서 `resnet-viz weights fetch {model}` 명령을 실행하세요.",
        "note_cache_corrupt": "캐시된 가중치 파일 {path}이(가) 손상되었습니다 (원인: {reason}). 파일을 지운 뒤 "
        "온라인 상태에서 `resnet-viz weights fetch {model}` 명령을 실행하세요.",
        "unknown_stage": "알 수 없는 단계 {name!r}: {choices} 중 하나를 쓰세요.",
        "channel_missing": "채널 번호를 입력하세요: 0부터 {last}까지의 정수입니다.",
        "channel_absent": "채널 {value!r}은(는) 여기에 없습니다: 0부터 {last}까지의 정수를 입력하세요.",
        "unknown_class": "이 모델의 클래스 {count}개 중에 {target!r}라는 이름은 없습니다.",
        "class_range": "클래스 {index}은(는) 범위를 벗어났습니다: 이 모델의 클래스는 0부터 {last}까지입니다.",
        "contrast_agnostic": "{method}은(는) 클래스와 무관한 방법이라(기울기를 쓰지 않음) 두 클래스를 비교할 수 없습니다: "
        "gradcam 같은 기울기 기반 방법을 고르세요.",
        "contrast_same": "비교할 클래스가 목표 클래스와 같습니다 ({label}, {index}): logit(A) − logit(A)는 어디서나 0입니다. "
        "다른 클래스를 고르세요.",
        "unknown_method": "알 수 없는 CAM 방법 {key!r}: {choices} 중에서 고르세요.",
        "unknown_normalization": "알 수 없는 정규화 방식 {value!r}: per-stage 또는 shared를 쓰세요.",
        "unknown_colormap": "알 수 없는 색상표 {value!r}: {choices} 중 하나를 쓰세요.",
        "opacity_range": "불투명도는 0과 1 사이여야 합니다 (받은 값: {value}).",
        "font_scale_range": "글자 크기 배율은 0.5와 2 사이여야 합니다 (받은 값: {value}).",
        "batch_size": "--batch-size는 1 이상이어야 합니다 (받은 값: {value}).",
        "unknown_language": "알 수 없는 언어 {lang!r}: en 또는 ko를 쓰세요.",
        "no_cam_stage": "단계 {stage!r}에는 CAM이 없습니다: {choices} 중에서 고르세요.",
        "class_check_flat": "클래스 점검에는 서로 다른 클래스 확률이 둘 이상인 모델이 필요합니다.",
        "unit_range": "{size}픽셀 입력에서 {name}은(는) {rows}×{cols}입니다: 행과 열은 0부터 {last_row}까지여야 "
        "합니다 (받은 값: {row},{col}).",
        "unit_missing": "{name}은(는) {rows}×{cols}입니다: {row},{col} 위치에 유닛이 없습니다.",
        "unit_syntax": "유닛은 단계:행,열 형식으로 쓰세요 (예: layer3:4,7). 받은 값: {text!r}.",
        "failed": "처리하지 못했습니다 ({what}: {kind}). 자세한 내용은 서버 로그에 있습니다.",
    },
}

_PLAIN = (str, int, float, bool, type(None))


def _lang(lang: str | None) -> str:
    code = (lang or "en").lower().split("-")[0].split("_")[0]
    return code if code in MESSAGES else "en"


def _render(key: str | None, values: dict[str, Any], lang: str | None) -> str:
    if key is None:  # a literal message: English, shown as it was written
        return str(values.get("text", ""))
    code = _lang(lang)
    template = MESSAGES[code].get(key) or MESSAGES["en"][key]
    shown = {name: (value.render(code) if isinstance(value, Message) else value) for name, value in values.items()}
    return template.format(**shown)


def _kept(value: Any) -> Any:
    # Values are kept as data (a State may copy them); a path or an enum member as its text.
    if isinstance(value, (Message, *_PLAIN)):
        return value
    if isinstance(value, tuple):
        return tuple(_kept(v) for v in value)
    return str(value)


class Message(str):
    """Words as a key and its values; the string itself is its rendering in `lang`.
    `render(other)` says the same in another language. A key unknown to MESSAGES is a literal."""

    key: str | None
    values: dict[str, Any]
    lang: str

    def __new__(cls, key: str | None, values: dict[str, Any] | None = None, lang: str | None = "en"):
        values = {name: _kept(value) for name, value in (values or {}).items()}
        if key is not None and key not in MESSAGES["en"]:
            key, values = None, {"text": key}
        self = super().__new__(cls, _render(key, values, lang))
        self.key, self.values, self.lang = key, values, _lang(lang)
        return self

    @classmethod
    def literal(cls, text: str) -> Message:
        return cls(None, {"text": text})

    def render(self, lang: str | None = "en") -> str:
        return _render(self.key, self.values, lang)

    def in_lang(self, lang: str | None) -> Message:
        return Message(self.key, self.values, lang) if self.key else self

    def __reduce__(self):
        return (Message, (self.key, self.values, self.lang))

    def __deepcopy__(self, memo):
        return self  # immutable


def message_in(message: object, lang: str | None) -> str:
    """Any message in `lang`: a Message or an error is rendered there, other text is shown as it is."""
    if isinstance(message, (Message, ResnetVizError)):
        return message.render(lang)
    return str(message) if message is not None else ""


class ResnetVizError(ValueError):
    """Base class: a mistake the person who gave the input can fix.

    Raised with a key of MESSAGES and its values, `ImageInputError("image_empty", name="x.png")`, it is
    shown in the page's or terminal's language by `render(lang)`. Raised with a sentence instead (older
    code), it is shown as written."""

    def __init__(self, key: str, /, **values: Any) -> None:
        if key not in MESSAGES["en"]:
            if values:
                raise KeyError(f"no message {key!r} in resnet_viz.errors.MESSAGES")
            self.message = Message.literal(key)
        else:
            self.message = Message(key, values)
        super().__init__(str(self.message))

    @property
    def key(self) -> str | None:
        return self.message.key

    @property
    def values(self) -> dict[str, Any]:
        return self.message.values

    def render(self, lang: str | None = "en") -> str:
        return self.message.render(lang)


UserError = ResnetVizError


class ImageInputError(ResnetVizError):
    """The uploaded file is not an image we can analyse."""


class CheckpointError(ResnetVizError):
    """A local checkpoint or class-names file cannot be used."""


class ModelChoiceError(ResnetVizError):
    """Unknown model, weights, device, method or class."""
