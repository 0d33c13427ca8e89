"""The configured span of a sync: start, optional end, lookback, window size and zone, validated.

Spec field names are the same in every connector: `start_date`, `end_date`, `lookback_window_minutes`,
`timezone`, and a window size field (`window_days`, or `window_minutes` where the provider needs less).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pendulum

from cdr_shared.dates import is_date_only, parse_config_instant, zone
from cdr_shared.errors import config_error

EARLIEST_START = pendulum.datetime(1970, 1, 1, tz="UTC")
"""No contact-center record predates the epoch; earlier starts are typing mistakes (and overflow arithmetic)."""

LATEST_END = pendulum.datetime(9000, 1, 1, tz="UTC")
"""An `end_date` after this (year 9999...) means "no end": it is capped here so window and lookback
arithmetic can never overflow `datetime`."""


def _instant(config: Mapping[str, Any], field: str, tz: pendulum.Timezone) -> pendulum.DateTime:
    """`parse_config_instant`, with every parser failure (offsets beyond +-24 h, year 0) a config error."""
    try:
        return parse_config_instant(config[field], tz, field)
    except (ValueError, OverflowError, TypeError) as error:
        raise config_error(
            f"'{field}' must be a date (YYYY-MM-DD) or an ISO 8601 date-time with an offset between -23:59 and "
            f"+23:59; got '{config[field]}'."
        ) from error


@dataclass(frozen=True)
class SyncRange:
    """What the user asked to sync: `[start, end)` in UTC (end None = up to the settled horizon)."""

    start: pendulum.DateTime
    end: pendulum.DateTime | None
    lookback: pendulum.Duration
    window: pendulum.Duration
    tz: pendulum.Timezone


def _positive_int(
    config: Mapping[str, Any], field: str, default: int, minimum: int, maximum: int | None
) -> int:
    value = config.get(field, default)
    if value is None:
        value = default
    if isinstance(value, bool) or not isinstance(value, int):
        raise config_error(f"'{field}' must be a whole number; got '{value}'.")
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise config_error(f"'{field}' must be at least {minimum}{upper}; got {value}.")
    return value


def sync_range_from_config(
    config: Mapping[str, Any],
    *,
    default_timezone: str,
    window_field: str = "window_days",
    window_unit: str = "days",
    default_window: int = 1,
    max_window: int | None = None,
    default_lookback_minutes: int = 60,
    now: pendulum.DateTime | None = None,
) -> SyncRange:
    """Read and check the common fields; every problem is a config error naming its field.

    A date-only `end_date` means "through the end of that day" in the configured zone.
    """
    tz = zone(config.get("timezone") or default_timezone)
    if not config.get("start_date"):
        raise config_error("'start_date' is required: the first day (YYYY-MM-DD) or instant to sync from.")
    # Requests carry whole seconds; a start on a whole second keeps every window edge on one too.
    start = _instant(config, "start_date", tz).replace(microsecond=0)
    now = now or pendulum.now("UTC")
    if start < EARLIEST_START:
        raise config_error(f"'start_date' ({config['start_date']}) must be on or after 1970-01-01.")
    if start > now:
        raise config_error(
            f"'start_date' ({config['start_date']}) lies in the future; nothing could be read."
        )
    end = None
    if config.get("end_date"):
        end = min(_instant(config, "end_date", tz), LATEST_END)
        if is_date_only(config["end_date"]) and end < LATEST_END:
            end = min(end.in_timezone(tz).add(days=1).in_timezone("UTC"), LATEST_END)
        if end <= start:
            raise config_error(
                f"'end_date' ({config['end_date']}) must be after 'start_date' ({config['start_date']})."
            )
    lookback = _positive_int(config, "lookback_window_minutes", default_lookback_minutes, 0, 60 * 24 * 31)
    size = _positive_int(config, window_field, default_window, 1, max_window)
    return SyncRange(
        start=start,
        end=end,
        lookback=pendulum.duration(minutes=lookback),
        window=pendulum.duration(**{window_unit: size}),
        tz=tz,
    )
