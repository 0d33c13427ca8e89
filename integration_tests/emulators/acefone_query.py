"""The query parameters of Acefone's `GET /v1/call/records`: validation and filtering.

Validation answers like the Laravel back end behind the API: HTTP 422 with
`{"message": "<first error>[ (and N more errors)]", "errors": {"<param>": ["..."]}}`, attribute names
written with spaces ("The from date field is required.").

Filters (https://docs.acefone.in/reference/call-detail-records-2), all combined with AND:

- `from_date`, `to_date` (required, `Y-m-d H:i:s` in IST, both inclusive) on the call start (`date` + `time`).
- `agents`: `agent|<id>` values (`agents[]=...` array form or comma-separated; a bare id works too); a
  call matches when one of them handled it (answered, or dialed it out) or is among its missed agents.
- `department`, `ivr`: ids or names; `broadcast`: an id or name, or `true`/`false` for broadcast calls
  only / no broadcast calls. Names compare in lower case, as the documentation says.
- `call_type`: `c` answered, `m` missed. `direction`: inbound / outbound.
- `callerid` (the customer's number), `destination` (the number called: the DID for inbound calls, the
  customer for outbound ones), `did_number`: digits compared as a substring, so "+91" is optional.
- `duration` with `operator` (`>`, `<`, `>=`, `<=`, `!=`; equality when no operator is given) on
  `call_duration`.
- `services`: comma-separated; a call matches when it used one of them.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .acefone_calls import IST, AcefoneCall
from .base import Request, Response

DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
DATE_FORMAT_SHOWN = "Y-m-d H:i:s"
DURATION_OPERATORS: dict[str, Callable[[int, int], bool]] = {
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
    "!=": operator.ne,
    "=": operator.eq,
}
CALL_TYPES = {"c": "answered", "m": "missed"}
DIRECTIONS = ("inbound", "outbound")
TRUE_WORDS = ("true", "1", "yes")
FALSE_WORDS = ("false", "0", "no")
_DATE_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


class ValidationFailed(Exception):
    """Invalid query parameters, with Laravel-style messages per parameter."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(message for messages in errors.values() for message in messages))
        self.errors = errors

    def response(self) -> Response:
        messages = [message for field_messages in self.errors.values() for message in field_messages]
        more = len(messages) - 1
        summary = messages[0] + (f" (and {more} more error{'s' if more > 1 else ''})" if more else "")
        return Response.json({"message": summary, "errors": self.errors}, 422)


