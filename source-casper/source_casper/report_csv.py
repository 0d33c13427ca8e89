"""Parsing the Call Detail Report CSV as it streams in, one row at a time.

What the report looks like (seed 002 and the RingCX docs' example):

    cloud_profile_id,profile_name,uii,...,enqueue_time,dequeue_time,queue_time,call_state,...
    1111,DTE,'202004250912250132110000003150,...,4/20/20 6:12 AM,4/20/20 6:12 AM,5,COMPLETE ,...,ANSWER(5),,,,

- the header names the columns, and parsing follows it: columns this connector does not know are kept;
- `uii` carries a leading `'` (a spreadsheet guard against scientific notation), removed here;
- values carry padding (`COMPLETE ` is a fixed-width database column): trimmed;
- empty cells (the unused `attempt_2_*` columns) become null; counts and durations become integers;
- `enqueue_time` / `dequeue_time` are wall times in the report's `timezoneName`, `M/D/YY h:mm AM`;
  `enqueue_at` / `dequeue_at` add them in UTC (ISO 8601), the original strings stay.

A report cut off mid-row (the connection dropped, or the last line is shorter than the header) raises
`ReportCutOff`: a short report must never pass for a complete one.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Iterable, Iterator
from typing import Any

import pendulum

from cdr_shared.dates import iso_utc, parse_local

INTEGER_COLUMNS = frozenset(
    {
        "cloud_profile_id",
        "cloud_destination_id",
        "media_length",
        "queue_time",
        "dequeue_attempts",
        "inbound_duration",
        "connected_id",
        "connected_duration",
    }
)
_ATTEMPT_ID = re.compile(r"attempt_\d+_id")
_INTEGER = re.compile(r"-?\d+")
# The docs show `4/20/20 6:12 AM`; seconds and four-digit years are read too, in case an account's format differs.
REPORT_TIME_FORMATS = (
    "%m/%d/%y %I:%M %p",
    "%m/%d/%y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %I:%M:%S %p",
)
DERIVED_TIMES = {"enqueue_time": "enqueue_at", "dequeue_time": "dequeue_at"}
SPREADSHEET_GUARD = "'"


class ReportCutOff(Exception):
    """The report ended in the middle of a row: it is incomplete and must be read again."""


def lines_of(chunks: Iterable[str]) -> Iterator[str]:
    """Text chunks as lines that keep their line ends (what `csv.reader` needs for quoted newlines)."""
    pending = ""
    for chunk in chunks:
        if not chunk:
            continue
        pending += chunk
        start = 0
        while True:
            end = pending.find("\n", start)
            if end < 0:
                break
            yield pending[start : end + 1]
            start = end + 1
        pending = pending[start:]
    if pending:
        yield pending


def is_integer_column(name: str) -> bool:
    return name in INTEGER_COLUMNS or bool(_ATTEMPT_ID.fullmatch(name))


def parse_report_time(text: str, tz: pendulum.Timezone) -> pendulum.DateTime | None:
    """A report time (`4/20/20 6:12 AM`, wall time in `tz`) in UTC; None when it has none of the known forms."""
    for fmt in REPORT_TIME_FORMATS:
        try:
            return parse_local(text, fmt, tz)
        except ValueError:
            continue
    return None


class ReportRowParser:
    """Turns CSV rows of one report into records; the first row read is the header."""

    def __init__(self, tz: pendulum.Timezone, extra_fields: dict[str, Any], logger: logging.Logger) -> None:
        self.tz = tz
        self.extra_fields = extra_fields
        self.logger = logger
        self._warned: set[str] = set()

    def records(self, chunks: Iterable[str]) -> Iterator[dict[str, Any]]:
        """Records from a stream of text chunks, row by row; `ReportCutOff` if the report ends mid-row."""
        lines = lines_of(chunks)
        last_line_ended = True

        def tracked() -> Iterator[str]:
            nonlocal last_line_ended
            for line in lines:
                last_line_ended = line.endswith("\n")
                yield line

        reader = csv.reader(tracked(), strict=False)
        header: list[str] | None = None
        for row in reader:
            if header is None:
                header = [name.strip().lstrip("\ufeff").strip() for name in row]
                continue
            if not any(cell.strip() for cell in row):
                continue  # blank line (a trailing CRLF, say)
            if len(row) < len(header):
                raise ReportCutOff(
                    f"row {reader.line_num} has {len(row)} of the header's {len(header)} columns"
                    + ("" if last_line_ended else " and the report ends without a line break")
                )
            yield self.record(header, row)

    def record(self, header: list[str], row: list[str]) -> dict[str, Any]:
        record: dict[str, Any] = {}
        for name, raw in zip(header, row, strict=False):
            record[name] = self.value(name, raw)
        for position, raw in enumerate(row[len(header) :], start=len(header) + 1):
            if raw.strip():
                record[f"column_{position}"] = raw.strip()
        uii = record.get("uii")
        if isinstance(uii, str) and uii.startswith(SPREADSHEET_GUARD):
            record["uii"] = uii[len(SPREADSHEET_GUARD) :].strip() or None
        for source, derived in DERIVED_TIMES.items():
            if source in record:
                record[derived] = self.utc_time(source, record[source])
        record.update(self.extra_fields)
        return record

    def value(self, name: str, raw: str) -> Any:
        text = raw.strip()
        if not text:
            return None
        if is_integer_column(name):
            if _INTEGER.fullmatch(text):
                return int(text)
            self._warn_once(
                name, f"column '{name}' holds a value that is not a whole number; it is left null."
            )
            return None
        return text

    def utc_time(self, column: str, text: str | None) -> str | None:
        if text is None:
            return None
        instant = parse_report_time(text, self.tz)
        if instant is None:
            self._warn_once(
                column,
                f"column '{column}' holds a time in an unknown form ('{text}'); its UTC value is null.",
            )
            return None
        return iso_utc(instant)

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            self.logger.warning(f"call_detail_report: {message}")
