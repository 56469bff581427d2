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
