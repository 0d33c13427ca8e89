"""`call_traces`: the legs of each call of `call_list` (its parent), from `querycalltracedetail`.

"Querying the Call track Data in a Specific VDN"
(https://support.huaweicloud.com/intl/en-us/api-cec/cec_07_2545.html; Chinese:
https://support.huaweicloud.com/api-ccfs-cec/cec_07_0608.html): `POST
{base}/rest/cmsapp/v1/openapi/vdn/querycalltracedetail` with `ccId`, `vdn`, `callId` and `logDate` (epoch
milliseconds, "used to parse the month and query the specified table"); the answer is `resultCode`
`0100000` and `resultDesc`, a list of the call's CDRs, one per device the call passed (`callIdNum` numbers
them from 1, the last one is -1; `deviceType`/`deviceNo`, `waitBegin`...`callEnd` in epoch milliseconds,
why the call entered and left the device, `releaseCause` on the last one). The page's example sends every
number as text and spells `EnterReason`, `LeaveReason`, `CurrentSkillID`: both spellings are read.

One request per call, sharing the source's request budget and the detail concurrency of `call_details`.
`logDate` is the call list's `logDate` (else the call's begin): the call list is what names the call.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import requests

from cdr_shared.dates import parse_utc_instant
from cdr_shared.http_errors import json_body
from cdr_shared.windowed_stream import WindowedDetailStream
from source_huawei_cms.answers import CALL_TRACE_PATH, trace_legs
from source_huawei_cms.config import CmsConfig
from source_huawei_cms.field_types import CALL_TRACE_INTEGERS, CALL_TRACE_TEXTS, typed
from source_huawei_cms.labels import as_code, call_type_label, device_reason_label, release_cause_label
from source_huawei_cms.streams import (
    CURSOR_FIELD,
    CallList,
    CmsStream,
    epoch_millis,
    iso_or_none,
    trimmed_keys,
)

# Derived field -> the spellings of the page's table and of its example.
SPELLINGS = {
    "enter_reason": ("enterReason", "EnterReason"),
    "leave_reason": ("leaveReason", "LeaveReason"),
    "current_skill_id": ("currentSkillId", "CurrentSkillID"),
}
LEG_INSTANTS = {
    "wait_begin_at": "waitBegin",
    "ack_begin_at": "ackBegin",
    "call_begin_at": "callBegin",
    "call_end_at": "callEnd",
}


class CallTraces(CmsStream, WindowedDetailStream):
    """One record per leg of each call `call_list` names; primary key `callId` + `direction` + `leg_number`.

    `leg_number` is the leg's `callIdNum` (1, 2, ..., -1 for the last leg); a leg without one gets its
    position in the answer. The cursor `begin_at` is the call's (from the call list), so all legs of a
    call share the window of the call.
    """

    name = "call_traces"
    primary_key = [["callId"], ["direction"], ["leg_number"]]

    def __init__(self, config: CmsConfig, parent: CallList, **kwargs: Any) -> None:
        super().__init__(config, parent=parent, concurrency=config.call_details_concurrency, **kwargs)

    def path(self, **kwargs: Any) -> str:
        return CALL_TRACE_PATH

    def trace_body(self, call: Mapping[str, Any], log_date: int) -> dict[str, Any]:
        return {
            "ccId": self.config.cc_id,
            "vdn": self.config.vdn,
            "callId": str(call.get("callId")),
            "logDate": log_date,
        }

    @staticmethod
    def log_date_of(call: Mapping[str, Any]) -> int | None:
        """The call list's `logDate`, else the call's begin, in epoch milliseconds; None without either."""
        log_date = as_code(call.get("logDate"))
        if log_date is not None and log_date > 0:
            return log_date
        begun = call.get(CURSOR_FIELD)
        return int(parse_utc_instant(begun).timestamp() * 1000) if begun else None

    def records_in(
        self, response: requests.Response, stream_slice: Mapping[str, Any]
    ) -> Iterator[Mapping[str, Any]]:
        """The legs of the answer (the error handler has made sure `resultDesc` is a list)."""
        for leg in trace_legs(json_body(response)) or []:
            if isinstance(leg, Mapping):
                yield leg
            else:
                self.skip("call legs that are not objects")

    def details_of(
        self, call: Mapping[str, Any], stream_slice: Mapping[str, Any]
    ) -> Iterator[dict[str, Any]]:
        log_date = self.log_date_of(call)
        if log_date is None:
            self.skip("calls listed without logDate or any instant (no logDate to ask with)")
            return
        response = self.post(self.trace_body(call, log_date))
        legs = list(self.records_in(response, stream_slice))
        if not legs:
            self.skip("calls without call track legs (none recorded, or aged out)")
        for position, leg in enumerate(legs, start=1):
            yield self.with_derived_fields(leg, call, position)

    def with_derived_fields(
        self, leg: Mapping[str, Any], call: Mapping[str, Any], position: int
    ) -> dict[str, Any]:
        """The leg (typed, keys trimmed) plus the call's direction and `begin_at`, its number, UTC instants and
        labelled codes."""
        record = typed(trimmed_keys(leg), CALL_TRACE_INTEGERS, CALL_TRACE_TEXTS)
        record["callId"] = record.get("callId") or str(call.get("callId"))
        record["direction"] = call["direction"]
        record[CURSOR_FIELD] = call.get(CURSOR_FIELD)
        number = record.get("callIdNum")
        record["leg_number"] = number if isinstance(number, int) else position
        for derived, source in LEG_INSTANTS.items():
            record[derived] = iso_or_none(epoch_millis(record.get(source)))
        for derived, spellings in SPELLINGS.items():
            record[derived] = next((record[name] for name in spellings if record.get(name) is not None), None)
        record["enter_reason_label"] = device_reason_label(record["enter_reason"])
        record["leave_reason_label"] = device_reason_label(record["leave_reason"])
        record["call_type_label"] = call_type_label(record.get("callType"))
        record["release_cause_label"] = release_cause_label(record.get("releaseCause"))
        return record
