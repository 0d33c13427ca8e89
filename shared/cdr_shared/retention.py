"""Retention: the earliest instant whose calls a provider still holds.

Some platforms keep call data only briefly (Huawei CC-CMS: from 00:00 of the previous day in the tenant's
zone). A sync that wants older data cannot get it; the connector clamps to what is still held and says
exactly which period was lost, rather than pretending it was read.
"""

from __future__ import annotations

from dataclasses import dataclass

import pendulum


@dataclass(frozen=True)
class DailyRetention:
    """Data is held from local midnight `days` days before today (days=1: since 00:00 yesterday)."""

    tz: pendulum.Timezone
    days: int = 1

    def earliest(self, now: pendulum.DateTime) -> pendulum.DateTime:
        """The earliest instant (UTC) still held at `now`."""
        today = now.in_timezone(self.tz).start_of("day")
        return today.subtract(days=self.days).in_timezone("UTC")
