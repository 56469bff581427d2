"""Every use of Gradio's private API in resnet-viz, behind one switch.

RESNET_VIZ_GRADIO_SPEEDUPS=0 turns them all off: the app then uses only Gradio's public API, and is
slower (benchmarks/README.md, "Gradio speed-ups", measures each). A comma-separated list of names
(inline, static, monitoring) keeps only those on, for benchmarks/bench_speedups.py. They were written against the
Gradio in pyproject.toml's range; tests/test_gradio_speedups.py checks each private name they use,
so a Gradio release that moves one fails there, loudly, rather than quietly in the app.

1. `on`: pre- and postprocessing of an event in the handler's own worker thread.

   Gradio runs each input's `preprocess` and each output's `postprocess` as its own trip to a worker thread
   (`anyio.to_thread.run_sync`), one after another. An analysis has 11 inputs and 20 outputs: 31 trips,
   each a hand-over between threads under the GIL. Gradio's own profiler (GRADIO_PROFILING=1) put its
   phases at 7-11 ms before the handler and 13-19 ms after it (resnet18, 2 cores); with the same calls made
   here, in the thread that already runs the handler, 1.4-1.7 and 2.8-3.3 ms. Events wired with `inline` pass
   `preprocess=False, postprocess=False`, so Gradio still checks and moves the files and validates the
   payloads, and this module runs the very same component methods Gradio would.

   One difference, and why it does not matter here: Gradio preprocesses with the session's copy of a
   component when an event has updated it. This uses the component as built. For the inputs of the
   events wired here, no update changes what is checked: the dropdowns whose choices change per session
   (weights, class, contrast) take any value (`allow_custom_value`, checked by the service), and the
   radios that are relabelled keep their values.

2. `put_static_first`: our picture folder first among Gradio's static paths (`_StaticFiles.all_paths`).
3. `quiet_monitoring`: no per-event summary for the /monitoring page (GRADIO_ANALYTICS_CACHE_FREQUENCY).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.blocks import Block
from gradio.data_classes import GradioModel, GradioRootModel

SWITCH = "RESNET_VIZ_GRADIO_SPEEDUPS"


NAMES = ("inline", "static", "monitoring")


def enabled(name: str | None = None) -> bool:
    """Whether speed-up `name` (any of them, without a name) is on. Read at each use, so a test or a
    benchmark can flip it per app it builds."""
    value = os.environ.get(SWITCH, "1").strip().lower()
    if value in ("1", "true", "on", ""):
        return True
    if value in ("0", "false", "off"):
        return False
    chosen = {part.strip() for part in value.split(",")}
    return bool(chosen & set(NAMES)) if name is None else name in chosen


def preprocessed(block: Any, payload: Any) -> Any:
    """What Gradio's preprocessing hands a handler for `payload` (as it arrives with preprocess=False)."""
    if getattr(block, "stateful", False):  # gr.State: Gradio hands over the session's value either way
        return payload
    data_model = getattr(block, "data_model", None)
    if data_model is not None and payload is not None:
        payload = data_model.model_validate(payload, context={"validate_meta": True})
    return block.preprocess(payload)


def postprocessed(block: Any, value: Any) -> Any:
    """What Gradio's postprocessing would send to the browser for a handler's `value`."""
    if getattr(block, "stateful", False):  # kept on the server, never postprocessed
        return value
    if isinstance(value, Block):  # an update: Gradio sends its arguments, with the value postprocessed
        update = value.constructor_args.copy()
        if "value" in update:
            update["value"] = postprocessed(block, update["value"])
        update["__type__"] = "update"
        return update
    if isinstance(value, dict) and value.get("__type__") == "update":  # e.g. gr.skip(): as it is
        return value
    serialized = block.postprocess(value)
    return serialized.model_dump() if isinstance(serialized, (GradioModel, GradioRootModel)) else serialized


def inline(fn: Callable, inputs: Sequence[Any], outputs: Sequence[Any] | Any) -> Callable:
    """`fn` with its inputs preprocessed and its outputs postprocessed in the calling thread. Wire the
    result with `preprocess=False, postprocess=False` and the same `inputs` and `outputs`."""
    inputs = list(inputs)
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    single = len(outputs) == 1  # Gradio then takes the whole result as that one output's value

    @functools.wraps(fn)
    def wrapper(*payloads: Any) -> Any:
        result = fn(*(preprocessed(block, payload) for block, payload in zip(inputs, payloads)))
        if isinstance(result, dict) and result.get("__type__") == "update":  # gr.skip() for every output
            return result
        if isinstance(result, dict) and all(isinstance(key, Block) for key in result) and (result or not single):
            # keyed by component: only those it names change, as Gradio does with such a dict
            return {block: postprocessed(block, value) for block, value in result.items()}
        if single:
            return postprocessed(outputs[0], result)
        return [postprocessed(block, value) for block, value in zip(outputs, result)]

    return wrapper


def on(trigger: Callable, fn: Callable, inputs: Sequence[Any], outputs: Sequence[Any] | Any, **kwargs: Any):
    """`trigger(fn, inputs, outputs, **kwargs)`, with the processing done inline when the speed-ups
    are on (see the module)."""
    if not enabled("inline"):
        return trigger(fn, list(inputs), outputs, **kwargs)
    return trigger(inline(fn, inputs, outputs), list(inputs), outputs, preprocess=False, postprocess=False, **kwargs)


def put_static_first(folder: Path) -> bool:
    """Put `folder` (already given to gr.set_static_paths) first among Gradio's static paths. For each
    returned file Gradio tries them in order, resolving both paths (0.14 ms a try), and set_static_paths
    appends after Gradio's own icons: 11 files an answer took 4.7 ms of the server's event loop, 1.5 ms
    with ours first (alternated server runs: answer -> browser 25 -> 17-18 ms). False when off or when
    Gradio's private list is not where it was (then nothing changes but the order)."""
    if not enabled("static"):
        return False
    paths = _static_paths()
    if paths is None or folder not in paths:
        return False
    paths.remove(folder)
    paths.insert(0, folder)
    return True


def _static_paths() -> list | None:
    static = getattr(getattr(gr, "data_classes", None), "_StaticFiles", None)
    paths = getattr(static, "all_paths", None)
    return paths if isinstance(paths, list) else None


# Gradio's /monitoring page: after every finished event Gradio summarises ALL events so far (up to
# 10,000) in a pandas DataFrame, on the server's cores: 2-3 ms an event at first, ~15 ms at 10,000
# (a lecture's worth of clicks). Gradio reads the frequency when app.queue() makes the queue.
ANALYTICS_FREQUENCY_ENV = "GRADIO_ANALYTICS_CACHE_FREQUENCY"


def quiet_monitoring(launch_kwargs: dict[str, Any]) -> None:
    """Turn the /monitoring page off unless asked for, and (speed-ups on) its per-event summary.
    Call before app.queue()."""
    launch_kwargs.setdefault("enable_monitoring", False)  # public API: kept with the speed-ups off
    if enabled("monitoring") and launch_kwargs["enable_monitoring"] is False:  # Gradio reads None as "on", like True
        os.environ.setdefault(ANALYTICS_FREQUENCY_ENV, str(2**62))


__all__ = [
    "NAMES",
    "SWITCH",
    "enabled",
    "inline",
    "on",
    "postprocessed",
    "preprocessed",
    "put_static_first",
    "quiet_monitoring",
]
