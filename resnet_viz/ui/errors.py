"""One error path for every handler: a user's mistake is shown in the page's language, anything
else is logged and named. The language is the handler's own `lang` argument (ctx.lang)."""

from __future__ import annotations

import functools
import html
import inspect
import logging
from collections.abc import Callable
from typing import TypeVar

import gradio as gr

from ..errors import Message, ResnetVizError

log = logging.getLogger("resnet_viz")
F = TypeVar("F", bound=Callable)


def user_error(err: Exception, lang: str | None = "en") -> gr.Error:
    # gr.Error renders HTML: a file name or class name must not become markup.
    text = err.render(lang) if isinstance(err, ResnetVizError) else str(err)
    return gr.Error(html.escape(text, quote=False), print_exception=False)


def _language_of(handler: Callable, args: tuple, kwargs: dict) -> str:
    """The value of the handler's `lang` parameter in this call; English when it has none."""
    try:
        bound = inspect.signature(handler).bind_partial(*args, **kwargs)
    except (TypeError, ValueError):
        return "en"
    lang = bound.arguments.get("lang")
    return lang if isinstance(lang, str) and lang else "en"


def _escaped(message: Message) -> Message:
    return (
        Message(
            message.key,
            {k: html.escape(v, quote=False) if isinstance(v, str) else v for k, v in message.values.items()},
            message.lang,
        )
        if message.key
        else Message.literal(html.escape(str(message), quote=False))
    )


def handles_errors(fn: F | None = None, *, fallback: Callable[..., object] | None = None):
    """Wrap a handler: ResnetVizError -> its message in the page's language; any other exception ->
    logged with its traceback and a short message naming its type. gr.Error passes through.

    Without `fallback` the message is raised as gr.Error (a toast, and what API clients get).
    With it, `fallback(message, *args)` (the handler's own arguments) returns the outputs instead:
    the page shows the message in place and clears what it no longer holds, without the Error
    badge Gradio puts on every output of a failed event. `message` is a resnet_viz.errors.Message:
    a string in the page's language that can say itself again in another (`render(lang)`)."""

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
                lang = _language_of(handler, args, kwargs)
                if fallback is None:
                    raise user_error(err, lang) from None
                return fallback(_escaped(err.message.in_lang(lang)), *args)
            except Exception as err:
                log.exception("%s failed", handler.__name__)
                lang = _language_of(handler, args, kwargs)
                message = _escaped(
                    Message(
                        "failed",
                        dict(what=handler.__name__.replace("_", " "), kind=type(err).__name__, reason=str(err)),
                    ).in_lang(lang)
                )
                if fallback is None:
                    raise gr.Error(str(message), print_exception=False) from None
                return fallback(message, *args)

        return wrapper  # type: ignore[return-value]

    return wrap(fn) if fn is not None else wrap
