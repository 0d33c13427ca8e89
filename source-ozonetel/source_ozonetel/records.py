"""Shaping Ozonetel records for the warehouse: the account key dropped, durations in seconds, UTC times.

The provider's own fields stay as they came (local-time strings, `HH:MM:SS` durations); derived fields
are added beside them. `Apikey` (the account's API key, echoed in every legacy record) never leaves the
connector (nor does any other secret-looking key). Times are the account's reporting time (`timezone`, IST by default).

The CDR-by-UCID page (https://docs.ozonetel.com/reference/get_caservices-cdr-fetchcdrbyucid-php) shows two
record shapes: the older camel-case keys (`StartTime`, `TimeToAnswer`, `AudioFile`...) and the current
sample's spaced keys (`Start Time`, `Time to Answer`, `Audio Download`...). Both are read into the same
derived fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pendulum

from cdr_shared.dates import hms_to_seconds, iso_utc, parse_local
from cdr_shared.secrets import drop_secret_keys

IST = pendulum.timezone("Asia/Kolkata")
DATE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

# Provider duration fields (every API, both UCID shapes) and the integer-seconds field added for each.
DURATION_FIELDS = {
    "TimeToAnswer": "time_to_answer_seconds",
    "Time to Answer": "time_to_answer_seconds",
    "Duration": "duration_seconds",
    "CallDuration": "call_duration_seconds",
    "TalkTime": "talk_time_seconds",
    "HoldDuration": "hold_duration_seconds",
    "WrapUpDuration": "wrap_up_duration_seconds",
    "WrapupDuration": "wrap_up_duration_seconds",
    "Wrapup Time": "wrap_up_duration_seconds",
    "ConfDuration": "conf_duration_seconds",
    "ConferenceDuration": "conference_duration_seconds",
    "CustomerRingTime": "customer_ring_time_seconds",
    "Customer Ring Time": "customer_ring_time_seconds",
    "HandlingTime": "handling_time_seconds",
    "QueueTime": "queue_time_seconds",
}
# Where each shape keeps the call's start, end, day and recording.
START_KEYS = ("StartTime", "Start Time")
END_KEYS = ("EndTime", "End Time")
DAY_KEYS = ("CallDate", "Call Date")
RECORDING_KEYS = ("AudioFile", "Audio Download", "CallAudio")


def without_account_key(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record minus `Apikey` in any spelling or spacing (`ApiKey`, `apikey`, `Api Key`...), at any depth,
    and minus any other secret-looking key with a text value (`cdr_shared.secrets.drop_secret_keys`)."""
    return {key: value for key, value in drop_secret_keys(record).items() if not is_account_key(key)}


def is_account_key(name: str) -> bool:
    """`Apikey`, `API_KEY`, `api-key`, ` Api Key `...: the echoed account key, whatever its value's type."""
    return "".join(ch for ch in str(name).lower() if ch.isalnum()) == "apikey"


def add_duration_seconds(record: dict[str, Any]) -> dict[str, Any]:
    for field, seconds_field in DURATION_FIELDS.items():
        if field in record:
            record[seconds_field] = hms_to_seconds(record[field])
    return record


def first_text(record: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    """The first non-empty text among `keys` (the same fact under each shape's name)."""
    for key in keys:
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def local_instant(
    text: str | None, tz: pendulum.Timezone, day: str | None = None
) -> pendulum.DateTime | None:
    """A local `YYYY-MM-DD HH:MM:SS` (or a time-only `HH:MM:SS` on `day`) as UTC; None if unreadable."""
    if text is None:
        return None
    if len(text) <= 8 and day is not None:
        text = f"{day} {text}"
    try:
        return parse_local(text, DATE_TIME_FORMAT, tz)
    except ValueError:
        return None


def add_call_times(out: dict[str, Any], record: Mapping[str, Any], tz: pendulum.Timezone) -> dict[str, Any]:
    """`started_at`, `ended_at` (and `picked_up_at` where there is a pickup time) in UTC.

    Reports records carry time-only values on `CallDate`: a call that ends (or is picked up) at a clock
    time earlier than its start crossed midnight, so that time belongs to the next day.
    """
    day = first_text(record, DAY_KEYS)
    day = day[:10] if day else None
    started = local_instant(first_text(record, START_KEYS), tz, day)
    out["started_at"] = iso_utc(started) if started else None
    targets = [(END_KEYS, "ended_at")]
    if "PickupTime" in record:
        targets.append((("PickupTime",), "picked_up_at"))
    for keys, target in targets:
        instant = local_instant(first_text(record, keys), tz, day)
        if instant is not None and started is not None and instant < started:
            instant = instant.add(days=1)
        out[target] = iso_utc(instant) if instant else None
    return out


def shape_call_log(record: Mapping[str, Any], tz: pendulum.Timezone = IST) -> dict[str, Any]:
    """A getCallLogs or CDR-by-UCID record (either shape): UTC times, seconds, `recording_url`."""
    out = add_call_times(add_duration_seconds(without_account_key(record)), record, tz)
    out["recording_url"] = first_text(record, RECORDING_KEYS)
    return out


def shape_report(record: Mapping[str, Any], tz: pendulum.Timezone = IST) -> dict[str, Any]:
    """A reports-API record. `CallID` is a 17-digit JSON number: kept exact, as a string
    (https://docs.ozonetel.com/reference/get_ca-reports-fetchcdrdetails), so no destination rounds it."""
    out = shape_call_log(record, tz)
    if "PickupTime" not in record:
        out["picked_up_at"] = None
    call_id = record.get("CallID")
    if call_id is not None and not isinstance(call_id, str):
        out["CallID"] = str(call_id)
    return out
