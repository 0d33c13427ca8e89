"""Provider quotas enforced before each request, with waits that stay visible and bounded.

`PatientAPIBudget` is the CDK's `HttpAPIBudget` (moving windows, one policy per quota) with three things a
CDR sync needs on top:

- a wait for quota is logged with its length, then slept in naps of at most `heartbeat_seconds`, each
  followed by a log line, so a source waiting out an hourly quota is never silent for long;
- a wait longer than what the user accepts (`max_wait_seconds`) fails the sync with a transient error
  instead of blocking for hours;
- inside `quota_patience(seconds)` a wait longer than `seconds` raises `QuotaWouldWait` at once (a caller
  retrying a failed request, such as `tokens.request_token`, reports it rather than queueing for an hour);
- a provider answer that says the quota is spent (HTTP 429, or a body such as "Max Limit Exceeded" that
  `exhausted_when` recognises) closes that quota for one whole period from now, because requests made
  by someone else with the same account count against it too and their times are unknown.

`time_scale` divides every quota period (only the emulators' tests and benchmarks use anything but 1);
periods are then lengthened by `PERIOD_MARGIN` (and at least `MIN_MARGIN_SECONDS`, real seconds whatever
the scale) so that clock differences and uneven answer times never make a request arrive early.

The budget is shared by every worker thread of a stream (and by every stream of a source): taking a call
is atomic, so concurrent requests together stay within each quota. The pacing of a `spread` quota (a
slot every `period / limit`) is not logged; waits for a spent quota are.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import requests
from airbyte_cdk.sources.streams.call_rate import (
    CallRateLimitHit,
    HttpAPIBudget,
    HttpRequestRegexMatcher,
    MovingWindowCallRatePolicy,
    Rate,
)

from cdr_shared.errors import transient_error

DEFAULT_HEARTBEAT_SECONDS = 300.0
"""Half of the ten minutes after which a silent source may be taken for dead."""

PERIOD_MARGIN = 0.02
"""Quota periods are lengthened by this fraction: the provider's clock and its idea of when our requests
arrived differ a little from ours, and a request refused for being a second early costs a whole period."""
MIN_MARGIN_SECONDS = 0.05
"""For short periods (a second) a fraction is too little: requests sent evenly reach the provider up to
some tens of milliseconds unevenly (a busy machine, a busy server), so a period is never lengthened by less."""

LATENCY_ALLOWANCE_SECONDS = 2.0
"""The answer time that `concurrency_for` plans for: slower answers leave part of the rate unused."""
MAX_CONCURRENCY = 16

logger = logging.getLogger("airbyte")


def concurrency_for(requests_per_second: float) -> int:
    """Worker threads enough to use `requests_per_second` while each answer takes up to
    `LATENCY_ALLOWANCE_SECONDS`; at least 1, at most `MAX_CONCURRENCY`."""
    return max(1, min(MAX_CONCURRENCY, math.ceil(requests_per_second * LATENCY_ALLOWANCE_SECONDS)))


@dataclass(frozen=True)
class Quota:
    """`limit` requests per `period` to the paths matching `path_pattern` (a regex searched in the URL path)."""

    name: str
    limit: int
    period: timedelta
    path_pattern: str
    method: str | None = None
    spread: bool = False
    """Space the requests evenly (one every `period / limit`) instead of letting a whole period's worth go
    at once: for short periods (per second), where a burst from several workers would reach the provider
    bunched up and a little out of order, and a moving window counted there could refuse the last ones."""


class QuotaWouldWait(Exception):
    """Under `quota_patience`, the request's quota frees up later than the caller is willing to wait."""

    def __init__(self, provider: str, quota: Quota, wait_seconds: float) -> None:
        self.wait_seconds = wait_seconds
        super().__init__(
            f"{provider}'s {quota.name} quota ({quota.limit} per {_describe(quota.period.total_seconds())}) "
            f"allows the next request only in {_describe(wait_seconds)}"
        )


_PATIENCE: ContextVar[float | None] = ContextVar("cdr_shared_quota_patience", default=None)


@contextlib.contextmanager
def quota_patience(seconds: float) -> Iterator[None]:
    """Within the block, a `PatientAPIBudget` wait longer than `seconds` raises `QuotaWouldWait` instead."""
    token = _PATIENCE.set(seconds)
    try:
        yield
    finally:
        _PATIENCE.reset(token)


