"""Parsing the Call Detail Report CSV as it streams in, one row at a time.

What the report looks like (the example of the vendor's Call Detail Report page,
github.com/ringcentral/engage-voice-api-docs, docs/analytics/reports/DEPRECATED-call-detail-report.md):

    cloud_profile_id,profile_name,uii,...,enqueue_time,dequeue_time,queue_time,call_state,...
    1111,DTE,'202004250912250132110000003150,...,4/20/20 6:12 AM,4/20/20 6:12 AM,5,COMPLETE ,...,ANSWER(5),,,,

- the header names the columns, and parsing follows it: columns this connector does not know are kept;
- `uii` carries a leading `'` (a spreadsheet guard against scientific notation), removed here;
- values carry padding (`COMPLETE ` is a fixed-width database column): trimmed;
- empty cells (the unused `attempt_2_*` columns) become null; counts and durations become integers;
- `enqueue_time` / `dequeue_time` are wall times in the report's `timezoneName`, `M/D/YY h:mm AM`;
  `enqueue_at` / `dequeue_at` add them in UTC (ISO 8601), the original strings stay.

What is not the report (vendor page: github.com/ringcentral/engage-voice-api-docs,
docs/analytics/reports/DEPRECATED-call-detail-report.md) raises `ReportUnusable` and the window is read again:
an empty body, an HTML page, or a CSV whose header does not name the report's key and cursor columns (`uii`,
`enqueue_time`), such as another report template. Records are never made from a foreign header.

Rows whose cell count differs from the header's, decided precisely:

- a row in the middle of the report (another row follows it), or a last row ended by a line break, is
  *ragged*: it is emitted with the cells the header names (missing ones null), cells beyond the header kept
  in order in one field, `surplus_cells`; `ragged_rows` counts them for the window's warning;
- the last row of a body that ends without a line break and has fewer cells than the header (even exactly
  one fewer: a cut inside the trailing empty cells), or a last row that ends inside a quoted cell, is a
  *truncated* report: `ReportCutOff`, and the window is read again. A short report never passes for a
  complete one; a cut exactly at a line end cannot be told from a complete report.
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
# report column -> (the instant in UTC, the same instant in the display zone), both ISO 8601 with offset
DERIVED_TIMES = {
    "enqueue_time": ("enqueue_at", "enqueue_local"),
    "dequeue_time": ("dequeue_at", "dequeue_local"),
}
SPREADSHEET_GUARD = "'"
DERIVED_TIMES_KEPT = 4096


SURPLUS_FIELD = "surplus_cells"
# The report's primary key and cursor columns: a header without them is another report, not this one.
REPORT_KEY_COLUMNS = ("uii", "enqueue_time")
_SHOWN_COLUMNS = 8


_NOT_DERIVED = object()  # a remembered time may be None (a text in no known form)


class ReportUnreadable(Exception):
    """The answer cannot be taken as the complete report of its window: read the window again."""


class ReportCutOff(ReportUnreadable):
    """The report ended in the middle of a row: it is incomplete and must be read again."""


class ReportUnusable(ReportUnreadable):
    """A 200 answer that is not the report: an empty body, an HTML page, another report's CSV."""


