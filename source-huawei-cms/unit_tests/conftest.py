"""Builders for CC-CMS unit tests: configs, requests and answers shaped as the CC-CMS pages document them."""

from __future__ import annotations

import json
from typing import Any

import pendulum
import pytest
from airbyte_cdk.models import ConfiguredAirbyteCatalog, SyncMode
from airbyte_cdk.sources.streams.http import rate_limiting
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.mock_http import HttpRequest, HttpResponse

from source_huawei_cms import streams

BASE = "https://10.20.30.40:28443"
ACCESS_KEY = "ak-unit-4d2c"
SECRET_KEY = "sk-canary-unit-91f0"
NOW = "2024-05-10T12:00:00Z"
CC_ID = 7
VDN = 21
QUERY_CALLS = f"{BASE}/rest/cmsapp/v2/openapi/vdn/querycalls"
CALL_DETAIL = f"{BASE}/rest/cmsapp/v1/openapi/calldata/querycalldetailbyid"
JSON_UTF8 = {"Content-Type": "application/json;charset=UTF-8"}


@pytest.fixture(autouse=True)
def sleeps(monkeypatch) -> list[float]:
    """No real waiting in unit tests: every backoff sleep of the CDK is recorded instead."""
    recorded: list[float] = []
    monkeypatch.setattr(rate_limiting.time, "sleep", recorded.append)
    monkeypatch.setattr(streams, "BACKOFF_BASE_SECONDS", 0.01)
    return recorded


def config(**overrides: Any) -> dict[str, Any]:
    base = {
        "base_url": BASE,
        "access_key": ACCESS_KEY,
        "secret_key": SECRET_KEY,
        "cc_id": CC_ID,
        "vdn": VDN,
        "start_date": "2024-05-10T08:00:00Z",
        "window_minutes": 120,
        "lookback_window_minutes": 30,
    }
    base.update(overrides)
    # The current shape (0.3): the key pair under `credentials`; overrides may name either key.
    keys = {name: base.pop(name) for name in ("access_key", "secret_key") if name in base}
    return {**base, "credentials": {"auth_type": "ak_sk", **keys}}


def catalog(*names: str, sync_mode: SyncMode = SyncMode.incremental) -> ConfiguredAirbyteCatalog:
    builder = CatalogBuilder()
    for name in names or ("calls",):
        builder = builder.with_stream(name, sync_mode)
    return builder.build()


def ms(instant: str) -> int:
    return int(pendulum.parse(instant).timestamp() * 1000)


def calls_request(
    start: str, end: str, inbound: bool = True, offset: int = 0, limit: int = 100
) -> HttpRequest:
    """`querycalls` for the window `[start, end)`: `endDate` is the window's last millisecond."""
    body = {
        "ccId": CC_ID,
        "vdn": VDN,
        "isCallIn": "true" if inbound else "false",
        "beginDate": ms(start),
        "endDate": ms(end) - 1,
        "limit": limit,
        "offset": offset,
    }
    return HttpRequest(QUERY_CALLS, headers=JSON_UTF8, body=body)


def detail_request(call_id: str, inbound: bool = True) -> HttpRequest:
    body = {"queryParam": {"ccId": CC_ID, "isCallin": "true" if inbound else "false", "callId": call_id}}
    return HttpRequest(CALL_DETAIL, headers=JSON_UTF8, body=body)


def call(call_id: str, begin: str = "2024-05-10T08:30:00Z", **fields: Any) -> dict[str, Any]:
    """A `querycalls` entry: an answered call of 2 minutes."""
    wait = ms(begin)
    record = {
        "logDate": wait + 125_000,
        "callId": call_id,
        "callerNo": "13800000000",
        "calleeNo": "95511",
        "callType": 0,
        "waitBegin": wait,
        "ackBegin": wait + 3_000,
        "callBegin": wait + 5_000,
        "callEnd": wait + 120_000,
        "agentId": 101,
        "skillId": 2,
        "releaseCause": 0,
    }
    record.update(fields)
    return record


def calls_page(calls: list[dict[str, Any]], count: int | None = None, layout: str = "nested") -> HttpResponse:
    total = len(calls) if count is None else count
    if layout == "flat":
        body: dict[str, Any] = {"resultCode": "0100000", "data": calls, "count": total}
    else:
        body = {"resultCode": "0100000", "resultDesc": {"data": calls, "count": total}}
    return HttpResponse(json.dumps(body))


def empty_page() -> HttpResponse:
    return calls_page([])


def detail(call_id: str, **fields: Any) -> dict[str, Any]:
    """A detail record as the page's response example shows it, with its `"agentId "` key (cec_07_2579)."""
    record = {
        "vdn": VDN,
        "callId": call_id,
        "callerNo": "10000",
        "calleeNo": "10001",
        "callType": 0,
        "agentId ": 100,
        "skillId": 1,
        "anonyCall": 0,
        "queueWaitTime": 10,
        "ivrCallTime": 0,
        "ackTime": 5,
        "callTime": 30,
        "releaseCause": 0,
    }
    record.update(fields)
    return record


def detail_answer(record: dict[str, Any] | None, layout: str = "both") -> HttpResponse:
    body: dict[str, Any] = {"result": "0", "resultCode": "0100000"}
    if layout in ("both", "datas"):
        body["resultDatas"] = record or {}
    if layout in ("both", "desc"):
        body["resultDesc"] = record or {}
    return HttpResponse(json.dumps(body))


def result_code(code: str, description: str) -> HttpResponse:
    return HttpResponse(json.dumps({"resultCode": code, "resultDesc": description}))


def error(status: int, body: Any) -> HttpResponse:
    return HttpResponse(body if isinstance(body, str) else json.dumps(body), status_code=status)