class _Errors:
    """Collects validation messages while the parameters are read."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, []).append(message)


def _label(name: str) -> str:
    return name.replace("_", " ")


def _digits(text: str | None) -> str:
    return re.sub(r"\D", "", text or "")


@dataclass(frozen=True)
class CallFilter:
    """The record filters of one request (empty values mean "no filter")."""

    agent_ids: frozenset[str] = frozenset()
    departments: frozenset[str] = frozenset()
    ivrs: frozenset[str] = frozenset()
    status: str | None = None
    callerid: str = ""
    destination: str = ""
    direction: str | None = None
    duration: int | None = None
    duration_operator: str = "="
    services: frozenset[str] = frozenset()
    broadcast: str | None = None
    did_number: str = ""

    def matches(self, call: AcefoneCall) -> bool:
        record = call.record
        return (
            (not self.agent_ids or bool(self.agent_ids & call.agent_ids))
            and (not self.departments or self._names_match(self.departments, call.department))
            and (not self.ivrs or self._names_match(self.ivrs, call.ivr))
            and (self.status is None or record["status"] == self.status)
            and (not self.callerid or self.callerid in _digits(record["client_number"]))
            and (not self.destination or self.destination in _digits(self._destination_of(record)))
            and (self.direction is None or record["direction"] == self.direction)
            and (self.duration is None or self._compare_duration(record["call_duration"], self.duration))
            and (not self.services or bool(self.services & call.services))
            and (self.broadcast is None or self._broadcast_matches(call))
            and (not self.did_number or self.did_number in _digits(record["did_number"]))
        )

    @staticmethod
    def _names_match(wanted: frozenset[str], entity: Any) -> bool:
        return entity is not None and (entity.id.lower() in wanted or entity.name.lower() in wanted)

    @staticmethod
    def _destination_of(record: dict[str, Any]) -> str:
        return record["did_number"] if record["direction"] == "inbound" else record["client_number"]

    def _compare_duration(self, call_duration: int, wanted: int) -> bool:
        return DURATION_OPERATORS[self.duration_operator](call_duration, wanted)

    def _broadcast_matches(self, call: AcefoneCall) -> bool:
        wanted = self.broadcast or ""
        if wanted in TRUE_WORDS:
            return call.broadcast is not None
        if wanted in FALSE_WORDS:
            return call.broadcast is None
        return self._names_match(frozenset({wanted}), call.broadcast)


@dataclass(frozen=True)
class CallRecordsQuery:
    """A validated `GET /v1/call/records` request."""

    first: int
    last: int
    page: int
    limit: int
    filter: CallFilter


def _read_date(request: Request, name: str, errors: _Errors) -> datetime | None:
    raw = request.param(name)
    if raw is None or not raw.strip():
        errors.add(name, f"The {_label(name)} field is required.")
        return None
    try:
        if not _DATE_SHAPE.fullmatch(raw.strip()):
            raise ValueError(raw)
        return datetime.strptime(raw.strip(), DATE_FORMAT).replace(tzinfo=IST)
    except ValueError:
        errors.add(name, f"The {_label(name)} does not match the format {DATE_FORMAT_SHOWN}.")
        return None


def _read_positive_int(request: Request, name: str, default: int, errors: _Errors) -> int:
    raw = request.param(name)
    if raw is None or raw.strip() == "":
        return default
    if not re.fullmatch(r"[+-]?\d+", raw.strip()):
        errors.add(name, f"The {_label(name)} must be an integer.")
        return default
    value = int(raw)
    if value < 1:
        errors.add(name, f"The {_label(name)} must be at least 1.")
        return default
    return value


def _read_choice(request: Request, name: str, allowed: tuple[str, ...], errors: _Errors) -> str | None:
    raw = request.param(name)
    if raw is None or raw.strip() == "":
        return None
    value = raw.strip().lower()
    if value not in allowed:
        errors.add(name, f"The selected {_label(name)} is invalid.")
        return None
    return value


def _read_duration(request: Request, errors: _Errors) -> tuple[int | None, str]:
    raw = request.param("duration")
    comparison = (request.param("operator") or "=").strip() or "="
    if comparison not in DURATION_OPERATORS:
        errors.add("operator", "The selected operator is invalid.")
    if raw is None or raw.strip() == "":
        return None, "="
    if not re.fullmatch(r"\d+", raw.strip()):
        errors.add("duration", "The duration must be an integer.")
        return None, "="
    return int(raw), comparison


def _agent_id(value: str) -> str:
    kind, separator, identifier = value.partition("|")
    return identifier.strip().lower() if separator and kind.strip().lower() == "agent" else value.lower()


def parse_call_records_query(request: Request, max_limit: int) -> CallRecordsQuery:
    """Validate the request's parameters; ValidationFailed lists every problem. `limit` above
    `max_limit` is clamped silently."""
    errors = _Errors()
    first = _read_date(request, "from_date", errors)
    last = _read_date(request, "to_date", errors)
    if first is not None and last is not None and last < first:
        errors.add("to_date", "The to date must be a date after or equal to from date.")
    page = _read_positive_int(request, "page", 1, errors)
    limit = min(_read_positive_int(request, "limit", 20, errors), max_limit)
    call_type = _read_choice(request, "call_type", tuple(CALL_TYPES), errors)
    direction = _read_choice(request, "direction", DIRECTIONS, errors)
    duration, comparison = _read_duration(request, errors)
    if first is None or last is None or errors.by_field:
        raise ValidationFailed(errors.by_field)
    broadcast = (request.param("broadcast") or "").strip().lower()
    call_filter = CallFilter(
        agent_ids=frozenset(_agent_id(value) for value in request.list_param("agents")),
        departments=frozenset(value.lower() for value in request.list_param("department")),
        ivrs=frozenset(value.lower() for value in request.list_param("ivr")),
        status=CALL_TYPES[call_type] if call_type else None,
        callerid=_digits(request.param("callerid")),
        destination=_digits(request.param("destination")),
        direction=direction,
        duration=duration,
        duration_operator=comparison,
        services=frozenset(value.lower() for value in request.list_param("services")),
        broadcast=broadcast or None,
        did_number=_digits(request.param("did_number")),
    )
    return CallRecordsQuery(int(first.timestamp()), int(last.timestamp()), page, limit, call_filter)
