"""Concurrent requests that share a group (model, weights, method) run as one batch: one forward and
one backward for all of them, each answer handed back to its own caller.

Why a micro-batcher in the service and not Gradio's `batch=True`: an analysis event has 11 inputs and
20 outputs, each request has its own class, contrast and display options, and the page's Analyze,
`/analyze` and `/predict` (and the other tabs) all go through `Analyzer.analysis`. Batching there
batches all of them at once; the drawing and encoding of each answer stays in the request's own
thread, in parallel, and one bad request (a photo that cannot be read, a class that does not exist)
is refused before it joins a batch.

How a batch forms: the first request of a group leads. It waits at most `window` seconds for others
(or until `max_batch` are there), then for the group's turn on the model; the batch closes only when
its turn comes, so requests that arrive while the previous batch computes join the next one. Under a
burst the batches grow by themselves; a lone request waits `window` at most.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")
Answer = TypeVar("Answer")

DEFAULT_WINDOW_S = 0.015  # a click's worth of waiting: below what a person notices, above a burst's spacing
DEFAULT_MAX_BATCH = 8  # resnet50's activations and gradients for 8 images: ~1 GB on the CPU


@dataclass
class _Waiting(Generic[Item]):
    item: Any
    wake: threading.Event = field(default_factory=threading.Event)
    leads: bool = False  # promoted to lead the next batch of its group
    done: bool = False
    answer: Any = None
    error: BaseException | None = None


@dataclass
class BatchStats:
    """How many batches of which sizes ran: for tests, benchmarks and the docs' numbers."""

    sizes: list[int] = field(default_factory=list)


class MicroBatcher(Generic[Item, Answer]):
    """`submit(group, item)` blocks until `run(group, items)` has answered the batch `item` joined.

    `run` returns one entry per item, in order: the answer, or an exception for that item alone
    (it is raised in that caller's thread and nowhere else). If `run` itself raises, every item of
    that batch gets the exception."""

    def __init__(
        self,
        run: Callable[[Hashable, list[Item]], Sequence[Answer | BaseException]],
        window: float = DEFAULT_WINDOW_S,
        max_batch: int = DEFAULT_MAX_BATCH,
    ) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, not {max_batch}.")
        self._run, self.window, self.max_batch = run, float(window), int(max_batch)
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._pending: dict[Hashable, list[_Waiting]] = {}
        self._led: set[Hashable] = set()  # groups whose next batch has a leader already
        self._turns: dict[Hashable, threading.Lock] = {}  # one batch of a group at a time
        self.stats = BatchStats()

    def submit(self, group: Hashable, item: Item) -> Answer:
        waiting = _Waiting(item)
        with self._lock:
            self._pending.setdefault(group, []).append(waiting)
            leads = group not in self._led
            if leads:
                self._led.add(group)
            self._arrived.notify_all()
        if not leads:
            waiting.wake.wait()
        if not waiting.done:  # a leader from the start, or promoted when a batch was full
            self._lead(group)
        if waiting.error is not None:
            raise waiting.error
        return waiting.answer

    def _lead(self, group: Hashable) -> None:
        deadline = time.monotonic() + self.window
        with self._lock:
            while len(self._pending[group]) < self.max_batch and (left := deadline - time.monotonic()) > 0:
                self._arrived.wait(left)
            turn = self._turns.setdefault(group, threading.Lock())
        with turn:
            with self._lock:
                pending = self._pending[group]
                batch, rest = pending[: self.max_batch], pending[self.max_batch :]
                if rest:  # more than one batch waited: the first of the rest leads the next
                    self._pending[group] = rest
                    rest[0].leads = True
                    rest[0].wake.set()
                else:
                    del self._pending[group]
                    self._led.discard(group)
                self.stats.sizes.append(len(batch))
            try:
                answers = list(self._run(group, [w.item for w in batch]))
                if len(answers) != len(batch):
                    raise RuntimeError(f"a batch of {len(batch)} got {len(answers)} answers")
            except BaseException as err:  # every caller of this batch hears of it, none waits forever
                answers = [err] * len(batch)
        for waiting, answer in zip(batch, answers):
            if isinstance(answer, BaseException):
                waiting.error = answer
            else:
                waiting.answer = answer
            waiting.done = True
            waiting.wake.set()


__all__ = ["BatchStats", "DEFAULT_MAX_BATCH", "DEFAULT_WINDOW_S", "MicroBatcher"]
