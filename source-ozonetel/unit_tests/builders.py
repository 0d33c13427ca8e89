"""Ozonetel requests, answers and configs as the APIs document them, and a frozen clock that `time.sleep`
moves instead of sleeping (the `naps` fixture), for the unit tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from airbyte_cdk.test.mock_http import HttpRequest, HttpResponse
from freezegun import freeze_time

from cdr_shared.testing.config_builder import ConfigBuilder
from cdr_shared.testing.http_mock import RequestBuilder, answer
from cdr_shared.testing.output import StreamReader
from cdr_shared.testing.state_builder import StreamCursor
from source_ozonetel import SourceOzonetel

BASE = "https://in1-ccaas-api.ozonetel.com"
USER = "demo_user"
# Characters that change under URL encoding: the key must be masked in every form.
KEY = "KK7canary+key/9c1e=="
AFTER_PUBLICATION = "2024-05-10T04:00:00+05:30"
BEFORE_PUBLICATION = "2024-05-10T01:00:00+05:30"
CALL_LOGS_URL = f"{BASE}/cloudAgentRestAPI/index.php/CloudAgent/CloudAgentAPI/getCallLogs"
UCID_URL = f"{BASE}/CAServices/cdr/fetchCdrByUCID.php"
REPORTS_URL = f"{BASE}/ca_reports/fetchCDRDetails"
SUMMARY_URL = f"{BASE}/ca_reports/summaryReport"
TOKEN_URL = f"{BASE}/ca_apis/CAToken/generateToken"
CURSOR = StreamCursor("call_logs", "started_at")
YESTERDAY = ("2024-05-09 00:00:00", "2024-05-09 23:59:59")

FROZEN_CLOCKS: list[Any] = []
"""The clocks `clock_at` froze, innermost last: the `naps` fixture moves the innermost one."""


@contextmanager
def clock_at(instant: str) -> Iterator[Any]:
    """The clock frozen at `instant`; every `time.sleep` in the block moves it on (see `naps`)."""
    with freeze_time(instant) as frozen:
        FROZEN_CLOCKS.append(frozen)
        try:
            yield frozen
        finally:
            FROZEN_CLOCKS.pop()


class OzonetelConfig(ConfigBuilder):
    """A valid Ozonetel config: the legacy user name and API key, from the day before the frozen clock."""

    CREDENTIAL_FIELDS = ("user_name", "api_key")
    CREDENTIALS_AUTH_TYPE = "api_key"

    DEFAULTS = {
        "user_name": USER,
        "api_key": KEY,
        "start_date": "2024-05-09",
        "lookback_window_minutes": 0,
    }

    def with_cdr_reports(self, auth_type: str) -> OzonetelConfig:
        """The reports API (`cdr_reports`) switched on with `auth_type` (`basic` or `token`)."""
        return self.with_field("cdr_reports", {"auth_type": auth_type})


config = OzonetelConfig()
"""The valid config: `config(end_date=...)` is it with top-level fields replaced."""


run = StreamReader(SourceOzonetel, "call_logs")
"""A `read`: `run(config, "call_details", state=..., expect_failure=...)` (`call_logs` unless named)."""
catalog = run.catalog


state_at, states = CURSOR.state_at, CURSOR.values
"""Every Ozonetel stream keeps `started_at`: `state_at(value, "cdr_reports")` for another stream."""


def call_logs_request(from_date: str, to_date: str, **extra: str) -> HttpRequest:
    params = {"api_key": KEY, "user_name": USER, "from_date": from_date, "to_date": to_date, "format": "json"}
    return HttpRequest(CALL_LOGS_URL, query_params={**params, **extra})


def ucid_request(ucid: str, report_type: str = "historical") -> HttpRequest:
    return HttpRequest(
        UCID_URL, query_params={"userName": USER, "apiKey": KEY, "ucid": ucid, "reportType": report_type}
    )


def reports_request(day: str, headers: dict[str, str] | None = None, **extra: Any) -> HttpRequest:
    """The reports API's request for one day; `headers` the request must carry too."""
    body = {"userName": USER, "fromDate": f"{day} 00:00:00", "toDate": f"{day} 23:59:59", **extra}
    return RequestBuilder(REPORTS_URL).with_body(json.dumps(body)).with_headers(**(headers or {})).build()


