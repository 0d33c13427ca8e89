"""Shaping Ozonetel records for the warehouse: the account key dropped, durations in seconds, UTC times.

The provider's own fields stay as they came (local-time strings, `HH:MM:SS` durations); derived fields
are added beside them. `Apikey` (the account's API key, echoed in every legacy record) never leaves the
connector (nor does any other secret-looking key). Times are the account's reporting time (`timezone`, IST by default).

The CDR-by-UCID page (https://docs.ozonetel.com/reference/get_caservices-cdr-fetchcdrbyucid-php) shows two
record shapes: the older camel-case keys (`StartTime`, `TimeToAnswer`, `AudioFile`...) and the current
sample's spaced keys (`Start Time`, `Time to Answer`, `Audio Download`...). Both are read into the same
derived fields.

Each field has one type in the schema, whatever type an answer uses (`normalise_types`): ids and numbers
that some answers send as JSON numbers (the reports API's 17-digit `CallID` and `UCID`, the current UCID
sample's `CallID`) become their exact text; `Rating` a number and `DialCount` an integer (a text that is
not one is kept in `rating_text` / `dial_count_text`, the field itself null); structured `CallFlow` and
`ConferenceData` values their compact JSON text.
"""

from __future__ import annotations

import json
import math
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
    # Agent State Summary (https://docs.ozonetel.com/reference/get_ca-reports-summaryreport).
    "TotalLoginDuration": "total_login_duration_seconds",
    "TotalIdleTime": "total_idle_time_seconds",
    "TotalBusyTime": "total_busy_time_seconds",
    "TotalDialTime": "total_dial_time_seconds",
    "TotalPauseTime": "total_pause_time_seconds",
    "TotalWrapupTime": "total_wrap_up_time_seconds",
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


# Ids and numbers typed as text: the reports API sends `CallID` and `UCID` as JSON numbers of 17 digits
# (https://docs.ozonetel.com/reference/get_ca-reports-fetchcdrdetails), the current UCID sample `CallID`
# as a number (https://docs.ozonetel.com/reference/get_caservices-cdr-fetchcdrbyucid-php); the callback
# fields page types `AgentUniqueID` as a BigInt (https://docs.ozonetel.com/docs/callback-url-configuration).
TEXT_IDS = (
    "UCID",
    "CallID",
    "monitorUCID",
    "AgentUniqueID",
    "AgentIncrID",
    "Did",
    "DID",
    "CallerID",
    "Caller Id",
    "E164",
    "DialedNumber",
    "Dialed Number",
    "PhoneName",
    "AgentPhoneNumber",
)
# Fields of one numeric type, and the derived field that keeps a text that is not such a number.
NUMBERS = {"Rating": (float, "rating_text"), "DialCount": (int, "dial_count_text")}
# Fields that may come structured (a list of steps, an object) and are kept as their JSON text.
JSON_TEXT = ("CallFlow", "ConferenceData")


def exact_text(value: Any) -> Any:
    """A JSON number as its exact text (`21916200693271870`, never `2.19e16`); other values unchanged."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def number_of(value: Any, kind: type) -> int | float | None:
    """`value` as an `int` or a `float` (`kind`), or None when it is not such a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = value
    else:
        try:
            number = float(str(value).strip())
        except ValueError:
            return None
    if not math.isfinite(number):
        return None
    if kind is int:
        return int(number) if float(number).is_integer() else None
    return int(number) if float(number).is_integer() else float(number)


def normalise_types(out: dict[str, Any]) -> dict[str, Any]:
    """Each field in the one type its schema gives it (see the module docstring)."""
    for field in TEXT_IDS:
        if field in out:
            out[field] = exact_text(out[field])
    for field, (kind, text_field) in NUMBERS.items():
        value = out.get(field)
        if value is None:
            continue
        number = number_of(value, kind) if not (isinstance(value, str) and not value.strip()) else None
        out[field] = number
        if number is None and isinstance(value, str) and value.strip():
            out[text_field] = value
    for field in JSON_TEXT:
        value = out.get(field)
        if value is not None and not isinstance(value, str):
            out[field] = json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    return out


def shape_call_log(record: Mapping[str, Any], tz: pendulum.Timezone = IST) -> dict[str, Any]:
    """A getCallLogs or CDR-by-UCID record (either shape): UTC times, seconds, `recording_url`, one type
    per field."""
    out = add_call_times(add_duration_seconds(without_account_key(record)), record, tz)
    out["recording_url"] = first_text(record, RECORDING_KEYS)
    return normalise_types(out)


def shape_report(record: Mapping[str, Any], tz: pendulum.Timezone = IST) -> dict[str, Any]:
    """A reports-API record. `CallID` and `UCID` are 17-digit JSON numbers: kept exact, as strings
    (https://docs.ozonetel.com/reference/get_ca-reports-fetchcdrdetails), so no destination rounds them."""
    out = shape_call_log(record, tz)
    if "PickupTime" not in record:
        out["picked_up_at"] = None
    return out


# The cursor of a per-day report: the start (local midnight) of the record's day, in UTC.
DAY_CURSOR = "day_started_at"
DAY_FORMAT = "%Y-%m-%d"


def shape_agent_state(
    record: Mapping[str, Any], tz: pendulum.Timezone, day: pendulum.DateTime
) -> dict[str, Any]:
    """An Agent State Summary record: each `HH:MM:SS` total also in seconds, ids as text, and
    `day_started_at`, the start of its `CallDate` (of the day asked for, `day`, when the record has none)."""
    out = normalise_types(add_duration_seconds(without_account_key(record)))
    named = first_text(record, ("CallDate",))
    try:
        start = parse_local(named[:10], DAY_FORMAT, tz) if named else None
    except ValueError:
        start = None
    out[DAY_CURSOR] = iso_utc(start or day.in_timezone(tz).start_of("day"))
    return out
