"""Acefone fields that arrive in more than one JSON type, each brought to the one type its schema declares.

The call-records page (https://docs.acefone.in/reference/call-detail-records-2) leaves `charges` untyped
(its sample sends `0`), types `notes`, `contact_details` and `dialer_call_details` as objects and
`agent_hangup_data` as a string while it holds the details of the disposition, and its sample `call_flow`
sends the init element's `time` as a string but every other `time` and `anstime` as a number. A
warehouse column needs one type, so each such field has one (the `type` of its schema property), and a
value that does not fit is never dropped: it is kept as text in `raw_values` (keyed by the field's name, as
Huawei's connector does) and the field is null.

| field | type | how other values are kept |
|---|---|---|
| `charges` | number | a numeric string becomes the number; other text goes to `raw_values` |
| `notes`, `contact_details`, `agent_hangup_data`, `dialer_call_details` | object | `""` and `[]` (how a PHP back end encodes an empty object) become null; any other value goes to `raw_values` |
| `missed_agents`, `transfer_missed_agent` | array of objects | a value that is not a list of objects goes to `raw_values` |
| `sip_agent_ids` | array of strings | a single id becomes a one-element list; numbers become text |
| `custom_status` | string | an object or list becomes its JSON text |
| `call_flow[].time`, `call_flow[].anstime` | integer (epoch seconds) | a numeric string becomes the number; other text goes to the element's `raw_values` |
"""

from __future__ import annotations

import json
from collections.abc import Mapping, MutableMapping
from typing import Any

OBJECT_FIELDS = ("notes", "contact_details", "agent_hangup_data", "dialer_call_details")
OBJECT_LIST_FIELDS = ("missed_agents", "transfer_missed_agent")
NUMBER_FIELDS = ("charges",)
TEXT_FIELDS = ("custom_status",)
TEXT_LIST_FIELDS = ("sip_agent_ids",)
CALL_FLOW_EPOCH_FIELDS = ("time", "anstime")
RAW_VALUES = "raw_values"


def typed(record: MutableMapping[str, Any]) -> None:
    """Bring every multi-typed field of `record` to its one type, in place.

    A value that already has its field's type (nearly all of them) is left as it is, untouched and uncopied:
    the checks below are the cheap form of the conversions, which run only for the other values."""
    for name in OBJECT_FIELDS:
        value = record.get(name)
        if value is not None and type(value) is not dict:
            _conform(record, name, _as_object)
    for name in OBJECT_LIST_FIELDS:
        value = record.get(name)
        if value is not None and not (type(value) is list and _all_objects(value)):
            _conform(record, name, _as_object_list)
    for name in NUMBER_FIELDS:
        value = record.get(name)
        if value is not None and type(value) is not int and type(value) is not float:
            _conform(record, name, _as_number)
    for name in TEXT_FIELDS:
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            record[name] = _json_text(value)
    for name in TEXT_LIST_FIELDS:
        if name in record:
            value = record[name]
            if not (type(value) is list and all(type(item) is str for item in value)):
                record[name] = _as_text_list(value)
    flow = record.get("call_flow")
    if type(flow) is list and not _flow_typed(flow):
        record["call_flow"] = [_typed_flow_element(element) for element in flow]


def _all_objects(items: list[Any]) -> bool:
    for item in items:
        if type(item) is not dict and item is not None:
            return False
    return True


def _flow_typed(flow: list[Any]) -> bool:
    """Whether every `call_flow` element's epochs are already whole numbers (or absent or null)."""
    for element in flow:
        if type(element) is dict:
            for name in CALL_FLOW_EPOCH_FIELDS:
                value = element.get(name)
                if value is not None and type(value) is not int:
                    return False
    return True


def epoch_seconds(value: Any) -> int | None:
    """An epoch in whole seconds from a number or a digit string (`call_flow` sends both); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


class _Unfit(Exception):
    """The value does not have the field's type and cannot be brought to it."""


def _conform(record: MutableMapping[str, Any], name: str, convert: Any) -> None:
    try:
        record[name] = convert(record[name])
    except _Unfit:
        record.setdefault(RAW_VALUES, {})[name] = _json_text(record[name])
        record[name] = None


def _as_object(value: Any) -> Mapping[str, Any] | None:
    if value is None or isinstance(value, Mapping):
        return value
    if value == "" or value == []:
        return None
    raise _Unfit


def _as_object_list(value: Any) -> list[Any] | None:
    if value is None:
        return None
    if isinstance(value, list) and all(isinstance(item, Mapping) or item is None for item in value):
        return value
    raise _Unfit


def _as_number(value: Any) -> int | float | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            raise _Unfit from None
        return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
    raise _Unfit


def _as_text_list(value: Any) -> list[str] | None:
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    return [item if isinstance(item, str) else _json_text(item) for item in items if item is not None]


def _typed_flow_element(element: Any) -> Any:
    """The element with its epochs as whole numbers: itself when they already are, else a converted copy."""
    if type(element) is dict:  # the exact type first: cheaper than the isinstance of an ABC
        out = element
    elif isinstance(element, Mapping):
        out = dict(element)
    else:
        return element
    for name in CALL_FLOW_EPOCH_FIELDS:
        value = out.get(name)
        if value is None or type(value) is int:
            continue
        if out is element:
            out = dict(element)
        seconds = epoch_seconds(value)
        if seconds is None:
            out.setdefault(RAW_VALUES, {})[name] = _json_text(value)
        out[name] = seconds
    return out


def _json_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), ensure_ascii=False)
