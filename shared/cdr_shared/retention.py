"""Retention: the earliest instant whose calls a provider still holds, and a cursor that respects it.

Some platforms keep call data only briefly (Huawei CC-CMS: from 00:00 of the previous day in the
tenant's zone). A sync that wants older data cannot get it: the cursor clamps its windows to what is
still held and reports exactly which period was lost, rather than pretending it was read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import pendulum

from cdr_shared.windowed_state import WindowedCursor
from cdr_shared.windows import Window


class Retention(Protocol):
    def earliest(self, now: pendulum.DateTime) -> pendulum.DateTime:
        """The earliest instant (UTC) still held at `now`."""


@dataclass(frozen=True)
class DailyRetention:
    """Data is held from local midnight `days` days before today (days=1: since 00:00 yesterday)."""

    tz: pendulum.Timezone
    days: int = 1

    def earliest(self, now: pendulum.DateTime) -> pendulum.DateTime:
        today = now.in_timezone(self.tz).start_of("day")
        return today.subtract(days=self.days).in_timezone("UTC")


class RetentionCursor(WindowedCursor):
    """A `WindowedCursor` that plans and reads nothing the provider no longer holds.

    `on_expired(window)` is told every period that was wanted but is gone: at planning time (an old
    state or start_date) and when a planned window has aged out before it was read (a sync running past
    the provider's daily cut-off).
    """

    def __init__(
        self, *args: Any, retention: Retention, on_expired: Callable[[Window], None], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.retention = retention
        self.on_expired = on_expired

    def lower_bound(self, incremental: bool) -> pendulum.DateTime:
        wanted = super().lower_bound(incremental)
        earliest = self.retention.earliest(self.clock())
        if wanted >= earliest:
            return wanted
        lost_until = min(earliest, self.upper_bound())
        if lost_until > wanted:
            self.on_expired(Window(wanted, lost_until))
        return earliest

    def readable_part(self, window: Window) -> Window | None:
        """The part of `window` still held now (None if nothing is); the rest is reported as lost."""
        earliest = self.retention.earliest(self.clock())
        if window.start >= earliest:
            return window
        self.on_expired(Window(window.start, min(window.end, earliest)))
        return Window(earliest, window.end) if earliest < window.end else None
