"""ui/gradio_speedups.on (ui/inline.py): the same answers as Gradio's own pre- and postprocessing, without its thread trips.

The reference is Gradio itself: one handler wired twice in one Blocks, once as usual and once with
`inline.on`, each called through `Blocks.process_api` (what the queue calls) with the same payloads."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from gradio.data_classes import FileData
from gradio.state_holder import SessionState
from PIL import Image

from resnet_viz.ui import inline
from resnet_viz.ui.widgets import LenientNumber, SafeImage, TextDropdown


def _handler(photo, model, scale, opacity, channel, target):
    """Every kind of value the stages view returns: pictures, a label, markdown, an update, a state."""
    picture = Path(photo)
    return {
        "seen": str(picture),
        "label": {"tabby": 0.75, "tiger cat": 0.2, f"{model}": 0.05},
        "text": f"""
            **{model}** · {scale} · {opacity:.2f} · channel {channel!r} · class {target!r}
            """,
        "notice": gr.Markdown(
            """
            ⚠️ shown again
            """,
            visible=True,
        ),
        "state": (model, channel),
    }


def _app():
    with gr.Blocks() as app:
        photo = SafeImage(type="filepath")
        model = gr.Dropdown(["resnet18", "resnet50"], value="resnet18", allow_custom_value=True)
        scale = gr.Radio([("per stage", "per-stage"), ("shared", "shared")], value="per-stage")
        opacity = gr.Slider(0.1, 0.9, value=0.5)
        channel = LenientNumber(value=0, precision=0)
        target = TextDropdown([("automatic", ""), ("tabby (281)", "281")], value="", allow_custom_value=True)
        seen, label, text = gr.Image(), gr.Label(num_top_classes=2), gr.Markdown()
        notice, state = gr.Markdown(visible=False), gr.State(None)
        outputs = [seen, label, text, notice, state]

        def keyed(*args):
            values = _handler(*args)
            return dict(zip(outputs, values.values()))

        inputs = [photo, model, scale, opacity, channel, target]
        gr.Button().click(keyed, inputs, outputs, api_name="gradio_way")
        inline.on(gr.Button().click, keyed, inputs, outputs, api_name="inline_way")
        gr.Button().click(lambda *a: list(_handler(*a).values()), inputs, outputs, api_name="gradio_list")
        inline.on(gr.Button().click, lambda *a: list(_handler(*a).values()), inputs, outputs, api_name="inline_list")
        gr.Button().click(lambda *a: _handler(*a)["label"], inputs, [label], api_name="gradio_one")
        inline.on(gr.Button().click, lambda *a: _handler(*a)["label"], inputs, [label], api_name="inline_one")
        gr.Button().click(lambda *a: gr.skip(), inputs, outputs, api_name="gradio_skip")
        inline.on(gr.Button().click, lambda *a: gr.skip(), inputs, outputs, api_name="inline_skip")
    return app


def _payloads(tmp_path: Path, **changes) -> list:
    path = tmp_path / "photo.png"
    buffer = io.BytesIO()
    Image.fromarray(np.full((32, 32, 3), 90, np.uint8)).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    photo = FileData(path=str(path), orig_name="photo.png").model_dump()
    values = {"photo": photo, "model": "resnet50", "scale": "shared", "opacity": 0.35, "channel": 7.0, "target": "281"}
    return list((values | changes).values())


def _call(app, api_name: str, payloads: list) -> tuple[list, dict]:
    index = next(i for i, fn in app.fns.items() if fn.api_name == api_name)
    state = SessionState(app)
    answer = asyncio.run(app.process_api(index, payloads, state=state, explicit_call=True))
    kept = {key: state[key] for key, block in app.blocks.items() if isinstance(block, gr.State) and key in state}
    return answer["data"], kept


@pytest.mark.parametrize("way", ["way", "list", "one", "skip"])
def test_inline_answers_exactly_as_gradio_does(tmp_path, way):
    app = _app()
    payloads = _payloads(tmp_path)
    gradio_data, gradio_state = _call(app, f"gradio_{way}", payloads)
    inline_data, inline_state = _call(app, f"inline_{way}", payloads)
    assert inline_data == gradio_data
    assert list(inline_state.values()) == list(gradio_state.values())
    if way == "way":  # the comparison compares something: each kind of value came through
        seen, label, text, notice, _ = inline_data
        assert seen["path"].endswith("photo.png") and seen["url"]
        assert label["label"] == "tabby" and len(label["confidences"]) == 2
        assert text.startswith(
            "**resnet50** · shared · 0.35 · channel 7 · class '281'"
        )  # Number, precision 0: 7.0 -> 7
        assert notice["__type__"] == "update" and notice["visible"] is True and notice["value"] == "⚠️ shown again"
        assert list(inline_state.values()) == [("resnet50", 7)]


def test_inline_refuses_what_gradio_refuses_with_its_words(tmp_path):
    app = _app()
    payloads = _payloads(tmp_path, scale="bogus")
    messages = []
    for api_name in ("gradio_way", "inline_way"):
        with pytest.raises(gr.Error) as raised:
            _call(app, api_name, payloads)
        messages.append(str(raised.value))
    assert messages[0] == messages[1] and "bogus" in messages[0] and "per-stage" in messages[0]


def test_the_stages_views_picture_events_are_inline(monkeypatch):
    """The events that return the pictures skip Gradio's own trips; the API's answers are the same
    (the end-to-end tests compare them with in-process analyses). Built, not launched."""
    from resnet_viz.ui.app import build_app

    monkeypatch.delenv("RESNET_VIZ_GRADIO_SPEEDUPS", raising=False)
    app = build_app("resnet18", device="cpu")
    picture_events = [
        fn
        for fn in app.fns.values()
        if sum(isinstance(block, gr.Image) for block in fn.outputs) >= 10 and fn.name != "relabel"
    ]  # the language switch relabels every picture: labels, no pictures
    assert len(picture_events) >= 4  # the Analyze button, a click on a prediction, re-rendering, /analyze
    for fn in picture_events:
        assert fn.preprocess is False and fn.postprocess is False, fn.name
