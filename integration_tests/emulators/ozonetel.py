"""Emulator of Ozonetel CloudAgent's call-record APIs (providers.md; the CDR-by-UCID page
https://docs.ozonetel.com/reference/get_caservices-cdr-fetchcdrbyucid-php, the reports page
https://docs.ozonetel.com/reference/get_ca-reports-fetchcdrdetails and the "Get call logs" page).

Endpoints, with the provider's own messages (HTTP 200 bodies carry every error of the legacy APIs):

- `GET /cloudAgentRestAPI/index.php/CloudAgent/CloudAgentAPI/getCallLogs` with `api_key`, `user_name`,
  `from_date`, `to_date` (`YYYY-MM-DD HH:MM:SS`, or `YYYY-MM-DD` meaning the whole day), optional
  `campaign_name` and `format`. `{"status": "success", "message": [...]}` oldest call first, or
  `{"status": "failure", "message": ...}` with "Please provide API Key", "Please provide UserName",
  "The Requested date should not be more than 30 days", "no record found" (no calls, but also a wrong key,
  user or campaign) and, over 10 requests per (scaled) hour, "Max Limit Exceeded".
- `GET /CAServices/cdr/fetchCdrByUCID.php` with `userName`, `apiKey`, `ucid`, `reportType`
  (`historical`/`currentday`): `{"status": "success", "message": [record]}`; "No Data Found with UCID x"
  (`status: success`, string message) when the call is not in the store asked for; errors
  `{"status": "error"}` with the page's messages, "max limit exceeded" over 50 requests per (scaled) minute.
- `GET /ca_reports/fetchCDRDetails` with a JSON body (`userName`, `fromDate`, `toDate`, optional
  `campaignName`), authenticated by an `apiKey` header (basic mode) or `Authorization: Bearer <token>`
  (token mode): `{"status": "true", "details": [...]}` for one IST day of the last 15; 2 requests per
  (scaled) minute, over that HTTP 429.
- `GET` (or `POST`) `/ca_reports/summaryReport`, the Agent State Summary
  (https://docs.ozonetel.com/reference/get_ca-reports-summaryreport): a JSON body (`userName`, `fromDate`,
  `toDate` as `yyyy-mm-dd HH:mm:ss`, optional `agentId` and `modeType` lists), the same authentication;
  `{"status": "success", "message": [...]}` one record per agent, day and mode (`ozonetel_agents.py`),
  `{"status": "error", "message": ...}` with the page's messages ("No Data Found", "userName or apiKey is
  Invalid", "apiKey should not be empty", the date-format, order and 30-day messages, "Mode Type is
  Invalid", "agentId is Invalid"); days of the reports API's history only; 5 requests per (scaled)
  minute, over that HTTP 429 as the reports API (the page does not say how the limit is signalled).
- `POST /ca_apis/CAToken/generateToken` (header `apiKey`, body `{"userName"}`) -> `{"status": "success",
  "token": ...}`; a token lives 60 (scaled) minutes and a new one revokes every older one; 10 per hour.

Time, as the provider documents it (all IST): a call exists once it has ended. Today's calls are in the
"current day" store; after midnight yesterday's calls migrate to "historical" and are visible nowhere
until 03:00 IST (getCallLogs hides them too, so a client that reads yesterday at 01:00 loses them). A
call belongs to the day it started on, also when it ended after midnight. The UCID and reports APIs
serve the last 15 IST days only (today minus 15 days onwards).

Messages for cases the documentation leaves open are inferred and marked so in `INFERRED`.
Control: `POST /__control/add_calls` `{"count", "at"}`; `GET /__control/ground_truth` (call-log records
visible now), `/__control/ground_truth_details`, `/__control/ground_truth_reports`, `/__control/ground_truth_calls`
(what each visible call was, for the unified `calls` stream);
`POST /__control/odd_answers` `{"kind", "count", "path"}` (see below).

Variants the vendor material shows, each selectable per emulator (constructor option and flag):

- `ucid_api`: "live" (default), or the retired endpoint past its deprecation dates: "404", "html" (a 200
  HTML page) or "unknown" (a JSON body without a status);
- `ucid_shape`: "seed" (the page's older camel-case sample) or "spaced" (its current sample);
- `timezone`: the account's reporting zone (IANA name, default Asia/Kolkata) for every time and day;
- `reports_history_days`: how many days before today the reports API serves (15; 14 in the stricter
  reading of "the last 15 days"); `reports_old_days`: "error" (an error body) or "empty" (an empty list,
  as production accounts answer);
- `reports_refusal_status`: 200 (default) or 401 for "Missing userName or apiKey" and invalid keys;
- `summary_shape`: "list" (default) or "object": a day with one record answers the bare object, as the
  summary page's sample shows it;
- `reports_columns`: "documented" or "production" (adds `CallFlow`, `QueueTime`, `DialCount`,
  `VideoRecordingURL`, `WrapUpStartTime`, `WrapUpEndTime`);
- `key_echo`: the name under which every record of every API (call logs, both UCID shapes, reports) echoes
  the account key (`Api Key`, `API_KEY`, ` apikey `...); by default only the seed shapes echo `Apikey`;
- odd success answers (`odd_answers(kind, count, path)`): the next `count` answers of a legacy endpoint are
  `{"status": "success", "message": X}` with X `{}` ("object"), `null` ("null") or a text ("string");
  "html" answers any endpoint (reports and token too) with an HTML maintenance page and HTTP 200, as a
  proxy or maintenance page in front of the API would (a large `count` makes it persistent).
"""

