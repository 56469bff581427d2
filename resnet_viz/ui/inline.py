"""Gradio's pre- and postprocessing of an event, done in the handler's own worker thread.

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
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from gradio.blocks import Block
from gradio.data_classes import GradioModel, GradioRootModel


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
    """`trigger(fn, inputs, outputs, **kwargs)` with the processing done inline (see the module)."""
    return trigger(inline(fn, inputs, outputs), list(inputs), outputs, preprocess=False, postprocess=False, **kwargs)


__all__ = ["inline", "on", "postprocessed", "preprocessed"]
