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
    """A provider timestamp without a zone, read with a `strptime` format as wall time in `tz`, in UTC.

    The formats providers use are read without `strptime` when the text has their canonical shape
    (`_FAST_FORMATS`); anything else goes to `strptime`, so results and errors are the same as before. A
    wall time that does not exist (a DST gap) or exists twice (a fold) resolves as `pendulum` resolves it
    (`Timezone.convert` with fold 0: a gap moves back by the jump, a fold takes the first occurrence).
    """
    stripped = text.strip()
    fast = _FAST_FORMATS.get(fmt)
    naive = fast(stripped) if fast is not None else None
    if naive is None:
        naive = dt.datetime.strptime(stripped, fmt).replace(tzinfo=None)
    return _local_to_utc(naive, tz)


def _local_to_utc(naive: dt.datetime, tz: dt.tzinfo) -> pendulum.DateTime:
    """Wall time `naive` in `tz` as a UTC instant, exactly as `pendulum.instance(naive, tz=tz)` reads it."""
    before = tz.utcoffset(naive)
    after = tz.utcoffset(naive.replace(fold=1))
    if before is None or after is None:  # a tzinfo without offsets: let pendulum decide, as before
        return pendulum.instance(naive, tz=tz).in_timezone("UTC")
    if after > before:  # skipped wall time (pendulum moves it back by the jump, fold 0)
        naive = naive + (before - after)
        before = tz.utcoffset(naive)
    utc = naive - before
    return pendulum.DateTime(
        utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.microsecond, tzinfo=pendulum.UTC
    )


def _ymd_hms(text: str) -> dt.datetime | None:
    """`%Y-%m-%d %H:%M:%S` in its fixed-width form (`2024-05-02 13:49:59`); None for any other shape
    (`strptime` then decides, including errors such as a 29 February that does not exist)."""
    if (
        len(text) != 19
        or text[4] != "-"
        or text[7] != "-"
        or text[10] != " "
        or text[13] != ":"
        or text[16] != ":"
    ):
        return None
    digits = text[0:4] + text[5:7] + text[8:10] + text[11:13] + text[14:16] + text[17:19]
    if not (digits.isascii() and digits.isdigit()):
        return None
    try:
        return dt.datetime(
            int(text[0:4]),
            int(text[5:7]),
            int(text[8:10]),
            int(text[11:13]),
            int(text[14:16]),
            int(text[17:19]),
        )
    except ValueError:
        return None


# `4/20/20 6:12 AM` and its variants (RingCX reports): month, day, year (2 or 4 digits), 12-hour clock.
_US_12_HOUR = re.compile(
    r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{2}|[0-9]{4}) ([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))? ([AaPp][Mm])"
)


def _us_12_hour(year_digits: int, seconds: bool):
    def parse(text: str) -> dt.datetime | None:
        found = _US_12_HOUR.fullmatch(text)
        if found is None or len(found.group(3)) != year_digits or (found.group(6) is not None) != seconds:
            return None
        month, day, year, hour, minute = (int(found.group(index)) for index in range(1, 6))
        second = int(found.group(6)) if seconds else 0
        if not (1 <= month <= 12 and 1 <= hour <= 12 and minute <= 59 and second <= 59 and day >= 1):
            return None
        if year_digits == 2:
            year += 2000 if year <= 68 else 1900  # strptime's %y pivot
        hour = hour % 12 + (12 if found.group(7).lower() == "pm" else 0)
        try:
            return dt.datetime(year, month, day, hour, minute, second)
        except ValueError:
            return None

    return parse


_FAST_FORMATS = {
    "%Y-%m-%d %H:%M:%S": _ymd_hms,
    "%m/%d/%y %I:%M %p": _us_12_hour(2, seconds=False),
    "%m/%d/%y %I:%M:%S %p": _us_12_hour(2, seconds=True),
    "%m/%d/%Y %I:%M %p": _us_12_hour(4, seconds=False),
    "%m/%d/%Y %I:%M:%S %p": _us_12_hour(4, seconds=True),
}


def local_iso_utc(text: str, fmt: str, tz: dt.tzinfo) -> str:
    """`iso_utc(parse_local(text, fmt, tz))`: the same text, or the same error, in a fraction of the time.

    For `%Y-%m-%d %H:%M:%S` (the per-record hot path of Acefone and others) the UTC form of each wall-clock
    minute is computed once per zone (`_utc_minute`) and the seconds are appended. A minute is cached only
    when the zone's offset is one whole number of minutes throughout it (no DST change or LMT offset with
    seconds: `tzdata` has no two changes within two hours, so equal offsets at both ends and folds of a
    minute mean none inside it); any other minute, and any other shape of text, takes `parse_local`.
    """
    if fmt == _YMD_HMS:
        stripped = text.strip()
        if len(stripped) == 19 and stripped[16] == ":" and stripped[17:19] in _TWO_DIGITS_BELOW_60:
            prefix = _utc_minute(stripped[:16], tz)
            if prefix is not None:
                return prefix + stripped[17:19] + "+00:00"
    return iso_utc(parse_local(text, fmt, tz))


_YMD_HMS = "%Y-%m-%d %H:%M:%S"
_TWO_DIGITS_BELOW_60 = frozenset(f"{number:02d}" for number in range(60))
# Per zone (by identity: pendulum hashes zones in Python): `YYYY-MM-DD HH:MM` wall time ->
# `YYYY-MM-DDTHH:MM:` in UTC (None: not cacheable, see above).
_UTC_MINUTES: dict[int, tuple[dt.tzinfo, dict[str, str | None]]] = {}
_NOT_CACHED = object()  # a cached minute may be None (a wall time that does not exist in the zone)
_UTC_MINUTES_LIMIT = 4096  # per zone; records arrive in time order, so a full cache is simply dropped


def _utc_minute(wall_minute: str, tz: dt.tzinfo) -> str | None:
    """The UTC `YYYY-MM-DDTHH:MM:` of the wall-clock minute `YYYY-MM-DD HH:MM` in `tz`, cached per zone."""
    cached = _UTC_MINUTES.get(id(tz))
    if cached is None or cached[0] is not tz:
        cached = _UTC_MINUTES[id(tz)] = (tz, {})
    minutes = cached[1]
    prefix = minutes.get(wall_minute, _NOT_CACHED)
    if prefix is not _NOT_CACHED:
        return prefix  # type: ignore[return-value]
    prefix = _utc_minute_uncached(wall_minute, tz)
    if len(minutes) >= _UTC_MINUTES_LIMIT:
        minutes.clear()
    minutes[wall_minute] = prefix
    return prefix


def _utc_minute_uncached(wall_minute: str, tz: dt.tzinfo) -> str | None:
    start = _ymd_hms(wall_minute + ":00")
    if start is None:
        return None
    end = start.replace(second=59)
    offset = tz.utcoffset(start)
    for moment in (start.replace(fold=1), end, end.replace(fold=1)):
        if tz.utcoffset(moment) != offset:
            return None  # the offset changes within this minute (or folds): parse_local resolves it
    if offset is None or offset % _ONE_MINUTE:
        return None
    return dt.datetime.isoformat(start - offset)[:17]


_ONE_MINUTE = dt.timedelta(minutes=1)


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
    if instant.tzinfo is pendulum.UTC or instant.tzinfo is dt.timezone.utc:
        return dt.datetime.isoformat(instant)
    return dt.datetime.isoformat(dt.datetime.astimezone(instant, dt.timezone.utc))


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
