"""Moved to gradio_speedups (every use of Gradio's private API, behind one switch); kept so that
`from . import inline` in the views still works. New code: `from . import gradio_speedups`."""

from .gradio_speedups import inline, on, postprocessed, preprocessed

__all__ = ["inline", "on", "postprocessed", "preprocessed"]
