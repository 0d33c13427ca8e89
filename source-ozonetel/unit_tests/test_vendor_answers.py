"""Real vendor answers (issue 9): the retired UCID API, both UCID record shapes, odd success answers,
one getCallLogs request per window for both streams, the settle margin, the account's zone, the
reports API's 401, aged-out days and exact CallIDs."""

import json
from pathlib import Path

import jsonschema
import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.test.mock_http import HttpMocker, HttpResponse

from cdr_shared.testing.output import assert_failed
from unit_tests import builders as ozonetel
from unit_tests.builders import AFTER_PUBLICATION, KEY, RETIRED_ANSWERS, YESTERDAY

SCHEMAS = Path(__file__).parents[1] / "source_ozonetel/schemas"
NO_DATA = ozonetel.answer({"status": "success", "message": "No Data Found with UCID 1"})


@pytest.mark.parametrize("kind", list(RETIRED_ANSWERS))
def test_given_the_ucid_api_is_retired_then_call_logs_sync_and_call_details_fails_saying_what_to_change(kind):
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(ozonetel.call_logs_request(*YESTERDAY), ozonetel.success([ozonetel.call_log("111")]))
        http.get(ozonetel.ucid_request("111"), RETIRED_ANSWERS[kind])
        output = ozonetel.run(
            ozonetel.config(include_call_details=True), "call_logs", "call_details", expect_failure=True
        )
    assert [m.record.stream for m in output.records] == ["call_logs"]
    assert_failed(output, FailureType.config_error, "'include_call_details'")


SPACED = {
    "CallID": 20241705091033531,
    "UCID": 2191620069327187,
    "UUI": "",
    "Campaign Name": "Inbound_918047190000",
    "Location": "Bangalore",
    "Caller Id": "+919812345678",
    "Skill": "General",
    "Call Date": "2024-05-09",
    "Start Time": "2024-05-09 10:33:53",
    "Time to Answer": "00:00:11",
    "End Time": "2024-05-09 10:38:50",
    "TalkTime": "00:04:30",
    "Duration": "00:04:46",
    "Customer Ring Time": "00:00:05",
    "Agent": "priya",
    "Hangup By": "UserHangup",
    "Wrapup Time": "00:00:07",
    "Audio Download": "https://recordings.example/TXR2191620069327187.mp3",
    "Apikey": KEY,
}


def test_both_ucid_shapes_give_the_same_derived_fields_and_keep_the_raw_ones():
    seed_shape = ozonetel.ucid_record(
        StartTime="2024-05-09 10:33:53",
        EndTime="2024-05-09 10:38:50",
        TimeToAnswer="00:00:11",
        TalkTime="00:04:30",
        CustomerRingTime="00:00:05",
        WrapupDuration="00:00:07",
        AudioFile="https://recordings.example/TXR2191620069327187.mp3",
    )
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(
            ozonetel.call_logs_request(*YESTERDAY), ozonetel.success([ozonetel.call_log("2191620069327187")])
        )
        http.get(
            ozonetel.ucid_request("2191620069327187"),
            [ozonetel.success([seed_shape]), ozonetel.success([SPACED])],
        )
        first = (
            ozonetel.run(ozonetel.config(include_call_details=True), "call_details").records[0].record.data
        )
        second = (
            ozonetel.run(ozonetel.config(include_call_details=True), "call_details").records[0].record.data
        )
    derived = (
        "UCID",
        "started_at",
        "ended_at",
        "time_to_answer_seconds",
        "duration_seconds",
        "talk_time_seconds",
        "customer_ring_time_seconds",
        "wrap_up_duration_seconds",
        "recording_url",
    )
    assert {k: first[k] for k in derived} == {k: second[k] for k in derived}
    assert second["started_at"] == "2024-05-09T05:03:53+00:00" and second["wrap_up_duration_seconds"] == 7
    assert second["UCID"] == "2191620069327187" and second["Caller Id"] == "+919812345678"
    assert second["Hangup By"] == "UserHangup" and "Apikey" not in second
    jsonschema.validate(second, json.loads((SCHEMAS / "call_details.json").read_text()))


def test_with_both_streams_one_sync_spends_one_get_call_logs_request_per_window():
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        request = ozonetel.call_logs_request(*YESTERDAY)
        http.get(request, ozonetel.success([ozonetel.call_log("111")]))
        http.get(ozonetel.ucid_request("111"), ozonetel.success([ozonetel.ucid_record()]))
        output = ozonetel.run(ozonetel.config(include_call_details=True), "call_details", "call_logs")
        http.assert_number_of_calls(request, 1)
    assert sorted(m.record.stream for m in output.records) == ["call_details", "call_logs"]


@pytest.mark.parametrize("odd", [{}, None, "Request accepted"], ids=["object", "null", "string"])
def test_a_success_answer_without_a_list_is_retried_then_fails_naming_the_window(odd):
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(
            ozonetel.call_logs_request(*YESTERDAY), ozonetel.answer({"status": "success", "message": odd})
        )
        output = ozonetel.run(ozonetel.config(), "call_logs", expect_failure=True)
    error = output.errors[0].trace.error
    assert error.failure_type != FailureType.config_error
    assert "from_date=2024-05-09 00:00:00" in error.message and "not taken as empty" in error.message
    assert not output.records and not output.state_messages


