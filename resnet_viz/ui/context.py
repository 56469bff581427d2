"""What every view of the app shares: the analyzer and the controls that choose what is analysed."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr

from ..filestore import FileStore
from ..models import LoadedModel
from ..package_data import assets_dir, example_photos
from ..service import Analyzer
from .gradio_speedups import put_static_first

ASSETS = assets_dir()  # the shipped files, installed or not (package_data)
EXAMPLES = example_photos()


def cache_examples(loaded: LoadedModel) -> bool:
    """Lazily cache the examples' answers on a Hugging Face Space with trained weights. Not
    elsewhere: a cache made with one model or weights would be served for the next, silently."""
    return bool(os.environ.get("SPACE_ID")) and loaded.is_pretrained


def browser_store() -> FileStore:
    """A FileStore inside Gradio's own cache folder: Gradio serves files from there as they are,
    instead of hashing and copying every returned picture (about 10 ms a request, measured)."""
    root = Path(gr.utils.get_upload_folder())
    root.mkdir(parents=True, exist_ok=True)
    folder = tempfile.mkdtemp(prefix="resnet-viz-", dir=root)
    # Static: Gradio then skips its allow-list checks and its move-to-cache step for each returned
    # picture (~1 ms of path resolving per file, 10 files per analysis). The folder holds only our pictures.
    gr.set_static_paths([folder])
    put_static_first(Path(folder).resolve())
    # Not copied means the browser may still fetch an older file: keep more of them than before.
    return FileStore(folder, max_files=1000)


@dataclass
class ViewContext:
    """Handed to each view's `build`. The shared controls live in the sidebar; a view reads them as
    inputs of its own events and never owns them.

    Handlers that write text take `lang` (ctx.lang) as an input; static labels are relabelled:
    `on_language`: a view appends `(components, relabel)` where `relabel(lang)` returns one update
    per component, in order; the app calls it when the language changes ("en" or "ko").
    """

    analyzer: Analyzer
    image: gr.Image
    model: gr.Dropdown
    weights: gr.Dropdown
    method: gr.Dropdown
    target: gr.Dropdown
    lang: gr.Radio
    banner: gr.Markdown
    analyze_button: gr.Button
    result_key: gr.State  # the service's cache key of the analysis on screen ("" when none)
    sidebar: gr.Sidebar
    default_model: str
    default_weights: str
    on_language: list[tuple[list[gr.components.Component], Callable[[str], list[Any]]]] = field(default_factory=list)
    # The Subject (service.Subject) of the analysis on screen, None when none: views compare it with
    # the controls to say when what they show is no longer what the controls describe.
    shown: gr.State | None = None
    store: FileStore = field(default_factory=browser_store)  # picture files handed to the browser
    # The class B of "why A, not B" ("" = none). Not in `subject`, whose five inputs views take
    # positionally; views that honour a contrast add it as their last input.
    contrast: gr.Dropdown | None = None
    # The stages view's display settings (channels, normalization, colormap, opacity), in that order:
    # views that draw the same analysis honour them too. Set by analysis_view.build.
    display: list = field(default_factory=list)
    # `--reference DIR`: more reference images for the channel inspector's dataset examples.
    reference_dir: str | None = None

    @property
    def subject(self) -> list[gr.components.Component]:
        """The inputs that say what is analysed: image, model, weights, method, class."""
        return [self.image, self.model, self.weights, self.method, self.target]
