"""Moving-window rate limiting for emulated provider quotas.

A provider quota such as "10 requests per second" or "10 requests per hour" is a
`MovingWindowRateLimiter(clock, limit=10, interval_seconds=3600)`. The window is measured on the
emulator's `VirtualClock` and divided by its `time_scale`, so tests can either wait a scaled window or jump
past it with `clock.advance()`. Refused requests do not consume the quota.

An emulator attaches a limiter to routes (`EmulatorServer.add_route(..., rate_limiter=...)`); the base
server then answers over-quota requests with the emulator's `rate_limited_response()`.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

from .clock import VirtualClock


@dataclass(frozen=True)
class RateDecision:
    """Whether one request fits in the quota, and if not, how long until it would."""

    allowed: bool
    remaining: int
    retry_after: float


class MovingWindowRateLimiter:
    """At most `limit` requests in any `interval_seconds` (scaled) window; a limit of 0 disables it."""

    def __init__(self, clock: VirtualClock, limit: int, interval_seconds: float) -> None:
        if limit < 0:
            raise ValueError(f"limit must be zero (disabled) or positive, got {limit}")
        if not interval_seconds > 0:
            raise ValueError(f"interval_seconds must be positive, got {interval_seconds}")
        self.clock = clock
        self.limit = limit
        self.interval_seconds = float(interval_seconds)
        self._admitted: deque[float] = deque()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    def window_seconds(self) -> float:
        """The window length in real seconds under the clock's time scale."""
        return self.clock.scaled(self.interval_seconds)

    def admit(self) -> RateDecision:
        """Count one request if it fits in the window; otherwise refuse it without counting it."""
        if not self.enabled:
            return RateDecision(allowed=True, remaining=0, retry_after=0.0)
        now = self.clock.timestamp()
        window = self.window_seconds()
        with self._lock:
            self._forget_outside(now, window)
            if len(self._admitted) >= self.limit:
                retry_after = max(self._admitted[0] + window - now, 0.0)
                return RateDecision(allowed=False, remaining=0, retry_after=retry_after)
            self._admitted.append(now)
            return RateDecision(allowed=True, remaining=self.limit - len(self._admitted), retry_after=0.0)

    def reset(self) -> None:
        """Forget every admitted request, as if the quota window had just opened."""
        with self._lock:
            self._admitted.clear()

    def _forget_outside(self, now: float, window: float) -> None:
        # A clock moved backwards leaves entries "in the future"; they belong to no window any more.
        self._admitted = deque(t for t in self._admitted if now - window < t <= now)
