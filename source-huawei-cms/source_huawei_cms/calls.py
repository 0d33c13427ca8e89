"""The unified `calls` stream for CC-CMS: each `call_details` record in the shape shared by the four connectors.

Mapped from the CDR of "Querying CDRs of a Specified Call ID"
(https://support.huaweicloud.com/intl/en-us/api-cec/cec_07_2579.html, Table 4), the only CC-CMS record
whose durations are documented (`queueWaitTime`, `ackTime`, `callTime`), plus the call list's instants
that `call_details` carries (`begin_at`, `end_at`). `calls` is a detail stream of `call_details`, which is
one of `call_list`: with all three selected each page and each detail is fetched once per sync (parents
are read first and replayed); with `calls` alone, the call list and the details are read for it.

Value tables (explicit; a code outside them is logged once per sync):
- direction from `callType` (the page's call type table); an undocumented type takes the direction of the
  `isCallIn` query that listed the call.
- outcome and hangup_by from `releaseCause` (the cause codes the page links: 0 normal, 8 no answer,
  9 rejected, 47 busy, 49 caller released before answer); other codes: outcome `other`, hangup_by null.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from cdr_shared.calls import CALLS_CURSOR_FIELD, CallRecord, MappedCallsStream, phone_number, text_or_none
from cdr_shared.dates import parse_utc_instant
from source_huawei_cms.config import CmsConfig
from source_huawei_cms.field_types import RAW_VALUES
from source_huawei_cms.streams import CURSOR_FIELD, CallDetails, CmsStream

CALLS_PROVIDER = "huawei-cms"
INBOUND, OUTBOUND, INTERNAL = "inbound", "outbound", "internal"

# callType -> calls.direction (call type table linked from the CDR page).
DIRECTION_BY_CALL_TYPE: dict[int, str] = {
    0: INBOUND,  # common incoming call
    6: INTERNAL,  # internal call
    7: OUTBOUND,  # common outgoing call
    40: OUTBOUND,  # reserved outgoing call
    41: OUTBOUND,  # presold outgoing call
    43: OUTBOUND,  # predicted outgoing call
    44: OUTBOUND,  # previewed outgoing call
    45: OUTBOUND,  # reserved callback
    51: INTERNAL,  # internal two-party consultation
    52: INTERNAL,  # internal three-party consultation
    53: INTERNAL,  # multi-party call
}

# releaseCause -> (calls.outcome, calls.hangup_by) (cause codes linked from the CDR page).
OUTCOME_BY_RELEASE_CAUSE: dict[int, tuple[str, str | None]] = {
    0: ("answered", None),  # normal release: who hung up is not said
    8: ("missed", None),  # no answer
    9: ("failed", None),  # rejected
    47: ("busy", None),  # busy
    49: ("abandoned", "caller"),  # caller released before answer
}
UNKNOWN_OUTCOME = ("other", None)


class Calls(CmsStream, MappedCallsStream):
    """`calls`: one record per `call_details` record, primary key `[provider, account, call_id]`.

    `account` is `"<cc_id>/<vdn>"` (the call center and the VDN, CC-CMS's tenant). A CC-CMS call ID is
    unique per direction only (an outbound callback may reuse an inbound call's ID), so `call_id` is
    `"<callId>|<direction>"`, the same text as `source_key` (`call_details`' primary key).
    """

    name = "calls"
    primary_key = MappedCallsStream.primary_key
    provider = CALLS_PROVIDER
    state_cursor = CALLS_CURSOR_FIELD

    def __init__(self, config: CmsConfig, parent: CallDetails, **kwargs: Any) -> None:
        super().__init__(config, parent=parent, **kwargs)
        self.account = f"{config.cc_id}/{config.vdn}"

    def to_call(self, record: Mapping[str, Any], stream_slice: Mapping[str, Any]) -> CallRecord | None:
        started = _instant(record.get(CURSOR_FIELD))
        if started is None:
            self.skip("call details without a begin time in the call list")
            return None
        ended = _instant(record.get("end_at")) or _instant(record.get("end_time_utc"))
        key = f"{record['callId']}|{record['direction']}"
        outcome, hangup_by = self._outcome(record.get("releaseCause"))
        return self.call(
            self.account,
            key,
            started,
            direction=self._direction(record.get("callType"), record["direction"]),
            ended_at=ended,
            ring_seconds=_seconds(record.get("ackTime")),
            queue_seconds=_seconds(record.get("queueWaitTime")),
            talk_seconds=_seconds(record.get("callTime")),
            duration_seconds=_between(started, ended),
            caller_number=phone_number(record.get("callerNo")),
            called_number=phone_number(record.get("calleeNo")),
            agent_id=_positive_id(record, "agentId"),
            queue=_positive_id(record, "skillId"),
            outcome=outcome,
            hangup_by=hangup_by,
            disposition=text_or_none(record.get("busiResult")),
        )

    def _direction(self, call_type: Any, listed_as: str) -> str:
        if isinstance(call_type, int) and call_type in DIRECTION_BY_CALL_TYPE:
            return DIRECTION_BY_CALL_TYPE[call_type]
        self.report_unknown(
            "callType", call_type, f"direction taken from the query that listed it ({listed_as})"
        )
        return listed_as

    def _outcome(self, release_cause: Any) -> tuple[str, str | None]:
        if isinstance(release_cause, int) and release_cause in OUTCOME_BY_RELEASE_CAUSE:
            return OUTCOME_BY_RELEASE_CAUSE[release_cause]
        self.report_unknown("releaseCause", release_cause, "outcome 'other', hangup_by null")
        return UNKNOWN_OUTCOME


def _instant(text: Any) -> dt.datetime | None:
    return parse_utc_instant(text) if isinstance(text, str) and text else None


def _seconds(value: Any) -> int | None:
    return value if isinstance(value, int) and value >= 0 else None


def _between(started: dt.datetime, ended: dt.datetime | None) -> int | None:
    if ended is None or ended < started:
        return None
    return int(round((ended - started).total_seconds()))


def _positive_id(record: Mapping[str, Any], field: str) -> str | None:
    """An agent or skill ID as text (one that is no number as sent); 0 and below are null: taken to mean
    "no agent/skill" for a call none took (an inference: the pages number agents and skills from 1)."""
    value = record.get(field)
    if isinstance(value, int):
        return str(value) if value > 0 else None
    raw = record.get(RAW_VALUES)
    return text_or_none(raw.get(field)) if isinstance(raw, Mapping) else None
