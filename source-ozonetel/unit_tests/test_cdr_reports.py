import json

import jsonschema
from airbyte_cdk.models import FailureType
from airbyte_cdk.test.mock_http import HttpMocker, HttpRequest

from cdr_shared.testing.output import assert_failed, stream_schema
from unit_tests import builders as ozonetel
from unit_tests.builders import AFTER_PUBLICATION, KEY, TOKEN_URL, USER

SCHEMA = stream_schema("source_ozonetel", "cdr_reports")


def reports_config(mode: str, **overrides):
    return ozonetel.config(cdr_reports={"auth_type": mode}, **overrides)


def details(*records):
    return ozonetel.answer({"status": "true", "details": list(records)})


def token_request() -> HttpRequest:
    return HttpRequest(TOKEN_URL, headers={"apiKey": KEY}, body=json.dumps({"userName": USER}))


def test_basic_mode_reads_one_ist_day_per_request_with_the_api_key_header():
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        day_8 = ozonetel.reports_request("2024-05-08", headers={"apiKey": KEY})
        http.get(day_8, details(ozonetel.report_record(31733467784618213, day="2024-05-08")))
        http.get(ozonetel.reports_request("2024-05-09"), details())
        output = ozonetel.run(reports_config("basic", start_date="2024-05-08"), "cdr_reports")
    assert [m.record.data["UCID"] for m in output.records] == [31733467784618213]
    assert [m.state.stream.stream_state.started_at for m in output.state_messages][-2:] == [
        "2024-05-08T18:30:00+00:00",
        "2024-05-09T18:30:00+00:00",
    ]


def test_report_times_are_put_on_call_date_and_a_call_ending_after_midnight_ends_the_next_day():
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(
            ozonetel.reports_request("2024-05-09"),
            details(ozonetel.report_record(7, start="23:59:30", end="00:00:27")),
        )
        output = ozonetel.run(reports_config("basic"), "cdr_reports")
    record = output.records[0].record.data
    assert record["started_at"] == "2024-05-09T18:29:30+00:00"
    assert record["ended_at"] == "2024-05-09T18:30:27+00:00"
    assert record["duration_seconds"] == 57 and record["handling_time_seconds"] == 58
    jsonschema.validate(record, SCHEMA)


def test_token_mode_fetches_one_token_for_many_days():
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.post(token_request(), ozonetel.answer({"status": "success", "token": "tok-1"}))
        for day in ("2024-05-07", "2024-05-08", "2024-05-09"):
            request = ozonetel.reports_request(day, headers={"Authorization": "Bearer tok-1"})
            http.get(request, details(ozonetel.report_record(int(day[-1]), day=day)))
        output = ozonetel.run(reports_config("token", start_date="2024-05-07"), "cdr_reports")
    assert len(output.records) == 3
    assert "tok-1" not in json.dumps([m.log.message for m in output.logs])


def test_given_token_expired_then_a_new_token_is_fetched_no_sooner_than_an_hour_after_the_last(naps):
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.post(
            token_request(),
            [
                ozonetel.answer({"status": "success", "token": "tok-1"}),
                ozonetel.answer({"status": "success", "token": "tok-2"}),
            ],
        )
        http.get(
            ozonetel.reports_request("2024-05-09"),
            [
                ozonetel.answer({"status": "false", "message": "Token Expired", "data": None}),
                details(ozonetel.report_record(1)),
            ],
        )
        output = ozonetel.run(reports_config("token"), "cdr_reports")
    assert len(output.records) == 1
    assert sum(naps) >= 3600 and max(naps) <= 600


def test_given_a_start_older_than_15_days_then_the_first_day_read_is_15_days_ago_with_a_warning():
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        for day in range(25, 31):
            http.get(ozonetel.reports_request(f"2024-04-{day:02d}"), details())
        for day in range(1, 10):
            http.get(ozonetel.reports_request(f"2024-05-{day:02d}"), details())
        output = ozonetel.run(reports_config("basic", start_date="2024-01-01"), "cdr_reports")
    assert output.is_in_logs("serves only the last 15 days")


def test_given_an_invalid_campaign_then_a_config_error_names_campaign_name():
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(
            ozonetel.reports_request("2024-05-09", campaignName="Nope"),
            ozonetel.answer({"message": "Invalid campaignName", "status": "fail"}),
        )
        output = ozonetel.run(
            reports_config("basic", campaign_name="Nope"), "cdr_reports", expect_failure=True
        )
    assert_failed(output, FailureType.config_error, "'campaign_name'")


def test_given_a_refused_token_request_then_a_config_error_names_the_credentials():
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.post(
            token_request(), ozonetel.answer({"status": "false", "message": "userName or apiKey is Invalid"})
        )
        output = ozonetel.run(reports_config("token"), "cdr_reports", expect_failure=True)
    assert_failed(output, FailureType.config_error, "credentials.api_key")


def test_given_the_renewed_token_is_rejected_too_then_a_config_error_names_the_credentials():
    expired = ozonetel.answer({"status": "false", "message": "Token Expired", "data": None})
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.post(
            token_request(),
            [
                ozonetel.answer({"status": "success", "token": "tok-1"}),
                ozonetel.answer({"status": "success", "token": "tok-2"}),
            ],
        )
        http.get(ozonetel.reports_request("2024-05-09"), [expired, expired])
        output = ozonetel.run(reports_config("token"), "cdr_reports", expect_failure=True)
    error = output.errors[0].trace.error
    assert error.failure_type == FailureType.config_error
    assert (
        "credentials.user_name" in error.message
        and "credentials.api_key" in error.message
        and "Token Expired" in error.message
    )
    assert not any(token in json.dumps([m.log.message for m in output.logs]) for token in ("tok-1", "tok-2"))


def test_given_the_token_endpoint_keeps_failing_then_a_transient_error_comes_without_waiting_an_hour(naps):
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.post(token_request(), ozonetel.answer({"message": "Service Unavailable"}, status=503))
        output = ozonetel.run(reports_config("token"), "cdr_reports", expect_failure=True)
    error = output.errors[0].trace.error
    assert error.failure_type == FailureType.transient_error
    assert "HTTP 503" in error.message and "reports-token quota" in error.message
    assert sum(naps) < 600  # the hourly token quota is not waited for behind a failing endpoint
