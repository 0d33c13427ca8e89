"""Which fault, if any, the next request to a faultable endpoint gets.

Fault kinds (the same for every emulator):

- ``500``, ``502``, ``503``: the emulator's `server_error_response(status)`.
- ``429``: the emulator's `rate_limited_response(...)`, as if its quota were exhausted.
- ``reset``: the TCP connection is reset (SO_LINGER 0, then close) with no response at all.
- ``truncated``: the real response's headers, with its full Content-Length, then half the body, then close.
- ``html``: a 502 with an HTML error page, as a load balancer in front of the API would send.
- ``slow``: the answer is delayed by `slow_seconds`, then sent normally.
- ``expired_token``: the emulator's own "token expired" answer (`expired_token_response`).

Two modes, usable together: a deterministic queue (each queued fault is used once, in order, optionally
only by requests to one path) and a random mode (each faultable request fails with probability `rate`,
with a kind drawn from `kinds`, from an RNG seeded for reproducibility). The queue wins when both apply.
Only routes an emulator registers as faultable consult the injector; control endpoints never do.
"""

from __future__ import annotations

import random
import threading
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

FAULT_KINDS: tuple[str, ...] = (
    "500",
    "502",
    "503",
    "429",
    "reset",
    "truncated",
    "html",
    "slow",
    "expired_token",
)

# Random mode leaves out "slow" (it only makes runs long) and "expired_token" (with a static API token it is
# a configuration error, not a transient one); ask for them explicitly.
DEFAULT_RANDOM_FAULT_KINDS: tuple[str, ...] = ("500", "502", "503", "429", "reset", "truncated", "html")


class UnknownFaultKind(ValueError):
    """A fault kind that is not one of FAULT_KINDS."""


def validated_kinds(kinds: Iterable[str]) -> tuple[str, ...]:
    """The kinds as strings, or UnknownFaultKind naming the first unknown one."""
    result = tuple(str(kind).strip() for kind in kinds)
    for kind in result:
        if kind not in FAULT_KINDS:
            raise UnknownFaultKind(f"unknown fault kind {kind!r}; known kinds: {', '.join(FAULT_KINDS)}")
    return result


@dataclass(frozen=True)
class QueuedFault:
    """One fault waiting for the next faultable request (to `path` only, when a path is given)."""

    kind: str
    path: str | None = None

    def applies_to(self, path: str) -> bool:
        return self.path is None or self.path == path


class FaultInjector:
    """Holds the fault queue and the random-fault settings of one emulator, and counts faults drawn."""

    def __init__(
        self,
        rate: float = 0.0,
        kinds: Sequence[str] = DEFAULT_RANDOM_FAULT_KINDS,
        seed: int = 0,
        slow_seconds: float = 2.0,
        paths: Iterable[str] | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._queue: deque[QueuedFault] = deque()
        self._injected: Counter[str] = Counter()
        self.slow_seconds = float(slow_seconds)
        self._rate = 0.0
        self._kinds: tuple[str, ...] = DEFAULT_RANDOM_FAULT_KINDS
        self._paths: frozenset[str] | None = None
        self._rng = random.Random(seed)
        self.set_random(rate, kinds, seed=seed, paths=paths)

    def enqueue(self, kinds: Iterable[str], path: str | None = None) -> None:
        """Queue faults for the next faultable requests, in order (only requests to `path` if given)."""
        queued = [QueuedFault(kind, path) for kind in validated_kinds(kinds)]
        with self._lock:
            self._queue.extend(queued)

    def set_random(
        self,
        rate: float,
        kinds: Sequence[str] | None = None,
        seed: int | None = None,
        paths: Iterable[str] | None = None,
    ) -> None:
        """Fail each faultable request (to one of `paths`, if given) with probability `rate`."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"fault rate must be between 0 and 1, got {rate}")
        chosen = validated_kinds(kinds) if kinds is not None else self._kinds
        if rate > 0 and not chosen:
            raise ValueError("a positive fault rate needs at least one fault kind")
        with self._lock:
            self._rate = float(rate)
            self._kinds = chosen
            self._paths = frozenset(paths) if paths is not None else None
            if seed is not None:
                self._rng = random.Random(seed)

    def clear(self) -> None:
        """Drop queued faults and switch random faults off."""
        with self._lock:
            self._queue.clear()
            self._rate = 0.0

    def forget_counts(self) -> None:
        with self._lock:
            self._injected.clear()

    def draw(self, path: str) -> str | None:
        """The fault for one request to `path` (None for no fault); counts it as injected."""
        with self._lock:
            kind = self._take_queued(path) or self._draw_random(path)
            if kind is not None:
                self._injected[kind] += 1
            return kind

    def injected(self) -> dict[str, int]:
        """How many faults of each kind were drawn so far."""
        with self._lock:
            return dict(self._injected)

    def describe(self) -> dict[str, Any]:
        """The current settings, as the control endpoint reports them."""
        with self._lock:
            return {
                "queue": [{"kind": f.kind, "path": f.path} for f in self._queue],
                "rate": self._rate,
                "kinds": list(self._kinds),
                "paths": sorted(self._paths) if self._paths is not None else None,
                "slow_seconds": self.slow_seconds,
                "injected": dict(self._injected),
            }

    def _take_queued(self, path: str) -> str | None:
        for index, fault in enumerate(self._queue):
            if fault.applies_to(path):
                del self._queue[index]
                return fault.kind
        return None

    def _draw_random(self, path: str) -> str | None:
        if self._rate <= 0 or (self._paths is not None and path not in self._paths):
            return None
        if self._rng.random() >= self._rate:
            return None
        return self._rng.choice(self._kinds)
