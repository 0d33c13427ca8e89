"""The CC-CMS interfaces and the success answers their pages document.

- "Querying Call Information in a Specified VDN (V2)"
  (https://support.huaweicloud.com/intl/en-us/api-cec/cec_07_0607.html): `resultCode` `0100000` and
  `resultDesc: {"data": [...], "count": N}`. Some servers put `data` and `count` beside `resultCode`;
  both are read. `count` may be missing (it is then not relied on).
- "Querying CDRs of a Specified Call ID"
  (https://support.huaweicloud.com/intl/en-us/api-cec/cec_07_2579.html): `resultCode` `0100000` and the
  detail object in `resultDesc`, or in `resultDatas` (servers of 8.13 and earlier), or both.

- "Querying Information About Missed Calls in a Specified VDN"
  (https://support.huaweicloud.com/intl/en-us/api-cec/cec_07_2582.html): `returnCode` `0` (its own code
  scheme: "0: success, others: failure"), `total` and the list `missedCalls`. Both are mandatory there.
- "Querying the Call track Data in a Specific VDN"
  (https://support.huaweicloud.com/intl/en-us/api-cec/cec_07_2545.html): `resultCode` `0100000` and the
  call's legs as a list in `resultDesc` (possibly empty).

A success code without that shape (no `data` list, `resultDesc` a string, no detail object) is not "no
calls": `undocumented_success` names what is missing so the error handler retries and then fails.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import requests

from cdr_shared.dates import epoch_millis_to_utc, iso_utc
from source_huawei_cms.labels import as_code

QUERY_CALLS_PATH = "rest/cmsapp/v2/openapi/vdn/querycalls"
CALL_DETAIL_PATH = "rest/cmsapp/v1/openapi/calldata/querycalldetailbyid"
MISSED_CALLS_PATH = "rest/cmsapp/v1/callin/queryMissedCalls"
CALL_TRACE_PATH = "rest/cmsapp/v1/openapi/vdn/querycalltracedetail"
DETAIL_HOLDERS = ("resultDesc", "resultDatas")
SUCCESS = "0100000"
MISSED_CALLS_SUCCESS = "0"


def result_code(response: requests.Response, body: Mapping[str, Any]) -> tuple[str | None, bool]:
    """The answer's result code (None when it carries none) and whether it means success.

    `queryMissedCalls` answers `returnCode` ("0" is success); the other interfaces `resultCode`
    ("0100000"). A missed-calls answer in the other scheme is read as well: its code means the same.
    """
    keys = ("returnCode", "resultCode") if MISSED_CALLS_PATH in _url(response) else ("resultCode",)
    for key in keys:
        if key in body:
            code = str(body[key]).strip()
            success = code in (SUCCESS, MISSED_CALLS_SUCCESS) if key == "returnCode" else code == SUCCESS
            return code, success
    return None, False


def missed_calls_page(body: Any) -> tuple[list[Any], int | None] | None:
    """`missedCalls` and `total` of a `queryMissedCalls` answer; None if there is no such list."""
    if not isinstance(body, Mapping) or not isinstance(body.get("missedCalls"), list):
        return None
    return body["missedCalls"], as_code(body.get("total"))


def trace_legs(body: Any) -> list[Any] | None:
    """The legs of a `querycalltracedetail` answer (the `resultDesc` list); None if there is no list."""
    if not isinstance(body, Mapping) or not isinstance(body.get("resultDesc"), list):
        return None
    return body["resultDesc"]


def _url(response: requests.Response) -> str:
    return getattr(response.request, "url", "") or ""


def call_page(body: Any) -> tuple[list[Any], int | None] | None:
    """`data` and `count` of a `querycalls` answer (inside `resultDesc`, or beside `resultCode`); None if no list."""
    if not isinstance(body, Mapping):
        return None
    for holder in (body.get("resultDesc"), body):
        if isinstance(holder, Mapping) and isinstance(holder.get("data"), list):
            return holder["data"], as_code(holder.get("count"))
    return None


def detail_object(body: Any) -> Mapping[str, Any] | None:
    """The detail object of a `querycalldetailbyid` answer (possibly empty); None if there is none."""
    if not isinstance(body, Mapping):
        return None
    found = [body[name] for name in DETAIL_HOLDERS if isinstance(body.get(name), Mapping)]
    non_empty = [detail for detail in found if detail]
    return (non_empty or found or [None])[0]


def sent_body(response: requests.Response) -> Mapping[str, Any]:
    """The JSON body of the request `response` answers (empty when unreadable)."""
    try:
        sent = json.loads(response.request.body or b"{}")
    except (AttributeError, TypeError, ValueError):
        return {}
    return sent if isinstance(sent, Mapping) else {}


def request_name(response: requests.Response) -> str:
    """Which request this answers, for error messages: the interface and its window or call."""
    url = _url(response)
    sent = sent_body(response)
    if MISSED_CALLS_PATH in url:
        period = f"{sent.get('beginTime')} to {sent.get('endTime')} UTC"
        return f"queryMissedCalls ({period}, offset {sent.get('offset', 0)})"
    if CALL_TRACE_PATH in url:
        return f"querycalltracedetail (call {sent.get('callId')})"
    if QUERY_CALLS_PATH in url:
        direction = "inbound" if sent.get("isCallIn") == "true" else "outbound"
        begin, end = as_code(sent.get("beginDate")), as_code(sent.get("endDate"))
        period = (
            f"{iso_utc(epoch_millis_to_utc(begin))} to {iso_utc(epoch_millis_to_utc(end))}"
            if begin is not None and end is not None
            else "unknown period"
        )
        return f"querycalls ({direction}, {period}, offset {sent.get('offset', 0)})"
    if CALL_DETAIL_PATH in url:
        query = sent.get("queryParam") if isinstance(sent.get("queryParam"), Mapping) else {}
        return f"querycalldetailbyid (call {query.get('callId')})"
    return "the request"


def undocumented_success(response: requests.Response, body: Any) -> str | None:
    """What a success answer lacks against its page, or None when it has the documented shape."""
    url = _url(response)
    if MISSED_CALLS_PATH in url and missed_calls_page(body) is None:
        return "no 'missedCalls' list"
    if CALL_TRACE_PATH in url and trace_legs(body) is None:
        return "no 'resultDesc' list of call legs"
    if QUERY_CALLS_PATH in url and call_page(body) is None:
        return "no 'data' list (in 'resultDesc' or beside 'resultCode')"
    if CALL_DETAIL_PATH in url and detail_object(body) is None:
        return "no 'resultDesc' or 'resultDatas' object"
    return None
