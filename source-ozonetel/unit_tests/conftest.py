"""Builders for Ozonetel unit tests: configs, requests and answers as the APIs document them, and a
frozen clock that `time.sleep` moves instead of sleeping (no real waiting in unit tests)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from airbyte_cdk.models import AirbyteMessageSerializer, ConfiguredAirbyteCatalog, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, ExpectedOutcome, read
from airbyte_cdk.test.mock_http import HttpRequest, HttpResponse
from freezegun import freeze_time

from cdr_shared import tokens
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
TOKEN_URL = f"{BASE}/ca_apis/CAToken/generateToken"

_FROZEN: list[Any] = []


@pytest.fixture(autouse=True)
def naps(monkeypatch) -> list[float]:
    """Every `time.sleep` (CDK backoff, quota waits) is recorded and moves the frozen clock instead."""
    recorded: list[float] = []

    def sleep(seconds: float) -> None:
        recorded.append(seconds)
        if _FROZEN:
            _FROZEN[-1].tick(timedelta(seconds=seconds))

    monkeypatch.setattr(time, "sleep", sleep)
    monkeypatch.setattr(tokens, "TOKEN_RETRY_SCALE", 0.0)
    return recorded


@contextmanager
def clock_at(instant: str) -> Iterator[Any]:
    with freeze_time(instant) as frozen:
        _FROZEN.append(frozen)
        try:
            yield frozen
        finally:
            _FROZEN.pop()


def config(**overrides: Any) -> dict[str, Any]:
    base = {
        "user_name": USER,
        "api_key": KEY,
        "start_date": "2024-05-09",
        "lookback_window_minutes": 0,
    }
    base.update(overrides)
    return base


def catalog(*streams: str, sync_mode: SyncMode = SyncMode.incremental) -> ConfiguredAirbyteCatalog:
    builder = CatalogBuilder()
    for stream in streams or ("call_logs",):
        builder = builder.with_stream(stream, sync_mode)
    return builder.build()


def run(
    cfg: dict[str, Any], *streams: str, state: Any = None, failure: bool = False, **kw: Any
) -> EntrypointOutput:
    outcome = ExpectedOutcome.EXPECT_EXCEPTION if failure else ExpectedOutcome.EXPECT_SUCCESS
    return read(SourceOzonetel(), cfg, catalog(*streams, **kw), state, expected_outcome=outcome)


def call_logs_request(from_date: str, to_date: str, **extra: str) -> HttpRequest:
    params = {"api_key": KEY, "user_name": USER, "from_date": from_date, "to_date": to_date, "format": "json"}
    return HttpRequest(CALL_LOGS_URL, query_params={**params, **extra})


def ucid_request(ucid: str, report_type: str = "historical") -> HttpRequest:
    return HttpRequest(
        UCID_URL, query_params={"userName": USER, "apiKey": KEY, "ucid": ucid, "reportType": report_type}
    )


def reports_request(day: str, **extra: Any) -> HttpRequest:
    body = {"userName": USER, "fromDate": f"{day} 00:00:00", "toDate": f"{day} 23:59:59", **extra}
    return HttpRequest(REPORTS_URL, body=json.dumps(body))


def answer(body: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(body), status_code=status)


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


def all_output(output: EntrypointOutput) -> str:
    """Everything the connector printed, as one text."""
    return "\n".join(
        json.dumps(AirbyteMessageSerializer.dump(message), default=str)
        for message in output.get_message_iterator()
    )
