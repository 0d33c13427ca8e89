"""One JSON type per CC-CMS field: the numbers of both interfaces as integers, the texts as strings.

The vendor pages type the codes, ids, durations and epoch-millisecond instants as Integer/Long
("Querying CDRs of a Specified Call ID", https://support.huaweicloud.com/intl/en-us/api-cec/cec_07_2579.html,
Table 4), but servers also send them as digit strings (the response example of "Querying the Call track
Data in a Specific VDN", https://support.huaweicloud.com/intl/en-us/api-cec/cec_07_2545.html, quotes
`"waitBegin": "1615717765000"`). A digit string becomes its integer; an empty one null. A value that is
no whole number (`"A101"`, `1.5`) is emitted as null, and its text kept in `raw_values` under the field's
name, so nothing the server sent is lost. Numbers sent for a documented String field become their text.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from typing import Any

RAW_VALUES = "raw_values"

# `querycalls` ("Querying Call Information in a Specified VDN (V2)", cec_07_0607): epoch milliseconds and codes.
CALL_LIST_INTEGERS = (
    "logDate",
    "callType",
    "waitBegin",
    "ackBegin",
    "callBegin",
    "callEnd",
    "agentId",
    "skillId",
    "releaseCause",
)
# `querycalldetailbyid`, Table 4: every field typed Integer there.
CALL_DETAIL_INTEGERS = (
    "vdn",
    "callType",
    "agentId",
    "skillId",
    "anonyCall",
    "queueWaitTime",
    "ivrCallTime",
    "ackTime",
    "callTime",
    "releaseCause",
)
CALL_LIST_TEXTS = ("callId", "callerNo", "calleeNo")
# `queryMissedCalls` ("Querying Information About Missed Calls in a Specified VDN", cec_07_2582, Table 4).
# `waitBegin` and `callEnd` are typed "Datetime" there without a format: kept as the text sent (epoch
# milliseconds or a date-time), read into `begin_at`/`end_at` by `missed_calls.py`.
MISSED_CALL_INTEGERS = ("mediaType", "subMediaType")
MISSED_CALL_TEXTS = ("callId", "callerNo", "calleeNo", "waitBegin", "callEnd")
# `querycalltracedetail` ("Querying the Call track Data in a Specific VDN", cec_07_2545, Table 4, whose
# example capitalises `EnterReason`, `LeaveReason` and `CurrentSkillID`: both spellings are typed).
CALL_TRACE_INTEGERS = tuple(
    "mediaType subMediaType callIdNum waitBegin ackBegin callBegin callEnd subCcNo deviceType callType "
    "releaseCause enterReason EnterReason leaveReason LeaveReason currentSkillId CurrentSkillID".split()
)
CALL_TRACE_TEXTS = ("callId", "callerNo", "calleeNo", "deviceNo", "deviceIn")
CALL_DETAIL_TEXTS = (
    "callId",
    "callerNo",
    "calleeNo",
    "beginTime",
    "endTime",
    "result",
    "resultCode",
    "busiResult",
    "busiSubStatus",
)


def whole_number(value: Any) -> tuple[int | None, bool]:
    """`value` as an integer, and whether that reading lost nothing (False: keep the original text)."""
    if value is None:
        return None, True
    if isinstance(value, bool):
        return None, False
    if isinstance(value, int):
        return value, True
    if isinstance(value, float):
        return (int(value), True) if value.is_integer() else (None, False)
    text = str(value).strip()
    if not text:
        return None, True
    digits = text[1:] if text[0] in "+-" else text
    if digits.isdigit():
        return int(text), True
    return None, False


def typed(
    record: MutableMapping[str, Any], integers: Iterable[str], texts: Iterable[str]
) -> MutableMapping[str, Any]:
    """`record` with each named field in its one schema type (in place; see the module docstring)."""
    raw: dict[str, str] = {}
    for name in integers:
        if name not in record:
            continue
        number, exact = whole_number(record[name])
        if not exact:
            raw[name] = str(record[name])
        record[name] = number
    for name in texts:
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            record[name] = str(value).lower() if isinstance(value, bool) else str(value)
    if raw:
        record[RAW_VALUES] = raw
    return record
