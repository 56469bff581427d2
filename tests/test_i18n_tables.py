"""One way to hold words: `{"en": {...}, "ko": {...}}` tables with every key in both languages, and
errors that carry a key and its values, rendered in the language of the page or terminal."""

from __future__ import annotations

import importlib
import pkgutil
import re
import string
from pathlib import Path

import pytest

import resnet_viz
from resnet_viz.errors import MESSAGES, CheckpointError, ImageInputError, Message, ModelChoiceError, ResnetVizError

PACKAGE = Path(resnet_viz.__file__).parent
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _modules():
    for info in pkgutil.walk_packages([str(PACKAGE)], prefix="resnet_viz."):
        yield importlib.import_module(info.name)


def _tables() -> dict[str, dict]:
    """Every module-level {"en": {...}, "ko": {...}} in the package, found by looking, not by a list."""
    found = {}
    for module in _modules():
        for name, value in vars(module).items():
            if (
                isinstance(value, dict)
                and set(value) == {"en", "ko"}
                and getattr(module, "__name__", "")
                and _defined_in(module, name)
            ):
                found[f"{module.__name__}.{name}"] = value
    return found


def _defined_in(module, name: str) -> bool:
    # A table imported from another module (`from .text import TEXT as CHART_TEXT`) is checked where it lives.
    source = Path(module.__file__).read_text(encoding="utf-8")
    return re.search(rf"^{re.escape(name)}\b[^=\n]*=", source, flags=re.M) is not None


def _fields(template: str) -> set[str]:
    return {field.split(".")[0].split("[")[0] for _, field, _, _ in string.Formatter().parse(template) if field}


TABLES = _tables()


def test_the_tables_are_found():
    # Not a test that cannot fail: the scan must see the tables every view and module uses.
    for expected in (
        "resnet_viz.presenter.TEXT",
        "resnet_viz.errors.MESSAGES",
        "resnet_viz.ui.lab_view.TEXT",
        "resnet_viz.ui.trust_view.TEXT",
        "resnet_viz.ui.compare_view.TEXT",
        "resnet_viz.trust.text.TEXT",
        "resnet_viz.architecture.TEXT",
        "resnet_viz.lab.blockrows.TEXT",
        "resnet_viz.lab.charts.TEXT",
        "resnet_viz.lecture.TEXT",
        "resnet_viz.service.TEXT",
    ):
        assert expected in TABLES, f"{expected} not found among {sorted(TABLES)}"


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_table_has_every_key_in_both_languages_as_text(name):
    table = TABLES[name]
    assert isinstance(table["en"], dict) and isinstance(table["ko"], dict), f"{name}: not a table of strings"
    missing, extra = set(table["en"]) - set(table["ko"]), set(table["ko"]) - set(table["en"])
    assert not missing, f"{name}: Korean lacks {sorted(missing)}"
    assert not extra, f"{name}: Korean has keys English lacks: {sorted(extra)}"
    for key, english in table["en"].items():
        korean = table["ko"][key]
        # One kind of table: strings (no lists, no nested dicts, no tuples of both languages).
        assert isinstance(english, str) and isinstance(korean, str), f"{name}[{key!r}] is not a string"
        # Korean may leave a value out (a library's English reason), never ask for one English lacks.
        assert _fields(korean) <= _fields(english), f"{name}[{key!r}]: Korean fields {_fields(korean)}"


def test_no_other_way_of_holding_text_is_left():
    """Bilingual literals ("Blocks / 블록"), direct TEXT["ko"] lookups, (English, Korean) tuples and the
    regex translator: each was a second way of holding words."""
    offenders = []
    literal = re.compile(r"""["'][A-Za-z][^"'\n]* / [\uac00-\ud7a3][^"'\n]*["']""")
    lookup = re.compile(r"""\[\s*["']ko["']\s*\]|["']ko["'] if """)
    pair = re.compile(r"""\(\s*["'][A-Z][A-Za-z ]+["']\s*,\s*["'][\uac00-\ud7a3][^"']*["']""")
    for path in PACKAGE.rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if literal.search(line) or lookup.search(line) or pair.search(line):
                offenders.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
    from resnet_viz import presenter

    assert not hasattr(presenter, "localized") and not hasattr(presenter, "_KOREAN")


def _values_for(template: str) -> dict:
    return {field: f"v_{field}" for field in _fields(template)}


@pytest.mark.parametrize("key", sorted(MESSAGES["en"]))
def test_every_error_key_renders_in_both_languages(key):
    values = _values_for(MESSAGES["en"][key])
    err = ResnetVizError(key, **values)
    english, korean = err.render("en"), err.render("ko")
    assert str(err) == english and err.key == key and err.values == values
    assert "{" not in english.replace("{'", "") and "{" not in korean.replace("{'", "")
    assert HANGUL.search(korean) and not HANGUL.search(english)
    for field, value in values.items():  # every value the Korean template names is in the sentence
        if field in _fields(MESSAGES["ko"][key]):
            assert value in korean
    # The words travel with the error: the same message said again in the other language.
    assert Message(key, values, "ko") == korean and Message(key, values, "ko").render("en") == english


