"""A CDK `HttpStream` whose slices are time windows (times optional partitions) and whose state is a
`WindowedCursor`: the state contract of `windowed_state.py`, wired into the CDK's read loop.

The CDK emits a state message after every slice, reading `self.state`; the cursor moves only when the
last partition of a window has been read completely, so a sync killed anywhere resumes without loss.
"""

from __future__ import annotations

import time
from abc import ABC
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

import pendulum
from airbyte_cdk.models import (
    AirbyteEstimateTraceMessage,
    AirbyteMessage,
    AirbyteTraceMessage,
    EstimateType,
    SyncMode,
    TraceType,
)
from airbyte_cdk.models import Type as MessageType
from airbyte_cdk.sources.streams.http import HttpStream

from cdr_shared.dates import iso_utc, parse_utc_instant
from cdr_shared.windowed_state import WindowedCursor
from cdr_shared.windows import Window

WINDOW_START = "window_start"
WINDOW_END = "window_end"


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


class WindowedHttpStream(HttpStream, ABC):
    """Base of every incremental CDR stream: windows, partitions, progress lines, state per window."""

    def __init__(self, cursor: WindowedCursor, **http_stream_kwargs: Any) -> None:
        self.windowed_cursor = cursor
        self.records_read = 0
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

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any] | AirbyteMessage]:
        self.start_slice(stream_slice)
        count = 0
        for item in super().read_records(sync_mode, cursor_field, stream_slice, stream_state):
            if isinstance(item, Mapping):
                count += 1
            yield item
        self.records_read += count
        if stream_slice:
            self.finish_slice(stream_slice, count)

    def start_slice(self, stream_slice: Mapping[str, Any] | None) -> None:
        """Called before a slice's first request: reset what is counted per window here (nothing by default)."""

    def finish_slice(self, stream_slice: Mapping[str, Any], count: int) -> None:
        """Log progress and, after a window's last partition, move the cursor to the window's end."""
        window = window_of(stream_slice)
        partition = {k: v for k, v in stream_slice.items() if k not in _SLICE_BOOKKEEPING}
        where = f" {partition}" if partition else ""
        self.logger.info(
            f"{self.name}: window {stream_slice['window_index']} of {stream_slice['window_count']} "
            f"[{iso_utc(window.start)}, {iso_utc(window.end)}){where} read: {count} record(s), "
            f"{self.records_read} so far."
        )
        if stream_slice.get("last_partition", True):
            self.windowed_cursor.complete(window)

    @staticmethod
    def now() -> pendulum.DateTime:
        return pendulum.now("UTC")


_SLICE_BOOKKEEPING = {WINDOW_START, WINDOW_END, "window_index", "window_count", "last_partition"}
