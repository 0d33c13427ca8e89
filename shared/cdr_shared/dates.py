"""Dates and time zones: parsing provider-local timestamps, formatting request parameters.

Every instant the connectors emit is an ISO 8601 string with an explicit offset; cursors are UTC.
Provider strings carry no zone, so every parser here takes the zone explicitly.
"""

from __future__ import annotations

import datetime as dt
import re

import pendulum
from pendulum.tz.exceptions import InvalidTimezone

from cdr_shared.errors import config_error


def zone(name: str, field: str = "timezone") -> pendulum.Timezone:
    """The IANA zone called `name`, or a config error naming `field`."""
    try:
        return pendulum.timezone(name)
    except (InvalidTimezone, ValueError, TypeError) as error:
        raise config_error(
            f"'{field}' must be an IANA time zone name such as 'Asia/Kolkata' or 'UTC'; got '{name}'."
        ) from error


# The offset that ends a date-time (`+05:30`, `-0800`); the parsers read `+05:99` as +06:39.
_TRAILING_OFFSET = re.compile(r"[T ][0-9:.]+[+-]\d{2}:?(?P<minutes>\d{2})$")


def _check_offset_minutes(text: str) -> None:
    """ValueError for an offset whose minutes are not 00 to 59, which the parsers silently carry over."""
    found = _TRAILING_OFFSET.search(text.strip())
    if found and int(found.group("minutes")) > 59:
        raise ValueError(f"offset minutes beyond 59: {text!r}")


def parse_config_instant(value: str, tz: pendulum.Timezone, field: str) -> pendulum.DateTime:
    """A config date (`YYYY-MM-DD`, local midnight in `tz`) or ISO 8601 date-time (zone-less means `tz`)."""
    try:
        _check_offset_minutes(str(value))
        parsed = pendulum.parse(str(value), tz=tz, strict=False)
    except (ValueError, TypeError, pendulum.parsing.exceptions.ParserError) as error:
        raise config_error(
            f"'{field}' must be a date (YYYY-MM-DD) or an ISO 8601 date-time; got '{value}'."
        ) from error
    if isinstance(parsed, pendulum.Date) and not isinstance(parsed, pendulum.DateTime):
        parsed = pendulum.datetime(parsed.year, parsed.month, parsed.day, tz=tz)
    if not isinstance(parsed, pendulum.DateTime):
        raise config_error(f"'{field}' must be a date (YYYY-MM-DD) or an ISO 8601 date-time; got '{value}'.")
    return parsed.in_timezone("UTC")


def is_date_only(value: str) -> bool:
    """Whether a config value names a whole day rather than an instant."""
    text = str(value).strip()
    return len(text) == 10 and text[4] == "-" and text[7] == "-"


def parse_local(text: str, fmt: str, tz: pendulum.Timezone) -> pendulum.DateTime:
    """A provider timestamp without a zone, read with a `strptime` format as wall time in `tz`, in UTC."""
    naive = dt.datetime.strptime(text.strip(), fmt)
    return pendulum.instance(naive.replace(tzinfo=None), tz=tz).in_timezone("UTC")


def parse_utc_instant(text: str) -> pendulum.DateTime:
    """An ISO 8601 date-time that carries an offset (as our cursors do), in UTC; ValueError otherwise."""
    value = str(text).strip()
    _check_offset_minutes(value)
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"date-time has no offset: {text!r}")
    return pendulum.instance(parsed).in_timezone("UTC")


def format_local(instant: pendulum.DateTime, tz: pendulum.Timezone, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """`instant` as wall time in `tz`, formatted for a request parameter."""
    return instant.in_timezone(tz).strftime(fmt)


def iso_utc(instant: pendulum.DateTime) -> str:
    """The ISO 8601 form with offset used for every cursor and derived timestamp: `2024-05-02T13:49:59+00:00`."""
    return instant.in_timezone("UTC").isoformat()


def epoch_millis_to_utc(millis: int | str) -> pendulum.DateTime:
    """An epoch-milliseconds value as a UTC instant."""
    return pendulum.from_timestamp(int(millis) / 1000.0, tz="UTC")


def hms_to_seconds(text: str | None) -> int | None:
    """A duration `HH:MM:SS` (hours may exceed 24) as whole seconds; None for empty or malformed values."""
    if text is None:
        return None
    parts = str(text).strip().split(":")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        return None
    hours, minutes, seconds = (int(part) for part in parts)
    return hours * 3600 + minutes * 60 + seconds
