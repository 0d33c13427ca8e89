"""`calls`: every Ozonetel call in the shape the four connectors share (`cdr_shared.calls`).

Which stream it maps from depends on the configuration (`calls_parent`):

- `cdr_reports` when the reports API is configured (`cdr_reports.auth_type` basic or token): the vendor's
  current CDR API, which the deprecated CDR-by-UCID page recommends instead of itself
  (https://docs.ozonetel.com/reference/get_caservices-cdr-fetchcdrbyucid-php), and the only one whose
  records carry the pickup time (`PickupTime`, https://docs.ozonetel.com/reference/get_ca-reports-fetchcdrdetails);
- `call_logs` otherwise: getCallLogs, the API every configuration has.

`call_details` is never the source: it holds one record per call of `call_logs` (the same calls), at one
request per call, and is off by default. Either way `call_id` is the call's `UCID`, the id every Ozonetel
API looks a call up by, so a `calls` table stays deduplicated when the configuration changes its source.

The two sources use the legacy call-record keys (`StartTime`, `Status`, `HangupBy`, `CallerID`...),
described with their values on the vendor's callback page (https://docs.ozonetel.com/docs/callback-url-configuration)
and shown in the CDR-by-UCID sample; the reports API's keys are those of its page. The value tables below
are explicit; a value they do not hold maps to `other` (outcome) or null and is logged once per sync.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from cdr_shared.calls import CallRecord, MappedCallsStream, phone_number, text_or_none, whole_seconds
from cdr_shared.dates import parse_utc_instant
from source_ozonetel.config import OzonetelConfig
from source_ozonetel.streams import CallLogs, CdrReports

PROVIDER = "ozonetel"

# `Type`: the kind of campaign or dial that carried the call. `manual` is the page's sample (an agent
# dialling out); the others are CloudAgent's campaign types. Keys are lower case, letters only.
DIRECTIONS = {
    "inbound": "inbound",
    "manual": "outbound",
    "outbound": "outbound",
    "progressive": "outbound",
    "predictive": "outbound",
    "preview": "outbound",
}
# `Status`: whether the call was answered.
ANSWERED_STATUSES = {"answered": True, "notanswered": False, "unanswered": False}
# An unanswered call, by the telephony answer (`DialStatus`, then the customer leg's `CustomerStatus` /
# `CustomerDialStatus`), values as the callback page lists them.
UNANSWERED_OUTCOMES = {
    "busy": "busy",
    "notanswered": "missed",
    "noanswer": "missed",
    "noresponse": "missed",
    "ring": "missed",
    "invalidnumber": "failed",
    "invalidnumberformat": "failed",
    "congestion": "failed",
    "noroutedestination": "failed",
    "isddisabled": "failed",
    "subcriberabsent": "failed",
    "subscriberabsent": "failed",
    "exception": "failed",
}
# `HangupBy`: `UserHangup` (the page's sample) is the customer, the caller of an inbound call. On an
# outbound call the customer is the called party, which the shared values cannot say: null there.
HANGUP_PARTIES = {
    "userhangup": "customer",
    "customerhangup": "customer",
    "agenthangup": "agent",
    "systemhangup": "system",
}
# What `hangup_by` a party is, by direction.
HANGUP_BY = {
    ("customer", "inbound"): "caller",
    ("agent", "inbound"): "agent",
    ("agent", "outbound"): "agent",
    ("system", "inbound"): "system",
    ("system", "outbound"): "system",
}
# Texts that mean "no value" in these records (the page's sample: `"AgentName": "None"`, `"Skill": "None"`).
ABSENT = {"", "none", "null"}
# What a call gets where a table above does not hold the provider's value.
UNMAPPED_CONSEQUENCE = {
    "Type": "direction null",
    "Status": "outcome 'other'",
    "HangupBy": "hangup_by null",
}


def calls_parent(call_logs: CallLogs, cdr_reports: CdrReports | None) -> CallLogs | CdrReports:
    """The stream `calls` maps from: the reports API when configured, else the call logs."""
    return cdr_reports if cdr_reports is not None else call_logs


def key_of(value: Any) -> str:
    """A provider value as a table key: lower case, letters only (`Not Answered`, `not_answered` -> `notanswered`)."""
    return "".join(ch for ch in str(value).lower() if ch.isalpha())


def present(value: Any) -> str | None:
    """A provider text, or None when it is empty or one of the texts Ozonetel writes for "no value"."""
    text = text_or_none(value)
    return None if text is None or text.lower() in ABSENT else text


class OzonetelCalls(MappedCallsStream):
    """`calls` from `call_logs` or `cdr_reports` (see the module docstring); account = the user name."""

    provider = PROVIDER

    def __init__(self, config: OzonetelConfig, parent: CallLogs | CdrReports, **kwargs: Any) -> None:
        self.config = config
        self.account = config.user_name
        super().__init__(parent.cursor_like(self.name), parent=parent, **kwargs)

    def to_call(self, record: Mapping[str, Any], stream_slice: Mapping[str, Any]) -> CallRecord | None:
        ucid = text_or_none(record.get("UCID"))
        started = instant(record.get("started_at"))
        if ucid is None or started is None:
            self.skip("record(s) without a UCID or a start time")
            return None
        ended = instant(record.get("ended_at"))
        direction = self.direction(record.get("Type"))
        answered = self.answered(record.get("Status"))
        ring = whole_seconds(record.get("TimeToAnswer")) if answered else None
        customer = phone_number(present(record.get("CallerID")))
        campaign_number = phone_number(present(record.get("DID", record.get("Did"))))
        return self.call(
            self.account,
            ucid,
            started,
            direction=direction,
            answered_at=self.answered_at(record, started, ring) if answered else None,
            ended_at=ended,
            ring_seconds=ring,
            queue_seconds=whole_seconds(record.get("QueueTime")),
            talk_seconds=whole_seconds(record.get("TalkTime")),
            duration_seconds=int((ended - started).total_seconds()) if ended and ended >= started else None,
            caller_number={"inbound": customer, "outbound": campaign_number}.get(direction or ""),
            called_number={"inbound": campaign_number, "outbound": customer}.get(direction or ""),
            agent_id=present(record.get("AgentID")),
            agent_name=present(record.get("AgentName")),
            queue=present(record.get("CampaignName")),
            outcome=self.outcome(record, answered, direction),
            hangup_by=self.hangup_by(record.get("HangupBy"), direction),
            disposition=present(record.get("Disposition")),
            recording_url=present(record.get("recording_url")),
        )

    # ------------------------------------------------------------------------------ value tables

    def direction(self, call_type: Any) -> str | None:
        if present(call_type) is None:
            return None
        return self.looked_up("Type", call_type, DIRECTIONS)

    def answered(self, status: Any) -> bool | None:
        if present(status) is None:
            return None
        return self.looked_up("Status", status, ANSWERED_STATUSES)

    def outcome(self, record: Mapping[str, Any], answered: bool | None, direction: str | None) -> str:
        """answered; an unanswered inbound call the caller hung up on is abandoned; otherwise what the
        telephony answer says (busy, missed, failed); `other` when the record cannot tell."""
        if answered:
            return "answered"
        if answered is None:
            return "other"
        if direction == "inbound" and key_of(record.get("HangupBy")) in ("userhangup", "customerhangup"):
            return "abandoned"
        for field in ("DialStatus", "CustomerStatus", "CustomerDialStatus"):
            value = record.get(field)
            if present(value) is not None and key_of(value) in UNANSWERED_OUTCOMES:
                return UNANSWERED_OUTCOMES[key_of(value)]
        if direction == "inbound":
            return "missed"
        found = [
            record.get(field) for field in ("DialStatus", "CustomerStatus") if present(record.get(field))
        ]
        self.report_unknown("DialStatus", found[0] if found else "", "outcome 'other'")
        return "other"

    def hangup_by(self, value: Any, direction: str | None) -> str | None:
        if present(value) is None:
            return None
        party = self.looked_up("HangupBy", value, HANGUP_PARTIES)
        return HANGUP_BY.get((party, direction or "")) if party else None

    def answered_at(
        self, record: Mapping[str, Any], started: dt.datetime, ring: int | None
    ) -> dt.datetime | None:
        """The reports API's `PickupTime` (as `picked_up_at`); else `StartTime` + `TimeToAnswer`, which the
        page's sample shows to be the wait before the answer (`CallDuration` 00:04:57 = `TimeToAnswer`
        00:00:11 + `Duration` 00:04:46)."""
        if "picked_up_at" in record:
            return instant(record.get("picked_up_at"))
        return started + dt.timedelta(seconds=ring) if ring is not None else None

    def looked_up(self, field: str, value: Any, table: Mapping[str, Any]) -> Any:
        key = key_of(value)
        if key in table:
            return table[key]
        self.report_unknown(field, value, UNMAPPED_CONSEQUENCE[field])
        return None


def instant(value: Any) -> dt.datetime | None:
    """A derived UTC time (`started_at`...) as a datetime, None when absent."""
    return parse_utc_instant(value) if isinstance(value, str) and value else None
