"""RingCX interval statistics: `queue_stats` (`agg-queue-stats`) and `agent_stats` (`agg-agent-extended-stats`).

Vendor sources (github.com/ringcentral/engage-voice-api-docs): the OpenAPI spec specs/engage-voice_openapi3.json
(operations `buildAggQueueStats`, `buildExtendedAggAgentStats`, request model `AggregatedIntegrationParams`),
the Historical Reporting APIs page docs/integration/reports.md and the Reports overview docs/integration/
reports-orig.md. What each fact rests on, and what is inference, is listed in the connector README.

- `POST {base}/api/cx/integration/v1/accounts/{rcAccountId}/sub-accounts/{subAccountId}/agg-queue-stats` (and
  `.../agg-agent-extended-stats`), JSON body `startDate`, `endDate` (`YYYY-MM-DD HH:mm:ss`, at most 3 hours
  apart), `timeInterval`, `timeZone`; the answer is a JSON array, one object per interval and queue (and agent).
- `timeInterval`: the spec says seconds (`1800` for 30 minutes), the reports page says minutes (15, 30, 45 or
  60). The connector sends seconds; a 400 answer to that makes it ask in minutes, for the rest of the sync.
- The period must end at least 5 minutes before now: the settled horizon is now - `SETTLE_MINUTES`, and only
  whole intervals that ended before it are read.
- Per sub-account at most 3 requests a minute and 9 per 15 minutes (spec; the older page says 2 a minute):
  one request every 100 s per sub-account keeps all of them (`interactions.integration_budget`, one budget for
  every CX integration request: interaction metadata and both statistics streams).
- Asked in UTC (as the call detail report), so no interval is ambiguous across a daylight-saving change.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import pendulum
import requests
from airbyte_cdk.sources.streams.http.error_handlers import ErrorHandler
from airbyte_cdk.sources.streams.http.error_handlers.response_models import (
    ErrorResolution,
    FailureType,
    ResponseAction,
)

from cdr_shared.dates import iso_utc, parse_config_instant, parse_local, zone
from cdr_shared.errors import config_error, transient_error
from cdr_shared.horizon import LagHorizon
from cdr_shared.http_errors import fail, provider_message
from cdr_shared.rate_budget import PatientAPIBudget
from cdr_shared.reread import reread_attempts
from cdr_shared.windowed_state import Clock, WindowedCursor, utc_now
from cdr_shared.windowed_stream import WindowedHttpStream, window_of
from cdr_shared.windows import Window
from source_casper.config import CasperConfig
from source_casper.json_array import ArrayCutOff, NotTheArray, json_array_objects
from source_casper.report import ReportErrorHandler, describe_window
from source_casper.streams import INTEGRATION_API, PROVIDER, RingCxDirectory, RingCxEndpoint

INTERVAL_MINUTES = (15, 30, 45, 60)
DEFAULT_INTERVAL_MINUTES = 30
# `endDate` "must be within 3 hours of the startDate" (AggregatedIntegrationParams); 3 h holds whole intervals
# of every allowed length, and windows cut at multiples of 3 h from UTC midnight stay on interval boundaries.
MAX_WINDOW = pendulum.duration(hours=3)
# "The Reports API calls must be 5 minutes before now" (reports.md); 10 more minutes for late calls.
SETTLE_MINUTES = 15
STATS_HORIZON = LagHorizon(pendulum.duration(minutes=SETTLE_MINUTES))
REQUEST_ZONE = "UTC"
REQUEST_TIMESTAMP = "%Y-%m-%d %H:%M:%S"
ATTEMPTS = 5
BACKOFF_BASE_SECONDS = 1.0
# The spec's examples write `dateTimeFrom` as `03-04-2024T01:00:00`: month first (the example's other dates
# are 2024-03-04), day first is read too when only that lands in the window; ISO forms are accepted as well.
INTERVAL_START_FORMATS = (
    "%m-%d-%YT%H:%M:%S",
    "%d-%m-%YT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
)
WEM_ACCESS = (
    "RingCX refused the statistics report (HTTP 403): the account needs WEM Access for the integration "
    "reports (docs/integration/reports-orig.md); ask your RingCX Customer Success Manager, or deselect the "
    "queue_stats and agent_stats streams."
)


@dataclass(frozen=True)
class StatsSettings:
    """The configuration of the statistics streams (the CX integration API's `rc_account_id` and quota
    settings are the connector's: `CasperConfig.rc_account_id`, `CasperConfig.limits`)."""

    interval_minutes: int
    start: pendulum.DateTime | None = None
    """`stats_start_date`: where the statistics start when that is later than `start_date` (None: `start_date`)."""


def stats_settings(config: Mapping[str, Any]) -> StatsSettings:
    """`stats_interval_minutes` and `stats_start_date`, checked; errors name the field."""
    interval = config.get("stats_interval_minutes", DEFAULT_INTERVAL_MINUTES)
    if interval is None:
        interval = DEFAULT_INTERVAL_MINUTES
    if isinstance(interval, bool) or interval not in INTERVAL_MINUTES:
        raise config_error(f"'stats_interval_minutes' must be 15, 30, 45 or 60; got '{interval}'.")
    start = config.get("stats_start_date")
    tz = zone(config.get("timezone") or "UTC")
    start = parse_config_instant(start, tz, "stats_start_date").replace(microsecond=0) if start else None
    return StatsSettings(int(interval), start)


def _floor_to(instant: pendulum.DateTime, minutes: int) -> pendulum.DateTime:
    """`instant` (UTC) down to the last multiple of `minutes` since its UTC midnight."""
    utc = instant.in_timezone("UTC")
    midnight = utc.start_of("day")
    elapsed = int((utc - midnight).total_seconds()) // (60 * minutes) * minutes
    return midnight.add(minutes=elapsed)


def interval_windows(minutes: int):
    """Windows of whole intervals (`minutes` long, from UTC midnight), cut at multiples of 3 hours: the start
    is taken down to its interval's start, the end down to the last interval that has ended."""

    def split(start: pendulum.DateTime, end: pendulum.DateTime) -> Iterator[Window]:
        cursor, last = _floor_to(start, minutes), _floor_to(end, minutes)
        while cursor < last:
            boundary = _floor_to(cursor, int(MAX_WINDOW.total_seconds() // 60)).add(hours=3)
            window_end = min(boundary, last)
            yield Window(cursor, window_end)
            cursor = window_end

    return split


def stats_cursor(
    stream_name: str, config: CasperConfig, settings: StatsSettings, clock: Clock = utc_now
) -> WindowedCursor:
    """Windows of whole intervals, at most 3 hours, from `start_date` (or the later `stats_start_date`) up to
    the settled horizon; lookback from the config."""
    sync_range = config.sync_range
    if settings.start is not None and settings.start > sync_range.start:
        sync_range = replace(sync_range, start=settings.start)
    return WindowedCursor(
        stream_name,
        "interval_start_at",
        sync_range,
        STATS_HORIZON,
        clock=clock,
        splitter=interval_windows(settings.interval_minutes),
    )


def interval_start(text: Any, window: Window) -> tuple[pendulum.DateTime | None, bool]:
    """The UTC start of the interval `dateTimeFrom` names, and whether it could be read at all. The form read
    is the first whose instant lies in the window; when none does, the first that parses (outside)."""
    if not isinstance(text, str):
        return None, False
    first: pendulum.DateTime | None = None
    for fmt in INTERVAL_START_FORMATS:
        try:
            instant = parse_local(text.strip(), fmt, pendulum.timezone(REQUEST_ZONE))
        except ValueError:
            continue
        if window.start <= instant < window.end:
            return instant, True
        first = first or instant
    return first, first is not None


class StatsAnswerUnusable(Exception):
    """A 200 answer whose interval objects are not what was asked for (no time, another interval length)."""


class StatsErrorHandler(ReportErrorHandler):
    """A 200 streams (checked while it is read); a 400 goes back to the stream (it may ask in minutes); a 403
    names the WEM Access the reports need."""

    def interpret_client_error(self, response: requests.Response) -> ErrorResolution:
        if response.status_code == 400:
            return ErrorResolution(response_action=ResponseAction.IGNORE)
        return super().interpret_client_error(response)

    def interpret_response(self, response: requests.Response | Exception | None) -> ErrorResolution:
        if isinstance(response, requests.Response) and response.status_code == 403:
            return fail(FailureType.config_error, WEM_ACCESS)
        return super().interpret_response(response)


class IntervalUnit:
    """How the server reads `timeInterval`, shared by both streams: seconds (the spec) until a 400 says otherwise."""

    def __init__(self) -> None:
        self.unit = "seconds"
        self.settled = False

    def value(self, minutes: int) -> int:
        return minutes * 60 if self.unit == "seconds" else minutes

    def switch_to_minutes(self) -> bool:
        """After a 400 to the first request: ask in minutes from now on; False if that was tried already."""
        if self.settled or self.unit == "minutes":
            return False
        self.unit = "minutes"
        return True


@dataclass(frozen=True)
class StatsContext:
    """What both statistics streams share: the config, the interval unit learnt, the accounts (and their
    RingCentral account IDs, `RingCxDirectory.rc_account_id`)."""

    config: CasperConfig
    auth_hint: str
    settings: StatsSettings
    unit: IntervalUnit
    directory: RingCxDirectory


class IntervalStatsStream(RingCxEndpoint, WindowedHttpStream):
    """One aggregate report, per sub-account and window of whole intervals, incremental on `interval_start_at`."""

    http_method = "POST"
    api_root = INTEGRATION_API
    report_path = ""
    key_fields: tuple[str, ...] = ()

    def __init__(self, context: StatsContext, **kwargs: Any) -> None:
        self.context = context
        self.config, self.settings, self.unit = context.config, context.settings, context.unit
        super().__init__(stats_cursor(self.name, context.config, context.settings), **kwargs)

    @property
    def primary_key(self) -> list[str]:
        return ["account_id", "interval_start_at", *self.key_fields]

    @property
    def path_template(self) -> str:  # type: ignore[override]
        return f"accounts/{{rc_account_id}}/sub-accounts/{{account_id}}/{self.report_path}"

    def get_error_handler(self) -> ErrorHandler:
        return StatsErrorHandler(PROVIDER, self.context.auth_hint)

    def partitions(self) -> list[dict[str, Any]]:
        return [
            {"account_id": account_id, "rc_account_id": self.context.directory.rc_account_id(account_id)}
            for account_id in self.context.directory.account_ids()
        ]

    def body(self, window: Window) -> dict[str, Any]:
        """The request body (AggregatedIntegrationParams) for one window, in UTC."""
        return {
            "startDate": window.start.in_timezone(REQUEST_ZONE).strftime(REQUEST_TIMESTAMP),
            "endDate": window.end.in_timezone(REQUEST_ZONE).strftime(REQUEST_TIMESTAMP),
            "timeInterval": self.unit.value(self.settings.interval_minutes),
            "timeZone": REQUEST_ZONE,
        }

    def read_slice(self, stream_slice: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
        """One sub-account's report for one window; an answer that is not the documented list is asked again
        (records it already gave are given again: they share a primary key), then fails naming the window."""
        window = window_of(stream_slice)
        where = f"account {stream_slice['account_id']}, {describe_window(window, self.config.sync_range.tz)}"
        problem = ""
        for attempt in reread_attempts(ATTEMPTS, BACKOFF_BASE_SECONDS):
            response = self.send(
                "POST",
                self.path(stream_slice=stream_slice),
                json=self.body(window),
                request_kwargs={"stream": True},
            )
            if response.status_code == 400:
                said = provider_message(response)
                response.close()
                if self.unit.switch_to_minutes():
                    self.logger.info(
                        f"{self.name}: RingCX refused timeInterval in seconds ({said}); asking in minutes."
                    )
                    problem = f"HTTP 400 to timeInterval in seconds: {said}"
                    continue
                raise config_error(
                    f"RingCX refused the {self.name} request for {where} (HTTP 400: {said}). Check "
                    "'stats_interval_minutes' (15, 30, 45 or 60) and 'rc_account_id'."
                )
            try:
                yield from self.records_of_answer(response, stream_slice, window)
                self.unit.settled = True
                return
            except (NotTheArray, ArrayCutOff, StatsAnswerUnusable, requests.RequestException) as error:
                problem = (
                    str(error) if not isinstance(error, requests.RequestException) else type(error).__name__
                )
                self.logger.warning(
                    f"{self.name}: {where}: RingCX answered with {problem}, not the statistics list; "
                    f"attempt {attempt} of {ATTEMPTS}."
                )
            finally:
                response.close()
        raise transient_error(
            f"RingCX's {self.report_path} report for {where} could not be read in {ATTEMPTS} attempts "
            f"(last answer: {problem}); nothing of this window is taken as complete and the next sync reads it again."
        )

    def records_of_answer(
        self, response: requests.Response, stream_slice: Mapping[str, Any], window: Window
    ) -> Iterator[dict[str, Any]]:
        asked = self.settings.interval_minutes
        for item in json_array_objects(response, "interval statistics"):
            start, readable = interval_start(item.get("dateTimeFrom"), window)
            if not readable or start is None:
                raise StatsAnswerUnusable(
                    f"a record whose dateTimeFrom ('{item.get('dateTimeFrom')}') is no time"
                )
            minutes = item.get("interval")
            if isinstance(minutes, int | float) and not isinstance(minutes, bool) and minutes != asked:
                raise StatsAnswerUnusable(f"intervals of {minutes} minutes where {asked} were asked")
            if not window.start <= start < window.end:
                self.skip("interval(s) outside the window asked (read with their own window)")
                continue
            yield {
                **item,
                "account_id": stream_slice["account_id"],
                "rc_account_id": stream_slice["rc_account_id"],
                "interval_start_at": iso_utc(start),
                "interval_end_at": iso_utc(start.add(minutes=asked)),
            }


class QueueStats(IntervalStatsStream):
    """Per interval and queue: offered, answered, abandoned, overflow counts and queue, talk, wrap-up times."""

    name = "queue_stats"
    report_path = "agg-queue-stats"
    key_fields = ("queue",)


class AgentStats(IntervalStatsStream):
    """Per interval, agent and queue: answered and transferred counts, talk and wrap-up times."""

    name = "agent_stats"
    report_path = "agg-agent-extended-stats"
    key_fields = ("agentId", "queue")


def stats_streams(
    config: Mapping[str, Any],
    parsed: CasperConfig,
    auth_hint: str,
    directory: RingCxDirectory,
    budget: PatientAPIBudget,
) -> list[IntervalStatsStream]:
    """Both statistics streams, sharing the interval unit and the CX integration API's budget
    (`interactions.integration_budget`: one quota per sub-account for every integration request)."""
    context = StatsContext(parsed, auth_hint, stats_settings(config), IntervalUnit(), directory)
    return [
        stream(context, authenticator=directory.authenticator, api_budget=budget)
        for stream in (QueueStats, AgentStats)
    ]