def header_problem(header: list[str]) -> str | None:
    """Why a first CSV line is not the Call Detail Report's header, or None when it is."""
    if not any(header):
        return "an empty body"
    first = header[0].lstrip()
    if first.startswith("<"):
        return "an HTML page"
    if first.startswith(("{", "[")):
        return "a JSON body"
    missing = [name for name in REPORT_KEY_COLUMNS if name not in header]
    if missing:
        shown = ", ".join(header[:_SHOWN_COLUMNS]) + (", ..." if len(header) > _SHOWN_COLUMNS else "")
        return (
            f"a CSV whose header is not the Call Detail Report's (no {', '.join(missing)}; columns: {shown})"
        )
    return None


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

    def __init__(
        self,
        tz: pendulum.Timezone,
        extra_fields: dict[str, Any],
        logger: logging.Logger,
        display_tz: pendulum.Timezone | None = None,
    ) -> None:
        """`tz`: the zone the report writes its times in; `display_tz`: the zone of `*_local` (default `tz`)."""
        self.tz = tz
        self.display_tz = display_tz or tz
        self.extra_fields = extra_fields
        self.logger = logger
        self._warned: set[str] = set()
        self._header: list[str] | None = None
        self._integer: list[bool] = []
        self._derived: dict[str, tuple[str, str] | None] = {}

    def records(self, chunks: Iterable[str]) -> Iterator[dict[str, Any]]:
        """Records from a stream of text chunks, row by row.

        `ReportUnusable` if the answer is not the report, `ReportCutOff` if it ends inside its last row;
        afterwards `ragged_rows` holds how many rows had more or fewer cells than the header.
        """
        self.ragged_rows = 0
        self.first_ragged_line: int | None = None
        ended = True  # whether the last physical line read ended with a line break
        quotes = 0  # double quotes in the lines of the row being read (odd: a quoted cell is open)

        def tracked() -> Iterator[str]:
            nonlocal ended, quotes
            for line in lines_of(chunks):
                ended = line.endswith("\n")
                quotes += line.count('"')
                yield line

        reader = csv.reader(tracked(), strict=False)
        header: list[str] | None = None
        held: tuple[list[str], int] | None = None  # a row is emitted once the next one shows it was not last
        for row in reader:
            row_closed = quotes % 2 == 0
            quotes = 0
            if header is None:
                header = [name.strip().lstrip("\ufeff").strip() for name in row]
                problem = header_problem(header)
                if problem:
                    raise ReportUnusable(problem)
                continue
            if not any(cell.strip() for cell in row):
                continue  # blank line (a trailing CRLF, say)
            if held is not None:
                yield self.record(header, *held)
            if not row_closed:
                raise ReportCutOff(f"row {reader.line_num} ends inside a quoted cell")
            held = (row, reader.line_num)
        if header is None:
            raise ReportUnusable("an empty body")
        if held is not None:
            row, line = held
            if len(row) < len(header) and not ended:
                raise ReportCutOff(
                    f"row {line} has {len(row)} of the header's {len(header)} columns "
                    "and the report ends without a line break"
                )
            yield self.record(header, row, line)

    def record(self, header: list[str], row: list[str], line: int = 0) -> dict[str, Any]:
        if len(row) != len(header):
            self.ragged_rows += 1
            if self.first_ragged_line is None:
                self.first_ragged_line = line
        if header is not self._header:  # what each column is, decided once per report, not per cell
            self._header, self._integer = header, [is_integer_column(name) for name in header]
        record: dict[str, Any] = {}
        for name, integer, raw in zip(header, self._integer, row, strict=False):
            text = raw.strip()
            record[name] = (self.integer(name, text) if integer else text) if text else None
        if len(row) > len(header):
            record[SURPLUS_FIELD] = [raw.strip() for raw in row[len(header) :]]
        uii = record.get("uii")
        if isinstance(uii, str) and uii.startswith(SPREADSHEET_GUARD):
            record["uii"] = uii[len(SPREADSHEET_GUARD) :].strip() or None
        for source, (utc_field, local_field) in DERIVED_TIMES.items():
            if source in record:
                text = record[source]
                derived = self.derived_times(text) if text is not None else None
                if derived is None and text is not None:
                    self._warn_once(
                        source,
                        f"column '{source}' holds a time in an unknown form ('{text}'); its UTC value is null.",
                    )
                record[utc_field], record[local_field] = derived or (None, None)
        record.update(self.extra_fields)
        return record

    def integer(self, name: str, text: str) -> int | None:
        if _INTEGER.fullmatch(text):
            return int(text)
        self._warn_once(name, f"column '{name}' holds a value that is not a whole number; it is left null.")
        return None

    def derived_times(self, text: str) -> tuple[str, str] | None:
        """A report time as (UTC, display zone) ISO 8601 texts, or None in an unknown form.

        Remembered per text: report times have whole minutes, so a day's report holds at most 1,440 of them
        (`DERIVED_TIMES_KEPT` bounds what is kept)."""
        derived = self._derived.get(text, _NOT_DERIVED)
        if derived is not _NOT_DERIVED:
            return derived  # type: ignore[return-value]
        instant = parse_report_time(text, self.tz)
        derived = (iso_utc(instant), instant.in_timezone(self.display_tz).isoformat()) if instant else None
        if len(self._derived) >= DERIVED_TIMES_KEPT:
            self._derived.clear()
        self._derived[text] = derived
        return derived

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            self.logger.warning(f"call_detail_report: {message}")
