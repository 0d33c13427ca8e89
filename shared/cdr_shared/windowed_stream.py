"""A CDK `HttpStream` whose slices are time windows (times optional partitions) and whose state is a
`WindowedCursor`: the state contract of `windowed_state.py`, wired into the CDK's read loop.

The CDK emits a state message after every slice, reading `self.state`; the cursor moves only when the
last partition of a window has been read completely, so a sync killed anywhere resumes without loss.

Progress: after every slice a log line (window i of n, records and requests so far) and an estimate trace
message (the platform's progress bar): the records read so far scaled to the slices planned, or, as soon
as a stream learns how many records its current slice holds (`expect_in_slice`, when the provider reports
a total), that total counted in.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from contextvars import ContextVar
from typing import Any

import requests
from airbyte_cdk.models import (
    AirbyteEstimateTraceMessage,
    AirbyteMessage,
    AirbyteTraceMessage,
    EstimateType,
    SyncMode,
    TraceType,
)
from airbyte_cdk.models import Type as MessageType
from airbyte_cdk.sources.streams.http import HttpClient

from cdr_shared.dates import iso_utc, parse_utc_instant
from cdr_shared.http_stream import ProviderHttpStream
from cdr_shared.ordered_pool import in_order
from cdr_shared.record_spool import RecordSpool
from cdr_shared.windowed_state import WindowedCursor
from cdr_shared.windows import Window

WINDOW_START = "window_start"
WINDOW_END = "window_end"
# The streams the running sync reads (set by `CdrSource.read`). A parent keeps its records for replay only
# when one of its child streams is among them; outside a `CdrSource` read (None) whenever it has a child.
STREAMS_IN_SYNC: ContextVar[frozenset[str] | None] = ContextVar("cdr_streams_in_sync", default=None)


def window_of(stream_slice: Mapping[str, Any]) -> Window:
    """The time window a slice covers."""
    return Window(parse_utc_instant(stream_slice[WINDOW_START]), parse_utc_instant(stream_slice[WINDOW_END]))


def estimate_message(stream_name: str, rows: int) -> AirbyteMessage:
    """A trace telling the platform how many rows the stream is expected to emit."""
    return AirbyteMessage(
        type=MessageType.TRACE,
        trace=AirbyteTraceMessage(
            type=TraceType.ESTIMATE,
            emitted_at=time.time() * 1000,
            estimate=AirbyteEstimateTraceMessage(
                name=stream_name, type=EstimateType.STREAM, row_estimate=rows
            ),
        ),
    )


class WindowedHttpStream(ProviderHttpStream, ABC):
    """Base of every incremental CDR stream: windows, partitions, progress lines, state per window.

    It owns the read loop (`read_records`); a connector stream declares what differs:
    - the request: `path`, the query or JSON body of one window and page (`window_params`, `window_body`;
      a stream that needs the slice's partition too overrides the CDK's `request_params` or
      `request_body_json` instead), `request_headers`..., and, when a window has several pages,
      `next_page_token`;
    - `records_in(response, stream_slice)`: the records of one answer;
    - `partitions()`: what each window is read for (accounts, directions), one empty partition by default;
    - the cursor it is built with: window size, settled horizon, retention.
    A stream whose provider pages in a way the page loop cannot express (a report re-read when it breaks
    off, a server that ignores `offset`) replaces `read_slice`, the reading of one window and partition;
    checkpointing, retention, progress and replay for child streams stay here.
    """

    def __init__(self, cursor: WindowedCursor, **http_stream_kwargs: Any) -> None:
        self.windowed_cursor = cursor
        self.records_read = 0
        self.slices_planned = 0
        self.slices_done = 0
        self.slice_total: int | None = None
        self._estimate_due = False
        self.requests_for_children = 0
        self.skipped: Counter[str] = Counter()
        self.spool: RecordSpool | None = None
        self.children: list[WindowedHttpStream] = []
        super().__init__(**http_stream_kwargs)

    @property
    def cursor_field(self) -> str:
        return self.windowed_cursor.cursor_field

    @property
    def state(self) -> MutableMapping[str, Any]:
        return self.windowed_cursor.to_state()

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        self.windowed_cursor.load(value)

    def partitions(self) -> list[dict[str, Any]]:
        """What each window is read for (accounts, directions...); one empty partition by default."""
        return [{}]

    def stream_slices(
        self,
        *,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any] | None]:
        windows = self.windowed_cursor.plan(incremental=sync_mode == SyncMode.incremental)
        partitions = self.partitions()
        self.slices_planned, self.slices_done = len(windows) * len(partitions), 0
        if windows:
            self.logger.info(
                f"{self.name}: {len(windows)} window(s) from {iso_utc(windows[0].start)} to {iso_utc(windows[-1].end)}"
                f" for {len(partitions)} partition(s)."
            )
        else:
            self.logger.info(
                f"{self.name}: nothing new to read up to {iso_utc(self.windowed_cursor.upper_bound())}."
            )
        for index, window in enumerate(windows, start=1):
            for position, partition in enumerate(partitions, start=1):
                yield {
                    **partition,
                    WINDOW_START: iso_utc(window.start),
                    WINDOW_END: iso_utc(window.end),
                    "window_index": index,
                    "window_count": len(windows),
                    "last_partition": position == len(partitions),
                }

    # ------------------------------------------------------------------------------ the read loop

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any] | AirbyteMessage]:
        """One slice: the part of its window the provider still holds, read, counted and checkpointed."""
        if not stream_slice or WINDOW_START not in stream_slice:
            raise ValueError(f"{self.name} reads windows: a slice from stream_slices() is required.")
        count = 0
        held = self.windowed_cursor.readable_part(window_of(stream_slice))
        for item in self._read_part(stream_slice, held) if held is not None else ():
            if self._estimate_due:
                self._estimate_due = False
                yield self.estimate(
                    self.records_read + max(self.slice_total or 0, count), self.slices_done + 1
                )
            if type(item) is dict or isinstance(item, Mapping):  # exact type first: cheaper
                count += 1
            yield item
        self.records_read += count
        self.slices_done += 1
        self.finish_slice(stream_slice, count)
        yield self.estimate(self.records_read, self.slices_done)

    def records_of(self, stream_slice: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
        """The records of one window and partition, for a child stream; moves no state.

        Replayed when this sync already read them completely (nothing is asked twice), else read now.
        """
        window, partition = window_of(stream_slice), partition_of(stream_slice)
        if self.spool is not None and self.spool.covers(window, partition):
            self.logger.info(
                f"{self.name}: records from {iso_utc(window.start)} to {iso_utc(window.end)}"
                f"{_describe(partition)} replayed from this sync's read (no new request)."
            )
            yield from self.spool.replay(window, partition)
            return
        sent_before = self.requests_sent
        try:
            for item in self._read_part(stream_slice, window):
                if isinstance(item, Mapping):
                    yield item
        finally:
            self.requests_for_children += self.requests_sent - sent_before

    def keep_for_children(self) -> None:
        """A child stream reads this one: keep what each window returns, to replay it (`records_of`)."""
        if self.spool is None:
            self.spool = RecordSpool(self.cursor_field)

    def _read_part(
        self, stream_slice: Mapping[str, Any], part: Window
    ) -> Iterator[Mapping[str, Any] | AirbyteMessage]:
        """`part` of the slice's window (the part still held), kept for child streams if any read this one."""
        self.slice_total, self._estimate_due = None, False
        self.start_slice(stream_slice)
        if self.spool is None and self._a_child_reads_this_sync():
            self.keep_for_children()
        if part != window_of(stream_slice):
            stream_slice = {**stream_slice, WINDOW_START: iso_utc(part.start)}
        records: Iterable[Mapping[str, Any] | AirbyteMessage] = self.read_slice(stream_slice)
        if self.spool is not None:
            records = self.spool.keep(part, records, partition_of(stream_slice))
        yield from records

    def _a_child_reads_this_sync(self) -> bool:
        """Whether a stream read through this one is in the sync: a child, or a child's child (Huawei's
        `calls` reads `call_list` through `call_details`, selected or not)."""
        selected = STREAMS_IN_SYNC.get()
        return any(
            selected is None or child.name in selected or child._a_child_reads_this_sync()
            for child in self.children
        )

    # ------------------------------------------------------------------------------ declared hooks

    def read_slice(self, stream_slice: Mapping[str, Any]) -> Iterable[Mapping[str, Any] | AirbyteMessage]:
        """One window and partition: the declared request, page after page, the records of each answer."""
        next_page_token: Mapping[str, Any] | None = None
        while True:
            response = self.request_page(stream_slice, next_page_token)
            yield from self.records_in(response, stream_slice)
            next_page_token = self.next_page_token(response)
            # Let this page (body and parsed records) go before the next one is read: one page held, not two.
            del response
            if not next_page_token:
                return

    def request_params(
        self,
        stream_state: Mapping[str, Any] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        next_page_token: Mapping[str, Any] | None = None,
    ) -> MutableMapping[str, Any]:
        return dict(self.window_params(window_of(stream_slice), next_page_token)) if stream_slice else {}

    def request_body_json(
        self,
        stream_state: Mapping[str, Any] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        next_page_token: Mapping[str, Any] | None = None,
    ) -> Mapping[str, Any] | None:
        return self.window_body(window_of(stream_slice), next_page_token) if stream_slice else None

    def window_params(self, window: Window, page: Mapping[str, Any] | None) -> Mapping[str, Any]:
        """The query string of one window's request; `page` is `next_page_token`'s last answer (None first)."""
        return {}

    def window_body(self, window: Window, page: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
        """The JSON body of one window's request (none by default); `page` as for `window_params`."""
        return None

    def records_in(
        self, response: requests.Response, stream_slice: Mapping[str, Any]
    ) -> Iterable[Mapping[str, Any] | AirbyteMessage]:
        """The records of one answer (already accepted by the error handler): every stream that uses the
        page loop declares it."""
        raise NotImplementedError(f"{type(self).__name__} declares neither records_in() nor read_slice().")

    def next_page_token(self, response: requests.Response) -> Mapping[str, Any] | None:
        """The next page of the same window, or None: one request per window unless a stream pages."""
        return None

    def parse_response(
        self,
        response: requests.Response,
        *,
        stream_state: Mapping[str, Any] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        next_page_token: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any] | AirbyteMessage]:
        return self.records_in(response, stream_slice or {})

    def start_slice(self, stream_slice: Mapping[str, Any]) -> None:
        """Called before a slice's first request: reset what is counted per window here (nothing by default)."""

    def expect_in_slice(self, total: int) -> None:
        """The provider reported how many records the slice being read holds (all its pages): the next
        estimate counts them in, instead of scaling what was read so far."""
        self.slice_total, self._estimate_due = total, True

    def estimate(self, records: int, slices: int) -> AirbyteMessage:
        """The estimate trace for `records` read (or known) in the first `slices` of the slices planned."""
        planned = max(self.slices_planned, slices)
        return estimate_message(self.name, round(records * planned / slices) if slices else records)

    def requests_so_far(self) -> int:
        """Requests sent for this stream this sync: its own, and those a parent sent to read for it."""
        parent = getattr(self, "parent", None)  # a WindowedDetailStream reads its parent's windows
        sent_for_it = parent.requests_for_children if isinstance(parent, WindowedHttpStream) else 0
        return self.requests_sent + sent_for_it

    def skip(self, reason: str) -> None:
        """Count a record not emitted, logged after the window as `skipped <n> <reason>`."""
        self.skipped[reason] += 1

    def finish_slice(self, stream_slice: Mapping[str, Any], count: int) -> None:
        """Log progress and, after a window's last partition, move the cursor to the window's end."""
        window = window_of(stream_slice)
        partition = dict(partition_of(stream_slice))
        where = f" {partition}" if partition else ""
        self.logger.info(
            f"{self.name}: window {stream_slice['window_index']} of {stream_slice['window_count']} "
            f"[{iso_utc(window.start)}, {iso_utc(window.end)}){where} read: {count} record(s), "
            f"{self.records_read} so far, {self.requests_so_far()} request(s) so far."
        )
        for reason, skipped in self.skipped.items():
            self.logger.info(f"{self.name}: skipped {skipped} {reason}.")
        self.skipped.clear()
        if stream_slice.get("last_partition", True):
            self.windowed_cursor.complete(window)


