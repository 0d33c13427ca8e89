import json

import jsonschema
import pendulum
import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.test.mock_http import HttpMocker

from cdr_shared.testing.output import assert_failed, stream_schema
from cdr_shared.testing.state_suite import SavedStateSuite
from unit_tests import builders as ozonetel
from unit_tests.builders import AFTER_PUBLICATION, BEFORE_PUBLICATION, KEY, YESTERDAY

SCHEMA = stream_schema("source_ozonetel", "call_logs")
IST = pendulum.timezone("Asia/Kolkata")


def test_given_a_365_day_backfill_then_exactly_13_requests_of_at_most_30_days_and_state_after_each(naps):
    start = pendulum.datetime(2024, 5, 10, tz=IST).subtract(days=365)
    expected = []
    cursor = start
    while cursor < pendulum.datetime(2024, 5, 10, tz=IST):
        end = min(cursor.add(days=30), pendulum.datetime(2024, 5, 10, tz=IST))
        expected.append(
            (cursor.strftime("%Y-%m-%d %H:%M:%S"), end.subtract(seconds=1).strftime("%Y-%m-%d %H:%M:%S"))
        )
        cursor = end
    assert len(expected) == 13
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        for window in expected[:-1]:
            http.get(ozonetel.call_logs_request(*window), ozonetel.failure("no record found"))
        http.get(ozonetel.call_logs_request(*expected[-1]), ozonetel.success([ozonetel.call_log("1")]))
        output = ozonetel.run(ozonetel.config(start_date=start.to_date_string()))
    assert [r.record.data["UCID"] for r in output.records] == ["1"]
    assert len(ozonetel.states(output)) >= 13 and ozonetel.states(output)[-1] == "2024-05-09T18:30:00+00:00"
    # The 11th request needed the hourly quota to free up: waited about an hour, never silent for 10 minutes.
    assert sum(naps) >= 3600 and max(naps) <= 600
    assert any("call-log quota" in m.log.message and "waiting" in m.log.message for m in output.logs)


def test_given_a_sync_at_01_00_ist_then_yesterday_is_not_read_and_state_stays_before_it():
    with ozonetel.clock_at(BEFORE_PUBLICATION), HttpMocker():
        output = ozonetel.run(ozonetel.config(), state=ozonetel.state_at("2024-05-08T18:30:00+00:00"))
    assert output.records == []
    assert all(value <= "2024-05-08T18:30:00+00:00" for value in ozonetel.states(output))


def test_given_a_first_sync_at_01_00_ist_then_state_never_passes_the_start_of_yesterday():
    with ozonetel.clock_at(BEFORE_PUBLICATION), HttpMocker() as http:
        http.get(
            ozonetel.call_logs_request("2024-05-08 00:00:00", "2024-05-08 23:59:59"),
            ozonetel.success([ozonetel.call_log("1", "2024-05-08 09:00:00")]),
        )
        output = ozonetel.run(ozonetel.config(start_date="2024-05-08"))
    assert ozonetel.states(output)[-1] == "2024-05-08T18:30:00+00:00"


def test_given_the_same_state_at_04_00_ist_then_yesterday_is_read_with_its_call_spanning_midnight():
    late = ozonetel.call_log("9", start="2024-05-09 23:58:30", end="2024-05-10 00:01:30")
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(ozonetel.call_logs_request(*YESTERDAY), ozonetel.success([ozonetel.call_log("1"), late]))
        output = ozonetel.run(ozonetel.config(), state=ozonetel.state_at("2024-05-08T18:30:00+00:00"))
    spanning = output.records[-1].record.data
    assert spanning["started_at"] == "2024-05-09T18:28:30+00:00"
    assert spanning["ended_at"] == "2024-05-09T18:31:30+00:00"
    assert ozonetel.states(output)[-1] == "2024-05-09T18:30:00+00:00"


def test_given_a_lookback_then_the_window_starts_that_much_before_the_state():
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(
            ozonetel.call_logs_request("2024-05-09 23:00:00", "2024-05-09 23:59:59"),
            ozonetel.failure("no record found"),
        )
        output = ozonetel.run(
            ozonetel.config(lookback_window_minutes=60), state=ozonetel.state_at("2024-05-09T18:30:00+00:00")
        )
    assert ozonetel.states(output)[-1] == "2024-05-09T18:30:00+00:00"


