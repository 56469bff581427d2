"""ui/gradio_speedups uses Gradio's private API; these fail loudly, naming the speed-up to update or
drop, on a Gradio release that moves what it relies on. (tests/test_inline.py checks that `on` gives
Gradio's own answers.) And RESNET_VIZ_GRADIO_SPEEDUPS=0 turns every one of them off."""

from __future__ import annotations

import inspect
from pathlib import Path

import gradio as gr
import pytest
import tomllib
from packaging.requirements import Requirement

from resnet_viz.ui import gradio_speedups

ROOT = Path(__file__).resolve().parent.parent


def test_the_installed_gradio_is_in_the_pinned_range():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (gradio_req,) = [Requirement(d) for d in pyproject["project"]["dependencies"] if d.startswith("gradio")]
    assert gradio_req.specifier.contains(gr.__version__), f"gradio {gr.__version__} is outside {gradio_req}"
    assert any(spec.operator == "<" for spec in gradio_req.specifier), (
        "pin an upper bound: the speed-ups use private API"
    )


def test_inline_processing_still_finds_what_it_calls():
    from gradio.blocks import Block
    from gradio.data_classes import GradioModel, GradioRootModel

    image = gr.Image(type="filepath")
    for name, ok in [
        ("gr.Image.data_model", getattr(image, "data_model", None) is not None),
        ("Block.constructor_args", isinstance(gr.Markdown("x").constructor_args, dict)),
        ("gr.State.stateful", gr.State().stateful is True and not image.stateful),
        ("Image.postprocess -> GradioModel", issubclass(type(image).data_model, (GradioModel, GradioRootModel))),
        ("Block", isinstance(image, Block)),
    ]:
        assert ok, f"Gradio {gr.__version__}: {name} changed; update or drop gradio_speedups.on"
    events = inspect.signature(gr.Button().click).parameters
    assert {"preprocess", "postprocess"} <= set(events), "gradio_speedups.on wires preprocess=False, postprocess=False"


def test_static_paths_are_where_put_static_first_reorders_them(tmp_path, monkeypatch):
    monkeypatch.delenv(gradio_speedups.SWITCH, raising=False)
    paths = getattr(getattr(gr.data_classes, "_StaticFiles", None), "all_paths", None)
    assert isinstance(paths, list), (
        f"Gradio {gr.__version__} moved gr.data_classes._StaticFiles.all_paths: "
        "update or drop gradio_speedups.put_static_first"
    )
    before = list(paths)
    try:
        gr.set_static_paths([str(tmp_path)])
        assert tmp_path.resolve() in paths, "set_static_paths no longer fills _StaticFiles.all_paths"
        assert gradio_speedups.put_static_first(tmp_path.resolve())
        assert paths[0] == tmp_path.resolve()
    finally:
        paths[:] = before


def test_gradio_still_reads_the_monitoring_summary_frequency():
    import gradio.queueing

    source = inspect.getsource(gradio.queueing)
    assert gradio_speedups.ANALYTICS_FREQUENCY_ENV in source, (
        f"Gradio {gr.__version__} no longer reads {gradio_speedups.ANALYTICS_FREQUENCY_ENV}: "
        "drop gradio_speedups.quiet_monitoring's variable"
    )
    assert callable(getattr(gr.utils, "get_upload_folder", None)), (
        "ui/context.browser_store uses gr.utils.get_upload_folder"
    )


def test_the_switch_turns_every_speed_up_off(tmp_path, monkeypatch):
    monkeypatch.setenv(gradio_speedups.SWITCH, "0")
    monkeypatch.delenv(gradio_speedups.ANALYTICS_FREQUENCY_ENV, raising=False)
    assert not gradio_speedups.enabled()
    with gr.Blocks() as app:
        box, out = gr.Textbox(), gr.Textbox()
        gradio_speedups.on(gr.Button().click, str.upper, [box], [out], api_name="plain")
    (fn,) = [f for f in app.fns.values() if f.api_name == "plain"]
    assert fn.preprocess is True and fn.postprocess is True and fn.fn is str.upper
    assert not gradio_speedups.put_static_first(tmp_path)
    kwargs: dict = {}
    gradio_speedups.quiet_monitoring(kwargs)
    assert kwargs == {"enable_monitoring": False}
    import os

    assert gradio_speedups.ANALYTICS_FREQUENCY_ENV not in os.environ


@pytest.mark.parametrize("value", [None, "1"])
def test_the_speed_ups_are_on_by_default(monkeypatch, value):
    if value is None:
        monkeypatch.delenv(gradio_speedups.SWITCH, raising=False)
    else:
        monkeypatch.setenv(gradio_speedups.SWITCH, value)
    assert gradio_speedups.enabled()
    with gr.Blocks() as app:
        box, out = gr.Textbox(), gr.Textbox()
        gradio_speedups.on(gr.Button().click, str.upper, [box], [out], api_name="fast")
    (fn,) = [f for f in app.fns.values() if f.api_name == "fast"]
    assert fn.preprocess is False and fn.postprocess is False


def test_a_list_of_names_keeps_only_those_on(monkeypatch):
    monkeypatch.setenv(gradio_speedups.SWITCH, "static, monitoring")
    assert [gradio_speedups.enabled(name) for name in gradio_speedups.NAMES] == [False, True, True]
    monkeypatch.setenv(gradio_speedups.SWITCH, "0")
    assert not any(gradio_speedups.enabled(name) for name in gradio_speedups.NAMES)
