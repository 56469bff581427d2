"""The printable handout: A4 pages, Hangul that can be extracted, every font embedded, the corrected
theory and the misconceptions, and the same bytes on a rerun (in this process and in another one)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

pypdf = pytest.importorskip("pypdf")

import resnet_viz  # noqa: E402
from resnet_viz.cli import main  # noqa: E402
from resnet_viz.handout import ASSETS, chart_files, handout_pdf, misconceptions, wrap  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
A4_POINTS = {(595, 842), (842, 595)}


@pytest.fixture(scope="module")
def photo(tmp_path_factory, chelsea) -> Path:
    path = tmp_path_factory.mktemp("handout") / "chelsea.png"
    Image.fromarray(chelsea).save(path)
    return path


@pytest.fixture(scope="module")
def korean(resnet18, photo) -> bytes:
    result = resnet_viz.analyze(resnet18, resnet_viz.load_image(photo))
    return handout_pdf(result, resnet18.module, "ko", photo.name)


def _fonts(reader) -> list:
    fonts = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            fonts.append(descendants[0].get_object() if descendants else font)
    return fonts


def test_korean_handout_pages_text_and_fonts(korean):
    reader = pypdf.PdfReader(io.BytesIO(korean))
    sizes = {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages}
    assert sizes <= A4_POINTS and len(reader.pages) >= 5
    pages = [page.extract_text() for page in reader.pages]
    text = "\n".join(pages)
    assert "잔차 학습" in pages[0] and "relu(F(x) + x)" in pages[0] and "H(x) = F(x) + x" in pages[0]
    assert "병목 블록" in text and "프로젝션 숏컷" in text and "스트라이드 2" in text
    assert any("모델의 단계: resnet18" in page and "layer4" in page for page in pages)  # the stage table
    assert any("이 사진을 단계별로" in page for page in pages)
    assert "흔한 오해" in pages[-1] and misconceptions("ko")[0][:12] in pages[-1].replace("\n", " ")
    assert "학습되지 않은" in text  # random weights are said to be random
    fonts = _fonts(reader)
    assert fonts and all(
        any(key in f["/FontDescriptor"] for key in ("/FontFile", "/FontFile2", "/FontFile3")) for f in fonts
    ), "a font is not embedded"
    assert any("NotoSansCJK" in f["/BaseFont"] for f in fonts)


def test_handout_has_the_charts_in_assets(korean):
    charts = chart_files("ko")
    assert [key for key, _ in charts][:1] == ["chart_lab"] and all(path.is_file() for _, path in charts)
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(korean)).pages)
    assert "잔차 실험실과 깊이 연구에서" in text and "잔차 실험실: 숏컷이 바꾸는 것" in text
    assert (ASSETS / "lab_ko.png") in [path for _, path in charts]


def test_same_bytes_on_a_rerun_in_another_process(photo, korean, tmp_path):
    env = {**os.environ, "RESNET_VIZ_OFFLINE": "1", "PYTHONHASHSEED": "123"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "resnet_viz.cli",
            "handout",
            str(photo),
            "--lang",
            "ko",
            "--out",
            str(tmp_path),
            "--model",
            "resnet18",
            "--device",
            "cpu",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "handout-ko.pdf").read_bytes() == korean


def test_english_handout_and_a_bad_photo(photo, tmp_path, capsys):
    assert (
        main(["handout", str(photo), "--lang", "en", "--out", str(tmp_path), "--model", "resnet18", "--device", "cpu"])
        == 0
    )
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(tmp_path / "handout-en.pdf").pages)
    assert "Residual learning" in text and "Common misconceptions" in text and "bottleneck" in text.lower()
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"no picture here")
    assert main(["handout", str(bad), "--out", str(tmp_path), "--model", "resnet18"]) == 2
    err = capsys.readouterr().err
    assert "bad.png" in err and "Traceback" not in err


def test_wrap_counts_hangul_as_wide():
    lines = wrap("가나다라 마바사아 자차카타 파하", 18)
    assert lines == ["가나다라 마바사아", "자차카타 파하"]
    assert wrap("a b c", 3) == ["a b", "c"]


def test_one_screen_offers_the_handout_of_the_analysis_on_screen(photo):
    from resnet_viz.service import subject_of
    from resnet_viz.ui.app import build_app

    app = build_app("resnet18", "DEFAULT", "cpu")
    handout = next(fn for fn in app.fns.values() if fn.api_name == "handout")
    key, _ = app.analyzer.analysis(str(photo), "resnet18", "DEFAULT", "gradcam", "")
    shown = subject_of(str(photo), "resnet18", "DEFAULT", "gradcam", "")
    path = Path(handout.fn(key, "ko", shown))
    assert path.name.startswith("handout-ko-") and path.suffix == ".pdf"
    first = pypdf.PdfReader(path).pages[0].extract_text()
    assert "잔차 학습" in first and "chelsea.png" in first
    with pytest.raises(Exception, match="Analyze an image first"):
        handout.fn("", "en", None)
