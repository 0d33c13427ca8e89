"""`call_traces`: one `querycalltracedetail` request per call `call_list` names, one record per leg."""

import jsonschema
from airbyte_cdk.models import FailureType
from airbyte_cdk.test.mock_http import HttpMocker
from freezegun import freeze_time

from cdr_shared.testing.http_mock import answer
from cdr_shared.testing.output import assert_failed, stream_schema
from unit_tests import builders as cms
from unit_tests.builders import NOW, W1

SCHEMA = stream_schema("source_huawei_cms", "call_traces")


def list_and_trace(http, trace_answers, listed=None, log_date=None):
    """`call_list` names one call (W1, inbound; the other windows and directions are empty), traced once."""
    listed = listed or cms.call("c-1")
    http.post(cms.calls_request(*W1), cms.calls_page([listed]))
    http.post(cms.trace_request("c-1", log_date or listed["logDate"]), trace_answers)
    cms.mock_rest_empty(http)


def run(cfg, *streams, **kwargs):
    return cms.run(cfg, *(streams or ("call_traces",)), **kwargs)


@freeze_time(NOW)
def test_each_listed_call_is_traced_with_its_log_date_and_each_leg_becomes_a_typed_labelled_record():
    legs = [
        cms.leg("c-1", 1, deviceType="1", EnterReason="0", LeaveReason="28"),
        cms.leg("c-1", -1, releaseCause="0"),
    ]
    with HttpMocker() as http:
        list_and_trace(http, cms.trace_answer(legs))
        output = run(cms.config())
    first, last = (m.record.data for m in output.records)
    assert (first["leg_number"], last["leg_number"]) == (1, -1)
    assert first["direction"] == "inbound" and first["begin_at"] == "2024-05-10T08:30:00+00:00"
    assert first["EnterReason"] == 0 and first["enter_reason"] == 0
    assert first["enter_reason_label"] == "normal access or transfer"
    assert first["leave_reason_label"] == "transferred to a queue"
    assert last["leave_reason_label"] == "released by the agent" and last["release_cause_label"] == "normal"
    assert last["current_skill_id"] == 2 and last["deviceNo"] == "101"
    assert last["wait_begin_at"] == "2024-05-10T08:30:00+00:00"
    assert last["call_end_at"] == "2024-05-10T08:32:00+00:00"
    for record in (first, last):
        jsonschema.validate(record, SCHEMA)
    assert cms.states(output)[-1] == "2024-05-10T11:50:00+00:00"


@freeze_time(NOW)
def test_the_tables_lower_case_spellings_are_read_and_a_leg_without_call_id_num_is_numbered_by_position():
    plain = {
        "callId": "c-1",
        "enterReason": 37,
        "leaveReason": 39,
        "currentSkillId": 5,
        "waitBegin": 1715329800000,
    }
    with HttpMocker() as http:
        list_and_trace(http, cms.trace_answer([plain, {**plain, "callIdNum": -1}]))
        first, second = (m.record.data for m in run(cms.config()).records)
    assert (first["leg_number"], second["leg_number"]) == (1, -1)
    assert (
        first["enter_reason_label"] == "entered CDN from inbound routing" and first["current_skill_id"] == 5
    )


@freeze_time(NOW)
def test_a_call_without_legs_yields_no_record_and_is_counted_as_skipped():
    with HttpMocker() as http:
        list_and_trace(http, cms.trace_answer([]))
        output = run(cms.config())
    assert output.records == []
    assert any("skipped 1 calls without call track legs" in m.log.message for m in output.logs)


@freeze_time(NOW)
def test_a_call_listed_without_log_date_is_traced_with_its_begin():
    with HttpMocker() as http:
        list_and_trace(
            http,
            cms.trace_answer([cms.leg("c-1", -1)]),
            listed=cms.call("c-1", logDate=0),
            log_date=cms.ms("2024-05-10T08:30:00Z"),
        )
        assert cms.ids(run(cms.config())) == ["c-1"]


@freeze_time(NOW)
def test_a_call_listed_without_log_date_or_any_instant_is_skipped_without_a_request():
    bare = cms.call("c-1", logDate=0, waitBegin=0, ackBegin=0, callBegin=0)
    with HttpMocker() as http:
        http.post(cms.calls_request(*W1), cms.calls_page([bare]))
        cms.mock_rest_empty(http)
        output = run(cms.config())
    assert output.records == []
    assert any("skipped 1 calls listed without logDate" in m.log.message for m in output.logs)


@freeze_time(NOW)
def test_a_success_whose_result_desc_is_no_list_is_retried_and_never_taken_as_no_legs():
    odd = answer({"resultCode": "0100000", "resultDesc": "success"})
    with HttpMocker() as http:
        list_and_trace(http, [odd, cms.trace_answer([cms.leg("c-1", -1)])])
        assert cms.ids(run(cms.config())) == ["c-1"]


@freeze_time(NOW)
def test_an_answer_that_stays_undocumented_fails_the_sync_naming_the_call():
    with HttpMocker() as http:
        list_and_trace(http, answer({"resultCode": "0100000"}))
        output = run(cms.config(), expect_failure=True)
    assert_failed(output, FailureType.system_error, "querycalltracedetail (call c-1)", "'resultDesc' list")


@freeze_time(NOW)
def test_with_call_list_in_the_same_sync_the_calls_are_listed_once_and_replayed_for_the_traces():
    with HttpMocker() as http:
        list_and_trace(http, cms.trace_answer([cms.leg("c-1", -1)]))
        output = run(cms.config(), "call_list", "call_traces")
    assert [m.record.stream for m in output.records] == ["call_list", "call_traces"]
    replayed = [m.log.message for m in output.logs if "replayed from this sync's read" in m.log.message]
    assert len(replayed) == 4  # 2 windows x 2 directions, none asked again
