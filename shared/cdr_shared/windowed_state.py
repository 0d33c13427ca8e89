"""The state contract of every incremental stream, independent of the CDK.

- Windows run from `max(start, state - lookback)` to `min(end, settled horizon)`, the upper bound fixed
  when the sync plans its windows, so calls arriving during a sync cannot shift what it reads.
- The cursor moves to a window's end only after that window was read completely, never backwards,
  never past the settled horizon, never into the future.
- A state that is unparseable or in the future is a config error naming the stream, not silently
  accepted. A state of another shape that has no cursor (per-partition state of another version) is
  ignored with a warning: the sync reads from `start_date`, which re-reads but loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pendulum

from cdr_shared.dates import iso_utc, parse_utc_instant
from cdr_shared.errors import config_error
from cdr_shared.horizon import Horizon
from cdr_shared.sync_range import SyncRange
from cdr_shared.windows import Window, split_windows

Clock = Callable[[], pendulum.DateTime]
WindowSplitter = Callable[[pendulum.DateTime, pendulum.DateTime], Iterator[Window]]

# A state a few minutes ahead of this machine's clock is clock skew, not a broken state; more is a state
# that would skip the calls between now and it (pinned by a test: 2 minutes accepted, 10 refused).
FUTURE_STATE_TOLERANCE = pendulum.duration(minutes=5)

logger = logging.getLogger("airbyte")


def utc_now() -> pendulum.DateTime:
    return pendulum.now("UTC")


class WindowedCursor:
    """Plans a sync's windows and keeps the cursor: the end of the last completely read window."""

    def __init__(
        self,
        stream_name: str,
        cursor_field: str,
        sync_range: SyncRange,
        horizon: Horizon,
        clock: Clock = utc_now,
        splitter: WindowSplitter | None = None,
    ) -> None:
        self.stream_name = stream_name
        self.cursor_field = cursor_field
        self.sync_range = sync_range
        self.horizon = horizon
        self.clock = clock
        self.splitter: WindowSplitter = splitter or (lambda a, b: split_windows(a, b, sync_range.window))
        self.value: pendulum.DateTime | None = None
        self._state_of: pendulum.DateTime | None = None
        self._state_text = ""
        self.planned_upper: pendulum.DateTime | None = None
        self.follows: WindowedCursor | None = None
        """The cursor of the stream this one reads through (a detail stream's parent): once that one has
        planned this sync, its upper bound is this one's, so the child's windows are exactly the parent's
        (a horizon that moves with the clock would otherwise give the child a longer last window, which the
        parent's records of this sync do not cover: it would be listed again)."""

    def load(self, state: Mapping[str, Any] | None) -> None:
        """Take a state message's value; empty means a first sync."""
        if not state:
            self.value = None
            return
        if not isinstance(state, Mapping):
            raise config_error(
                f"The saved state of stream '{self.stream_name}' is not usable: it must be an object such as "
                f'{{"{self.cursor_field}": "2024-05-01T00:00:00+00:00"}}. Reset the stream\'s state or correct it.'
            )
        if state.get(self.cursor_field) in (None, ""):
            if any(key != self.cursor_field for key in state):
                logger.warning(
                    f"The saved state of stream '{self.stream_name}' has no '{self.cursor_field}' (keys: "
                    f"{', '.join(sorted(map(str, state))[:5])}); it is ignored and the stream is read from 'start_date'."
                )
            self.value = None
            return
        raw = state[self.cursor_field]
        try:
            if not isinstance(raw, str):
                raise TypeError(f"not a string: {type(raw).__name__}")
            value = parse_utc_instant(raw)
        except (ValueError, TypeError, OverflowError, pendulum.parsing.exceptions.ParserError) as error:
            raise config_error(
                f"The saved state of stream '{self.stream_name}' is not usable: '{self.cursor_field}' must be an "
                f"ISO 8601 date-time with offset, got '{raw}'. Reset the stream's state or correct it.",
            ) from error
        if value > self.clock() + FUTURE_STATE_TOLERANCE:
            raise config_error(
                f"The saved state of stream '{self.stream_name}' lies in the future ('{self.cursor_field}' = '{raw}'). "
                "Reading from there would skip calls; reset the stream's state or correct it."
            )
        self.value = value

    def to_state(self) -> dict[str, Any]:
        value = self.value
        if value is None:
            return {}
        if value is not self._state_of:  # the CDK asks after every record; the text changes once a window
            self._state_of, self._state_text = value, iso_utc(value)
        return {self.cursor_field: self._state_text}

    def upper_bound(self) -> pendulum.DateTime:
        """`min(end_date, settled horizon, now)`, evaluated now; or the bound the followed cursor planned."""
        if self.follows is not None and self.follows.planned_upper is not None:
            return self.follows.planned_upper
        now = self.clock()
        bound = min(self.horizon(now), now)
        if self.sync_range.end is not None:
            bound = min(bound, self.sync_range.end)
        return bound

    def lower_bound(self, incremental: bool) -> pendulum.DateTime:
        """`start_date` on a first or full-refresh sync, else `max(start_date, state - lookback)`."""
        if not incremental or self.value is None:
            return self.sync_range.start
        if self.value <= self.sync_range.start:
            return self.sync_range.start
        return max(self.sync_range.start, self.value - self.sync_range.lookback)

    def plan(self, incremental: bool) -> list[Window]:
        """The windows this sync reads, in order."""
        self.planned_upper = self.upper_bound()
        return list(self.splitter(self.lower_bound(incremental), self.planned_upper))

    def readable_part(self, window: Window) -> Window | None:
        """The part of a planned window that can still be read now (all of it, unless the provider has
        a retention: see `RetentionCursor`)."""
        return window

    def complete(self, window: Window) -> None:
        """`window` was read completely: move the cursor to its end (never backwards)."""
        if self.value is None or window.end > self.value:
            self.value = window.end