def test_a_success_answer_without_a_list_once_is_retried_and_the_window_read():
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(
            ozonetel.call_logs_request(*YESTERDAY),
            [
                ozonetel.answer({"status": "success", "message": {}}),
                ozonetel.success([ozonetel.call_log("111")]),
            ],
        )
        output = ozonetel.run(ozonetel.config(), "call_logs")
    assert [m.record.data["UCID"] for m in output.records] == ["111"]


def test_a_clock_ahead_of_ozonetels_does_not_read_yesterday_right_after_03_00():
    # 03:05 IST here may be 02:58 at Ozonetel, which would still answer "no record found" for yesterday.
    with ozonetel.clock_at("2024-05-10T03:05:00+05:30"), HttpMocker() as http:
        http.get(
            ozonetel.call_logs_request("2024-05-08 00:00:00", "2024-05-08 23:59:59"),
            ozonetel.success([ozonetel.call_log("8", "2024-05-08 10:00:00")]),
        )
        output = ozonetel.run(ozonetel.config(start_date="2024-05-08"), "call_logs")
    assert [m.record.data["UCID"] for m in output.records] == ["8"]
    assert output.state_messages[-1].state.stream.stream_state.started_at == "2024-05-08T18:30:00+00:00"


def test_the_reporting_zone_is_used_for_requests_and_times_of_every_stream():
    dubai = ozonetel.config(
        timezone="Asia/Dubai",
        start_date="2024-05-09",
        include_call_details=True,
        cdr_reports={"auth_type": "basic"},
    )
    with ozonetel.clock_at("2024-05-10T04:00:00+04:00"), HttpMocker() as http:
        http.get(
            ozonetel.call_logs_request(*YESTERDAY),
            ozonetel.success([ozonetel.call_log("111", "2024-05-09 10:00:00")]),
        )
        http.get(
            ozonetel.ucid_request("111"),
            ozonetel.success([ozonetel.ucid_record(StartTime="2024-05-09 10:00:00")]),
        )
        http.get(
            ozonetel.reports_request("2024-05-09"),
            ozonetel.answer({"details": [ozonetel.report_record(111, start="10:00:00")]}),
        )
        output = ozonetel.run(dubai, "call_logs", "call_details", "cdr_reports")
    assert {m.record.stream: m.record.data["started_at"] for m in output.records} == {
        "call_logs": "2024-05-09T06:00:00+00:00",
        "call_details": "2024-05-09T06:00:00+00:00",
        "cdr_reports": "2024-05-09T06:00:00+00:00",
    }


def test_the_reports_api_401_missing_credentials_is_a_config_error_naming_them():
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(
            ozonetel.reports_request("2024-05-09"),
            ozonetel.answer({"status": "false", "message": "Missing userName or apiKey"}, 401),
        )
        output = ozonetel.run(
            ozonetel.config(cdr_reports={"auth_type": "basic"}), "cdr_reports", expect_failure=True
        )
    assert_failed(output, FailureType.config_error, "credentials.user_name", "credentials.api_key")


def test_call_id_is_kept_exact_as_a_string_and_production_columns_are_typed():
    record = {
        **ozonetel.report_record(31733467784618213),
        "CallID": 31733467784618213,
        "CallFlow": "IVR>Queue>Agent",
        "QueueTime": "00:00:12",
        "DialCount": 2,
        "VideoRecordingURL": "",
        "WrapUpStartTime": "12:21:00",
        "WrapUpEndTime": "12:21:09",
    }
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(
            ozonetel.reports_request("2024-05-09"), HttpResponse('{"details":[' + json.dumps(record) + "]}")
        )
        output = ozonetel.run(ozonetel.config(cdr_reports={"auth_type": "basic"}), "cdr_reports")
    data = output.records[0].record.data
    assert data["CallID"] == "31733467784618213" and data["queue_time_seconds"] == 12
    schema = json.loads((SCHEMAS / "cdr_reports.json").read_text())
    for column in (
        "CallFlow",
        "QueueTime",
        "DialCount",
        "VideoRecordingURL",
        "WrapUpStartTime",
        "WrapUpEndTime",
    ):
        assert column in schema["properties"]
    assert schema["properties"]["CallID"]["type"] == ["null", "string"]
    jsonschema.validate(data, schema)


def test_a_day_the_reports_api_may_no_longer_serve_is_reported_as_lost_not_read_as_an_empty_list():
    # At 04:00 IST on 10 May, 25 April is outside "the last 15 days" in one reading of the page, and
    # Ozonetel answers such a day with an empty list: it is reported, never asked for.
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        for day in [f"2024-04-{d}" for d in range(26, 31)] + [f"2024-05-{d:02d}" for d in range(1, 10)]:
            http.get(ozonetel.reports_request(day), ozonetel.answer({"details": []}))
        output = ozonetel.run(
            ozonetel.config(cdr_reports={"auth_type": "basic"}, start_date="2024-04-20"), "cdr_reports"
        )
    assert output.is_in_logs(
        "calls from 2024-04-19T18:30:00\\+00:00 to 2024-04-25T18:30:00\\+00:00 cannot be read"
    )
