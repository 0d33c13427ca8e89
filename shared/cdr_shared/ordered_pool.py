"""`in_order`: a function applied to a stream of items by a few worker threads, results in input order.

Detail streams make one request per parent record; at a provider's latency one request at a time leaves
most of a rate budget unused. `in_order` keeps at most `workers` calls running and a bounded number of
finished results waiting (so memory stays flat however long the parent list is), and yields results in
the order of the items, exactly as a sequential loop would:

- the first item whose call raised is where the exception surfaces, unchanged (the same exception object
  a sequential loop would have raised); results of earlier items are yielded first, later items are
  never yielded;
- after an error, or when the consumer stops early, no new call starts: queued calls are cancelled and
  running ones are waited for, so no thread outlives the generator;
- every call runs in a copy of the caller's `contextvars` context (check budgets, quota patience...).
"""

from __future__ import annotations

import contextvars
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

LOOKAHEAD_PER_WORKER = 2
"""Calls submitted ahead of the one being yielded, per worker: enough to keep every worker busy while
the consumer handles a result, few enough that finished results never pile up."""


def in_order(
    call: Callable[[Item], Result],
    items: Iterable[Item],
    workers: int,
    *,
    name: str = "worker",
    on_worker_start: Callable[[], None] | None = None,
) -> Generator[Result, None, None]:
    """`call(item)` for every item, `workers` at a time, yielded in the items' order.

    `items` is consumed in the calling thread only (it may make requests of its own). `on_worker_start`
    runs once in each worker thread before its first call (a per-thread HTTP session, say).
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if workers == 1:
        for item in items:
            yield call(item)
        return
    stopped = threading.Event()

    def guarded(item: Item) -> Result:
        if stopped.is_set():
            raise _Stopped()
        return call(item)

    pending: deque[Future[Result]] = deque()
    source = iter(items)
    executor = ThreadPoolExecutor(
        max_workers=workers,
        thread_name_prefix=name,
        initializer=on_worker_start or _nothing,
    )
    try:
        exhausted = False
        while True:
            while not exhausted and len(pending) < workers * LOOKAHEAD_PER_WORKER:
                if pending and pending[0].done() and pending[0].exception() is not None:
                    break  # an error is waiting to surface: start nothing more
                try:
                    item = next(source)
                except StopIteration:
                    exhausted = True
                    break
                context = contextvars.copy_context()
                pending.append(executor.submit(context.run, guarded, item))
            if not pending:
                return
            yield pending.popleft().result()
    finally:
        stopped.set()
        executor.shutdown(wait=True, cancel_futures=True)


class _Stopped(Exception):
    """A queued call that started after the generator stopped: it never reaches the consumer."""


def _nothing() -> None:
    return None