from __future__ import annotations

import argparse
import copy
import threading
from collections import deque
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .base import EmulatorServer, Request, Response
from .clock import parse_instant
from .ozonetel_agents import KNOWN_MODES, filtered, summaries
from .ozonetel_calls import ACCOUNT_USER, DAY, IST, OzonetelCall, OzonetelDataset, ist_day_start
from .tokens import TokenIssuer, TokenState

DEFAULT_API_KEY = "KK7emulator0000000000000000000014c"
CALL_LOGS_PATH = "/cloudAgentRestAPI/index.php/CloudAgent/CloudAgentAPI/getCallLogs"
UCID_PATH = "/CAServices/cdr/fetchCdrByUCID.php"
REPORTS_PATH = "/ca_reports/fetchCDRDetails"
SUMMARY_PATH = "/ca_reports/summaryReport"
TOKEN_PATH = "/ca_apis/CAToken/generateToken"
HISTORY_DAYS = 15
PUBLISH_HOUR = 3
MAX_LOG_SPAN = timedelta(days=30)
UCID_API_VARIANTS = ("live", "404", "html", "unknown")
UCID_SHAPES = ("seed", "spaced")
OLD_DAY_ANSWERS = ("error", "empty")
REPORT_COLUMNS = ("documented", "production")
SUMMARY_SHAPES = ("list", "object")
MAX_SUMMARY_SPAN = timedelta(days=30)
ODD_MESSAGES: dict[str, Any] = {"object": {}, "null": None, "string": "Request processed"}
ODD_KINDS = (*ODD_MESSAGES, "html")
MAINTENANCE_PAGE = (
    "<!DOCTYPE html><html><head><title>Ozonetel</title></head><body>Scheduled maintenance. "
    "We will be back shortly.</body></html>"
)
RETIRED_PAGE = (
    "<!DOCTYPE html><html><head><title>Page moved</title></head><body>This API is discontinued.</body></html>"
)

INFERRED = {
    "bad_date": "Please provide valid from_date and to_date",
    "reports_day": "fromDate and toDate should be of the same day",
    "reports_history": "Data is available only for the last 15 days",
    "reports_rate": "Too many requests",
    "invalid_token": "Invalid Token",
}

_LOG_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d")


def _failure(message: str) -> Response:
    return Response.json({"status": "failure", "message": message})


def _error(message: str) -> Response:
    return Response.json({"status": "error", "message": message})


def _reports_error(message: str, status: str = "fail") -> Response:
    return Response.json({"message": message, "status": status})


