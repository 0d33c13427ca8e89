"""`calls`: every row of `call_detail_report` in the shape shared by the four connectors (`cdr_shared.calls`).

It sends no request: with both streams selected, the report's windows are replayed from this sync's read;
with `calls` alone, the report is read for it (not emitted). Its cursor is `started_at` (the report's
`enqueue_at`) with the report's windows, lookback and horizon.

The Call Detail Report (vendor page: github.com/ringcentral/engage-voice-api-docs,
docs/analytics/reports/DEPRECATED-call-detail-report.md) holds the cloud-routed calls of the account's cloud
profiles: calls that came in on a profile's number (`dnis`) from a caller (`ani`) and were routed to cloud
destinations. What it says, and what it does not:

- times have minute precision (`4/20/20 6:12 AM`): `started_at` is the enqueue minute; `answered_at` and
  `ended_at` add the report's `queue_time` and `inbound_duration` to it, so the three stay consistent (in the
  page's example `inbound_duration` 24 = `queue_time` 5 + `connected_duration` 19);
- no agent, no disposition code and no "who hung up": `agent_*`, `disposition` and `hangup_by` are null; the
  destinations a call was routed to are numbers or sites, not agents;
- no ring time (`ring_seconds` null); the attempt dispositions (`ANSWER(5)`) do not say what their number is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pendulum

from cdr_shared.calls import CallRecord, MappedCallsStream, phone_number, text_or_none, whole_seconds
from cdr_shared.dates import parse_utc_instant
from source_casper.config import CasperConfig
from source_casper.report import CallDetailReport, report_cursor

PROVIDER = "ringcx"

# Every row of the report is a cloud-routed call: one that came in on a cloud profile's number.
DIRECTION = "inbound"

# `call_result` -> outcome. The vendor page's example shows CONNECTED; RingCX writes ABANDONED (with
# `call_state` ABANDON) for a caller who hung up in the queue. The other names are those of RingCX's routing
# dispositions (`ANSWER(5)`, `NOANSWER(20)`...). Anything else is `other`, logged once per value.
OUTCOMES = {
    "CONNECTED": "answered",
    "ANSWER": "answered",
    "ABANDONED": "abandoned",
    "ABANDON": "abandoned",
    "NOANSWER": "missed",
    "NO_ANSWER": "missed",
    "NO ANSWER": "missed",
    "BUSY": "busy",
    "FAILED": "failed",
    "VOICEMAIL": "voicemail",
}


class RingCxCalls(MappedCallsStream):
    """`calls` from `call_detail_report`: account = the RingCX (sub-)account the report was run for,
    call_id = `uii`."""

    provider = PROVIDER

    def __init__(self, config: CasperConfig, parent: CallDetailReport, **kwargs: Any) -> None:
        cursor = report_cursor(self.name, "started_at", config)
        super().__init__(cursor, parent=parent, **kwargs)

    def to_call(self, record: Mapping[str, Any], stream_slice: Mapping[str, Any]) -> CallRecord | None:
        account, uii = text_or_none(record.get("account_id")), text_or_none(record.get("uii"))
        started = instant(record.get("enqueue_at"))
        if account is None or uii is None or started is None:
            self.skip("report row(s) without a uii or an enqueue time")
            return None
        outcome = self.outcome(record.get("call_result"))
        queue_seconds = whole_seconds(record.get("queue_time"))
        duration = whole_seconds(record.get("inbound_duration"))
        answered_at = None
        if outcome == "answered":
            answered_at = (
                started + dt.timedelta(seconds=queue_seconds)
                if queue_seconds is not None
                else instant(record.get("dequeue_at"))
            )
        return self.call(
            account,
            uii,
            started,
            source_key=f"{account}|{uii}",
            direction=DIRECTION,
            answered_at=answered_at,
            ended_at=started + dt.timedelta(seconds=duration) if duration is not None else None,
            queue_seconds=queue_seconds,
            talk_seconds=whole_seconds(record.get("connected_duration")),
            duration_seconds=duration,
            caller_number=phone_number(record.get("ani")),
            called_number=phone_number(record.get("dnis")),
            queue=text_or_none(record.get("profile_name")),
            outcome=outcome,
            recording_url=text_or_none(record.get("recording_url")),
        )

    def outcome(self, call_result: Any) -> str | None:
        """`call_result` through `OUTCOMES`; None when the row has none, `other` for a value not in the table."""
        text = text_or_none(call_result)
        if text is None:
            return None
        outcome = OUTCOMES.get(text.upper())
        if outcome is None:
            self.report_unknown("call_result", text, "its calls have outcome 'other'")
            return "other"
        return outcome


def instant(value: Any) -> pendulum.DateTime | None:
    """A derived UTC instant of the report record (`enqueue_at`), or None."""
    text = text_or_none(value)
    if text is None:
        return None
    try:
        return parse_utc_instant(text)
    except ValueError:
        return None
