import json

import jsonschema
import pendulum
from airbyte_cdk.models import FailureType
from airbyte_cdk.test.mock_http import HttpMocker

from cdr_shared.testing.output import assert_failed, stream_schema
from source_ozonetel import SourceOzonetel
from source_ozonetel.streams import report_type_for
from unit_tests import builders as ozonetel
from unit_tests.builders import AFTER_PUBLICATION, KEY, YESTERDAY

SCHEMA = stream_schema("source_ozonetel", "call_details")
IST = pendulum.timezone("Asia/Kolkata")


def ist(*args):
    return pendulum.datetime(*args, tz=IST).in_timezone("UTC")


def details_config(**overrides):
    return ozonetel.config(include_call_details=True, **overrides)


def test_report_type_follows_the_call_day_and_the_03_00_rule():
    late_yesterday = ist(2024, 5, 9, 23, 58, 30)
    assert report_type_for(late_yesterday, ist(2024, 5, 9, 23, 59, 59)) == "currentday"
    assert report_type_for(late_yesterday, ist(2024, 5, 10, 1, 0)) is None
    assert report_type_for(late_yesterday, ist(2024, 5, 10, 3, 0)) == "historical"
    assert report_type_for(ist(2024, 5, 10, 0, 30), ist(2024, 5, 10, 4, 0)) == "currentday"
    assert report_type_for(ist(2024, 5, 1, 12, 0), ist(2024, 5, 10, 1, 0)) == "historical"


def test_each_listed_call_is_fetched_by_ucid_and_no_data_found_is_a_counted_skip():
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(
            ozonetel.call_logs_request(*YESTERDAY),
            ozonetel.success([ozonetel.call_log("111"), ozonetel.call_log("222")]),
        )
        http.get(ozonetel.ucid_request("111"), ozonetel.success([ozonetel.ucid_record(monitorUCID="111")]))
        http.get(
            ozonetel.ucid_request("222"),
            ozonetel.answer({"status": "success", "message": "No Data Found with UCID 222"}),
        )
        output = ozonetel.run(details_config(), "call_details")
    records = [m.record.data for m in output.records]
    assert [r["UCID"] for r in records] == ["111"]
    assert records[0]["reportType"] == "historical" and records[0]["call_duration_seconds"] == 297
    assert "Apikey" not in records[0] and KEY not in json.dumps(records[0])
    jsonschema.validate(records[0], SCHEMA)
    assert output.is_in_logs("1 call\\(s\\) answered 'No Data Found with UCID'")
    assert output.state_messages[-1].state.stream.stream_state.started_at == "2024-05-09T18:30:00+00:00"


def test_given_a_start_older_than_15_days_then_it_is_clamped_with_a_warning_and_older_calls_are_skipped():
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(
            ozonetel.call_logs_request("2024-04-25 00:00:00", "2024-05-09 23:59:59"),
            ozonetel.success(
                [ozonetel.call_log("5", "2024-04-24 23:59:00"), ozonetel.call_log("6", "2024-04-26 10:00:00")]
            ),
        )
        http.get(ozonetel.ucid_request("6"), ozonetel.success([ozonetel.ucid_record(monitorUCID="6")]))
        output = ozonetel.run(details_config(start_date="2024-03-01"), "call_details")
    assert [m.record.data["UCID"] for m in output.records] == ["6"]
    assert output.is_in_logs("serves only the last 15 days")
    assert output.is_in_logs("skipped 1 call\\(s\\) older than 15 days")


def test_given_the_ucid_api_refuses_the_key_then_a_config_error():
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(ozonetel.call_logs_request(*YESTERDAY), ozonetel.success([ozonetel.call_log("111")]))
        http.get(
            ozonetel.ucid_request("111"),
            ozonetel.answer({"status": "error", "message": "userName or apiKey is Invalid"}),
        )
        output = ozonetel.run(details_config(), "call_details", expect_failure=True)
    assert_failed(output, FailureType.config_error, "credentials.api_key")


def test_given_the_ucid_rate_limit_answer_then_it_waits_for_the_minute_to_free_and_goes_on(naps):
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(ozonetel.call_logs_request(*YESTERDAY), ozonetel.success([ozonetel.call_log("111")]))
        http.get(
            ozonetel.ucid_request("111"),
            [
                ozonetel.answer({"status": "error", "message": "max limit exceeded"}),
                ozonetel.success([ozonetel.ucid_record()]),
            ],
        )
        output = ozonetel.run(details_config(), "call_details")
    assert len(output.records) == 1
    assert sum(naps) >= 60


def test_without_include_call_details_the_stream_is_not_offered():
    from airbyte_cdk.test.entrypoint_wrapper import discover

    names = [s.name for s in discover(SourceOzonetel(), ozonetel.config()).catalog.catalog.streams]
    assert names == ["call_logs", "calls"]


def test_the_lookups_in_flight_follow_call_details_requests_per_minute():
    def concurrency(**advanced):
        config = details_config(advanced=advanced) if advanced else details_config()
        details = [s for s in SourceOzonetel().streams(config) if s.name == "call_details"]
        return details[0].concurrency

    assert concurrency() == 2  # 50 a minute: two lookups keep the quota busy up to 2.4 s an answer
    assert concurrency(call_details_requests_per_minute=20) == 1
    assert concurrency(call_details_requests_per_minute=600) == 16
