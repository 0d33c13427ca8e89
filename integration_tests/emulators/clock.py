"""The virtual clock every emulator reads instead of the wall clock.

Tests often need to stand at a chosen instant (just before a token expires, at 02:59 IST when a provider
has not yet published yesterday's calls, an hour later when a quota window has passed) without waiting.
`VirtualClock.now()` is the real time plus an offset that tests move with `set()` or `advance()`; the
clock then keeps running at real speed from there.

`time_scale` belongs to the clock too: every rate-limit window and token lifetime an emulator enforces is
divided by it (`scaled()`), so a one-hour quota with `time_scale=3600` lasts one real second.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 instant ("Z" accepted); an instant without an offset is taken as UTC."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


class VirtualClock:
    """Real time plus a settable offset, and the time scale applied to emulated durations."""

    def __init__(self, time_scale: float = 1.0) -> None:
        self._lock = threading.Lock()
        self._offset_seconds = 0.0
        self._time_scale = 1.0
        self.time_scale = time_scale

    @property
    def time_scale(self) -> float:
        return self._time_scale

    @time_scale.setter
    def time_scale(self, value: float) -> None:
        if not value > 0:
            raise ValueError(f"time_scale must be positive, got {value!r}")
        self._time_scale = float(value)

    @property
    def offset_seconds(self) -> float:
        with self._lock:
            return self._offset_seconds

    def timestamp(self) -> float:
        """The virtual instant as POSIX seconds."""
        with self._lock:
            return time.time() + self._offset_seconds

    def now(self) -> datetime:
        """The virtual instant as an aware UTC datetime."""
        return datetime.fromtimestamp(self.timestamp(), tz=timezone.utc)

    def set(self, instant: datetime | str) -> datetime:
        """Move the clock so that `now()` is `instant` (aware datetime or ISO 8601 text) at this moment."""
        target = parse_instant(instant) if isinstance(instant, str) else instant
        if target.tzinfo is None:
            target = target.replace(tzinfo=timezone.utc)
        with self._lock:
            self._offset_seconds = target.timestamp() - time.time()
        return self.now()

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward (or back, with a negative value) by `seconds`."""
        with self._lock:
            self._offset_seconds += float(seconds)
        return self.now()

    def reset(self) -> datetime:
        """Go back to real time."""
        with self._lock:
            self._offset_seconds = 0.0
        return self.now()

    def scaled(self, seconds: float) -> float:
        """An emulated duration (rate-limit window, token lifetime) in real seconds under `time_scale`."""
        return seconds / self._time_scale

    def describe(self) -> dict[str, Any]:
        """The clock's state as the control endpoint reports it."""
        now = self.now()
        return {
            "now": now.isoformat(),
            "offset_seconds": round(self.offset_seconds, 6),
            "time_scale": self.time_scale,
            "real_now": (now - timedelta(seconds=self.offset_seconds)).isoformat(),
        }
