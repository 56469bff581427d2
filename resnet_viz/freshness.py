"""The one check every tab makes before it lets a result stand: is it still of what the controls say?

A result is recorded with its `service.Subject` (photo, model, weights, method, class, contrast and,
where the view depends on them, stage, display settings and language). `stale_notice` compares that
subject with the one the controls describe now and says, in the page's language, which choices have
moved on. No Gradio here: the views only wire it."""

from __future__ import annotations

from collections.abc import Sequence

from .i18n import pick
from .service import SUBJECT_FIELDS, Subject

TEXT = {
    "en": {
        "stale": "⚠️ **Not up to date:** {what} below are for the previous {fields}. {redo}",
        "results": "the results",
        "checks": "the checks",
        "and": " and ",
        "redo_analyze": "Press **Analyze** to update them.",
        "redo_run": "Run them again to update them.",
        "f_image": "photo",
        "f_model": "model",
        "f_weights": "weights",
        "f_method": "CAM method",
        "f_target": "class",
        "f_contrast": "contrast class",
        "f_stage": "stage",
        "f_display": "display settings",
        "f_lang": "language",
        "f_extra": "choices in this tab",
        "f_removed": "blocks to remove",
        "f_models": "choice of models",
    },
    "ko": {
        "stale": "⚠️ **최신이 아닙니다:** 아래 {what} 이전 {fields} 기준입니다. {redo}",
        "results": "결과는",
        "checks": "점검은",
        "and": ", ",
        "redo_analyze": "**분석**을 눌러 갱신하세요.",
        "redo_run": "다시 실행하면 갱신됩니다.",
        "f_image": "사진",
        "f_model": "모델",
        "f_weights": "가중치",
        "f_method": "CAM 방법",
        "f_target": "클래스",
        "f_contrast": "비교 클래스",
        "f_stage": "단계",
        "f_display": "표시 설정",
        "f_lang": "언어",
        "f_extra": "이 탭의 선택",
        "f_removed": "제거할 블록",
        "f_models": "모델 선택",
    },
}


Subjects = Subject | None | Sequence[Subject | None]


def _listed(subjects: Subjects) -> list[Subject | None]:
    return [subjects] if subjects is None or isinstance(subjects, Subject) else list(subjects)


def changed_fields(shown: Subjects, current: Subjects) -> list[str]:
    """The fields (in SUBJECT_FIELDS order, each once) in which a recorded subject differs from the
    current one. `shown` and `current` are one subject each, or lists matched up in order (a tab
    with several results, each compared with the controls as that result reads them); results never
    run (None in `shown`) are skipped."""
    recorded, now = _listed(shown), _listed(current)
    if len(now) == 1 and len(recorded) > 1:
        now = now * len(recorded)
    changed = {
        name for subject, other in zip(recorded, now) if subject is not None for name in subject.differences(other)
    }
    return [name for name in SUBJECT_FIELDS if name in changed]


def stale_notice(
    shown: Subjects,
    current: Subjects,
    lang: str | None = "en",
    redo: str = "analyze",
    what: str = "results",
    extra: str = "extra",
) -> str:
    """'' when every result on screen is of what the controls say; else one sentence naming the
    choices that changed. `redo`: "analyze" | "run", how to bring them up to date; `what`:
    "results" | "checks", what they are called; `extra`: the name of the tab's own choices
    (a key of TEXT without its "f_")."""
    fields = changed_fields(shown, current)
    if not fields:
        return ""
    names = {"digest": "image", "extra": extra}
    words = dict.fromkeys(pick(TEXT, "f_" + names.get(name, name), lang) for name in fields)
    return pick(
        TEXT,
        "stale",
        lang,
        what=pick(TEXT, what, lang),
        fields=pick(TEXT, "and", lang).join(words),
        redo=pick(TEXT, "redo_" + redo, lang),
    )
