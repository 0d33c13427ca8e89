"""CC-CMS code tables: readable labels for `callType`, `releaseCause` and a call leg's enter/leave reason.

From "Querying CDRs of a Specified Call ID" (https://support.huaweicloud.com/intl/en-us/api-cec/cec_07_2579.html)
and the call type and cause code tables it links; the reasons a call enters or leaves a device from the
table "呼叫进入/离开设备原因" (https://support.huaweicloud.com/api-ccfs-cec/cec_07_0842.html), which the
call track page links (translated here).

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

DEVICE_REASONS: dict[int, str] = {
    0: "normal access or transfer",
    1: "overflow or busy transfer",
    2: "timeout transfer",
    3: "transfer as no agent is on duty",
    4: "transfer on queuing cancelled",
    5: "transfer as the agent did not answer",
    6: "resumed from suspension",
    7: "connection held",
    8: "three-party help",
    9: "hold retrieved",
    10: "three-party call",
    11: "internal help, helper released",
    12: "intercepted",
    13: "picked up by another agent",
    14: "called number analysis not configured",
    15: "released by the customer",
    16: "released by the agent",
    17: "transferred out",
    18: "held",
    19: "internal processing error",
    20: "callee busy",
    22: "mobile phone switched off",
    23: "mobile phone out of the service area",
    24: "number does not exist",
    25: "no queuing resource",
    26: "customer did not answer",
    27: "rejected by the callee",
    28: "transferred to a queue",
    29: "three-party transfer to a queue",
    30: "transfer to a queue timed out",
    31: "three-party transfer to a queue timed out",
    34: "queued after a network call failed on timeout, overflow or busy",
    35: "network call returned to the original call center to queue",
    36: "queued call rerouted",
    37: "entered CDN from inbound routing",
    38: "entered CDN from agent consultation",
    39: "CDN returned a routing result",
    40: "CDN routing timed out",
    41: "consultation cancelled by the agent or routing failed",
    42: "entered PGR after CDN routing timed out",
    43: "entered PGR after CDN returned a route",
    44: "entered PGR from inbound routing",
    45: "entered PGR from agent consultation",
    46: "agent unreachable, rerouted by CDN",
    47: "queued in several queues",
    48: "main queue call answered from a secondary queue",
    49: "agent declined the incoming call (cancelled)",
    50: "agent rejected the call",
    51: "customer joined a conference",
    52: "conference released by its chair or a CCS fault",
    53: "participant removed from the conference",
    54: "transferred as the connection rate fell below its threshold",
    88: "customer hung up after the agent answered",
    89: "customer hung up before the agent answered",
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


def device_reason_label(value: Any) -> str | None:
    """Why a call entered or left a device (a call leg's `enterReason`/`leaveReason`)."""
    code = as_code(value)
    return DEVICE_REASONS.get(code) if code is not None else None
