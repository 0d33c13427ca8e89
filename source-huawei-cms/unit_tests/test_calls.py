"""The unified `calls` stream: CC-CMS's CDR (`call_details`) mapped into the shape shared by the four connectors."""

import logging

import jsonschema
import pytest
from airbyte_cdk.test.mock_http import HttpMocker
from freezegun import freeze_time

from cdr_shared.calls import CALLS_SCHEMA
from cdr_shared.renamed_streams import carry_over_renamed_states
from cdr_shared.testing.output import warnings
from cdr_shared.testing.state_builder import StateBuilder
from source_huawei_cms.calls import DIRECTION_BY_CALL_TYPE, OUTCOME_BY_RELEASE_CAUSE
from source_huawei_cms.source import RENAMED_STREAMS
from unit_tests import builders as cms
from unit_tests.builders import NOW, W1

PAGE_EXAMPLE_ID = "1000000000-0001"


def read_one_window(details, *streams, calls=None, state=None):
    """A sync whose first window (inbound) lists `calls` (default: one per detail) with these details."""
    listed = calls or [cms.call(d["callId"]) for d in details]
    with HttpMocker() as http:
        http.post(cms.calls_request(*W1), cms.calls_page(listed))
        for record in details:
            http.post(cms.detail_request(record["callId"]), cms.detail_answer(record))
        cms.mock_rest_empty(http)
        output = cms.run(cms.config(), *(streams or ("calls",)), state=state)
    return output


def calls_of(output):
    return [m.record.data for m in output.records if m.record.stream == "calls"]


@freeze_time(NOW)
def test_the_vendor_page_example_becomes_one_calls_record_with_every_known_field():
    # The response example of "Querying CDRs of a Specified Call ID" (cec_07_2579), listed at 08:30 UTC
    # by querycalls for two minutes (callEnd 08:32).
    output = read_one_window([cms.detail(PAGE_EXAMPLE_ID)])
    [record] = calls_of(output)
    jsonschema.validate(record, CALLS_SCHEMA)
    # Null fields are left out of the emitted JSON (the CDK's serializer does so); destinations store NULL.
    assert record == {
        "provider": "huawei-cms",
        "account": f"{cms.CC_ID}/{cms.VDN}",
        "call_id": f"{PAGE_EXAMPLE_ID}|inbound",
        "direction": "inbound",
        "started_at": "2024-05-10T08:30:00+00:00",
        "ended_at": "2024-05-10T08:32:00+00:00",
        "ring_seconds": 5,
        "queue_seconds": 10,
        "talk_seconds": 30,
        "duration_seconds": 120,
        "caller_number": "10000",
        "called_number": "10001",
        "agent_id": "100",
        "queue": "1",
        "outcome": "answered",
        "source_stream": "call_details",
        "source_key": f"{PAGE_EXAMPLE_ID}|inbound",
    }


@freeze_time(NOW)
def test_a_predicted_outbound_call_keeps_its_business_result_as_disposition():
    detail = cms.detail(
        "1715330000-7",
        callType=43,
        callerNo="95511",
        calleeNo="+86 138 0013 8000",
        beginTime="2024-05-10 08:30:00",
        endTime="2024-05-10 08:32:00",
        result="0900",
        resultCode="",
        busiResult="B01",
        busiSubStatus="S01",
    )
    [record] = calls_of(read_one_window([detail]))
    assert record["direction"] == "outbound"
    assert record["called_number"] == "+8613800138000"
    assert record["disposition"] == "B01"


@pytest.mark.parametrize(("call_type", "direction"), sorted(DIRECTION_BY_CALL_TYPE.items()))
@freeze_time(NOW)
def test_call_types_map_to_directions(call_type, direction):
    [record] = calls_of(read_one_window([cms.detail("c-1", callType=call_type)]))
    assert record["direction"] == direction


@pytest.mark.parametrize(("cause", "mapped"), sorted(OUTCOME_BY_RELEASE_CAUSE.items()))
@freeze_time(NOW)
def test_release_causes_map_to_outcome_and_who_hung_up(cause, mapped):
    [record] = calls_of(read_one_window([cms.detail("c-1", releaseCause=cause)]))
    assert (record["outcome"], record.get("hangup_by")) == mapped


@freeze_time(NOW)
def test_undocumented_codes_become_other_and_the_listed_direction_and_are_logged_once():
    details = [cms.detail(f"c-{i}", releaseCause=777, callType=99) for i in range(3)]
    output = read_one_window(details)
    assert [(r["outcome"], r.get("hangup_by"), r["direction"]) for r in calls_of(output)] == [
        ("other", None, "inbound")
    ] * 3
    assert len([w for w in warnings(output) if "releaseCause 777" in w]) == 1
    assert len([w for w in warnings(output) if "callType 99" in w]) == 1