def summary_request(day: str, headers: dict[str, str] | None = None) -> HttpRequest:
    """The Agent State Summary request for one day; `headers` the request must carry too."""
    body = {"userName": USER, "fromDate": f"{day} 00:00:00", "toDate": f"{day} 23:59:59"}
    return RequestBuilder(SUMMARY_URL).with_body(json.dumps(body)).with_headers(**(headers or {})).build()


def agent_state(
    agent: str = "711", day: str = "2024-05-09", mode: str = "Inbound", **fields: Any
) -> dict[str, Any]:
    """One record in the shape of the Agent State Summary page's sample
    (https://docs.ozonetel.com/reference/get_ca-reports-summaryreport)."""
    record = {
        "AgentIncrID": 40001,
        "AgentName": "Priya Sharma",
        "AgentUniqueID": agent,
        "CallDate": day,
        "ModeType": mode,
        "TotalBusyTime": "01:02:03",
        "TotalDialTime": "00:00:00",
        "TotalIdleTime": "02:00:05",
        "TotalLoginDuration": "03:12:08",
        "TotalPauseTime": "00:10:00",
        "TotalWrapupTime": "00:00:00",
    }
    record.update(fields)
    return record


def success(records: list[dict[str, Any]]) -> HttpResponse:
    return answer({"status": "success", "message": records})


def failure(message: str) -> HttpResponse:
    return answer({"status": "failure", "message": message})


def call_log(
    ucid: str, start: str = "2024-05-09 10:00:00", end: str = "2024-05-09 10:04:57", **fields: Any
) -> dict[str, Any]:
    record = {
        "UCID": ucid,
        "monitorUCID": ucid,
        "UUI": "",
        "Did": "918047190000",
        "Location": "Bangalore",
        "CampaignName": "Inbound_918047190000",
        "CallerID": "+919812345678",
        "Skill": "General",
        "StartTime": start,
        "EndTime": end,
        "TimeToAnswer": "00:00:11",
        "Duration": "00:04:46",
        "CallDuration": "00:04:57",
        "AgentID": "priya",
        "AgentName": "Priya Sharma",
        "Status": "Answered",
        "DialStatus": "answered",
        "Apikey": KEY,
        "TalkTime": "00:04:30",
        "HoldDuration": "00:00:16",
    }
    record.update(fields)
    return record


def ucid_record(**fields: Any) -> dict[str, Any]:
    """The older sample shape of the CDR-by-UCID page (no `UCID` key; the account's key echoed as `Apikey`)."""
    record = {
        "monitorUCID": "2191620069327187",
        "StartTime": "2024-05-09 10:33:53",
        "EndTime": "2024-05-09 10:38:50",
        "TimeToAnswer": "00:00:11",
        "CallDuration": "00:04:57",
        "Duration": "00:04:46",
        "Status": "Answered",
        "Apikey": KEY,
        "ConfDuration": "00:00:00",
        "ConferenceData": None,
    }
    record.update(fields)
    return record


def report_record(
    ucid: int, start: str = "12:20:00", end: str = "12:20:57", day: str = "2024-05-09"
) -> dict[str, Any]:
    return {
        "CallDate": day,
        "CallID": ucid,
        "UCID": ucid,
        "StartTime": start,
        "EndTime": end,
        "PickupTime": start,
        "Duration": "00:00:57",
        "TalkTime": "00:00:56",
        "HandlingTime": "00:00:58",
        "CustomerRingTime": "00:00:00",
        "Rating": 0,
        "Status": "Answered",
    }


# What the CDR-by-UCID API may answer once retired (its page carries a deprecation banner):
# https://docs.ozonetel.com/reference/get_caservices-cdr-fetchcdrbyucid-php
RETIRED_ANSWERS = {
    "404": HttpResponse("<html><body>404 Not Found</body></html>", status_code=404),
    "html": HttpResponse("<!DOCTYPE html><html><body>This API has moved</body></html>", status_code=200),
    "unknown body": answer({"error": "Service discontinued"}),
}


def reports_probe() -> HttpRequest:
    """check's one-second reports request: 00:00:00 yesterday, both ends."""
    body = {"userName": USER, "fromDate": "2024-05-09 00:00:00", "toDate": "2024-05-09 00:00:00"}
    return HttpRequest(REPORTS_URL, body=json.dumps(body))
