"""Finding English left on a Korean page or in a Korean table: runs of plain English words, and
lines with English words and no Korean at all. Names (paper titles) and code-like tokens do not count."""

from __future__ import annotations

import re

# Names, not sentences: paper titles as cited, and Gradio/grad-cam terms kept in English in Korean lectures.
NAMES = (
    "He et al",
    "Veit et al",
    "Deep Residual Learning",
    "Identity Mappings in Deep Residual Networks",
    "Sanity Checks for Saliency Maps",
    "The Shattered Gradients Problem",
    "Residual Networks Behave Like Ensembles of Relatively Shallow Networks",
    "Visualizing the Loss Landscape of Neural Nets",
)
WORD = re.compile(r"^(?:[A-Za-z][a-z]+(?:'[a-z]+)?|[a-z]{2,})$")
HANGUL = re.compile(r"[\uac00-\ud7a3]")
LABELS_ALLOWED = {"English"}  # the language switch names the other language in its own words


def english_runs(text: str, length: int = 4) -> list[str]:
    """Runs of `length` or more plain English words in a row. A token with a digit, a path, code-like
    punctuation or Hangul breaks a run, so model names, file names and formulas do not count."""
    for name in NAMES:
        text = text.replace(name, " · ")
    runs, run = [], []
    for line in text.splitlines():
        for token in line.split() + ["·"]:
            bare = token.strip("()[]{}“”\"'.,;:!?…—–-*")
            if bare and WORD.match(bare) and not re.search(r"[\uac00-\ud7a3]", token):
                run.append(bare)
            else:
                if len(run) >= length:
                    runs.append(" ".join(run))
                run = []
    return runs


def english_labels(text: str) -> list[str]:
    """Lines with an English word and no Korean at all: a label or table header left untranslated."""
    for name in NAMES:
        text = text.replace(name, " · ")
    flagged = []
    for line in text.splitlines():
        words = [token.strip("()[]{}“”\"'.,;:!?…—–-*✓") for token in line.split()]
        if not HANGUL.search(line) and line.strip() not in LABELS_ALLOWED and any(WORD.match(w) for w in words if w):
            flagged.append(line.strip())
    return flagged


def english_on(text: str) -> list[str]:
    return english_runs(text) + english_labels(text)