@freeze_time(NOW)
def test_an_unanswered_call_has_no_agent_and_no_talk():
    # What CC-CMS lists for a call no agent took: agent 0, no talk.
    detail = cms.detail("c-1", **{"agentId ": 0, "callTime": 0, "releaseCause": 49})
    [record] = calls_of(read_one_window([detail]))
    assert (record.get("agent_id"), record["talk_seconds"], record["outcome"]) == (None, 0, "abandoned")


@freeze_time(NOW)
def test_values_sent_as_text_are_read_as_numbers_and_an_id_that_is_no_number_is_kept_as_sent():
    detail = cms.detail("c-1", **{"agentId ": "A-17", "callTime": "30", "ackTime": " 5 ", "skillId": "2"})
    [record] = calls_of(read_one_window([detail]))
    assert (record["agent_id"], record["talk_seconds"], record["ring_seconds"], record["queue"]) == (
        "A-17",
        30,
        5,
        "2",
    )


@freeze_time(NOW)
def test_with_all_three_streams_selected_every_page_and_detail_is_requested_once():
    page = cms.calls_request(*W1)
    details = [(cms.detail_request(call_id), cms.detail(call_id)) for call_id in ("a", "b")]
    with HttpMocker() as http:
        http.post(page, cms.calls_page([cms.call("a"), cms.call("b")]))
        for request, record in details:
            http.post(request, cms.detail_answer(record))
        cms.mock_rest_empty(http)
        # The catalog's order puts the grandchild first: parents are read first whatever the order.
        output = cms.run(cms.config(), "calls", "call_details", "call_list")
        for request in (page, *(request for request, _ in details)):
            http.assert_number_of_calls(request, 1)
    streams = [m.record.stream for m in output.records]
    assert sorted(streams) == ["call_details"] * 2 + ["call_list"] * 2 + ["calls"] * 2


@freeze_time(NOW)
def test_calls_keeps_its_own_state_on_started_at():
    output = read_one_window([cms.detail("a")])
    final = output.state_messages[-1].state.stream
    assert final.stream_descriptor.name == "calls"
    assert final.stream_state.__dict__ == {"started_at": "2024-05-10T11:50:00+00:00"}


@freeze_time(NOW)
def test_a_0_x_calls_state_resumes_call_list_and_the_new_calls_starts_afresh():
    # 0.x's `calls` was the call list, with cursor `begin_at`: `call_list` resumes a lookback before it.
    resumed = ("2024-05-10T10:30:00Z", "2024-05-10T11:50:00Z")
    with HttpMocker() as http:
        http.post(cms.calls_request(*resumed), cms.calls_page([cms.call("late", "2024-05-10T10:45:00Z")]))
        http.post(cms.calls_request(*resumed, inbound=False), cms.empty_page())
        output = cms.run(cms.config(), state=cms.state_at("2024-05-10T11:00:00+00:00", "calls"))
    assert cms.ids(output) == ["late"]
    assert cms.states(output)[-1] == "2024-05-10T11:50:00+00:00"
    with HttpMocker() as http:
        # The unified `calls` reads from start_date (W1, W2): it has no state of its own yet.
        http.post(cms.calls_request(*W1), cms.calls_page([cms.call("a")]))
        http.post(cms.detail_request("a"), cms.detail_answer(cms.detail("a")))
        cms.mock_rest_empty(http)
        output = cms.run(cms.config(), "calls", state=cms.state_at("2024-05-10T11:00:00+00:00", "calls"))
    assert [r["call_id"] for r in calls_of(output)] == ["a|inbound"]


def _names_and_states(messages):
    return [(m.stream.stream_descriptor.name, m.stream.stream_state.__dict__) for m in messages]


@pytest.mark.parametrize(
    ("saved", "resumed"),
    [
        # 0.x: the call list's state under `calls` goes to `call_list`.
        (
            [("calls", {"begin_at": "2024-05-10T11:00:00+00:00"})],
            [("call_list", {"begin_at": "2024-05-10T11:00:00+00:00"})],
        ),
        # The unified stream's own state stays where it is.
        (
            [("calls", {"started_at": "2024-05-10T11:00:00+00:00"})],
            [("calls", {"started_at": "2024-05-10T11:00:00+00:00"})],
        ),
        # `call_list` has a state of its own: nothing is moved over it.
        (
            [
                ("calls", {"begin_at": "2024-05-10T09:00:00+00:00"}),
                ("call_list", {"begin_at": "2024-05-10T11:00:00+00:00"}),
            ],
            [
                ("calls", {"begin_at": "2024-05-10T09:00:00+00:00"}),
                ("call_list", {"begin_at": "2024-05-10T11:00:00+00:00"}),
            ],
        ),
    ],
)
def test_only_a_0_x_calls_state_is_carried_over_to_call_list(saved, resumed):
    builder = StateBuilder()
    for name, value in saved:
        builder.with_stream_state(name, value)
    assert (
        _names_and_states(
            carry_over_renamed_states(builder.build(), RENAMED_STREAMS, logging.getLogger("test"))
        )
        == resumed
    )
