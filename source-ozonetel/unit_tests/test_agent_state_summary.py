"""`agent_state_summary`: the Agent State Summary report (https://docs.ozonetel.com/reference/get_ca-reports-summaryreport),
one local day per request, the days `cdr_reports` serves, its own quota of 5 requests a minute."""

import json

import jsonschema
import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.test.mock_http import HttpMocker, HttpRequest

from cdr_shared.testing.output import assert_failed, everything_printed, stream_schema, warnings
from cdr_shared.testing.state_builder import StreamCursor
from unit_tests import builders as ozonetel
from unit_tests.builders import AFTER_PUBLICATION, BEFORE_PUBLICATION, KEY, TOKEN_URL, USER

STREAM = "agent_state_summary"
SCHEMA = stream_schema("source_ozonetel", STREAM)
CURSOR = StreamCursor(STREAM, "day_started_at")
BASIC = {"apiKey": KEY}


def summary_config(mode: str = "basic", **overrides):
    return ozonetel.config(cdr_reports={"auth_type": mode}, **overrides)


def summary(message) -> object:
    return ozonetel.answer({"status": "success", "message": message})


NO_DATA = ozonetel.answer({"status": "error", "message": "No Data Found"})


def test_one_local_day_per_request_with_the_api_key_header_and_every_total_in_seconds():
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(
            ozonetel.summary_request("2024-05-08", headers=BASIC),
            summary([ozonetel.agent_state("711", "2024-05-08"), ozonetel.agent_state("712", "2024-05-08")]),
        )
        http.get(ozonetel.summary_request("2024-05-09", headers=BASIC), summary([ozonetel.agent_state()]))
        output = ozonetel.run(summary_config(start_date="2024-05-08"), STREAM)
    records = [m.record.data for m in output.records]
    assert [(r["AgentUniqueID"], r["CallDate"]) for r in records] == [
        ("711", "2024-05-08"),
        ("712", "2024-05-08"),
        ("711", "2024-05-09"),
    ]
    first = records[0]
    assert first["day_started_at"] == "2024-05-07T18:30:00+00:00"  # 8 May, 00:00 IST
    assert first["TotalLoginDuration"] == "03:12:08" and first["total_login_duration_seconds"] == 11528
    assert first["total_busy_time_seconds"] == 3723 and first["total_idle_time_seconds"] == 7205
    assert first["total_pause_time_seconds"] == 600 and first["total_wrap_up_time_seconds"] == 0
    assert first["AgentIncrID"] == "40001"  # a JSON number in the answer: its exact text, one type
    for record in records:
        jsonschema.validate(record, SCHEMA)
    assert CURSOR.values(output)[-2:] == ["2024-05-08T18:30:00+00:00", "2024-05-09T18:30:00+00:00"]


def test_the_pages_sample_shape_a_lone_record_object_is_one_record_without_an_echoed_key():
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        echoing = ozonetel.agent_state(mode="Progressive", **{"Api Key": KEY})
        http.get(ozonetel.summary_request("2024-05-09"), summary(echoing))
        output = ozonetel.run(summary_config(), STREAM)
    assert [(m.record.data["AgentUniqueID"], m.record.data["ModeType"]) for m in output.records] == [
        ("711", "Progressive")
    ]
    assert "Api Key" not in output.records[0].record.data  # an echoed account key never reaches a record
    assert KEY not in everything_printed(output)


def test_no_data_found_is_a_day_without_agents_and_the_state_moves_past_it():
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(ozonetel.summary_request("2024-05-09"), NO_DATA)
        output = ozonetel.run(summary_config(), STREAM)
    assert output.records == []
    assert CURSOR.values(output)[-1] == "2024-05-09T18:30:00+00:00"


def test_a_record_without_call_date_belongs_to_the_day_asked_for():
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        record = ozonetel.agent_state()
        del record["CallDate"]
        http.get(ozonetel.summary_request("2024-05-09"), summary([record]))
        output = ozonetel.run(summary_config(), STREAM)
    assert output.records[0].record.data["day_started_at"] == "2024-05-08T18:30:00+00:00"


@pytest.mark.parametrize(
    "message", [{}, None, "Request processed", ["711"]], ids=["{}", "null", "text", "ids"]
)
def test_an_undocumented_success_answer_is_retried_then_fails_naming_the_day_never_an_empty_day(message):
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(ozonetel.summary_request("2024-05-09"), summary(message))
        output = ozonetel.run(summary_config(), STREAM, expect_failure=True)
    assert output.records == []
    assert_failed(output, FailureType.system_error, "fromDate=2024-05-09 00:00:00", "'message'")
    assert all(value is None for value in CURSOR.values(output))


def test_given_a_sync_at_01_00_ist_then_yesterday_is_not_read():
    with ozonetel.clock_at(BEFORE_PUBLICATION), HttpMocker() as http:
        http.get(ozonetel.summary_request("2024-05-08"), summary([ozonetel.agent_state(day="2024-05-08")]))
        output = ozonetel.run(summary_config(start_date="2024-05-08"), STREAM)
    assert len(output.records) == 1
    assert max(CURSOR.values(output)) == "2024-05-08T18:30:00+00:00"


