"""The `calls` stream: Acefone's records in the shared shape, mapped from the vendor page's own sample, with
no request of its own, and the typed fields of `call_records`."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from airbyte_cdk.test.mock_http import HttpMocker
from freezegun import freeze_time

from cdr_shared.calls import CALLS_SCHEMA
from unit_tests import builders as acefone
from unit_tests.builders import DAY_1, NOW

# The sample response of https://docs.acefone.in/reference/call-detail-records-2, as published.
DOCUMENTED_PAGE = json.loads((Path(__file__).parent / "documented_call_record.json").read_text())
DOCUMENTED = DOCUMENTED_PAGE["results"][0]


def streams(config: dict[str, Any] | None = None):
    call_records, calls, *_directory = acefone.SourceAcefone().streams(config or acefone.config())
    return call_records, calls


def mapped(record: dict[str, Any], config: dict[str, Any] | None = None) -> dict[str, Any] | None:
    call_records, calls = streams(config)
    call = calls.to_call(call_records.with_derived_fields(record), {})
    return call.as_record() if call else None


def test_the_documented_sample_record_maps_to_these_calls_fields():
    assert mapped(copy.deepcopy(DOCUMENTED)) == {
        "provider": "acefone",
        "account": "Demo Account",
        "call_id": "66339a440ac50d47500dbc9e",
        "started_at": "2024-05-02T13:49:59+00:00",  # 19:19:59 IST
        "source_stream": "call_records",
        "source_key": "66339a440ac50d47500dbc9e",
        "direction": "outbound",
        "answered_at": "2024-05-02T13:50:17+00:00",  # the call flow's anstime 1714657817
        "ended_at": "2024-05-02T13:50:57+00:00",
        "ring_seconds": None,  # agent_ring_time "N.A."
        "queue_seconds": None,
        "talk_seconds": 40,
        "duration_seconds": 54,
        "caller_number": "+918069858731",  # outbound: from the DID
        "called_number": "+91700003233",  # to the client
        "agent_id": None,  # no Agent element of the call flow names "pqrs"
        "agent_name": "pqrs",
        "queue": None,
        "outcome": "answered",
        "hangup_by": "caller",  # disconnected_by_caller
        "disposition": None,
        "recording_url": DOCUMENTED["recording_url"],
    }


def test_every_mapped_record_fits_the_shared_schema():
    jsonschema.validate(mapped(copy.deepcopy(DOCUMENTED)), CALLS_SCHEMA)


def inbound(**fields: Any) -> dict[str, Any]:
    defaults = {
        "direction": "inbound",
        "client_number": "+919812345678",
        "did_number": "+918069858731",
        "agent_name": "Priya Sharma",
        "department_name": "Sales",
        "agent_ring_time": "00:00:12",
        "call_flow": [
            {"type": "init", "value": "1", "time": "1715229000"},
            {"type": "Agent", "id": "050109590016", "name": "Priya Sharma", "dialst": "Answered"},
            {"anstime": 1715229012, "time": 1715229052},
        ],
    }
    return acefone.call("r-1", **{**defaults, **fields})


def test_an_inbound_call_comes_from_the_client_to_the_did_with_the_agent_and_department():
    call = mapped(inbound(reason="disconnected_by_agent", agent_hangup_data={"disposition": "Resolved"}))
    assert call is not None
    assert (call["caller_number"], call["called_number"]) == ("+919812345678", "+918069858731")
    assert (call["agent_id"], call["agent_name"], call["queue"]) == ("050109590016", "Priya Sharma", "Sales")
    assert (call["ring_seconds"], call["hangup_by"], call["disposition"]) == (12, "agent", "Resolved")
    assert call["answered_at"] == "2024-05-09T04:30:12+00:00"


@pytest.mark.parametrize(
    ("fields", "outcome"),
    [
        ({"status": "answered"}, "answered"),
        ({"status": "missed", "hangup_cause": "No answer"}, "missed"),
        ({"status": "missed", "hangup_cause": "Originator cancel"}, "abandoned"),
        ({"status": "missed", "hangup_cause": "Originator cancel", "direction": "outbound"}, "missed"),
        ({"status": "missed", "hangup_cause": "User busy", "direction": "outbound"}, "busy"),
        ({"status": "missed", "hangup_cause": "Call rejected"}, "failed"),
        ({"status": "missed", "voicemail_recording": True}, "voicemail"),
        ({"status": "transferred"}, "other"),
        ({"status": None}, None),
    ],
)
def test_status_hangup_cause_and_voicemail_decide_the_outcome(fields, outcome):
    call = mapped(inbound(**fields))
    assert call is not None
    assert call["outcome"] == outcome
    if outcome != "answered":
        assert call["answered_at"] is None


@pytest.mark.parametrize(
    ("reason", "hangup_by"),
    [
        ("disconnected_by_caller", "caller"),
        ("disconnected_by_customer", "caller"),
        ("disconnected_by_agent", "agent"),
        ("agent_not_answered", None),
        (None, None),
    ],
)
def test_the_hangup_reason_says_who_hung_up(reason, hangup_by):
    assert mapped(inbound(reason=reason))["hangup_by"] == hangup_by


@freeze_time(NOW)
def test_an_unknown_value_is_logged_once_per_sync_not_per_record():
    with HttpMocker() as http:
        acefone.mock_pages(
            http, DAY_1, ([inbound(status="transferred"), acefone.call("r-2", status="transferred")], None)
        )
        acefone.mock_empty_day_2(http)
        output = acefone.run(acefone.config(), "calls")
    assert [r.record.data["outcome"] for r in output.records] == ["other", "other"]
    unknown = [
        m for m in output.logs if "status 'transferred' is not a value the connector maps" in m.log.message
    ]
    assert len(unknown) == 1


def test_a_record_of_the_older_call_report_shape_maps_from_its_call_stats():
    record = {
        "id": 11930963,
        "call_stats": {
            "connection_time": "10:00:00",
            "call_date": "2024-05-09",
            "ring_time": 7,
            "answer_time": 95,
            "call_id": "1715229000.11930963",
        },
        "call_duration": 110,
    }
    call = mapped(record, acefone.config(records_endpoint="v1/call_report"))
    assert call is not None
    assert (call["call_id"], call["started_at"]) == ("11930963", "2024-05-09T04:30:00+00:00")
    assert (call["ring_seconds"], call["talk_seconds"], call["duration_seconds"]) == (7, 95, 110)
    # The page names no account, direction or status: the account is the API host, the rest unknown.
    assert (call["account"], call["direction"], call["outcome"], call["ended_at"]) == (
        "api.acefone.in",
        None,
        None,
        None,
    )


def test_a_record_without_a_readable_start_is_skipped_not_guessed():
    assert mapped(acefone.call("r-1", date="not a date")) is None


@freeze_time(NOW)
def test_given_both_streams_then_each_page_is_asked_once_and_both_get_every_call():
    with HttpMocker() as http:  # each request mocked once: a second ask of a page fails the test
        acefone.mock_pages(http, DAY_1, (["a", "b"], 3), (["c"], 3))
        acefone.mock_empty_day_2(http)
        output = acefone.run(acefone.config(), "calls", "call_records")
    by_stream = {
        name: [r.record.data for r in output.records if r.record.stream == name]
        for name in ("call_records", "calls")
    }
    assert [r["id"] for r in by_stream["call_records"]] == ["a", "b", "c"]
    assert [(c["call_id"], c["source_key"]) for c in by_stream["calls"]] == [
        ("a", "a"),
        ("b", "b"),
        ("c", "c"),
    ]
    assert output.is_in_logs("replayed from this sync's read")
    calls_states = [
        m.state.stream.stream_state.__dict__
        for m in output.state_messages
        if m.state.stream.stream_descriptor.name == "calls"
    ]
    assert calls_states[-1] == {"started_at": "2024-05-10T12:00:00+00:00"}


@freeze_time(NOW)
def test_given_calls_alone_then_it_reads_the_record_pages_itself_and_moves_only_its_own_state():
    state = acefone.CURSOR.state_at("2024-05-10T00:00:00+00:00")  # call_records' state: not calls'
    with HttpMocker() as http:
        acefone.mock_pages(http, DAY_1, (["a", "b"], 3), (["c"], 3))
        acefone.mock_empty_day_2(http)
        output = acefone.run(acefone.config(), "calls", state=state)
    assert [r.record.data["call_id"] for r in output.records] == ["a", "b", "c"]
    assert {m.state.stream.stream_descriptor.name for m in output.state_messages} == {"calls"}
    assert output.is_in_logs("calls: window 2 of 2 .* 3 so far, 3 request\\(s\\) so far.")


def test_multi_typed_fields_come_out_in_their_one_type_and_nothing_is_lost():
    call_records, _ = streams()
    record = call_records.with_derived_fields(
        acefone.call(
            "r-1",
            charges="1.20",
            notes="call back later",
            contact_details=[],
            agent_hangup_data={"disposition": "Resolved"},
            missed_agents=["Rahul"],
            sip_agent_ids="1001",
            custom_status={"label": "Follow-up"},
            call_flow=[{"type": "init", "time": "1714657803"}, {"type": "hangup", "time": "soon"}],
        )
    )
    assert record["charges"] == 1.2
    assert (record["notes"], record["missed_agents"], record["contact_details"]) == (None, None, None)
    assert record["raw_values"] == {"notes": "call back later", "missed_agents": '["Rahul"]'}
    assert record["agent_hangup_data"] == {"disposition": "Resolved"}
    assert record["sip_agent_ids"] == ["1001"]
    assert record["custom_status"] == '{"label":"Follow-up"}'
    assert record["call_flow"] == [
        {"type": "init", "time": 1714657803},
        {"type": "hangup", "time": None, "raw_values": {"time": "soon"}},
    ]
    jsonschema.validate(record, acefone.SCHEMA)


def test_values_already_of_their_type_pass_unchanged_and_the_providers_record_is_not_modified():
    call_records, _ = streams()
    sent = acefone.call(
        "r-2",
        charges=0,
        notes={"text": "ok"},
        missed_agents=[{"id": "1"}, None],
        sip_agent_ids=["1001", None, 1002],
        call_flow=[{"type": "init", "time": 1714657803}, {"type": "a", "time": True, "anstime": 12.0}, "x"],
    )
    before = copy.deepcopy(sent)
    record = call_records.with_derived_fields(sent)
    assert sent == before
    assert (record["charges"], record["notes"], record["missed_agents"]) == (
        0,
        {"text": "ok"},
        [{"id": "1"}, None],
    )
    assert record["sip_agent_ids"] == ["1001", "1002"]
    assert record["call_flow"] == [
        {"type": "init", "time": 1714657803},
        {"type": "a", "time": None, "anstime": 12, "raw_values": {"time": "true"}},
        "x",
    ]
    assert "raw_values" not in record


def test_the_documented_sample_fits_the_typed_schema():
    call_records, _ = streams()
    record = call_records.with_derived_fields(copy.deepcopy(DOCUMENTED))
    assert record["call_flow"][0]["time"] == 1714657803  # sent as "1714657803"
    jsonschema.validate(record, acefone.SCHEMA)


def test_no_property_of_any_acefone_schema_is_a_union_of_two_non_null_types():
    schemas = [acefone.SCHEMA, CALLS_SCHEMA]

    def unions(node: Any, path: str = "") -> list[str]:
        found = []
        if isinstance(node, dict):
            kinds = node.get("type")
            if isinstance(kinds, list) and len([k for k in kinds if k != "null"]) > 1:
                found.append(path)
            for key, value in node.items():
                found += unions(value, f"{path}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                found += unions(value, f"{path}[{index}]")
        return found

    assert [path for schema in schemas for path in unions(schema)] == []
