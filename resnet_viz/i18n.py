"""Korean and English. Each module keeps its own strings as `{"en": {...}, "ko": {...}}`; `pick`
chooses one. ImageNet class names are never translated (torchvision's categories are the reference)."""

from __future__ import annotations

from typing import Literal

from .errors import ModelChoiceError

Lang = Literal["en", "ko"]
LANGS: tuple[str, ...] = ("en", "ko")
Table = dict[str, dict[str, str]]


def check_lang(lang: str | None) -> Lang:
    """'en' or 'ko'; None and '' mean English; 'ko-KR' and the like mean Korean."""
    code = (lang or "en").lower().split("-")[0].split("_")[0]
    if code not in LANGS:
        raise ModelChoiceError("unknown_language", lang=lang)
    return code  # type: ignore[return-value]


def pick(table: Table, key: str, lang: str | None = "en", **values: object) -> str:
    """The string for `key` in `lang` (English where Korean is missing), formatted with `values`."""
    code = check_lang(lang)
    text = table.get(code, {}).get(key)
    if text is None:
        text = table["en"][key]
    return text.format(**values) if values else text
