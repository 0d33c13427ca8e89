"""The two page shapes Acefone documents for call detail records, read into one record shape.

- `GET /v1/call/records` (https://docs.acefone.in/reference/call-detail-records-2, the same on
  https://docs.acefone.co.uk/reference/call-detail-records-2) answers `{count, limit, size, page, results}`;
  a record's call start is `date` + `time`, its end `end_stamp`.
- The older UK `GET /v1/call_report` (https://api-docs.acefone.co.uk/reference/get_v1-call-report) answers
  `{total_records, filtered_records, page_records, page, data}` (numbers as strings), at most 100 records a
  page; a record's `id` is a number and its call start sits in `call_stats` (`call_date`, and
  `connection_time`, "start time of call").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CALL_REPORT_MAX_LIMIT = 100


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def page_records(body: Any) -> list[Mapping[str, Any]] | None:
    """The page's records, or None when the body is neither documented page shape."""
    if not isinstance(body, Mapping) or body.get("success") is False:
        return None
    if "results" in body:
        records = body["results"]
    elif "data" in body:
        records = body["data"]
        # A PHP back end encodes an array whose keys are not 0..n-1 as an object: {"0": {...}, "2": {...}}.
        if isinstance(records, Mapping) and all(isinstance(v, Mapping) for v in records.values()):
            records = list(records.values())
    else:
        return None
    if not isinstance(records, list) or not _all_mappings(records):
        return None
    return records


def _all_mappings(items: list[Any]) -> bool:
    for item in items:
        if type(item) is not dict and not isinstance(item, Mapping):  # the exact type first: cheaper
            return False
    return True


def is_call_report_page(body: Mapping[str, Any]) -> bool:
    """Whether the page has the older `/v1/call_report` shape."""
    return "results" not in body and "data" in body


def page_total(body: Mapping[str, Any]) -> int | None:
    """The number of matching records the page reports (`count`, or `filtered_records`/`total_records`)."""
    if not is_call_report_page(body):
        return as_int(body.get("count"))
    filtered = as_int(body.get("filtered_records"))
    return filtered if filtered is not None else as_int(body.get("total_records"))


def page_number(body: Mapping[str, Any]) -> int | None:
    return as_int(body.get("page"))


def page_limit(body: Mapping[str, Any], requested: int) -> int:
    """How many records a full page holds: the limit asked for, as far as the answer says it was applied."""
    if is_call_report_page(body):
        return min(requested, CALL_REPORT_MAX_LIMIT)
    return min(requested, as_int(body.get("limit")) or requested)


def record_id(record: Mapping[str, Any]) -> Any:
    """The record's `id` as text in both shapes (`/v1/call_report` sends a number)."""
    value = record.get("id")
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def call_start_text(record: Mapping[str, Any]) -> str | None:
    """The local call start as `Y-m-d H:i:s` text, from whichever shape the record has."""
    if record.get("date") is not None or record.get("time") is not None:
        return f"{record.get('date')} {record.get('time')}"
    stats = record.get("call_stats")
    if not isinstance(stats, Mapping) or not stats.get("call_date"):
        return None
    day = str(stats["call_date"]).strip()
    if " " in day:  # a date-time already
        return day
    return f"{day} {stats.get('connection_time')}"


def call_end_text(record: Mapping[str, Any]) -> str | None:
    """The local call end; `/v1/call_report` documents none, so its records get no `ended_at`."""
    return record.get("end_stamp")