class WindowedDetailStream(WindowedHttpStream, ABC):
    """Records fetched one per record of a parent windowed stream (call details for the calls a list names).

    Declared with `parent=`: the parent's windows and partitions are read through its public `records_of`
    (replayed when the parent was synced first in the same run, so the list is asked once), and
    `details_of(parent_record, stream_slice)` says what each parent record yields. The child keeps its own
    state with the same contract as any windowed stream; the parent's state is never moved by the child.

    With `concurrency=n` (n > 1) up to n parent records are looked up at once, each worker thread with its
    own HTTP session under the stream's one error handler, backoff, authenticator and budget (the budget is
    what paces them: it must be shared and thread-safe, as `PatientAPIBudget` is). Records still come out in
    the parent's order, a window still completes only once every detail of it is done, and the first
    failing lookup fails the slice with its own error (`cdr_shared.ordered_pool.in_order`).
    """

    def __init__(
        self,
        cursor: WindowedCursor,
        parent: WindowedHttpStream,
        *,
        concurrency: int = 1,
        **http_stream_kwargs: Any,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {concurrency}")
        self.parent = parent
        self.concurrency = concurrency
        self._worker = threading.local()
        self._idle_clients: list[HttpClient] = []
        self._clients_lock = threading.Lock()
        self._skip_lock = threading.Lock()
        parent.children.append(self)  # the parent keeps its records if this stream is read in the same sync
        cursor.follows = parent.windowed_cursor
        super().__init__(cursor, **http_stream_kwargs)

    @property
    def http_client(self) -> HttpClient:
        """The client of the calling worker thread, or the stream's own outside workers."""
        return getattr(self._worker, "client", None) or self._http_client_of_stream

    @http_client.setter
    def http_client(self, client: HttpClient) -> None:
        self._http_client_of_stream = client

    def partitions(self) -> list[dict[str, Any]]:
        return self.parent.partitions()

    def read_slice(self, stream_slice: Mapping[str, Any]) -> Iterable[Mapping[str, Any] | AirbyteMessage]:
        parent_records = self.parent.records_of(stream_slice)
        if self.concurrency == 1:
            for parent_record in parent_records:
                yield from self.details_of(parent_record, stream_slice)
            return
        in_use: list[HttpClient] = []

        def start_worker() -> None:
            with self._clients_lock:
                client = self._idle_clients.pop() if self._idle_clients else self.new_http_client()
                in_use.append(client)
            self._worker.client = client

        def lookup(parent_record: Mapping[str, Any]) -> list[Mapping[str, Any]]:
            return list(self.details_of(parent_record, stream_slice))

        results = in_order(
            lookup, parent_records, self.concurrency, name=self.name, on_worker_start=start_worker
        )
        try:
            for details in results:
                yield from details
        finally:
            results.close()  # every worker has stopped before its client is handed on
            with self._clients_lock:
                self._idle_clients.extend(in_use)  # kept for the next slice: their connections stay open

    def skip(self, reason: str) -> None:
        with self._skip_lock:
            super().skip(reason)

    @abstractmethod
    def details_of(
        self, parent_record: Mapping[str, Any], stream_slice: Mapping[str, Any]
    ) -> Iterable[Mapping[str, Any]]:
        """The records for one parent record (none when the provider has none: say why with `skip`);
        `send` a request and parse the answer with `records_in`. With `concurrency` > 1 it runs in worker
        threads: keep it to `send`, `records_in`, `skip` and logging (no shared state of its own)."""


def partition_of(stream_slice: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    """What a slice is read for, without its window bookkeeping (hashable, in a stable order)."""
    return tuple(sorted((key, value) for key, value in stream_slice.items() if key not in _SLICE_BOOKKEEPING))


def _describe(partition: tuple[tuple[str, Any], ...]) -> str:
    return f" {dict(partition)}" if partition else ""


_SLICE_BOOKKEEPING = {WINDOW_START, WINDOW_END, "window_index", "window_count", "last_partition"}