def _ist_epoch(text: str, end_of_day: bool, tz: Any = IST) -> int | None:
    for pattern in _LOG_FORMATS:
        try:
            parsed = datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
        if pattern == "%Y-%m-%d" and end_of_day:
            parsed = parsed.replace(hour=23, minute=59, second=59)
        return int(parsed.replace(tzinfo=tz).timestamp())
    return None


class OzonetelEmulator(EmulatorServer):
    """Ozonetel CloudAgent: call logs, CDR by UCID, the CDR reports API and its tokens."""

    name = "ozonetel"

    def __init__(
        self,
        *,
        seed: int = 0,
        calls: int = 600,
        days: int = 40,
        end: datetime | str | None = None,
        user_name: str = ACCOUNT_USER,
        api_key: str = DEFAULT_API_KEY,
        call_logs_per_hour: int = 10,
        ucid_per_minute: int = 50,
        reports_per_minute: int = 2,
        summary_per_minute: int = 5,
        tokens_per_hour: int = 10,
        token_ttl: float = 3600,
        now: datetime | str | None = None,
        ucid_api: str = "live",
        ucid_shape: str = "seed",
        timezone: str = "Asia/Kolkata",
        reports_history_days: int = HISTORY_DAYS,
        reports_old_days: str = "error",
        reports_refusal_status: int = 200,
        reports_columns: str = "documented",
        summary_shape: str = "list",
        key_echo: str | None = None,
        **common: Any,
    ) -> None:
        super().__init__(**common)
        for value, allowed in (
            (ucid_api, UCID_API_VARIANTS),
            (ucid_shape, UCID_SHAPES),
            (reports_old_days, OLD_DAY_ANSWERS),
            (reports_columns, REPORT_COLUMNS),
            (summary_shape, SUMMARY_SHAPES),
        ):
            if value not in allowed:
                raise ValueError(f"unknown variant {value!r}; one of {', '.join(allowed)}")
        self.ucid_api = ucid_api
        self.ucid_shape = ucid_shape
        self.tz = IST if timezone == "Asia/Kolkata" else ZoneInfo(timezone)
        self.reports_history_days = reports_history_days
        self.reports_old_days = reports_old_days
        self.reports_refusal_status = reports_refusal_status
        self.reports_columns = reports_columns
        self.summary_shape = summary_shape
        self.seed = seed
        self.key_echo = key_echo
        self._odd: deque[tuple[str, str | None]] = deque()
        self._odd_lock = threading.Lock()
        if now is not None:
            self.clock.set(now)
        data_end = parse_instant(end) if isinstance(end, str) else end
        end_epoch = int(data_end.timestamp()) if data_end else ist_day_start(self.clock.timestamp(), self.tz)
        self.data_end = end_epoch
        self.data_start = end_epoch - days * DAY
        self.user_name = user_name
        self.api_key = api_key
        self.dataset = OzonetelDataset(
            seed, calls, self.data_start, self.data_end, api_key, user_name, self.tz
        )
        self.campaigns = {call.campaign for call in self.dataset.all()}
        self.tokens = TokenIssuer(self.clock, token_ttl)
        self._current = threading.local()
        self.add_route(
            "GET",
            CALL_LOGS_PATH,
            self.get_call_logs,
            faultable=True,
            rate_limiter=self.new_rate_limiter(call_logs_per_hour, 3600),
        )
        self.add_route(
            "GET",
            UCID_PATH,
            self.fetch_cdr_by_ucid,
            faultable=True,
            rate_limiter=self.new_rate_limiter(ucid_per_minute, 60),
        )
        self.add_route(
            "GET",
            REPORTS_PATH,
            self.fetch_cdr_details,
            faultable=True,
            rate_limiter=self.new_rate_limiter(reports_per_minute, 60),
        )
        # The page: "This API supports both POST and GET methods"; one quota for both.
        summary_limiter = self.new_rate_limiter(summary_per_minute, 60)
        for method in ("GET", "POST"):
            self.add_route(
                method, SUMMARY_PATH, self.summary_report, faultable=True, rate_limiter=summary_limiter
            )
        self.add_route(
            "POST",
            TOKEN_PATH,
            self.generate_token,
            faultable=True,
            rate_limiter=self.new_rate_limiter(tokens_per_hour, 3600),
        )
        self.add_control_route("POST", "add_calls", self._control_add_calls)
        self.add_control_route("POST", "odd_answers", self._control_odd_answers)
        self.add_control_route(
            "GET", "ground_truth_details", lambda r: Response.json(self.ground_truth_details())
        )
        self.add_control_route(
            "GET", "ground_truth_reports", lambda r: Response.json(self.ground_truth_reports())
        )
        self.add_control_route(
            "GET", "ground_truth_summary", lambda r: Response.json(self.ground_truth_summary())
        )
        self.add_control_route(
            "GET", "ground_truth_calls", lambda r: Response.json(self.ground_truth_calls())
        )

    # ------------------------------------------------------------------------------------- time

    def now(self) -> int:
        return int(self.clock.timestamp())

    def today(self) -> int:
        """Local midnight of the virtual today (the account's zone)."""
        return ist_day_start(self.clock.timestamp(), self.tz)

    def migrating(self, call: OzonetelCall) -> bool:
        """Yesterday's calls between 00:00 and 03:00 IST: moving from current day to historical."""
        today = self.today()
        return call.ist_day == today - DAY and self.now() < today + PUBLISH_HOUR * 3600

    def visible(self, call: OzonetelCall) -> bool:
        return call.end <= self.now() and not self.migrating(call)

    def in_history_range(self, day_start: int) -> bool:
        return day_start >= self.today() - HISTORY_DAYS * DAY

    def in_reports_range(self, day_start: int) -> bool:
        return day_start >= self.today() - self.reports_history_days * DAY

    def local_epoch(self, text: str, end_of_day: bool) -> int | None:
        return _ist_epoch(text, end_of_day, self.tz)

    def odd_answer(self, path: str) -> Response | None:
        """The next queued odd success answer for `path`, if any."""
        with self._odd_lock:
            for index, (kind, only) in enumerate(self._odd):
                if only is None or only == path:
                    del self._odd[index]
                    if kind == "html":
                        return Response.html(MAINTENANCE_PAGE, 200)
                    return Response.json({"status": "success", "message": ODD_MESSAGES[kind]})
        return None

    def odd_answers(self, kind: str, count: int = 1, path: str | None = None) -> None:
        """Answer the next `count` requests (to `path`, or any legacy endpoint) with an odd success body."""
        if kind not in ODD_KINDS:
            raise ValueError(f"unknown odd answer {kind!r}; one of {', '.join(ODD_KINDS)}")
        with self._odd_lock:
            self._odd.extend([(kind, path)] * count)

    # -------------------------------------------------------------------------------- endpoints

    def get_call_logs(self, request: Request) -> Response:
        api_key, user_name = request.param("api_key"), request.param("user_name")
        if not api_key:
            return _failure("Please provide API Key")
        if not user_name:
            return _failure("Please provide UserName")
        if api_key != self.api_key or user_name != self.user_name:
            return _failure("no record found")
        odd = self.odd_answer(CALL_LOGS_PATH)
        if odd is not None:
            return odd
        first = self.local_epoch(request.param("from_date") or "", end_of_day=False)
        last = self.local_epoch(request.param("to_date") or "", end_of_day=True)
        if first is None or last is None or last < first:
            return _failure(INFERRED["bad_date"])
        if last - first > MAX_LOG_SPAN.total_seconds():
            return _failure("The Requested date should not be more than 30 days")
        campaign = request.param("campaign_name")
        if campaign and campaign not in self.campaigns:
            return _failure("no record found")
        calls = [
            call
            for call in self.dataset.started_between(first, last)
            if self.visible(call) and (not campaign or call.campaign == campaign)
        ]
        if not calls:
            return _failure("no record found")
        return Response.json({"status": "success", "message": [self.log_record_of(c) for c in calls]})

    def fetch_cdr_by_ucid(self, request: Request) -> Response:
        if self.ucid_api == "404":
            return Response.html("<html><body><h1>404 Not Found</h1></body></html>", 404)
        if self.ucid_api == "html":
            return Response.html(RETIRED_PAGE, 200)
        if self.ucid_api == "unknown":
            return Response.json({"error": "This service has been discontinued"})
        odd = self.odd_answer(UCID_PATH)
        if odd is not None:
            return odd
        for name in ("userName", "apiKey", "ucid", "reportType"):
            if not request.param(name):
                return _error(f"{name} should not be empty")
        report_type, ucid = request.param("reportType"), request.param("ucid") or ""
        if report_type not in ("historical", "currentday"):
            return _error("Invalid reportType")
        if not ucid.isdigit():
            return _error("ucid should be numeric only")
        if request.param("userName") != self.user_name or request.param("apiKey") != self.api_key:
            return _error("userName or apiKey is Invalid")
        call = self.dataset.by_ucid(ucid)
        if call is None or not self.visible(call) or report_type != self.store_of(call):
            return Response.json({"status": "success", "message": f"No Data Found with UCID {ucid}"})
        return Response.json({"status": "success", "message": [self.ucid_record_of(call)]})

    def echoing_key(self, record: dict[str, Any]) -> dict[str, Any]:
        """With `key_echo`, the account key under that name (`Api Key`, `API_KEY`...) instead of `Apikey`."""
        if self.key_echo is None:
            return record
        record.pop("Apikey", None)
        record[self.key_echo] = self.api_key
        return record

    def log_record_of(self, call: OzonetelCall) -> dict[str, Any]:
        return self.echoing_key(copy.deepcopy(call.log_record))

    def ucid_record_of(self, call: OzonetelCall) -> dict[str, Any]:
        """The UCID record in the shape this emulator plays."""
        return self.echoing_key(
            copy.deepcopy(call.spaced_record if self.ucid_shape == "spaced" else call.ucid_record)
        )

    def report_record_of(self, call: OzonetelCall) -> dict[str, Any]:
        """The reports record, with the production-only columns when this emulator plays them."""
        record = self.echoing_key(copy.deepcopy(call.report_record))
        if self.reports_columns == "production":
            wrap_start = call.end
            wrap = int(record["WrapupDuration"][-2:])
            record.update(
                {
                    "CallFlow": "IVR>Skill>Agent",
                    "QueueTime": "00:00:0" + str(call.start % 10),
                    "DialCount": 1 + call.start % 3,
                    "VideoRecordingURL": "",
                    "WrapUpStartTime": datetime.fromtimestamp(wrap_start, self.tz).strftime("%H:%M:%S"),
                    "WrapUpEndTime": datetime.fromtimestamp(wrap_start + wrap, self.tz).strftime("%H:%M:%S"),
                }
            )
        return record

    def store_of(self, call: OzonetelCall) -> str | None:
        """Where a visible call can be fetched by UCID now: 'currentday', 'historical' or nowhere."""
        if call.ist_day == self.today():
            return "currentday"
        if not self.in_history_range(call.ist_day):
            return None
        return "historical"

    def reports_request(
        self, request: Request, path: str, refuse: Any
    ) -> tuple[dict[str, Any], Response | None]:
        """A reports API request's JSON body, and the answer that ends it early: a queued odd answer,
        else `refuse(request, body)` (None: go on)."""
        odd = self.odd_answer(path)
        if odd is not None:
            return {}, odd
        body = request.json_object()
        return body, refuse(request, body)

    def fetch_cdr_details(self, request: Request) -> Response:
        body, refusal = self.reports_request(request, REPORTS_PATH, self._refuse_reports_caller)
        if refusal is not None:
            return refusal
        from_text, to_text = body.get("fromDate"), body.get("toDate")
        if not from_text or not to_text:
            return _reports_error("Missing fromDate and toDate")
        try:
            first = datetime.strptime(str(from_text), "%Y-%m-%d %H:%M:%S").replace(tzinfo=self.tz)
            last = datetime.strptime(str(to_text), "%Y-%m-%d %H:%M:%S").replace(tzinfo=self.tz)
        except ValueError:
            return _reports_error(
                "Invalid fromDate format. Please pass the date in the format yyyy-MM-dd HH:mm:ss"
            )
        campaign = body.get("campaignName")
        if campaign and campaign not in self.campaigns:
            return _reports_error("Invalid campaignName")
        if first.timestamp() > self.now() or last.date() > datetime.fromtimestamp(self.now(), self.tz).date():
            return _reports_error("fromDate and toDate should not be future dates")
        if first.date() != last.date() or last < first:
            return _reports_error(INFERRED["reports_day"])
        day_start = int(datetime.combine(first.date(), time(0), self.tz).timestamp())
        if not self.in_reports_range(day_start):
            if self.reports_old_days == "empty":
                return Response.json({"status": "true", "details": []})
            return _reports_error(INFERRED["reports_history"])
        calls = [
            call
            for call in self.dataset.started_between(int(first.timestamp()), int(last.timestamp()))
            if self.visible(call) and (not campaign or call.campaign == campaign)
        ]
        return Response.json({"status": "true", "details": [self.report_record_of(c) for c in calls]})

    def summary_report(self, request: Request) -> Response:
        body, refusal = self.reports_request(request, SUMMARY_PATH, self._refuse_summary_caller)
        if refusal is not None:
            return refusal
        try:
            first = datetime.strptime(str(body.get("fromDate")), "%Y-%m-%d %H:%M:%S").replace(tzinfo=self.tz)
            last = datetime.strptime(str(body.get("toDate")), "%Y-%m-%d %H:%M:%S").replace(tzinfo=self.tz)
        except ValueError:
            return _error("From and To Date should be in yyyy-mm-dd HH:mm:ss Format")
        if first > last:
            return _error("From Date Should not be Greater than To Date")
        if last - first > MAX_SUMMARY_SPAN:
            return _error("Difference Between From and To Date should not be Greater than 30 Days")
        agents = [a.strip() for a in str(body.get("agentId") or "").split(",") if a.strip()]
        modes = [m.strip() for m in str(body.get("modeType") or "").split(",") if m.strip()]
        if modes and not any(mode.lower() in KNOWN_MODES for mode in modes):
            return _error("Mode Type is Invalid")
        known_agents = {call.report_record["AgentID"] for call in self.dataset.all()}
        if agents and not any(agent in known_agents for agent in agents):
            return _error("agentId is Invalid")
        day_start = int(datetime.combine(first.date(), time(0), self.tz).timestamp())
        if not self.in_reports_range(day_start) and self.reports_old_days == "error":
            return _error(INFERRED["reports_history"])
        records = filtered(
            self.summaries_between(int(first.timestamp()), int(last.timestamp())), agents, modes
        )
        if not records:
            return _error("No Data Found")
        if self.summary_shape == "object" and len(records) == 1:
            return Response.json({"status": "success", "message": records[0]})
        return Response.json({"status": "success", "message": records})

    def summaries_between(self, first: int, last: int) -> list[dict[str, Any]]:
        """Agent State Summary records (with helper keys) of the visible calls started in [first, last],
        on days of the served history."""
        calls = [
            call
            for call in self.dataset.started_between(first, last)
            if self.visible(call) and self.in_reports_range(call.ist_day)
        ]
        return summaries(calls, first, last, self.tz, self.seed)

    def generate_token(self, request: Request) -> Response:
        odd = self.odd_answer(TOKEN_PATH)
        if odd is not None:
            return odd
        body = request.json_object()
        api_key, user_name = request.header("apiKey"), body.get("userName")
        if not api_key or not user_name:
            return Response.json({"status": "false", "message": "Missing userName or apiKey"})
        if api_key != self.api_key or user_name != self.user_name:
            return Response.json({"status": "false", "message": "userName or apiKey is Invalid"})
        # A new token invalidates every older one.
        self.tokens.revoke_subject(user_name)
        token = self.tokens.issue(user_name)
        return Response.json({"status": "success", "token": token.value})

    # ---------------------------------------------------------------------- provider-specific faults

    def handle(self, request: Request) -> Any:
        self._current.path = request.path
        return super().handle(request)

    def rate_limited_response(self, retry_after: float) -> Response:
        path = getattr(self._current, "path", "")
        if path == CALL_LOGS_PATH:
            return _failure("Max Limit Exceeded")
        if path == UCID_PATH:
            return _error("max limit exceeded")
        return Response.json({"status": "false", "message": INFERRED["reports_rate"]}, 429)

    def expired_token_response(self, request: Request) -> Response:
        return Response.json({"status": "false", "message": "Token Expired", "data": None})

    def _token_refusal(self, request: Request, token: str) -> Response | None:
        """The reports APIs' answer to an expired or unknown bearer token; None for a valid one."""
        state = self.tokens.state_of(token)
        if state is TokenState.EXPIRED:
            return self.expired_token_response(request)
        if state is not TokenState.VALID:
            return Response.json({"status": "false", "message": INFERRED["invalid_token"]})
        return None

    def _refuse_summary_caller(self, request: Request, body: dict[str, Any]) -> Response | None:
        """The summary page's refusals (`status: error`); tokens as the other reports API."""
        token, api_key = request.bearer_token(), request.header("apiKey")
        if token is None and not api_key:
            return _error("apiKey should not be empty")
        if not body.get("userName"):
            return _error("userName should not be empty")
        if token is not None and (refusal := self._token_refusal(request, token)) is not None:
            return refusal
        if body.get("userName") != self.user_name or (token is None and api_key != self.api_key):
            return _error("userName or apiKey is Invalid")
        return None

    def _refuse_reports_caller(self, request: Request, body: dict[str, Any]) -> Response | None:
        user_name = body.get("userName")
        token = request.bearer_token()
        api_key = request.header("apiKey")
        refused = self.reports_refusal_status
        if not user_name or (token is None and not api_key):
            return Response.json({"status": "false", "message": "Missing userName or apiKey"}, refused)
        if token is not None:
            refusal = self._token_refusal(request, token)
            if refusal is not None:
                return refusal
            if user_name != self.user_name:
                return Response.json({"status": "false", "message": "userName or apiKey is Invalid"}, refused)
            return None
        if api_key != self.api_key or user_name != self.user_name:
            # Production accounts answer a wrong key as a missing one, with HTTP 401 (providers.md).
            if refused == 401:
                return Response.json({"status": "false", "message": "Missing userName or apiKey"}, 401)
            return Response.json({"status": "false", "message": "userName or apiKey is Invalid"})
        return None

    # ------------------------------------------------------------------------------- Python API

    def visible_calls(self) -> list[OzonetelCall]:
        return [call for call in self.dataset.all() if self.visible(call)]

    def ground_truth(self) -> list[dict[str, Any]]:
        """Every call-log record getCallLogs can show now, oldest first."""
        return [self.log_record_of(call) for call in self.visible_calls()]

    def ground_truth_details(self) -> list[dict[str, Any]]:
        """Every UCID record fetchable now (with the `UCID` it was asked for), oldest first."""
        return [
            {**self.ucid_record_of(call), "UCID": call.ucid}
            for call in self.visible_calls()
            if self.store_of(call) is not None
        ]

    def ground_truth_reports(self) -> list[dict[str, Any]]:
        """Every reports-API record of the last 15 IST days visible now, oldest first."""
        return [
            self.report_record_of(call)
            for call in self.visible_calls()
            if self.in_reports_range(call.ist_day)
        ]

    def ground_truth_summary(self) -> list[dict[str, Any]]:
        """Every Agent State Summary record of the served days, whole days, visible now, by day, agent and mode."""
        first = self.today() - self.reports_history_days * DAY
        return filtered(self.summaries_between(first, self.today() + DAY - 1), [], [])

    def ground_truth_calls(self) -> list[dict[str, Any]]:
        """What every call visible now was (direction, times as epochs, parties, outcome), oldest first:
        the facts the calls were generated from, to compare a unified `calls` table with."""
        return [copy.deepcopy(call.truth) for call in self.visible_calls()]

    def add_calls(self, count: int = 1, at: datetime | str | None = None) -> list[dict[str, Any]]:
        instant = parse_instant(at) if isinstance(at, str) else at or self.clock.now()
        added = self.dataset.add(count, int(instant.timestamp()))
        self.campaigns |= {call.campaign for call in added}
        return [copy.deepcopy(call.log_record) for call in added]

    def issue_token(self) -> str:
        self.tokens.revoke_subject(self.user_name)
        return self.tokens.issue(self.user_name).value

    def _control_odd_answers(self, request: Request) -> Response:
        body = request.json_object()
        try:
            self.odd_answers(str(body.get("kind")), int(body.get("count", 1)), body.get("path"))
        except ValueError as error:
            return Response.json({"error": str(error)}, 400)
        return Response.json({"queued": int(body.get("count", 1))})

    def _control_add_calls(self, request: Request) -> Response:
        body = request.json_object()
        return Response.json({"added": self.add_calls(int(body.get("count", 1)), body.get("at"))})

    # ----------------------------------------------------------------------------- command line

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        super().add_arguments(parser)
        data = parser.add_argument_group("Ozonetel data set")
        data.add_argument("--seed", type=int, default=0, help="seed of the synthetic data set")
        data.add_argument("--calls", type=int, default=600, help="number of calls")
        data.add_argument("--days", type=int, default=40, help="days of calls before --end")
        data.add_argument(
            "--end",
            default=None,
            help="ISO 8601 instant the data ends at (default: 00:00 IST today, by the virtual clock)",
        )
        data.add_argument("--now", default=None, help="ISO 8601 instant to set the virtual clock to")
        auth = parser.add_argument_group("Ozonetel account")
        auth.add_argument("--user-name", default=ACCOUNT_USER)
        auth.add_argument("--api-key", default=DEFAULT_API_KEY)
        auth.add_argument("--token-ttl", type=float, default=3600, help="token lifetime in seconds")
        variants = parser.add_argument_group("Ozonetel answer variants (see the module doc)")
        variants.add_argument("--ucid-api", choices=UCID_API_VARIANTS, default="live")
        variants.add_argument("--ucid-shape", choices=UCID_SHAPES, default="seed")
        variants.add_argument("--timezone", default="Asia/Kolkata", help="the account's reporting zone")
        variants.add_argument("--reports-history-days", type=int, default=HISTORY_DAYS)
        variants.add_argument("--reports-old-days", choices=OLD_DAY_ANSWERS, default="error")
        variants.add_argument("--reports-refusal-status", type=int, choices=(200, 401), default=200)
        variants.add_argument("--reports-columns", choices=REPORT_COLUMNS, default="documented")
        variants.add_argument("--summary-shape", choices=SUMMARY_SHAPES, default="list")
        variants.add_argument("--key-echo", default=None, help="name every record echoes the key under")
        limits = parser.add_argument_group("Ozonetel rate limits (0: none)")
        limits.add_argument("--call-logs-per-hour", type=int, default=10)
        limits.add_argument("--ucid-per-minute", type=int, default=50)
        limits.add_argument("--reports-per-minute", type=int, default=2)
        limits.add_argument("--summary-per-minute", type=int, default=5)
        limits.add_argument("--tokens-per-hour", type=int, default=10)

    @classmethod
    def options_from_arguments(cls, args: argparse.Namespace) -> dict[str, Any]:
        return {
            **super().options_from_arguments(args),
            "seed": args.seed,
            "calls": args.calls,
            "days": args.days,
            "end": args.end,
            "user_name": args.user_name,
            "api_key": args.api_key,
            "token_ttl": args.token_ttl,
            "call_logs_per_hour": args.call_logs_per_hour,
            "ucid_per_minute": args.ucid_per_minute,
            "reports_per_minute": args.reports_per_minute,
            "summary_per_minute": args.summary_per_minute,
            "tokens_per_hour": args.tokens_per_hour,
            "now": args.now,
            "ucid_api": args.ucid_api,
            "ucid_shape": args.ucid_shape,
            "timezone": args.timezone,
            "reports_history_days": args.reports_history_days,
            "reports_old_days": args.reports_old_days,
            "reports_refusal_status": args.reports_refusal_status,
            "reports_columns": args.reports_columns,
            "summary_shape": args.summary_shape,
            "key_echo": args.key_echo,
        }
