"""The functions the UI calls, without Gradio: caches, picture files, words (en/ko), subjects."""

from pathlib import Path

import pytest
from PIL import Image

from resnet_viz import presenter
from resnet_viz.analysis import renormalized
from resnet_viz.errors import ModelChoiceError
from resnet_viz.filestore import FileStore
from resnet_viz.service import Analyzer, channel_picture, render_pictures, subject_of, target_choices

EXAMPLE = Path(__file__).resolve().parent.parent / "assets" / "examples" / "chelsea.jpg"


def test_display_options_rerender_without_recomputing(tmp_path):
    analyzer, store = Analyzer(device="cpu"), FileStore(str(tmp_path / "store"))
    key, result = analyzer.analysis(str(EXAMPLE), "resnet18", "DEFAULT", "gradcam", "")
    again_key, again = analyzer.analysis(str(EXAMPLE), "resnet18", "DEFAULT", "gradcam", "")
    assert again_key == key and again is result  # cached: no second forward
    cached, loaded = analyzer.cached(key)
    small = render_pictures(cached, store, 8, "magma", 0.3, "shared")
    large = render_pictures(cached, store, 64, "viridis", 0.5, "per-stage")
    assert Image.open(small.stages[1].features_file).size[0] < Image.open(large.stages[1].features_file).size[0]
    subject = subject_of(str(EXAMPLE), "resnet18", "DEFAULT", "gradcam", "")
    assert "UNTRAINED" in presenter.predictions_heading(cached) and "random weights" in presenter.weights_banner(loaded)
    assert "shared scale" in presenter.summary(renormalized(cached, "shared"), subject)
    assert "own 0–1 scale" in presenter.summary(cached, subject)
    assert Image.open(channel_picture(cached, store, "conv3_x", 5, 0.5)).size == (224, 224)
    with pytest.raises(ModelChoiceError, match="Channel 128 does not exist here"):
        channel_picture(cached, store, "layer2", 128, 0.5)
    other_key, _ = analyzer.analysis(str(EXAMPLE), "resnet18", "DEFAULT", "gradcam", "281")
    assert other_key != key
    assert target_choices(loaded)[0] == ("top-1 (automatic)", "")
    assert target_choices(loaded)[282] == ("tabby (281)", "281")
    store.close()
    assert not (tmp_path / "store").exists()


def test_a_subject_says_what_changed(tmp_path):
    copy = tmp_path / "same.jpg"
    copy.write_bytes(EXAMPLE.read_bytes())
    shown = subject_of(str(EXAMPLE), "resnet18", "DEFAULT", "gradcam", "top-1 (automatic)")
    assert (
        shown.differences(subject_of(str(copy), "resnet18", "DEFAULT", "gradcam", "")) == []
    )  # same bytes, same class
    assert shown.differences(subject_of(str(EXAMPLE), "resnet34", "DEFAULT", "gradcam", "")) == ["model"]
    assert "previous model" in presenter.stale_notice(
        shown, subject_of(str(EXAMPLE), "resnet34", "DEFAULT", "gradcam", "")
    )
    assert "이전 모델" in presenter.stale_notice(
        shown, subject_of(str(EXAMPLE), "resnet34", "DEFAULT", "gradcam", ""), "ko"
    )
    assert presenter.stale_notice(None, shown) == ""


def test_every_word_has_a_korean_version():
    assert set(presenter.TEXT["en"]) == set(presenter.TEXT["ko"])
    for lang in ("en", "ko"):  # defect 7: projection where only channels change; which stem convention
        theory = presenter.text("theory", lang)
        assert "64 → 256" in theory and "112×112" in theory and "56×56" in theory


def test_a_contrast_is_part_of_the_subject_the_cache_key_and_the_words(tmp_path):
    """Issue 11 §2: the contrast class changes the numbers, so it keys the cache and marks results stale."""
    analyzer = Analyzer(device="cpu")
    key, plain = analyzer.analysis(str(EXAMPLE), "resnet18", "DEFAULT", "gradcam", "281")
    contrast_key, result = analyzer.analysis(str(EXAMPLE), "resnet18", "DEFAULT", "gradcam", "281", "tiger cat")
    assert contrast_key != key and plain.contrast is None
    assert (result.target.index, result.contrast.index, result.contrast.label) == (281, 282, "tiger cat")
    assert analyzer.analysis(str(EXAMPLE), "resnet18", "DEFAULT", "gradcam", "281", "282")[0] != key
    shown = subject_of(str(EXAMPLE), "resnet18", "DEFAULT", "gradcam", "281", "tiger cat")
    assert shown.differences(subject_of(str(EXAMPLE), "resnet18", "DEFAULT", "gradcam", "281")) == ["contrast"]
    current = subject_of(str(EXAMPLE), "resnet18", "DEFAULT", "gradcam", "281", "")
    assert "previous contrast class" in presenter.stale_notice(shown, current)
    assert "이전 비교 클래스" in presenter.stale_notice(shown, current, "ko")
    assert "Grad-CAM for tabby − tiger cat" in presenter.summary(result, shown)
    assert "tabby − tiger cat에 대한 Grad-CAM" in presenter.summary(result, shown, "ko")
    assert "for tabby − tiger cat" in presenter.cam_heading("gradcam", "en", result)
    with pytest.raises(ModelChoiceError, match="EigenCAM is class-agnostic"):
        analyzer.analysis(str(EXAMPLE), "resnet18", "DEFAULT", "eigencam", "", "282")


def test_the_apps_pictures_are_served_from_gradios_cache_without_a_copy():
    """Gradio hashes and copies every returned file that is outside its cache folder; the app's
    FileStore lives inside it, so a picture is handed over as it is, and its folder is a static path."""
    import gradio as gr

    from resnet_viz.ui.context import browser_store

    store = browser_store()
    try:
        path = store.write(b"\x89PNG not really", "png")
        assert gr.Image().move_resource_to_block_cache(path) == path
        # static: Gradio's per-file allow-list checks and cache move are skipped for the store's pictures only
        assert gr.utils.is_static_file(path)
        # ...and its folder is the first static path Gradio tries (each try resolves two paths)
        from gradio.data_classes import _StaticFiles

        assert _StaticFiles.all_paths[0] == store.folder.resolve()
        assert gr.utils.is_in_or_equal(path, _StaticFiles.all_paths[0])
        elsewhere = FileStore()
        try:
            other = elsewhere.write(b"\x89PNG not really", "png")
            assert not gr.utils.is_static_file(other)
            assert gr.Image().move_resource_to_block_cache(other) != other  # the copy the store avoids
        finally:
            elsewhere.close()
    finally:
        store.close()


def test_server_heap_settings_start_one_trimmer_and_leave_big_blocks_in_the_heap():
    """tune_for_server once set a 128 KB mmap threshold: every activation became an mmap + page faults
    and an analysis took twice as long. Now: two heaps and one background malloc_trim thread."""
    import ctypes
    import ctypes.util
    import threading

    from resnet_viz import malloc

    if not hasattr(ctypes.CDLL(ctypes.util.find_library("c")), "malloc_trim"):
        pytest.skip("not glibc")
    assert malloc.tune_for_server() and malloc.tune_for_server()
    assert [t.name for t in threading.enumerate()].count("resnet-viz-malloc-trim") == 1
    assert not hasattr(malloc, "MMAP_THRESHOLD")
    malloc.stop_trimming()  # the thread stops when asked (it used to loop forever)
    assert "resnet-viz-malloc-trim" not in [t.name for t in threading.enumerate()]