def test_an_incremental_sync_resumes_at_the_saved_day_minus_the_lookback():
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        # State at the end of 8 May; a lookback of one day reads 8 May again, then 9 May.
        http.get(ozonetel.summary_request("2024-05-08"), summary([ozonetel.agent_state(day="2024-05-08")]))
        http.get(ozonetel.summary_request("2024-05-09"), summary([ozonetel.agent_state()]))
        output = ozonetel.run(
            summary_config(start_date="2024-05-01", lookback_window_minutes=1440),
            STREAM,
            state=CURSOR.state_at("2024-05-08T18:30:00+00:00"),
        )
    assert [m.record.data["CallDate"] for m in output.records] == ["2024-05-08", "2024-05-09"]


def test_given_a_start_older_than_the_served_days_then_they_are_reported_not_read_as_empty():
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        for day in range(26, 31):  # today (10 May) and the 14 days before it
            http.get(ozonetel.summary_request(f"2024-04-{day:02d}"), NO_DATA)
        for day in range(1, 10):
            http.get(ozonetel.summary_request(f"2024-05-{day:02d}"), NO_DATA)
        output = ozonetel.run(summary_config(start_date="2024-04-01"), STREAM)
    lost = [w for w in warnings(output) if w.startswith(f"{STREAM}: ")]
    assert len(lost) == 1 and "2024-03-31T18:30:00+00:00 to 2024-04-25T18:30:00+00:00" in lost[0]


def test_the_five_a_minute_quota_is_kept_before_each_request(naps):
    days = [f"2024-05-0{day}" for day in range(3, 10)]
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        for day in days:
            http.get(ozonetel.summary_request(day), NO_DATA)
        output = ozonetel.run(summary_config(start_date=days[0]), STREAM)
    # 7 days: the first 5 at once, the 6th after the minute has passed (a few naps of the frozen clock).
    assert 60 <= sum(naps) <= 75
    assert any("agent-state-summary quota (5 per 1 min" in m.log.message for m in output.logs)


def test_its_quota_is_not_the_cdr_reports_quota(naps):
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        for day in ("2024-05-08", "2024-05-09"):
            http.get(ozonetel.reports_request(day), ozonetel.answer({"status": "true", "details": []}))
            http.get(ozonetel.summary_request(day), NO_DATA)
        ozonetel.run(summary_config(start_date="2024-05-08"), "cdr_reports", STREAM)
    # Two requests of each: within 2 a minute and 5 a minute apart, over 2 a minute counted together.
    assert sum(naps) == 0


def test_a_rate_limit_answer_pauses_the_summary_requests_for_a_minute_then_the_day_is_read(naps):
    limited = ozonetel.answer({"status": "false", "message": "Too many requests"}, status=429)
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(ozonetel.summary_request("2024-05-09"), [limited, summary([ozonetel.agent_state()])])
        output = ozonetel.run(summary_config(), STREAM)
    assert len(output.records) == 1
    assert sum(naps) >= 60
    assert any("agent-state-summary quota is spent" in m.log.message for m in output.logs)


def test_token_mode_asks_one_token_for_both_reports_streams():
    bearer = {"Authorization": "Bearer tok-1"}
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.post(
            HttpRequest(TOKEN_URL, headers={"apiKey": KEY}, body=json.dumps({"userName": USER})),
            ozonetel.answer({"status": "success", "token": "tok-1"}),
        )
        http.get(
            ozonetel.reports_request("2024-05-09", headers=bearer),
            ozonetel.answer({"status": "true", "details": []}),
        )
        http.get(ozonetel.summary_request("2024-05-09", headers=bearer), summary([ozonetel.agent_state()]))
        output = ozonetel.run(summary_config("token"), "cdr_reports", STREAM)
    # HttpMocker fails the test if the token were asked twice (a second token revokes the first).
    assert len(output.records) == 1


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ("userName or apiKey is Invalid", "credentials.api_key"),
        ("userName should not be empty", "credentials.user_name"),
    ],
)
def test_a_refusal_in_the_pages_error_shape_is_a_config_error_naming_the_field(message, field):
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(
            ozonetel.summary_request("2024-05-09"), ozonetel.answer({"status": "error", "message": message})
        )
        output = ozonetel.run(summary_config(), STREAM, expect_failure=True)
    assert_failed(output, FailureType.config_error, field)


def test_the_pages_other_errors_are_system_errors_quoting_ozonetel():
    said = "Difference Between From and To Date should not be Greater than 30 Days"
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(
            ozonetel.summary_request("2024-05-09"), ozonetel.answer({"status": "error", "message": said})
        )
        output = ozonetel.run(summary_config(), STREAM, expect_failure=True)
    assert_failed(output, FailureType.system_error, said)
