"""Ozonetel streams, one per API:

| stream | provider API | sync | cursor | window |
|---|---|---|---|---|
| `call_logs` | `GET getCallLogs` | incremental, full refresh | `started_at` | up to 30 days |
| `call_details` | `GET fetchCdrByUCID.php`, one per call of `call_logs` (its parent) | incremental, full refresh | `started_at` | as `call_logs`, last 15 days |
| `cdr_reports` | `GET ca_reports/fetchCDRDetails` (JSON body) | incremental, full refresh | `started_at` | one local day, last 14 |
| `agent_state_summary` | `GET ca_reports/summaryReport` (JSON body) | incremental, full refresh | `day_started_at` | one local day, last 14 |


- `call_logs`: `getCallLogs`, windows of up to 30 days, incremental on `started_at`;
- `call_details`: CDR by UCID (deprecated API, one request per call) for the calls `call_logs` lists; a
  `WindowedDetailStream` whose parent is `call_logs`, replaying what `call_logs` read in the same sync;
- `cdr_reports`: `/ca_reports/fetchCDRDetails`, one local day per request, last 15 days;
- `agent_state_summary`: `/ca_reports/summaryReport` (per agent, day and mode: login, idle, busy, dial,
  pause and wrap-up time), one local day per request, the same days, auth and switch as `cdr_reports`.

`calls` (`calls.py`) maps `cdr_reports` or `call_logs` into the suite's shared call shape, with a cursor
built as its source's (`cursor_like`).

Every stream reads settled days only: a day's calls are complete from 03:00 (the account's reporting time,
IST by default) the next day, when the provider has moved them from its current-day store to the
historical one (https://docs.ozonetel.com/reference/get_caservices-cdr-fetchcdrbyucid-php), plus a safety
margin for a clock running ahead of the provider's.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

import pendulum
import requests
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy, ErrorHandler

from cdr_shared.dates import format_local, iso_utc, parse_utc_instant
from cdr_shared.horizon import DailyPublicationHorizon, Horizon
from cdr_shared.http_errors import RetryAfterBackoff, json_body
from cdr_shared.rate_budget import concurrency_for
from cdr_shared.retention import DailyRetention, RetentionCursor
from cdr_shared.windowed_state import WindowedCursor, utc_now
from cdr_shared.windowed_stream import WindowedDetailStream, WindowedHttpStream, window_of
from cdr_shared.windows import Window, split_local_days
from source_ozonetel.config import OzonetelConfig
from source_ozonetel.errors import OzonetelErrorHandler, UcidErrorHandler, is_empty_answer
from source_ozonetel.records import DAY_CURSOR, IST, shape_agent_state, shape_call_log, shape_report

CALL_LOGS_PATH = "cloudAgentRestAPI/index.php/CloudAgent/CloudAgentAPI/getCallLogs"
UCID_PATH = "CAServices/cdr/fetchCdrByUCID.php"
REPORTS_PATH = "ca_reports/fetchCDRDetails"
SUMMARY_PATH = "ca_reports/summaryReport"
REQUEST_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
PUBLISH_HOUR = 3
# Yesterday's calls move to the historical store after midnight and are complete from 03:00
# (https://docs.ozonetel.com/reference/get_caservices-cdr-fetchcdrbyucid-php).
SETTLED_HORIZON = DailyPublicationHorizon(IST, PUBLISH_HOUR)
# The UCID and reports APIs serve the last 15 days only
# (https://docs.ozonetel.com/reference/get_ca-reports-fetchcdrdetails).
HISTORY_DAYS = 15
HISTORY = DailyRetention(IST, HISTORY_DAYS)


def settled_horizon(config: OzonetelConfig) -> DailyPublicationHorizon:
    """03:00 in the account's zone, plus the configured margin for this machine's clock running ahead."""
    margin = pendulum.duration(minutes=config.limits.settle_margin_minutes)
    return DailyPublicationHorizon(config.tz, PUBLISH_HOUR, margin=margin)


# The reports API's "last 15 days" has two readings: today and the 15 days before it, or today and the 14
# before it. A day past the provider's reach answers an empty list, not an error (third-party production
# notes, providers.md), which cannot be told from a day without calls; so the reports stream reads only
# the days both readings serve and reports the older one as not served, instead of reading it as empty.
REPORTS_HISTORY_DAYS = HISTORY_DAYS - 1


def history(config: OzonetelConfig, days: int = HISTORY_DAYS) -> DailyRetention:
    return DailyRetention(config.tz, days)


def report_type_for(
    call_start: pendulum.DateTime,
    now: pendulum.DateTime,
    horizon: Horizon = SETTLED_HORIZON,
    tz: pendulum.Timezone = IST,
) -> str | None:
    """Which UCID store holds a call now: 'historical' once its day has settled, 'currentday' while
    it is today's, None while yesterday's calls are migrating (00:00 to 03:00, plus the margin)."""
    if call_start < horizon(now):
        return "historical"
    if call_start.in_timezone(tz).date() == now.in_timezone(tz).date():
        return "currentday"
    return None


class OzonetelStream(WindowedHttpStream):
    """What every Ozonetel stream shares: base URL, error mapping, backoff, the shared quota budget."""

    # Where an answer lists its records (the legacy APIs: `message`; the reports API: `details`).
    records_key = "message"
    # Whether a lone record object there is an answer too (the Agent State Summary page's sample).
    single_record_answer = False

    def __init__(self, config: OzonetelConfig, cursor: WindowedCursor, **kwargs: Any) -> None:
        self.config = config
        self.tz = config.tz
        super().__init__(cursor, **kwargs)

    @property
    def url_base(self) -> str:
        return f"{self.config.base_url}/"

    def get_error_handler(self) -> ErrorHandler:
        # The CDK's retry clock includes time spent waiting for quota inside a request attempt.
        return OzonetelErrorHandler(
            max_time=int(self.config.limits.max_wait_seconds) + 1800,
            records_key=self.records_key,
            single_record=self.single_record_answer,
        )

    def get_backoff_strategy(self) -> BackoffStrategy:
        return RetryAfterBackoff(base=2.0)

    def answer_records(self, response: requests.Response) -> list[Mapping[str, Any]]:
        """The records of an answer the error handler accepted: none for a "no data" answer ("no record
        found", "No Data Found..."), else the list under `records_key` (a lone record object as one)."""
        body = json_body(response)
        if is_empty_answer(body):
            return []
        listed = body[self.records_key]
        return listed if isinstance(listed, list) else [listed]


class CallLogs(OzonetelStream):
    """Every call, from `getCallLogs`; primary key `UCID`, cursor `started_at` (UTC from the local `StartTime`).

    The parent of `call_details`, which replays the windows this stream read in the same sync, so the two
    streams together spend one request of the 10 an hour per window.
    """

    name = "call_logs"
    primary_key = "UCID"

    def __init__(self, config: OzonetelConfig, **kwargs: Any) -> None:
        super().__init__(config, call_logs_cursor(config, self.name), **kwargs)

    def cursor_like(self, stream_name: str) -> WindowedCursor:
        """A new cursor built as this stream's (windows, lookback, horizon), for a stream mapped from it."""
        return call_logs_cursor(self.config, stream_name)

    def path(self, **kwargs: Any) -> str:
        return CALL_LOGS_PATH

    def window_params(self, window: Window, page: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """One window as getCallLogs wants it: IST `YYYY-MM-DD HH:MM:SS`, both ends inclusive."""
        params = {
            "api_key": self.config.api_key,
            "user_name": self.config.user_name,
            "from_date": format_local(window.start, self.tz, REQUEST_TIME_FORMAT),
            "to_date": format_local(window.last_second, self.tz, REQUEST_TIME_FORMAT),
            "format": "json",
        }
        if self.config.campaign_name:
            params["campaign_name"] = self.config.campaign_name
        return params

    def records_in(
        self, response: requests.Response, stream_slice: Mapping[str, Any]
    ) -> Iterator[Mapping[str, Any]]:
        for record in self.answer_records(response):
            yield shape_call_log(record, self.tz)


class CallDetails(OzonetelStream, WindowedDetailStream):
    """The CDR-by-UCID record of every call `call_logs` (the parent) lists in the last 15 days.

    One request per call (50 per minute), so it is off unless `include_call_details` is set. A call
    the store does not hold ("No Data Found with UCID") is skipped and counted, not an error.
    """

    name = "call_details"
    primary_key = "UCID"

    def __init__(self, config: OzonetelConfig, parent: CallLogs, clock: Any = utc_now, **kwargs: Any) -> None:
        self.horizon = settled_horizon(config)
        self.history = history(config)
        cursor = RetentionCursor(
            self.name,
            "started_at",
            config.sync_range,
            self.horizon,
            clock=clock,
            retention=self.history,
            on_expired=lambda lost: warn_expired(self.name, lost),
        )
        self.clock = clock
        # As many lookups in flight as `advanced.call_details_requests_per_minute` can use; the shared budget
        # paces them.
        per_second = config.limits.call_details_per_minute * config.limits.time_scale / 60
        super().__init__(config, cursor, parent=parent, concurrency=concurrency_for(per_second), **kwargs)

    def get_error_handler(self) -> ErrorHandler:
        return UcidErrorHandler(
            max_time=int(self.config.limits.max_wait_seconds) + 1800, records_key=self.records_key
        )

    def path(self, **kwargs: Any) -> str:
        return UCID_PATH

    def details_of(
        self, call: Mapping[str, Any], stream_slice: Mapping[str, Any]
    ) -> Iterator[Mapping[str, Any]]:
        """The UCID record of one listed call, from the store that holds it now."""
        now = self.clock()
        started = parse_utc_instant(call["started_at"]) if call.get("started_at") else None
        if started is None or started < self.history.earliest(now):
            self.skip(f"call(s) older than {HISTORY_DAYS} days (the UCID API no longer serves them)")
            return
        report_type = report_type_for(started, now, self.horizon, self.tz)
        if report_type is None:
            self.skip("call(s) of yesterday, still migrating (until 03:00 and the settle margin)")
            return
        ucid = str(call.get("UCID"))
        response = self.send("GET", self.path(), params=self.ucid_params(ucid, report_type))
        found = False
        for record in self.records_in(response, {"ucid": ucid, "reportType": report_type}):
            found = True
            yield record
        if not found:
            self.skip("call(s) answered 'No Data Found with UCID'")

    def ucid_params(self, ucid: str, report_type: str) -> dict[str, str]:
        return {
            "userName": self.config.user_name,
            "apiKey": self.config.api_key,
            "ucid": ucid,
            "reportType": report_type,
        }

    def records_in(
        self, response: requests.Response, stream_slice: Mapping[str, Any]
    ) -> Iterator[Mapping[str, Any]]:
        """One UCID answer, in either shape of the vendor page: its records, with the `UCID` asked for
        (the older sample carries no `UCID` key; the current one may carry it as a number)."""
        asked = stream_slice
        for record in self.answer_records(response):
            shaped = shape_call_log(record, self.tz)
            ucid = shaped.get("UCID")
            shaped["UCID"] = str(ucid) if ucid not in (None, "") else asked.get("ucid")
            shaped["reportType"] = asked.get("reportType")
            yield shaped


class ReportsApiStream(OzonetelStream):
    """What the `ca_reports` streams share: `GET` with a JSON body for one local day, the `apiKey` header
    (basic mode) or the bearer token (token mode, one authenticator for all of them: a new token revokes
    the old), settled days of the served history only (`reports_cursor`)."""

    http_method = "GET"
    cursor_name = "started_at"

    def __init__(self, config: OzonetelConfig, clock: Any = utc_now, **kwargs: Any) -> None:
        self.clock = clock
        super().__init__(config, reports_cursor(config, self.name, clock, self.cursor_name), **kwargs)

    def request_headers(self, **kwargs: Any) -> Mapping[str, Any]:
        if self.config.cdr_reports_mode == "basic":
            return {"apiKey": self.config.api_key}
        return {}

    def window_body(self, window: Window, page: Mapping[str, Any] | None) -> Mapping[str, Any]:
        body = {
            "userName": self.config.user_name,
            "fromDate": format_local(window.start, self.tz, REQUEST_TIME_FORMAT),
            "toDate": format_local(window.last_second, self.tz, REQUEST_TIME_FORMAT),
        }
        return {**body, **self.filters()}

    def filters(self) -> dict[str, Any]:
        """The endpoint's optional body parameters this configuration sets (none by default)."""
        return {}


class CdrReports(ReportsApiStream):
    """Call detail records from the newer reports API, one IST day per request, the last 15 days."""

    name = "cdr_reports"
    primary_key = "UCID"
    records_key = "details"

    def cursor_like(self, stream_name: str) -> WindowedCursor:
        """A new cursor built as this stream's (local days, horizon, history), for a stream mapped from it."""
        return reports_cursor(self.config, stream_name, self.clock)

    def path(self, **kwargs: Any) -> str:
        return REPORTS_PATH

    def filters(self) -> dict[str, Any]:
        return {"campaignName": self.config.campaign_name} if self.config.campaign_name else {}

    def records_in(
        self, response: requests.Response, stream_slice: Mapping[str, Any]
    ) -> Iterator[Mapping[str, Any]]:
        for record in self.answer_records(response):
            yield shape_report(record, self.tz)


class AgentStateSummary(ReportsApiStream):
    """Per agent, day and mode: login, idle, busy, dial, pause and wrap-up time, from the Agent State
    Summary report (https://docs.ozonetel.com/reference/get_ca-reports-summaryreport), one local day per
    request, the days `cdr_reports` serves.

    The page's success sample shows `message` as one object; a day with several agents is read as a list of
    them too (both shapes are accepted). "No Data Found" is a day without agent activity.
    """

    name = "agent_state_summary"
    primary_key = ["AgentUniqueID", "ModeType", DAY_CURSOR]
    cursor_name = DAY_CURSOR
    single_record_answer = True

    def path(self, **kwargs: Any) -> str:
        return SUMMARY_PATH

    def records_in(
        self, response: requests.Response, stream_slice: Mapping[str, Any]
    ) -> Iterator[Mapping[str, Any]]:
        day = window_of(stream_slice).start  # "No Data Found" is a day without agent activity
        for record in self.answer_records(response):
            yield shape_agent_state(record, self.tz, day)


def call_logs_cursor(config: OzonetelConfig, stream_name: str) -> WindowedCursor:
    """getCallLogs windows: `window_days` (at most 30) up to the settled horizon."""
    return WindowedCursor(stream_name, "started_at", config.sync_range, settled_horizon(config))


def reports_cursor(
    config: OzonetelConfig, stream_name: str, clock: Any = utc_now, cursor_field: str = "started_at"
) -> RetentionCursor:
    """Reports windows: one local day each, up to the settled horizon, within the served history."""
    tz = config.tz
    return RetentionCursor(
        stream_name,
        cursor_field,
        config.sync_range,
        settled_horizon(config),
        clock=clock,
        splitter=lambda start, end: split_local_days(start, end, tz, 1),
        retention=history(config, REPORTS_HISTORY_DAYS),
        on_expired=lambda lost: warn_expired(stream_name, lost),
    )


def warn_expired(stream: str, lost: Window) -> None:
    """Ozonetel no longer serves `lost`: say so instead of pretending it was read."""
    logging.getLogger("airbyte").warning(
        f"{stream}: Ozonetel serves only the last {HISTORY_DAYS} days; the calls from {iso_utc(lost.start)} to "
        f"{iso_utc(lost.end)} cannot be read through this API and are skipped (start_date or state is older)."
    )