def test_errors_keep_their_classes_and_english_words():
    err = ImageInputError("image_too_small", name="one.png", width=1, height=1, min_side=32)
    assert isinstance(err, ResnetVizError) and isinstance(err, ValueError)
    assert str(err) == "one.png is 1×1: too small to analyse (at least 32 px a side)."
    assert err.render("ko") == "one.png은(는) 1×1로, 분석하기에 너무 작습니다 (한 변이 32 px 이상이어야 합니다)."
    huge = ImageInputError("image_bomb", name="huge.png", megapixels=50)
    assert str(huge) == "huge.png declares more than 50 megapixels: refused before decoding."
    assert "megapixels" not in huge.render("ko") and "huge.png" in huge.render("ko")
    assert str(ModelChoiceError("unknown_device", device="tpu")) == "Unknown device 'tpu': use auto, cpu or cuda."
    # Older code that raises with a sentence still works, shown as written.
    assert ResnetVizError("Something went wrong.").render("ko") == "Something went wrong."
    with pytest.raises(KeyError):
        CheckpointError("no such key", name="x")  # a typo in a key fails loudly, not as a sentence


def test_real_refusals_speak_korean(tmp_path):
    from resnet_viz.images import load_image
    from resnet_viz.presenter import refused

    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(ImageInputError) as caught:
        load_image(empty)
    assert str(caught.value) == "empty.png is empty (0 bytes)."
    assert refused(caught.value, "ko") == "⚠️ **분석하지 못했습니다.** empty.png이(가) 비어 있습니다 (0바이트)."
    from PIL import Image

    one = tmp_path / "one.png"
    Image.new("RGB", (1, 1)).save(one)
    with pytest.raises(ImageInputError) as caught:
        load_image(one)
    assert caught.value.key == "image_too_small" and "너무 작습니다" in caught.value.render("ko")


def test_the_weights_note_speaks_the_page_language(resnet18):
    """Offline in tests: the note says why the weights are random, as a Message, in either language."""
    from resnet_viz.presenter import weights_banner

    note = resnet18.weights_note
    assert isinstance(note, Message) and note.key in ("note_offline", "note_unreachable", "note_random")
    korean = weights_banner(resnet18, "ko")
    assert "is not in the torch hub cache" not in korean and "캐시" in korean
    assert "resnet-viz weights fetch resnet18" in korean  # a command stays a command
    assert "is not in the torch hub cache" in weights_banner(resnet18, "en")


def test_the_cli_says_its_error_in_the_commands_language(tmp_path, capsys):
    from resnet_viz.cli import main

    missing = str(tmp_path / "nope.png")
    assert main(["lab", missing, "--lang", "ko", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("오류: ") and "파일이 없습니다" in err and "no such file" not in err
    assert main(["lab", missing, "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.strip() == "error: nope.png: no such file."


def test_handlers_render_user_errors_in_the_handlers_language():
    import gradio as gr

    from resnet_viz.ui.errors import handles_errors

    def handler(image, lang):
        raise ImageInputError("no_photo")

    with pytest.raises(gr.Error) as caught:
        handles_errors(handler)(None, "ko")
    assert caught.value.message == "먼저 사진을 올리세요 (또는 예시를 고르세요)."
    shown = handles_errors(handler, fallback=lambda message, *_: message)(None, "ko")
    assert (
        shown == "먼저 사진을 올리세요 (또는 예시를 고르세요)."
        and shown.render("en") == "Upload a photo first (or pick one of the examples)."
    )

    def broken(lang):
        raise RuntimeError("boom")

    with pytest.raises(gr.Error) as caught:
        handles_errors(broken)(lang="en")
    assert caught.value.message == "broken failed: RuntimeError: boom"
    with pytest.raises(gr.Error) as caught:
        handles_errors(broken)("ko")
    assert HANGUL.search(caught.value.message) and "RuntimeError" in caught.value.message


def test_misconceptions_box_is_in_both_languages_and_in_the_panel():
    from resnet_viz import presenter

    for lang in ("en", "ko"):
        box = presenter.misconceptions(lang)
        assert box in presenter.text("theory", lang)
        for fact in ("152", "1202", "inplanes", "64", "F(x) + shortcut(x)"):
            assert fact in box, (lang, fact)
    theory = " ".join(presenter.text("theory", "en").split())  # as Markdown reads it: lines joined
    assert "∂H/∂x = ∂F/∂x + I" in theory and "relu(F(x) + x)" in theory
    assert "unlikely to be caused by vanishing gradients" in theory and "Identity Mappings" in theory
    assert "Veit et al. 2016" in theory and "5–17 of the 54 blocks" in theory
    assert "기울기 소실" in presenter.text("theory", "ko")


@pytest.mark.parametrize("name", sorted(TABLES))
def test_korean_tables_hold_no_english_sentence(name):
    """Without a browser: no Korean string is an English sentence (4+ plain English words in a row),
    once its code (in backticks) is set aside. Model names, paths and formulas are not words."""
    from korean_text import english_runs

    found = {}
    for key, korean in TABLES[name]["ko"].items():
        runs = english_runs(re.sub(r"`[^`]*`", " · ", korean))
        if runs:
            found[key] = runs
    assert not found, found
