"""The records a sync has already read for a parent stream, kept on disk window by window, so a child
stream that needs the same records (call details for the calls a call list names) replays them instead
of asking the provider again: list requests are often the scarcest quota an account has (Ozonetel's
`getCallLogs`: 10 an hour).

Records go to an anonymous temporary file as JSON lines (memory stays flat); a window counts as held only
once it was read to its end, so a window cut off by a fault is fetched again, never half-replayed. What is
kept is what the parent emitted, so anything it dropped (a credential echo) is not on disk either.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Hashable, Iterable, Iterator, Mapping
from typing import IO, Any

from cdr_shared.dates import parse_utc_instant
from cdr_shared.windows import Window


class RecordSpool:
    """Records by the (partition, window) they were read for, replayable for any window they cover."""

    def __init__(self, cursor_field: str) -> None:
        self.cursor_field = cursor_field
        self._file: IO[bytes] | None = None
        self._segments: list[tuple[Hashable, Window, int, int]] = []

    def keep(self, window: Window, records: Iterable[Any], partition: Hashable = ()) -> Iterator[Any]:
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
        self._segments.append((partition, window, start, spool.tell()))

    def covers(self, window: Window, partition: Hashable = ()) -> bool:
        """Whether windows of `partition` read completely this sync cover `window` without a gap."""
        reach = window.start
        held = sorted((w for p, w, _, _ in self._segments if p == partition), key=lambda w: w.start)
        for segment in held:
            if segment.start <= reach < segment.end:
                reach = segment.end
            if reach >= window.end:
                return True
        return False

    def replay(self, window: Window, partition: Hashable = ()) -> Iterator[dict[str, Any]]:
        """The kept records of `partition` whose cursor lies in `window`, each once, in the order read."""
        assert self._file is not None
        seen: set[tuple[int, int]] = set()
        for held_partition, held, start, end in self._segments:
            if held_partition != partition or held.end <= window.start or held.start >= window.end:
                continue
            if (start, end) in seen:
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
