"""Shaping Ozonetel records for the warehouse: the account key dropped, durations in seconds, UTC times.

The provider's own fields stay as they came (IST strings, `HH:MM:SS` durations); derived fields are added
beside them. `Apikey` (the account's API key, echoed in every legacy record) never leaves the connector.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pendulum

from cdr_shared.dates import hms_to_seconds, iso_utc, parse_local

IST = pendulum.timezone("Asia/Kolkata")
DATE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

# Provider duration fields (all three APIs) and the integer-seconds field added for each.
DURATION_FIELDS = {
    "TimeToAnswer": "time_to_answer_seconds",
    "Duration": "duration_seconds",
    "CallDuration": "call_duration_seconds",
    "TalkTime": "talk_time_seconds",
    "HoldDuration": "hold_duration_seconds",
    "WrapUpDuration": "wrap_up_duration_seconds",
    "WrapupDuration": "wrap_up_duration_seconds",
    "ConfDuration": "conf_duration_seconds",
    "ConferenceDuration": "conference_duration_seconds",
    "CustomerRingTime": "customer_ring_time_seconds",
    "HandlingTime": "handling_time_seconds",
}


def without_account_key(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record minus `Apikey` in any spelling (`ApiKey`, `apikey`...)."""
    return {key: value for key, value in record.items() if key.lower() != "apikey"}


def add_duration_seconds(record: dict[str, Any]) -> dict[str, Any]:
    for field, seconds_field in DURATION_FIELDS.items():
        if field in record:
            record[seconds_field] = hms_to_seconds(record[field])
    return record


def ist_to_utc(text: Any) -> str | None:
    """An IST `YYYY-MM-DD HH:MM:SS` as UTC ISO 8601; None for empty or unreadable values."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return iso_utc(parse_local(text, DATE_TIME_FORMAT, IST))
    except ValueError:
        return None


def shape_call_log(record: Mapping[str, Any]) -> dict[str, Any]:
    """A getCallLogs or CDR-by-UCID record: `started_at`/`ended_at` from `StartTime`/`EndTime`."""
    out = add_duration_seconds(without_account_key(record))
    out["started_at"] = ist_to_utc(record.get("StartTime"))
    out["ended_at"] = ist_to_utc(record.get("EndTime"))
    return out


def shape_report(record: Mapping[str, Any]) -> dict[str, Any]:
    """A reports-API record, whose times are time-only on `CallDate`.

    A call that ends (or is picked up) at a clock time earlier than its start crossed midnight, so that
    time belongs to the next day.
    """
    out = add_duration_seconds(without_account_key(record))
    day = record.get("CallDate")
    started = _on_day(day, record.get("StartTime"))
    out["started_at"] = iso_utc(started) if started else None
    for field, target in (("EndTime", "ended_at"), ("PickupTime", "picked_up_at")):
        instant = _on_day(day, record.get(field))
        if instant is not None and started is not None and instant < started:
            instant = instant.add(days=1)
        out[target] = iso_utc(instant) if instant else None
    return out


def _on_day(day: Any, clock_time: Any) -> pendulum.DateTime | None:
    if not isinstance(day, str) or not isinstance(clock_time, str) or not clock_time.strip():
        return None
    try:
        return parse_local(f"{day.strip()} {clock_time.strip()}", DATE_TIME_FORMAT, IST)
    except ValueError:
        return None
