"""The older UK Acefone endpoint `GET /v1/call_report`: its page and record shape, built from the same calls.

As https://api-docs.acefone.co.uk/reference/get_v1-call-report documents it: the answer is
`{"total_records", "filtered_records", "page_records", "page", "data": [...]}` with the counts and page as
strings; `limit` is at least 1 and at most 100. A record has a numeric `id` and a `call_stats` object
(`inbound_sec`, `outbound_sec`, `bill_sec`, `bill_calls`, `total_charges`, `connection_time` "start time of
call", `ring_time`, `answer_time`, `call_id`, `unique_id`, `call_date`). The page's remaining fields are not
in the excerpt we have; `src_num`, `dest_num`, `did`, `call_status` and `call_duration` are the names of its
query filters, so the emulator sends them at the top level too (an inference).

`call_date` is the local date and `connection_time` the local time of the call start, in the account's zone
(IST here, like the rest of the emulator).
"""

from __future__ import annotations

from typing import Any

from .acefone_calls import AcefoneCall

CALL_REPORT_MAX_LIMIT = 100


def _ring_seconds(text: Any) -> int:
    if not isinstance(text, str) or text.count(":") != 2:
        return 0
    hours, minutes, seconds = (int(part) for part in text.split(":"))
    return hours * 3600 + minutes * 60 + seconds


def call_report_record(call: AcefoneCall) -> dict[str, Any]:
    """The call as `/v1/call_report` shows it."""
    record = call.record
    answered = int(record["answered_seconds"] or 0)
    inbound = record["direction"] == "inbound"
    return {
        "id": call.sequence,
        "call_stats": {
            "inbound_sec": answered if inbound else 0,
            "outbound_sec": 0 if inbound else answered,
            "bill_sec": answered,
            "bill_calls": "1" if answered else "0",
            "total_charges": f"{float(record['charges'] or 0):.2f}",
            "connection_time": record["time"],
            "ring_time": _ring_seconds(record["agent_ring_time"]),
            "answer_time": answered,
            "call_id": record["call_id"],
            "unique_id": call.start * 1000 + call.sequence % 1000,
            "call_date": record["date"],
        },
        "src_num": record["client_number"] if inbound else record["did_number"],
        "dest_num": record["did_number"] if inbound else record["client_number"],
        "did": record["did_number"],
        "call_status": record["status"],
        "call_duration": record["call_duration"],
    }


def call_report_page(calls: list[AcefoneCall], page: int, limit: int) -> dict[str, Any]:
    """One page of the matching calls (newest first), counts as strings as documented."""
    chosen = calls[(page - 1) * limit : page * limit]
    return {
        "total_records": str(len(calls)),
        "filtered_records": str(len(calls)),
        "page_records": str(len(chosen)),
        "page": str(page),
        "data": [call_report_record(call) for call in chosen],
    }
