"""The settled horizon: the latest instant whose calls the provider has finished publishing.

State never moves past it, so a call the provider publishes late is never skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pendulum

Horizon = Callable[[pendulum.DateTime], pendulum.DateTime]
"""Given "now" (UTC), the settled horizon (UTC)."""


@dataclass(frozen=True)
class LagHorizon:
    """Calls are published within `lag` of their start (APIs that show a call once it has ended)."""

    lag: pendulum.Duration

    def __call__(self, now: pendulum.DateTime) -> pendulum.DateTime:
        return now - self.lag


@dataclass(frozen=True)
class DailyPublicationHorizon:
    """A day's calls are published as a batch at `publish_hour:publish_minute` local time on the next day.

    Ozonetel's historical data is the example: yesterday's calls (IST) are complete from 03:00 IST today,
    so at 01:00 IST the horizon is the start of yesterday and at 04:00 IST it is the start of today.

    `margin` delays the publication as this machine sees it: a clock running ahead of the provider's
    would otherwise read yesterday before the provider has published it (and never read it again).
    """

    tz: pendulum.Timezone
    publish_hour: int
    publish_minute: int = 0
    margin: pendulum.Duration = pendulum.duration()

    def __call__(self, now: pendulum.DateTime) -> pendulum.DateTime:
        local_now = now.in_timezone(self.tz)
        today = local_now.start_of("day")
        published_today = today.add(hours=self.publish_hour, minutes=self.publish_minute) + self.margin
        settled_day_end = today if local_now >= published_today else today.subtract(days=1)
        return settled_day_end.in_timezone("UTC")
