"""The Gradio app: `app` assembles the page, one module per view lays out and wires its tab.
Every function a handler calls lives outside this package and is tested without Gradio."""

from .app import DEFAULT_CONCURRENCY, build_app, cache_examples, launch

__all__ = ["DEFAULT_CONCURRENCY", "build_app", "cache_examples", "launch"]
