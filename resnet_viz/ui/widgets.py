"""Components of our own."""

from __future__ import annotations

import gradio as gr


class SafeImage(gr.Image):
    """An image input that hands over the uploaded file untouched: decoding (with size limits,
    EXIF, 16-bit…) is ours, and Gradio's own decode would fail first with a generic error."""

    def get_block_name(self) -> str:
        return "image"  # reuse gr.Image's front end

    def preprocess(self, payload):  # type: ignore[override]
        if payload is None or (payload.url and payload.url.startswith("data:")) or payload.path is None:
            return super().preprocess(payload)
        return str(payload.path)


class TextDropdown(gr.Dropdown):
    """A dropdown whose API type is a plain string: the service checks the value and says what is
    wrong, so programs need not see (and gradio_client need not type) 1000 class ids."""

    def get_block_name(self) -> str:
        return "dropdown"

    def api_info(self) -> dict:
        return {"type": "string", "description": str(self.info or self.label or "")}


class LenientNumber(gr.Number):
    """A number input that hands a non-number on as it came (e.g. "abc" from an API call), so the
    service can say which values exist instead of Gradio's bare type error."""

    def get_block_name(self) -> str:
        return "number"

    def preprocess(self, payload):  # type: ignore[override]
        try:
            return super().preprocess(payload)
        except (TypeError, ValueError):
            return payload