def _describe(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min {secs:02d} s"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


class PatientAPIBudget(HttpAPIBudget):
    """An `HttpAPIBudget` whose waits are logged, heartbeated, bounded, and that honours "quota spent" answers."""

    def __init__(
        self,
        quotas: list[Quota],
        *,
        provider: str,
        max_wait_seconds: float,
        max_wait_field: str,
        exhausted_when: Callable[[requests.Response], bool] | None = None,
        heartbeat_seconds: float = DEFAULT_HEARTBEAT_SECONDS,
        time_scale: float = 1.0,
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.provider = provider
        self.max_wait_seconds = max_wait_seconds
        self.max_wait_field = max_wait_field
        self.heartbeat_seconds = heartbeat_seconds
        self._exhausted_when = exhausted_when
        self._lock = threading.Lock()
        self._quotas: list[tuple[Quota, float, MovingWindowCallRatePolicy]] = []
        for quota in quotas:
            scaled = quota.period.total_seconds() / time_scale
            # The fraction scales with the period; the minimum does not: how unevenly requests reach the
            # provider is a matter of real milliseconds, whatever the emulated time scale.
            period = max(scaled * (1 + PERIOD_MARGIN), scaled + MIN_MARGIN_SECONDS)
            matcher = HttpRequestRegexMatcher(method=quota.method, url_path_pattern=quota.path_pattern)
            policy = MovingWindowCallRatePolicy([Rate(quota.limit, timedelta(seconds=period))], [matcher])
            self._quotas.append((quota, period, policy))
        self._closed_until: dict[str, float] = {}
        self._next_slot: dict[str, float] = {}
        super().__init__(policies=[policy for _, _, policy in self._quotas])

    # ------------------------------------------------------------------------------------ waiting

    def acquire_call(self, request: Any, block: bool = True, timeout: float | None = None) -> None:
        """Take one call from the matching quota, waiting (visibly, boundedly) until one is free."""
        quota = self._quota_for(request)
        if quota is None:
            return
        waited = 0.0
        announced = False
        while True:
            wait = self._closed_for(quota.name)
            if wait <= 0:
                try:
                    if quota.spread:
                        # Slots `period / limit` apart keep the quota by themselves. Each waiting thread
                        # holds at most one slot ahead, so this wait is short: pacing, not announced.
                        time.sleep(self._reserve_slot(quota))
                    else:
                        super().acquire_call(request, block=False)
                    if announced:
                        logger.info(
                            f"{self.provider} {quota.name} quota free again after {_describe(waited)}; going on."
                        )
                    return
                except CallRateLimitHit as hit:
                    wait = max(hit.time_to_wait.total_seconds(), 0.05)
            patience = _PATIENCE.get()
            if patience is not None and waited + wait > patience:
                raise QuotaWouldWait(self.provider, quota, wait)
            if waited + wait > self.max_wait_seconds:
                raise transient_error(
                    f"{self.provider}'s {quota.name} quota ({quota.limit} per {_describe(quota.period.total_seconds())}) "
                    f"is spent and would free up only in {_describe(wait)}, longer than the "
                    f"{_describe(self.max_wait_seconds - waited)} still accepted by '{self.max_wait_field}'. "
                    "The next sync goes on from the saved state; raise that setting to wait longer."
                )
            if not announced:
                logger.info(
                    f"{self.provider} {quota.name} quota ({quota.limit} per {_describe(quota.period.total_seconds())}) "
                    f"is spent; waiting {_describe(wait)} for it to free up."
                )
                announced = True
            nap = min(wait, self.heartbeat_seconds)
            time.sleep(nap)
            waited += nap
            if nap < wait:
                logger.info(
                    f"Still waiting for {self.provider}'s {quota.name} quota: {_describe(waited)} so far, "
                    f"about {_describe(wait - nap)} to go."
                )

    # ------------------------------------------------------------------------- provider answers

    def update_from_response(self, request: Any, response: Any) -> None:
        quota = self._quota_for(request)
        if quota is None or not isinstance(response, requests.Response):
            return
        if response.status_code == 429 or (
            self._exhausted_when is not None and self._exhausted_when(response)
        ):
            self.close_quota(quota.name)

    def close_quota(self, name: str) -> None:
        """The provider says quota `name` is spent: no request to it for one whole period from now."""
        for quota, period, _ in self._quotas:
            if quota.name == name:
                with self._lock:
                    self._closed_until[name] = time.time() + period
                logger.warning(
                    f"{self.provider} answered that its {name} quota is spent (requests by other clients of the "
                    f"same account count too); pausing those requests for {_describe(period)}."
                )
                return
        raise KeyError(name)

    # ------------------------------------------------------------------------------------ helpers

    def _quota_for(self, request: Any) -> Quota | None:
        for quota, _, policy in self._quotas:
            if policy.matches(request):
                return quota
        return None

    def _reserve_slot(self, quota: Quota) -> float:
        """For a `spread` quota: take the next free slot (one every `period / limit`); how long until it."""
        interval = self._period_of(quota) / quota.limit
        with self._lock:
            now = time.time()
            slot = max(now, self._next_slot.get(quota.name, 0.0))
            self._next_slot[quota.name] = slot + interval
        return slot - now

    def _period_of(self, quota: Quota) -> float:
        return next(period for known, period, _ in self._quotas if known is quota)

    def _closed_for(self, name: str) -> float:
        with self._lock:
            until = self._closed_until.get(name)
        return 0.0 if until is None else until - time.time()
