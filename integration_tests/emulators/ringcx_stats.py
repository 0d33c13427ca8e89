"""The RingCX aggregate statistics reports, for the RingCX emulator: `agg-queue-stats` and
`agg-agent-extended-stats` (github.com/ringcentral/engage-voice-api-docs: specs/engage-voice_openapi3.json,
operations `buildAggQueueStats` and `buildExtendedAggAgentStats`; docs/integration/reports.md).

    POST /voice/api/cx/integration/v1/accounts/{rcAccountId}/sub-accounts/{subAccountId}/agg-queue-stats
    {"startDate": "2026-03-02 09:00:00", "endDate": "2026-03-02 12:00:00", "timeInterval": 1800, "timeZone": "UTC"}

The statistics are computed from the same synthetic calls as the Call Detail Report, so both agree: a call
counts in the interval its enqueue instant falls in; its cloud profile plays the queue (`queue`, `queueName`)
and the cloud destination that answered it plays the agent (`agentId`, `agentName`). Per interval and queue:
offered (`offdDirectIxnCnt`, or `offDirectIxnCnt` with `spelling="page"`), answered, abandoned (short: queued
under 5 s; within service level: 5 to 20 s), queue times (sums and longest), talk time (`connected_duration`),
wrap-up (drawn per call). Only intervals with calls are listed (inference: the pages show no empty interval).

Behaviour played (as documented, and where the pages disagree, both ways by option):
- `interval_unit`: `seconds` (the spec: 1800 for 30 minutes) or `minutes` (the page: 15, 30, 45, 60); any
  other value is 400 in the spec's `Errors` shape. The answer's `interval` is in minutes either way.
- `date_style`: `dateTimeFrom` as the spec's example writes it (`example`: `03-04-2024T01:00:00`, month first)
  or as ISO 8601 without offset (`iso`), in the request's `timeZone`.
- `endDate` more than 3 hours after `startDate`, or later than 5 minutes before now: 400.
- The checks, quota (3 a minute, 9 per 15 minutes per sub-account), 404/403 answers and odd 200 answers
  (`answer`: `json`, `empty`, `html`, `object`, `cut`) every CX integration API shares: `ringcx_integration.py`.
- The base machinery's faults (5xx, reset, truncated, slow, expired token) apply to both routes.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .base import Request, Response
from .ringcx_integration import CxIntegrationApi, RequestInvalid, add_quota_arguments, quota_options

STATS_PREFIX = "/voice/api/cx/integration/v1/accounts/{rcAccountId}/sub-accounts/{subAccountId}"
QUEUE_STATS_PATH = f"{STATS_PREFIX}/agg-queue-stats"
AGENT_STATS_PATH = f"{STATS_PREFIX}/agg-agent-extended-stats"
INTERVAL_MINUTES = (15, 30, 45, 60)
INTERVAL_UNITS = ("seconds", "minutes")
DATE_STYLES = ("example", "iso")
SPELLINGS = ("spec", "page")
MAX_SPAN = timedelta(hours=3)
SETTLING = timedelta(minutes=5)
SHORT_ABANDON_SECONDS = 5
SERVICE_LEVEL_SECONDS = 20
_DATE = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class StatsRequest:
    account_id: str
    first: float
    last: float
    interval_minutes: int
    tz: ZoneInfo


class StatsRequestInvalid(RequestInvalid):
    """A body the API refuses with 400."""


def wrap_up_seconds(index: int) -> int:
    """The after-call work of answered call `index` (not in the report; drawn from the index)."""
    return (index * 7) % 31


def transferred(index: int) -> bool:
    """Whether answered call `index` was transferred on to a queue (not in the report; drawn from the index)."""
    return index % 13 == 0


class RingCxStats(CxIntegrationApi):
    """The two aggregate reports of one `RingCxEmulator` (its data set, clock, auth and faults)."""

    control_name = "stats_settings"
    defaults = {"interval_unit": "seconds", "date_style": "example", "spelling": "spec"}
    choices = {"interval_unit": INTERVAL_UNITS, "date_style": DATE_STYLES, "spelling": SPELLINGS}

    def __init__(self, emulator: Any, **options: Any) -> None:
        super().__init__(emulator, **options)
        emulator.add_route("POST", QUEUE_STATS_PATH, self.route(self.queue_rows), faultable=True)
        emulator.add_route("POST", AGENT_STATS_PATH, self.route(self.agent_rows), faultable=True)

    def route(self, rows_of: Callable[[StatsRequest], list[dict[str, Any]]]) -> Callable[[Request], Response]:
        """The handler of one report: the shared checks, then its rows for the period asked."""
        return lambda request: self.answer(request, lambda asked: rows_of(self.parse(asked)))

    def parse(self, request: Request) -> StatsRequest:
        try:
            body = request.json_object()
        except ValueError as error:
            raise StatsRequestInvalid(f"Unreadable body: {error}") from None
        try:
            tz = ZoneInfo(str(body.get("timeZone")))
        except (ZoneInfoNotFoundError, ValueError):
            raise StatsRequestInvalid(f"Invalid timeZone: {body.get('timeZone')}") from None
        first, last = (self._date(body, key, tz) for key in ("startDate", "endDate"))
        if not first < last:
            raise StatsRequestInvalid("endDate must be after startDate")
        if last - first > MAX_SPAN:
            raise StatsRequestInvalid("endDate must be within 3 hours of the startDate")
        if last > self.emulator.clock.now() - SETTLING:
            raise StatsRequestInvalid("The time period must end at least 5 minutes before now")
        value = body.get("timeInterval")
        factor = 60 if self.settings["interval_unit"] == "seconds" else 1
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or value not in [m * factor for m in INTERVAL_MINUTES]
        ):
            raise StatsRequestInvalid(f"Invalid timeInterval: {value}")
        return StatsRequest(
            request.path_params["subAccountId"], first.timestamp(), last.timestamp(), value // factor, tz
        )

    @staticmethod
    def _date(body: dict[str, Any], key: str, tz: ZoneInfo) -> datetime:
        text = body.get(key)
        try:
            return datetime.strptime(str(text), _DATE).replace(tzinfo=tz)
        except ValueError:
            raise StatsRequestInvalid(f"Invalid {key}: '{text}'; expected YYYY-MM-DD HH:mm:ss") from None

    # --------------------------------------------------------------------------------- the statistics

    def _calls(self, asked: StatsRequest) -> list[tuple[int, Any]]:
        """(interval start, call) of the sub-account's calls enqueued in the asked period."""
        step = asked.interval_minutes * 60
        now = self.emulator.clock.timestamp()
        found = []
        for index in self.emulator.dataset.indices_between(asked.first, asked.last, now):
            call = self.emulator.dataset.call(index)
            if call.account.account_id == asked.account_id and call.enqueued < asked.last:
                found.append((int(asked.first + (call.enqueued - asked.first) // step * step), call))
        return found

    def _head(self, start: int, asked: StatsRequest) -> dict[str, Any]:
        local = datetime.fromtimestamp(start, asked.tz)
        written = (
            f"{local:%m-%d-%YT%H:%M:%S}"
            if self.settings["date_style"] == "example"
            else f"{local:%Y-%m-%dT%H:%M:%S}"
        )
        return {"interval": asked.interval_minutes, "dateTimeFrom": written}

    def queue_rows(self, asked: StatsRequest) -> list[dict[str, Any]]:
        rows: dict[tuple[int, int], dict[str, Any]] = {}
        offered = "offdDirectIxnCnt" if self.settings["spelling"] == "spec" else "offDirectIxnCnt"
        for start, call in self._calls(asked):
            row = rows.get((start, call.profile.object_id))
            if row is None:
                row = rows[(start, call.profile.object_id)] = {
                    **self._head(start, asked),
                    "queue": call.profile.object_id,
                    "queueName": call.profile.name,
                    **dict.fromkeys(QUEUE_COUNTS, 0),
                    offered: 0,
                }
            add_to_queue_row(row, call, offered)
        return [rows[key] for key in sorted(rows)]

    def agent_rows(self, asked: StatsRequest) -> list[dict[str, Any]]:
        rows: dict[tuple[int, int, int], dict[str, Any]] = {}
        for start, call in self._calls(asked):
            if call.destination is None:
                continue
            key = (start, call.destination.object_id, call.profile.object_id)
            row = rows.get(key)
            if row is None:
                row = rows[key] = {
                    **self._head(start, asked),
                    "agentId": call.destination.object_id,
                    "agentName": call.destination.name,
                    "queue": call.profile.object_id,
                    "queueName": call.profile.name,
                    "talkingIxnDur": 0,
                    "wrapUpDur": 0,
                    "answIxnCnt": 0,
                    "transferOutIxnCnt": 0,
                }
            row["talkingIxnDur"] += int(call.fields["connected_duration"])
            row["wrapUpDur"] += wrap_up_seconds(call.index)
            row["answIxnCnt"] += 1
            row["transferOutIxnCnt"] += int(transferred(call.index))
        return [rows[key] for key in sorted(rows)]

    # ---------------------------------------------------------------------------------- ground truth

    def truth(self, report: str, interval_minutes: int) -> list[dict[str, Any]]:
        """Every interval of every account with calls enqueued by now, in UTC and `date_style`, plus
        `account_id`: what the reports answer over the whole data set (`report`: queue or agent)."""
        rows_of = self.queue_rows if report == "queue" else self.agent_rows
        dataset = self.emulator.dataset
        first = int(dataset.instants[0]) // 86_400 * 86_400 if len(dataset.instants) else 0
        last = (int(dataset.instants[-1]) // 86_400 + 1) * 86_400 if len(dataset.instants) else 0
        truth = []
        for account in dataset.accounts:
            asked = StatsRequest(account.account_id, first, last, interval_minutes, ZoneInfo("UTC"))
            truth += [{"account_id": account.account_id, **row} for row in rows_of(asked)]
        return truth


QUEUE_COUNTS = (
    "overflowInIxnCnt",
    "overflowOutIxnCnt",
    "answIxnCnt",
    "abandIxnCnt",
    "abandShortIxnCnt",
    "abandWithinSlCnt",
    "ansServicelevelCnt",
    "completedContacts",
    "queuedAndAnswIxnDur",
    "queuedAndAbandIxnDur",
    "queuedAnswLongestQueDur",
    "queuedAbandLongestQueDur",
    "talkingIxnDur",
    "wrapUpDur",
    "waitDur",
    "segmentHoldTime",
)


def add_to_queue_row(row: dict[str, Any], call: Any, offered: str) -> None:
    """Count `call` in its queue's interval row."""
    queued = int(call.fields["queue_time"])
    row[offered] += 1
    row["completedContacts"] += 1
    if call.destination is not None:
        row["answIxnCnt"] += 1
        row["ansServicelevelCnt"] += int(queued <= SERVICE_LEVEL_SECONDS)
        row["queuedAndAnswIxnDur"] += queued
        row["queuedAnswLongestQueDur"] = max(row["queuedAnswLongestQueDur"], queued)
        row["talkingIxnDur"] += int(call.fields["connected_duration"])
        row["wrapUpDur"] += wrap_up_seconds(call.index)
        return
    row["abandIxnCnt"] += 1
    row["abandShortIxnCnt"] += int(queued < SHORT_ABANDON_SECONDS)
    row["abandWithinSlCnt"] += int(SHORT_ABANDON_SECONDS <= queued <= SERVICE_LEVEL_SECONDS)
    row["queuedAndAbandIxnDur"] += queued
    row["queuedAbandLongestQueDur"] = max(row["queuedAbandLongestQueDur"], queued)


def add_stats_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("RingCX statistics reports")
    group.add_argument("--stats-interval-unit", choices=INTERVAL_UNITS, default="seconds")
    group.add_argument("--stats-date-style", choices=DATE_STYLES, default="example")
    group.add_argument("--stats-spelling", choices=SPELLINGS, default="spec")
    add_quota_arguments(group, "stats", "statistics")


def stats_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "interval_unit": args.stats_interval_unit,
        "date_style": args.stats_date_style,
        "spelling": args.stats_spelling,
        **quota_options(args, "stats"),
    }
