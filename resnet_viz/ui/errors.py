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


def handles_errors(fn: F) -> F:
    """Wrap a handler: ResnetVizError -> its message; any other exception -> logged with its
    traceback and a short message naming its type. gr.Error passes through."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except ResnetVizError as err:
            raise user_error(err) from None
        except Exception as err:
            log.exception("%s failed", fn.__name__)
            raise gr.Error(html.escape(f"{fn.__name__.replace('_', ' ')} failed: {type(err).__name__}: {err}",
                                       quote=False), print_exception=False) from None

    return wrapper  # type: ignore[return-value]
