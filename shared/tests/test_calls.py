"""The shared `calls` record: what the builder accepts and emits, and that it always fits the schema."""

import datetime as dt
import logging

import jsonschema
import pytest

from cdr_shared.calls import (
    CALLS_SCHEMA,
    CallRecord,
    MappedCallsStream,
    calls_schema,
    phone_number,
    whole_seconds,
)

IST = dt.timezone(dt.timedelta(hours=5, minutes=30))


def minimal(**overrides):
    fields = dict(
        provider="acefone",
        account="acct-1",
        call_id="42",
        started_at=dt.datetime(2026, 3, 1, 9, 30, tzinfo=IST),
        source_stream="call_records",
        source_key="42",
    )
    return CallRecord(**{**fields, **overrides})


def test_a_minimal_record_has_every_field_and_fits_the_schema():
    record = minimal().as_record()
    assert set(record) == set(CALLS_SCHEMA["properties"])
    assert record["started_at"] == "2026-03-01T04:00:00+00:00"
    assert record["talk_seconds"] is None
    jsonschema.validate(record, CALLS_SCHEMA)


def test_a_full_record_fits_the_schema():
    started = dt.datetime(2026, 3, 1, 4, 0, tzinfo=dt.timezone.utc)
    record = minimal(
        direction="inbound",
        answered_at=started + dt.timedelta(seconds=12),
        ended_at=started + dt.timedelta(seconds=100),
        ring_seconds=12,
        queue_seconds=0,
        talk_seconds=88,
        duration_seconds=100,
        caller_number="+919876543210",
        called_number="1800123",
        agent_id="7",
        agent_name="Asha",
        queue="Sales",
        outcome="answered",
        hangup_by="caller",
        disposition="Sale",
        recording_url="https://example.test/r.mp3",
    ).as_record()
    jsonschema.validate(record, CALLS_SCHEMA)
    assert record["ended_at"] == "2026-03-01T04:01:40+00:00"


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"direction": "in"}, "direction"),
        ({"outcome": "ANSWERED"}, "outcome"),
        ({"hangup_by": "customer"}, "hangup_by"),
        ({"provider": "twilio"}, "provider"),
        ({"call_id": 42}, "call_id"),
        ({"account": ""}, "account"),
        ({"started_at": dt.datetime(2026, 3, 1, 9, 30)}, "started_at"),
        ({"talk_seconds": -1}, "talk_seconds"),
        ({"talk_seconds": 1.5}, "talk_seconds"),
        ({"ring_seconds": True}, "ring_seconds"),
    ],
)
def test_a_value_outside_the_shape_is_refused_naming_the_field(overrides, field):
    with pytest.raises(ValueError, match=f"calls.{field} "):
        minimal(**overrides)


def test_no_property_is_a_union_of_two_non_null_types():
    for name, prop in CALLS_SCHEMA["properties"].items():
        types = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
        assert len([t for t in types if t != "null"]) == 1, name


def test_the_schema_handed_out_is_a_copy():
    schema = calls_schema()
    schema["properties"]["provider"]["enum"].append("x")
    assert "x" not in CALLS_SCHEMA["properties"]["provider"]["enum"]


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("+91 98765-43210", "+919876543210"),
        ("0044 20 7946 0000", "+442079460000"),
        ("09876543210", "09876543210"),
        ("9876543210", "9876543210"),
        ("  ", None),
        (None, None),
        (4021, "4021"),
        ("+0123", "+0123"),
    ],
)
def test_phone_numbers_become_e164_only_when_they_carry_their_country(raw, expected):
    assert phone_number(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [(12, 12), ("12", 12), (12.4, 12), ("00:01:05", 65), ("", None), (None, None), (-3, None), ("n/a", None)],
)
def test_durations_become_whole_seconds(raw, expected):
    assert whole_seconds(raw) == expected


def test_a_value_the_tables_do_not_hold_is_warned_once_per_field_and_value(caplog):
    class Mapped(MappedCallsStream):
        provider = "acefone"

        def to_call(self, record, stream_slice):
            return None

    stream = object.__new__(Mapped)  # report_unknown needs only the stream's name and logger
    with caplog.at_level(logging.WARNING):
        for value in ("Chat", "Chat", "Fax"):
            stream.report_unknown("Type", value, "direction null")
        stream.report_unknown("Status", "Chat", "outcome 'other'")
    assert [r.getMessage() for r in caplog.records] == [
        "calls: Type 'Chat' is not a value the connector maps: direction null (logged once per sync; please report it).",
        "calls: Type 'Fax' is not a value the connector maps: direction null (logged once per sync; please report it).",
        "calls: Status 'Chat' is not a value the connector maps: outcome 'other' (logged once per sync; please report it).",
    ]
