"""One error path for every handler: a user's mistake is shown as it is, anything else is logged."""

from __future__ import annotations

import functools
import html
import logging
from collections.abc import Callable
from typing import TypeVar

import gradio as gr

from ..errors import ResnetVizError

log = logging.getLogger("resnet_viz")
F = TypeVar("F", bound=Callable)


def user_error(err: Exception) -> gr.Error:
    # gr.Error renders HTML: a file name or class name must not become markup.
    return gr.Error(html.escape(str(err), quote=False), print_exception=False)


def handles_errors(fn: F | None = None, *, fallback: Callable[..., object] | None = None):
    """Wrap a handler: ResnetVizError -> its message; any other exception -> logged with its
    traceback and a short message naming its type. gr.Error passes through.

    Without `fallback` the message is raised as gr.Error (a toast, and what API clients get).
    With it, `fallback(message, *args)` (the handler's own arguments) returns the outputs instead:
    the page shows the message in place and clears what it no longer holds, without the Error
    badge Gradio puts on every output of a failed event."""

    def wrap(handler: F) -> F:
        @functools.wraps(handler)
        def wrapper(*args, **kwargs):
            try:
                return handler(*args, **kwargs)
            except gr.Error as err:
                if fallback is None:
                    raise
                return fallback(str(err.message), *args)
            except ResnetVizError as err:
                if fallback is None:
                    raise user_error(err) from None
                return fallback(html.escape(str(err), quote=False), *args)
            except Exception as err:
                log.exception("%s failed", handler.__name__)
                message = html.escape(f"{handler.__name__.replace('_', ' ')} failed: {type(err).__name__}: {err}",
                                      quote=False)
                if fallback is None:
                    raise gr.Error(message, print_exception=False) from None
                return fallback(message, *args)

        return wrapper  # type: ignore[return-value]

    return wrap(fn) if fn is not None else wrap