def test_records_keep_ist_strings_gain_utc_times_and_seconds_lose_the_api_key_and_match_the_schema():
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(
            ozonetel.call_logs_request(*YESTERDAY),
            ozonetel.success([ozonetel.call_log("1", "2024-05-09 10:33:53", "2024-05-09 10:38:50")]),
        )
        output = ozonetel.run(ozonetel.config())
    record = output.records[0].record.data
    assert (
        record["StartTime"] == "2024-05-09 10:33:53" and record["started_at"] == "2024-05-09T05:03:53+00:00"
    )
    assert record["Duration"] == "00:04:46" and record["duration_seconds"] == 286
    assert record["time_to_answer_seconds"] == 11 and record["call_duration_seconds"] == 297
    assert "Apikey" not in record and KEY not in json.dumps(record)
    jsonschema.validate(record, SCHEMA)


def test_given_no_record_found_then_the_window_is_empty_and_state_advances():
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(ozonetel.call_logs_request(*YESTERDAY), ozonetel.failure("no record found"))
        output = ozonetel.run(ozonetel.config())
    assert output.records == [] and ozonetel.states(output)[-1] == "2024-05-09T18:30:00+00:00"


def test_given_a_campaign_then_it_is_sent():
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(
            ozonetel.call_logs_request(*YESTERDAY, campaign_name="Support"),
            ozonetel.success([ozonetel.call_log("1")]),
        )
        output = ozonetel.run(ozonetel.config(campaign_name="Support"))
    assert len(output.records) == 1


def test_given_max_limit_exceeded_then_the_connector_waits_a_whole_hour_in_heartbeats_and_goes_on(naps):
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(
            ozonetel.call_logs_request(*YESTERDAY),
            [ozonetel.failure("Max Limit Exceeded"), ozonetel.success([ozonetel.call_log("1")])],
        )
        output = ozonetel.run(ozonetel.config())
    assert [r.record.data["UCID"] for r in output.records] == ["1"]
    assert sum(naps) >= 3600 and max(naps) <= 600
    messages = [m.log.message for m in output.logs]
    assert any("waiting 1 h" in m for m in messages)
    assert sum("Still waiting" in m for m in messages) >= 11


def test_given_a_wait_longer_than_accepted_then_a_transient_error_names_the_setting():
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(ozonetel.call_logs_request(*YESTERDAY), ozonetel.failure("Max Limit Exceeded"))
        output = ozonetel.run(
            ozonetel.config(advanced={"max_rate_limit_wait_minutes": 30}), expect_failure=True
        )
    assert_failed(output, FailureType.transient_error, "advanced.max_rate_limit_wait_minutes")


# getCallLogs failures (HTTP 200, `status: failure`) that do not pass: how the sync fails, what it names.
FAILURES = {
    "missing key: config error naming api_key": (
        "Please provide API Key",
        FailureType.config_error,
        "credentials.api_key",
    ),
    "the 30-day answer: config error naming window_days": (
        "The Requested date should not be more than 30 days",
        FailureType.config_error,
        "'window_days'",
    ),
    "an unknown failure: system error quoting it": (
        "Something new",
        FailureType.system_error,
        "Something new",
    ),
}


@pytest.mark.parametrize(("message", "failure_type", "named"), list(FAILURES.values()), ids=list(FAILURES))
def test_given_a_failure_answer_then_the_sync_fails_as_it_means(message, failure_type, named):
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(ozonetel.call_logs_request(*YESTERDAY), ozonetel.failure(message))
        output = ozonetel.run(ozonetel.config(), expect_failure=True)
    assert_failed(output, failure_type, named)


def test_given_an_end_date_before_the_start_date_then_a_config_error_before_any_request():
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker():
        output = ozonetel.run(
            ozonetel.config(start_date="2024-05-09", end_date="2024-05-01"), expect_failure=True
        )
    assert_failed(output, FailureType.config_error, "'end_date'")


class TestSavedState(SavedStateSuite):
    builders = ozonetel
    now = AFTER_PUBLICATION
    future = "2030-01-01T00:00:00+00:00"

    def clock(self):
        return ozonetel.clock_at(self.now)
