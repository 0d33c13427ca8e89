"""Acefone's `call_records` mapped into the shared `calls` shape (`cdr_shared.calls`).

What each `calls` field is taken from, as the call-records page documents the fields
(https://docs.acefone.in/reference/call-detail-records-2; the older UK page
https://api-docs.acefone.co.uk/reference/get_v1-call-report for records with `call_stats`). The README's
`calls` section has the same table for users.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from cdr_shared.calls import CallRecord, MappedCallsStream, phone_number, text_or_none, whole_seconds
from cdr_shared.dates import parse_utc_instant
from cdr_shared.windowed_state import WindowedCursor
from source_acefone.config import AcefoneConfig
from source_acefone.typed_fields import epoch_seconds

PROVIDER = "acefone"

# `direction`: "inbound or outbound" (the page's `direction` filter).
DIRECTIONS = {"inbound": "inbound", "outbound": "outbound"}

# `status`: "answered, missed, ..." (the page's example values); `call_type` filters c = answered, m = missed.
STATUS_OUTCOMES = {"answered": "answered", "missed": "missed"}

# A call that was not answered, told apart by its `hangup_cause`: the FreeSWITCH cause texts the page's
# sample shows ("Normal clearing"). Only these refine `missed`; an unanswered call with another cause stays
# `missed`.
UNANSWERED_CAUSE_OUTCOMES = {"user busy": "busy", "call rejected": "failed"}
# An inbound caller who hung up before anyone answered abandoned the call.
INBOUND_ABANDON_CAUSES = {"originator cancel"}

# `reason`, the "hangup reason": who ended the call. The customer's side (whoever dialled) is `caller`.
# Other reasons (why an unanswered call failed, for instance) say nothing of who hung up: null.
HANGUP_REASONS = {
    "disconnected_by_caller": "caller",
    "disconnected_by_customer": "caller",
    "caller_disconnected": "caller",
    "disconnected_by_agent": "agent",
}


class AcefoneCalls(MappedCallsStream):
    """`calls`: every `call_records` record in the shared shape; no request of its own."""

    provider = PROVIDER

    def __init__(self, config: AcefoneConfig, parent: Any, cursor: WindowedCursor, **kwargs: Any) -> None:
        self.config = config
        self.host_account = urlsplit(config.base_url).hostname or config.base_url
        super().__init__(cursor, parent=parent, **kwargs)

    @property
    def url_base(self) -> str:
        return f"{self.config.base_url}/"

    def path(self, **kwargs: Any) -> str:
        return self.config.records_endpoint  # never requested: records come from `parent.records_of`

    def to_call(self, record: Mapping[str, Any], stream_slice: Mapping[str, Any]) -> CallRecord | None:
        started = record.get("started_at")
        key = text_or_none(record.get("id"))
        if not started or key is None:
            self.skip("call record(s) without an id or a readable call start")
            return None
        stats = record.get("call_stats") if isinstance(record.get("call_stats"), Mapping) else {}
        direction = self.known("direction", record.get("direction"), DIRECTIONS)
        started_at = parse_utc_instant(started)
        ended_at = parse_utc_instant(record["ended_at"]) if record.get("ended_at") else None
        talk = whole_seconds(record.get("answered_seconds", stats.get("answer_time")))
        caller, called = numbers(record, direction)
        outcome = self.outcome(record, direction)
        return self.call(
            text_or_none(record.get("account_id"))
            or text_or_none(record.get("accountid"))
            or self.host_account,
            key,
            started_at,
            direction=direction,
            answered_at=answered_at(record, ended_at, talk) if outcome == "answered" else None,
            ended_at=ended_at,
            ring_seconds=whole_seconds(record.get("agent_ring_time", stats.get("ring_time"))),
            talk_seconds=talk,
            duration_seconds=whole_seconds(record.get("call_duration")),
            caller_number=caller,
            called_number=called,
            agent_id=agent_id(record),
            agent_name=text_or_none(record.get("agent_name")),
            queue=text_or_none(record.get("department_name")),
            outcome=outcome,
            hangup_by=self.known("reason", record.get("reason"), HANGUP_REASONS),
            disposition=disposition(record),
            recording_url=text_or_none(record.get("recording_url")),
        )

    def outcome(self, record: Mapping[str, Any], direction: str | None) -> str | None:
        status = record.get("status", record.get("call_status"))
        if status is None:
            return None
        outcome = self.known("status", status, STATUS_OUTCOMES, unknown="other")
        if outcome != "missed":
            return outcome
        if record.get("voicemail_recording") is True:
            return "voicemail"
        cause = str(record.get("hangup_cause") or "").strip().lower()
        if direction == "inbound" and cause in INBOUND_ABANDON_CAUSES:
            return "abandoned"
        return UNANSWERED_CAUSE_OUTCOMES.get(cause, "missed")

    def known(
        self, field: str, value: Any, table: Mapping[str, str], unknown: str | None = None
    ) -> str | None:
        """`value` through a mapping table; an unknown value maps to `unknown` (`report_unknown`)."""
        text = text_or_none(value)
        if text is None:
            return None
        if text in table:
            return table[text]
        self.report_unknown(field, text, f"mapped to {unknown or 'null'}")
        return unknown


def numbers(record: Mapping[str, Any], direction: str | None) -> tuple[str | None, str | None]:
    """(caller, called): the client and the DID "from which the agent makes or receives the call"."""
    client, did = record.get("client_number"), record.get("did_number")
    if direction == "inbound":
        return phone_number(client), phone_number(did)
    if direction == "outbound":
        return phone_number(did), phone_number(client)
    # The older `call_report` shape: its filters name the parties `src_num` and `dest_num`.
    return phone_number(record.get("src_num")), phone_number(record.get("dest_num"))


def answered_at(record: Mapping[str, Any], ended_at: datetime | None, talk: int | None) -> datetime | None:
    """When an answered call was answered: the `anstime` of its call flow (epoch seconds), else its end
    minus its answered seconds."""
    flow = record.get("call_flow")
    for element in flow if isinstance(flow, list) else ():
        if isinstance(element, Mapping) and epoch_seconds(element.get("anstime")) is not None:
            return datetime.fromtimestamp(epoch_seconds(element["anstime"]) or 0, timezone.utc)
    if ended_at is not None and talk:
        return ended_at - timedelta(seconds=talk)
    return None


def agent_id(record: Mapping[str, Any]) -> str | None:
    """The id of the record's agent: the last `Agent` element of the call flow that names them with an id
    (the record itself carries only the agent's name and number)."""
    name = text_or_none(record.get("agent_name"))
    flow = record.get("call_flow")
    if name is None or not isinstance(flow, list):
        return None
    for element in reversed(flow):
        if (
            isinstance(element, Mapping)
            and element.get("type") == "Agent"
            and text_or_none(element.get("name")) == name
            and text_or_none(element.get("id"))
        ):
            return text_or_none(element.get("id"))
    return None


def disposition(record: Mapping[str, Any]) -> str | None:
    """The disposition the agent set (`agent_hangup_data`, "all details of the call after being disposed")."""
    data = record.get("agent_hangup_data")
    if isinstance(data, Mapping):
        return text_or_none(data.get("disposition"))
    return None
