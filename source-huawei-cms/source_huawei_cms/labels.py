"""CC-CMS code tables: readable labels for `callType` and `releaseCause`.

From "Querying CDRs of a Specified Call ID" (https://support.huaweicloud.com/intl/en-us/api-cec/cec_07_2579.html)
and the call type and cause code tables it links.

Codes outside the documented tables get no label (None); the numeric code stays in the record.
"""

from __future__ import annotations

from typing import Any

CALL_TYPES: dict[int, str] = {
    0: "common incoming call",
    6: "internal call",
    7: "common outgoing call",
    40: "reserved outgoing call",
    41: "presold outgoing call",
    43: "predicted outgoing call",
    44: "previewed outgoing call",
    45: "reserved callback",
    51: "internal two-party consultation",
    52: "internal three-party consultation",
    53: "multi-party call",
}

RELEASE_CAUSES: dict[int, str] = {
    0: "normal",
    8: "no answer",
    9: "rejected",
    47: "busy",
    49: "caller released before answer",
}


def as_code(value: Any) -> int | None:
    """A code sent as a number or as a string of digits; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def call_type_label(value: Any) -> str | None:
    code = as_code(value)
    return CALL_TYPES.get(code) if code is not None else None


def release_cause_label(value: Any) -> str | None:
    code = as_code(value)
    return RELEASE_CAUSES.get(code) if code is not None else None
