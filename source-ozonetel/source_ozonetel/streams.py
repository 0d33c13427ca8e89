"""Ozonetel streams, one per API:

- `call_logs`: `getCallLogs`, windows of up to 30 days, incremental on `started_at`;
- `call_details`: CDR by UCID (deprecated API, one request per call) for the calls `getCallLogs` lists;
- `cdr_reports`: `/ca_reports/fetchCDRDetails`, one IST day per request, last 15 days.

Every stream reads settled days only: a day's calls are complete from 03:00 IST the next day, when the
provider has moved them from its current-day store to the historical one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any

import pendulum
import requests
from airbyte_cdk.models import AirbyteMessage, SyncMode
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy, ErrorHandler

from cdr_shared.dates import format_local, iso_utc, parse_utc_instant
from cdr_shared.errors import system_error
from cdr_shared.horizon import DailyPublicationHorizon
from cdr_shared.http_errors import RetryAfterBackoff, json_body
from cdr_shared.retention import DailyRetention, RetentionCursor
from cdr_shared.windowed_state import WindowedCursor, utc_now
from cdr_shared.windowed_stream import WindowedHttpStream, window_of
from cdr_shared.windows import Window, split_local_days
from source_ozonetel.config import OzonetelConfig
from source_ozonetel.errors import OzonetelErrorHandler, answer_message, answer_status, is_empty_answer
from source_ozonetel.records import IST, shape_call_log, shape_report

CALL_LOGS_PATH = "cloudAgentRestAPI/index.php/CloudAgent/CloudAgentAPI/getCallLogs"
UCID_PATH = "CAServices/cdr/fetchCdrByUCID.php"
REPORTS_PATH = "ca_reports/fetchCDRDetails"
REQUEST_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# Yesterday's calls move to the historical store after midnight IST and are complete from 03:00 IST.
SETTLED_HORIZON = DailyPublicationHorizon(IST, 3)
# The UCID and reports APIs serve the last 15 days only.
HISTORY_DAYS = 15
HISTORY = DailyRetention(IST, HISTORY_DAYS)
# Numeric, and no call has it: "No Data Found" proves the key without reading any data.
PROBE_UCID = "1"


def report_type_for(call_start: pendulum.DateTime, now: pendulum.DateTime) -> str | None:
    """Which UCID store holds a call now: 'historical' once its IST day has settled, 'currentday' while
    it is today's, None while yesterday's calls are migrating (00:00 to 03:00 IST)."""
    if call_start < SETTLED_HORIZON(now):
        return "historical"
    if call_start.in_timezone(IST).date() == now.in_timezone(IST).date():
        return "currentday"
    return None


class OzonetelStream(WindowedHttpStream):
    """What every Ozonetel stream shares: base URL, error mapping, backoff, the shared quota budget."""

    def __init__(self, config: OzonetelConfig, cursor: WindowedCursor, **kwargs: Any) -> None:
        self.config = config
        super().__init__(cursor, **kwargs)

    @property
    def url_base(self) -> str:
        return f"{self.config.base_url}/"

    def get_error_handler(self) -> ErrorHandler:
        # The CDK's retry clock includes time spent waiting for quota inside a request attempt.
        return OzonetelErrorHandler(max_time=int(self.config.limits.max_wait_seconds) + 1800)

    def get_backoff_strategy(self) -> BackoffStrategy:
        return RetryAfterBackoff(base=2.0)

    def next_page_token(self, response: requests.Response) -> Mapping[str, Any] | None:
        return None


class CallLogs(OzonetelStream):
    """Every call, from `getCallLogs`; primary key `UCID`, cursor `started_at` (UTC from the IST `StartTime`)."""

    primary_key = "UCID"

    def __init__(self, config: OzonetelConfig, **kwargs: Any) -> None:
        cursor = WindowedCursor("call_logs", "started_at", config.sync_range, SETTLED_HORIZON)
        super().__init__(config, cursor, **kwargs)

    @property
    def name(self) -> str:
        return "call_logs"

    def path(self, **kwargs: Any) -> str:
        return CALL_LOGS_PATH

    def request_params(
        self,
        stream_state: Mapping[str, Any] | None,
        stream_slice: Mapping[str, Any] | None = None,
        next_page_token: Mapping[str, Any] | None = None,
    ) -> MutableMapping[str, Any]:
        return self.window_params(window_of(stream_slice))

    def window_params(self, window: Window) -> dict[str, Any]:
        """One window as getCallLogs wants it: IST `YYYY-MM-DD HH:MM:SS`, both ends inclusive."""
        params = {
            "api_key": self.config.api_key,
            "user_name": self.config.user_name,
            "from_date": format_local(window.start, IST, REQUEST_TIME_FORMAT),
            "to_date": format_local(window.last_second, IST, REQUEST_TIME_FORMAT),
            "format": "json",
        }
        if self.config.campaign_name:
            params["campaign_name"] = self.config.campaign_name
        return params

    def parse_response(
        self,
        response: requests.Response,
        *,
        stream_state: Mapping[str, Any],
        stream_slice: Mapping[str, Any] | None = None,
        next_page_token: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any]]:
        body = json_body(response)
        if answer_status(body) != "success":
            return  # "no record found": an empty window
        for record in body.get("message") or []:
            yield shape_call_log(record)

    def records_in(self, window: Window) -> Iterator[Mapping[str, Any]]:
        """The calls of one window, for `call_details` (one getCallLogs request, same budget)."""
        _, response = self._http_client.send_request(
            "GET", f"{self.url_base}{self.path()}", request_kwargs={}, params=self.window_params(window)
        )
        yield from self.parse_response(response, stream_state={})


class CallDetails(OzonetelStream):
    """The CDR-by-UCID record of every call `getCallLogs` lists in the last 15 days.

    One request per call (50 per minute), so it is off unless `include_call_details` is set. A call
    the store does not hold ("No Data Found with UCID") is skipped and counted, not an error.
    """

    primary_key = "UCID"

    def __init__(
        self, config: OzonetelConfig, call_logs: CallLogs, clock: Any = utc_now, **kwargs: Any
    ) -> None:
        cursor = RetentionCursor(
            "call_details",
            "started_at",
            config.sync_range,
            SETTLED_HORIZON,
            clock=clock,
            retention=HISTORY,
            on_expired=lambda lost: warn_expired("call_details", lost),
        )
        self.call_logs = call_logs
        self.clock = clock
        super().__init__(config, cursor, **kwargs)

    @property
    def name(self) -> str:
        return "call_details"

    def path(self, **kwargs: Any) -> str:
        return UCID_PATH

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any] | AirbyteMessage]:
        window = window_of(stream_slice)
        now = self.clock()
        oldest = HISTORY.earliest(now)
        count = too_old = not_found = unpublished = 0
        for call in self.call_logs.records_in(window):
            started = parse_utc_instant(call["started_at"]) if call.get("started_at") else None
            if started is None or started < oldest:
                too_old += 1
                continue
            report_type = report_type_for(started, now)
            if report_type is None:
                unpublished += 1
                continue
            found = False
            for record in self.details_of(str(call.get("UCID")), report_type):
                found = True
                count += 1
                yield record
            not_found += 0 if found else 1
        if too_old:
            self.logger.info(
                f"call_details: skipped {too_old} call(s) older than {HISTORY_DAYS} days (the UCID API no longer serves them)."
            )
        if not_found:
            self.logger.info(
                f"call_details: {not_found} call(s) answered 'No Data Found with UCID'; skipped."
            )
        if unpublished:
            self.logger.info(
                f"call_details: {unpublished} call(s) of yesterday are still migrating (until 03:00 IST); skipped."
            )
        self.records_read += count
        self.finish_slice(stream_slice, count)

    def ucid_params(self, ucid: str, report_type: str) -> dict[str, str]:
        return {
            "userName": self.config.user_name,
            "apiKey": self.config.api_key,
            "ucid": ucid,
            "reportType": report_type,
        }

    def details_of(self, ucid: str, report_type: str) -> Iterator[Mapping[str, Any]]:
        _, response = self._http_client.send_request(
            "GET",
            f"{self.url_base}{self.path()}",
            request_kwargs={},
            params=self.ucid_params(ucid, report_type),
        )
        yield from self.parse_response(
            response, stream_state={}, stream_slice={"ucid": ucid, "reportType": report_type}
        )

    def parse_response(
        self,
        response: requests.Response,
        *,
        stream_state: Mapping[str, Any],
        stream_slice: Mapping[str, Any] | None = None,
        next_page_token: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any]]:
        """One UCID answer: its records (the sample carries no `UCID` key, so the one asked for is added)."""
        body = json_body(response)
        message = body.get("message") if isinstance(body, Mapping) else None
        if is_empty_answer(body) or not isinstance(message, list):
            return
        asked = stream_slice or {}
        for record in message:
            shaped = shape_call_log(record)
            shaped.setdefault("UCID", asked.get("ucid"))
            shaped["reportType"] = asked.get("reportType")
            yield shaped

    def probe(self) -> None:
        """One UCID request for a call that does not exist: "No Data Found" proves the credentials,
        "userName or apiKey is Invalid" becomes a config error. Spends no call-log quota."""
        _, response = self._http_client.send_request(
            "GET",
            f"{self.url_base}{self.path()}",
            request_kwargs={},
            params=self.ucid_params(PROBE_UCID, "historical"),
        )
        body = json_body(response)
        if answer_status(body) != "success":
            raise system_error(
                f"Ozonetel answered the credential check unexpectedly: {answer_message(body)!r}."
            )


class CdrReports(OzonetelStream):
    """Call detail records from the newer reports API, one IST day per request, the last 15 days."""

    primary_key = "UCID"
    http_method = "GET"

    def __init__(self, config: OzonetelConfig, clock: Any = utc_now, **kwargs: Any) -> None:
        cursor = RetentionCursor(
            "cdr_reports",
            "started_at",
            config.sync_range,
            SETTLED_HORIZON,
            clock=clock,
            splitter=lambda start, end: split_local_days(start, end, IST, 1),
            retention=HISTORY,
            on_expired=lambda lost: warn_expired("cdr_reports", lost),
        )
        super().__init__(config, cursor, **kwargs)

    @property
    def name(self) -> str:
        return "cdr_reports"

    def path(self, **kwargs: Any) -> str:
        return REPORTS_PATH

    def request_headers(self, **kwargs: Any) -> Mapping[str, Any]:
        if self.config.cdr_reports_mode == "basic":
            return {"apiKey": self.config.api_key}
        return {}

    def request_body_json(
        self,
        stream_state: Mapping[str, Any] | None,
        stream_slice: Mapping[str, Any] | None = None,
        next_page_token: Mapping[str, Any] | None = None,
    ) -> Mapping[str, Any] | None:
        window = window_of(stream_slice)
        body = {
            "userName": self.config.user_name,
            "fromDate": format_local(window.start, IST, REQUEST_TIME_FORMAT),
            "toDate": format_local(window.last_second, IST, REQUEST_TIME_FORMAT),
        }
        if self.config.campaign_name:
            body["campaignName"] = self.config.campaign_name
        return body

    def get_error_handler(self) -> ErrorHandler:
        return OzonetelErrorHandler(
            max_time=int(self.config.limits.max_wait_seconds) + 1800,
            on_token_rejected=self._forget_token,
        )

    def _forget_token(self, response: requests.Response) -> None:
        authenticator = self._http_client._session.auth
        if hasattr(authenticator, "invalidate"):
            sent = response.request.headers.get("Authorization", "") if response.request else ""
            authenticator.invalidate(sent.split(" ", 1)[-1] if sent else None)

    def parse_response(
        self,
        response: requests.Response,
        *,
        stream_state: Mapping[str, Any],
        stream_slice: Mapping[str, Any] | None = None,
        next_page_token: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any]]:
        body = json_body(response)
        for record in body.get("details") or []:
            yield shape_report(record)


def warn_expired(stream: str, lost: Window) -> None:
    """Ozonetel no longer serves `lost`: say so instead of pretending it was read."""
    logging.getLogger("airbyte").warning(
        f"{stream}: Ozonetel serves only the last {HISTORY_DAYS} days; the calls from {iso_utc(lost.start)} to "
        f"{iso_utc(lost.end)} cannot be read through this API and are skipped (start_date or state is older)."
    )
