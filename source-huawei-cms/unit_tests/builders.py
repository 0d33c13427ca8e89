"""CC-CMS requests, answers and configs shaped as the CC-CMS pages document them, for the unit tests."""

from __future__ import annotations

from typing import Any

import pendulum
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput
from airbyte_cdk.test.mock_http import HttpMocker, HttpRequest, HttpResponse

from cdr_shared.testing.config_builder import ConfigBuilder
from cdr_shared.testing.http_mock import answer
from cdr_shared.testing.output import StreamReader, record_values
from cdr_shared.testing.state_builder import StreamCursor
from source_huawei_cms import SourceHuaweiCms

BASE = "https://10.20.30.40:28443"
ACCESS_KEY = "ak-unit-4d2c"
SECRET_KEY = "sk-canary-unit-91f0"
NOW = "2024-05-10T12:00:00Z"
CC_ID = 7
VDN = 21
QUERY_CALLS = f"{BASE}/rest/cmsapp/v2/openapi/vdn/querycalls"
CALL_DETAIL = f"{BASE}/rest/cmsapp/v1/openapi/calldata/querycalldetailbyid"
MISSED_CALLS = f"{BASE}/rest/cmsapp/v1/callin/queryMissedCalls"
CALL_TRACE = f"{BASE}/rest/cmsapp/v1/openapi/vdn/querycalltracedetail"
JSON_UTF8 = {"Content-Type": "application/json;charset=UTF-8"}
CURSOR = StreamCursor("call_list", "begin_at")
# start 08:00Z, frozen at 12:00Z, settled horizon 11:50Z, 120-minute windows.
W1 = ("2024-05-10T08:00:00Z", "2024-05-10T10:00:00Z")
W2 = ("2024-05-10T10:00:00Z", "2024-05-10T11:50:00Z")


class HuaweiCmsConfig(ConfigBuilder):
    """A valid CC-CMS config: one VDN, two-hour windows from 08:00 UTC on the frozen day."""

    CREDENTIAL_FIELDS = ("access_key", "secret_key")
    CREDENTIALS_AUTH_TYPE = "ak_sk"

    DEFAULTS = {
        "base_url": BASE,
        "access_key": ACCESS_KEY,
        "secret_key": SECRET_KEY,
        "cc_id": CC_ID,
        "vdn": VDN,
        "start_date": "2024-05-10T08:00:00Z",
        "window_minutes": 120,
        "lookback_window_minutes": 30,
    }


config = HuaweiCmsConfig()
"""The valid config: `config(end_date=...)` is it with top-level fields replaced."""


run = StreamReader(SourceHuaweiCms, "call_list")
"""A `read`: `run(config, "call_details", state=..., expect_failure=...)` (`call_list` unless named)."""
catalog = run.catalog


state_at, states = CURSOR.state_at, CURSOR.values
"""Both streams keep `begin_at`: `state_at(value, "call_details")` for the details."""


def ids(output: EntrypointOutput) -> list[Any]:
    return record_values(output, "callId")


def mock_empty(http: HttpMocker, *windows_and_directions: tuple[tuple[str, str], bool]) -> None:
    """Empty `querycalls` answers for these (window, inbound) pairs."""
    for window, inbound in windows_and_directions:
        http.post(calls_request(*window, inbound=inbound), empty_page())


def mock_rest_empty(http: HttpMocker) -> None:
    """Empty answers for every querycalls request of a first sync but the first (W1 inbound)."""
    mock_empty(http, (W1, False), (W2, True), (W2, False))


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
    return answer(body)


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
    return answer(body)


def result_code(code: str, description: Any) -> HttpResponse:
    return answer({"resultCode": code, "resultDesc": description})


def error(status: int, body: Any) -> HttpResponse:
    """An answer with `status`: a text body as it is, anything else as JSON."""
    return answer(body, status)


def missed_calls_request(start: str, end: str, offset: int = 0, limit: int = 5000) -> HttpRequest:
    """`queryMissedCalls` for the window `[start, end)`: UTC `yyyy-MM-dd HH:mm:ss`, up to the end's second."""
    body = {
        "vdn": VDN,
        "offset": offset,
        "limit": limit,
        "beginTime": pendulum.parse(start).strftime("%Y-%m-%d %H:%M:%S"),
        "endTime": pendulum.parse(end).strftime("%Y-%m-%d %H:%M:%S"),
    }
    return HttpRequest(MISSED_CALLS, headers=JSON_UTF8, body=body)


def missed_call(call_id: str, begin: str = "2024-05-10T08:30:00Z", **fields: Any) -> dict[str, Any]:
    """A `missedCalls` entry (Table 4 of cec_07_2582): a call that waited 40 seconds, in epoch milliseconds."""
    record = {
        "callId": call_id,
        "callerNo": "13800000000",
        "calleeNo": "95511",
        "waitBegin": ms(begin),
        "callEnd": ms(begin) + 40_000,
        "mediaType": 5,
    }
    record.update(fields)
    return record


def missed_calls_page(calls: list[dict[str, Any]], total: int | None = None) -> HttpResponse:
    return answer({"returnCode": "0", "total": len(calls) if total is None else total, "missedCalls": calls})


def trace_request(call_id: str, log_date: int) -> HttpRequest:
    body = {"ccId": CC_ID, "vdn": VDN, "callId": call_id, "logDate": log_date}
    return HttpRequest(CALL_TRACE, headers=JSON_UTF8, body=body)


def leg(call_id: str, number: int, **fields: Any) -> dict[str, Any]:
    """A call leg as the page's example sends it: every number as text, `EnterReason`/`LeaveReason` capitalised."""
    record = {
        "callId": call_id,
        "mediaType": "5",
        "callIdNum": str(number),
        "callerNo": "13800000000",
        "calleeNo": "95511",
        "waitBegin": "1715329800000",
        "ackBegin": "1715329803000",
        "callBegin": "1715329805000",
        "callEnd": "1715329920000",
        "deviceType": "2",
        "deviceNo": "101",
        "callType": "0",
        "EnterReason": "28",
        "LeaveReason": "16",
        "CurrentSkillID": "2",
    }
    record.update(fields)
    return record


def trace_answer(legs: list[dict[str, Any]]) -> HttpResponse:
    return answer({"resultCode": "0100000", "resultDesc": legs})
