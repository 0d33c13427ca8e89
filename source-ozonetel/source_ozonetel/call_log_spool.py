"""The call logs a sync has already read, kept on disk window by window, so `call_details` (which needs
the same calls) does not ask `getCallLogs` again: its 10 requests an hour (Ozonetel's "Get call logs"
page on docs.ozonetel.com) are the scarcest thing the account has.

Records go to an anonymous temporary file as JSON lines (memory stays flat); a window counts as held only
once it was read to its end, so a window cut off by a fault is fetched again, never half-replayed. The
records kept are the shaped ones: the account key they echo is already gone.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

from cdr_shared.dates import parse_utc_instant
from cdr_shared.windows import Window


class CallLogSpool:
    """Call-log records by the window they were read for, replayable for any window they cover."""

    def __init__(self, cursor_field: str = "started_at") -> None:
        self.cursor_field = cursor_field
        self._file: IO[bytes] | None = None
        self._segments: list[tuple[Window, int, int]] = []

    def keep(self, window: Window, records: Iterable[Any]) -> Iterator[Any]:
        """Pass `records` through, keeping the mappings; `window` is held once they are exhausted."""
        spool = self._spool()
        spool.seek(0, 2)
        start = spool.tell()
        for item in records:
            if isinstance(item, Mapping):
                spool.seek(0, 2)
                spool.write(json.dumps(item, separators=(",", ":")).encode("utf-8") + b"\n")
            yield item
        spool.seek(0, 2)
        self._segments.append((window, start, spool.tell()))

    def covers(self, window: Window) -> bool:
        """Whether windows read completely this sync cover `window` without a gap."""
        reach = window.start
        for held, _, _ in sorted(self._segments, key=lambda segment: segment[0].start):
            if held.start <= reach < held.end:
                reach = held.end
            if reach >= window.end:
                return True
        return False

    def replay(self, window: Window) -> Iterator[dict[str, Any]]:
        """The kept records whose cursor lies in `window`, each once, in the order they were read."""
        assert self._file is not None
        seen: set[tuple[int, int]] = set()
        for held, start, end in self._segments:
            if held.end <= window.start or held.start >= window.end or (start, end) in seen:
                continue
            seen.add((start, end))
            position = start
            while position < end:
                self._file.seek(position)
                line = self._file.readline()
                position = self._file.tell()
                record = json.loads(line)
                cursor = record.get(self.cursor_field)
                if cursor and window.start <= parse_utc_instant(cursor) < window.end:
                    yield record

    def _spool(self) -> IO[bytes]:
        if self._file is None:
            self._file = tempfile.TemporaryFile()
        return self._file
