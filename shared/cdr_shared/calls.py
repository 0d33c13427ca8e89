"""The `calls` stream: one record shape for a call, identical in all four connectors.

A contact centre that runs two of these platforms unions the `calls` tables as they are. The schema is
defined here once (`CALLS_SCHEMA`); each connector maps its provider's call record into a `CallRecord`
(`MappedCallsStream.to_call`). A field the provider does not know is null, never guessed.

`MappedCallsStream` is a detail stream of the connector's provider call stream that makes no request of
its own: with both streams selected, the provider stream is read first and its records are replayed from
this sync's spool (see `WindowedDetailStream`), so every provider page is fetched once per sync; with
`calls` alone, the provider stream's windows are read for it, without being emitted.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from abc import abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from cdr_shared.windowed_stream import WindowedDetailStream

PROVIDERS = ("acefone", "huawei-cms", "ozonetel", "ringcx")
DIRECTIONS = ("inbound", "outbound", "internal")
OUTCOMES = ("answered", "missed", "abandoned", "busy", "failed", "voicemail", "other")
HANGUP_BY = ("caller", "agent", "system")

# How the unified record's time fields are typed everywhere in this suite (Airbyte's timestamp type).
DATE_TIME = {"type": ["null", "string"], "format": "date-time", "airbyte_type": "timestamp_with_timezone"}
_TEXT = {"type": ["null", "string"]}
_SECONDS = {"type": ["null", "integer"], "minimum": 0}


def _enum(values: tuple[str, ...]) -> dict[str, Any]:
    return {"type": ["null", "string"], "enum": [*values, None]}


CALLS_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "calls",
    "description": "One call in the shape shared by the four CDR connectors (provider-neutral).",
    "type": "object",
    # Open, as Airbyte's standard tests require of every stream (a closed schema makes removing a
    # property a breaking change); `CallRecord.as_record` emits exactly the declared fields.
    "additionalProperties": True,
    "required": ["provider", "account", "call_id", "started_at", "source_stream", "source_key"],
    "properties": {
        "provider": {
            "type": "string",
            "enum": list(PROVIDERS),
            "description": "Which platform the call is from.",
        },
        "account": {
            "type": "string",
            "description": "The provider-side account or tenant the call belongs to.",
        },
        "call_id": {"type": "string", "description": "The provider's key for the call, as a string."},
        "direction": {**_enum(DIRECTIONS), "description": "inbound, outbound or internal."},
        "started_at": {
            "type": "string",
            "format": "date-time",
            "airbyte_type": "timestamp_with_timezone",
            "description": "When the call started (UTC); the cursor.",
        },
        "answered_at": {**DATE_TIME, "description": "When a person (agent or callee) answered (UTC)."},
        "ended_at": {**DATE_TIME, "description": "When the call ended (UTC)."},
        "ring_seconds": {
            **_SECONDS,
            "description": "Seconds ringing before the answer (or before giving up).",
        },
        "queue_seconds": {**_SECONDS, "description": "Seconds waiting in a queue."},
        "talk_seconds": {**_SECONDS, "description": "Seconds of conversation."},
        "duration_seconds": {**_SECONDS, "description": "Seconds from start to end."},
        "caller_number": {
            **_TEXT,
            "description": "Calling number: E.164 where the data allows, else as sent.",
        },
        "called_number": {
            **_TEXT,
            "description": "Called number: E.164 where the data allows, else as sent.",
        },
        "agent_id": {**_TEXT, "description": "The provider's id of the agent who handled the call."},
        "agent_name": {**_TEXT, "description": "The agent's name as the provider gives it."},
        "queue": {
            **_TEXT,
            "description": "The provider's routing unit: campaign, skill, department or queue.",
        },
        "outcome": {**_enum(OUTCOMES), "description": "What happened to the call."},
        "hangup_by": {**_enum(HANGUP_BY), "description": "Who ended the call, when the provider says."},
        "disposition": {**_TEXT, "description": "The disposition or wrap-up code set for the call."},
        "recording_url": {**_TEXT, "description": "Where the recording is, when there is one."},
        "source_stream": {"type": "string", "description": "The connector stream the record is mapped from."},
        "source_key": {
            "type": "string",
            "description": "That stream's primary key value, as a string (parts joined with '|').",
        },
    },
}

CALLS_PRIMARY_KEY = [["provider"], ["account"], ["call_id"]]
CALLS_CURSOR_FIELD = "started_at"


def calls_schema() -> dict[str, Any]:
    """A copy of the shared schema (callers may annotate theirs without touching the original)."""
    return copy.deepcopy(CALLS_SCHEMA)


@dataclass(frozen=True)
class CallRecord:
    """One `calls` record, checked as it is built: enums, UTC instants, whole non-negative seconds."""

    provider: str
    account: str
    call_id: str
    started_at: dt.datetime
    source_stream: str
    source_key: str
    direction: str | None = None
    answered_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    ring_seconds: int | None = None
    queue_seconds: int | None = None
    talk_seconds: int | None = None
    duration_seconds: int | None = None
    caller_number: str | None = None
    called_number: str | None = None
    agent_id: str | None = None
    agent_name: str | None = None
    queue: str | None = None
    outcome: str | None = None
    hangup_by: str | None = None
    disposition: str | None = None
    recording_url: str | None = None

    def __post_init__(self) -> None:
        _one_of("provider", self.provider, PROVIDERS, nullable=False)
        _one_of("direction", self.direction, DIRECTIONS)
        _one_of("outcome", self.outcome, OUTCOMES)
        _one_of("hangup_by", self.hangup_by, HANGUP_BY)
        for name in ("account", "call_id", "source_stream", "source_key"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise ValueError(f"calls.{name} must be a non-empty string, got {getattr(self, name)!r}")
        for name in ("started_at", "answered_at", "ended_at"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, dt.datetime) or value.utcoffset() is None):
                raise ValueError(f"calls.{name} must be a datetime with a zone, got {value!r}")
        for name in ("ring_seconds", "queue_seconds", "talk_seconds", "duration_seconds"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise ValueError(f"calls.{name} must be a whole number of seconds >= 0, got {value!r}")

    def as_record(self) -> dict[str, Any]:
        """The record as emitted: instants as ISO 8601 in UTC, every schema field present."""
        record = asdict(self)
        for name in ("started_at", "answered_at", "ended_at"):
            if record[name] is not None:
                record[name] = record[name].astimezone(dt.timezone.utc).isoformat()
        return record


def _one_of(name: str, value: str | None, allowed: tuple[str, ...], nullable: bool = True) -> None:
    if value is None and nullable:
        return
    if value not in allowed:
        raise ValueError(f"calls.{name} must be one of {', '.join(allowed)}, got {value!r}")


_PUNCTUATION = re.compile(r"[\s().\-/]")


def phone_number(raw: Any) -> str | None:
    """A phone number as E.164 when the text already says its country (`+44 20 7946 0000`, `0044...`),
    else the provider's text unchanged (a national or internal number is never given a guessed country);
    None for empty values."""
    if raw is None:
        return None
    text = str(raw).strip()
    if not text:
        return None
    compact = _PUNCTUATION.sub("", text)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if (
        compact.startswith("+")
        and compact[1:].isdigit()
        and 8 <= len(compact) - 1 <= 15
        and compact[1] != "0"
    ):
        return compact
    return text


def whole_seconds(value: Any) -> int | None:
    """A provider duration (int, float, digit string, `HH:MM:SS`) as whole seconds; None when empty or not
    a non-negative duration."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(round(value)) if value >= 0 else None
    text = str(value).strip()
    if not text:
        return None
    if ":" in text:
        parts = text.split(":")
        if len(parts) == 3 and all(part.isdigit() for part in parts):
            hours, minutes, seconds = (int(part) for part in parts)
            return hours * 3600 + minutes * 60 + seconds
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return int(round(number)) if number >= 0 else None


