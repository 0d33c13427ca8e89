"""Splitting a half-open time range into request windows.

A window is `[start, end)`: a record whose cursor equals `end` belongs to the next window, so a
window's records never repeat in its neighbour.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pendulum


@dataclass(frozen=True)
class Window:
    """A half-open time range `[start, end)` in UTC."""

    start: pendulum.DateTime
    end: pendulum.DateTime

    @property
    def last_second(self) -> pendulum.DateTime:
        """The last whole second inside the window, for APIs whose `to` bound is inclusive at second resolution."""
        return self.end.subtract(seconds=1)


def split_windows(
    start: pendulum.DateTime, end: pendulum.DateTime, size: pendulum.Duration
) -> Iterator[Window]:
    """Consecutive windows of at most `size` covering `[start, end)`; nothing when `start >= end`."""
    if size.total_seconds() <= 0:
        raise ValueError("window size must be positive")
    cursor = start
    while cursor < end:
        window_end = min(cursor + size, end)
        yield Window(cursor, window_end)
        cursor = window_end


def split_local_days(
    start: pendulum.DateTime, end: pendulum.DateTime, tz: pendulum.Timezone, days: int = 1
) -> Iterator[Window]:
    """Windows cut at local midnights of `tz`, each spanning at most `days` local days (DST-aware)."""
    if days <= 0:
        raise ValueError("days must be positive")
    cursor = start
    while cursor < end:
        local_midnight = cursor.in_timezone(tz).start_of("day")
        boundary = local_midnight.add(days=days).in_timezone("UTC")
        window_end = min(boundary, end)
        yield Window(cursor, window_end)
        cursor = window_end