def text_or_none(value: Any) -> str | None:
    """A provider value as text; None for null, empty and blank values."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


class MappedCallsStream(WindowedDetailStream):
    """`calls`: the connector's provider call stream (`parent=`), each record mapped by `to_call`.

    It sends no request: its windows are the parent's, read through `parent.records_of`. It keeps its own
    state (same contract, cursor `started_at`); a parent record that is not a call the unified shape can
    hold (`to_call` returns None) is counted with `skip`.
    """

    name = "calls"
    primary_key = CALLS_PRIMARY_KEY
    provider: str

    @property
    def url_base(self) -> str:
        return self.parent.url_base

    def path(self, **kwargs: Any) -> str:
        return ""  # no request of its own: the parent's records are mapped

    def get_json_schema(self) -> Mapping[str, Any]:
        return calls_schema()

    def details_of(
        self, parent_record: Mapping[str, Any], stream_slice: Mapping[str, Any]
    ) -> Iterable[Mapping[str, Any]]:
        call = self.to_call(parent_record, stream_slice)
        if call is None:
            return
        yield call.as_record()

    def call(
        self,
        account: str,
        call_id: str,
        started_at: dt.datetime,
        *,
        source_key: str | None = None,
        **fields: Any,
    ) -> CallRecord:
        """A `CallRecord` of this stream's provider, mapped from a record of the parent stream whose key is
        `source_key` (`call_id` unless given); `fields` are the rest of `CallRecord`'s fields."""
        return CallRecord(
            provider=self.provider,
            account=account,
            call_id=call_id,
            started_at=started_at,
            source_stream=self.parent.name,
            source_key=source_key or call_id,
            **fields,
        )

    def report_unknown(self, field: str, value: Any, consequence: str) -> None:
        """Warn of a provider value the mapping's tables do not hold and what its calls get instead
        (`consequence`), once per field and value in a sync, not once per record."""
        reported = self.__dict__.setdefault("_unknown_values_reported", set())
        if (field, str(value)) in reported:
            return
        reported.add((field, str(value)))
        self.logger.warning(
            f"{self.name}: {field} {value!r} is not a value the connector maps: {consequence} "
            "(logged once per sync; please report it)."
        )

    @abstractmethod
    def to_call(self, record: Mapping[str, Any], stream_slice: Mapping[str, Any]) -> CallRecord | None:
        """The `calls` record for one provider record, or None (after `self.skip(reason)`) for a record
        that is not a call."""
