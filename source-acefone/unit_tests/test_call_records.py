import jsonschema
import pytest
from airbyte_cdk.models import FailureType, TraceType
from airbyte_cdk.test.mock_http import HttpMocker
from freezegun import freeze_time

from cdr_shared.testing.output import assert_failed, everything_printed
from cdr_shared.testing.state_suite import SavedStateSuite
from unit_tests import builders as acefone
from unit_tests.builders import DAY_1, DAY_2, NOW, SCHEMA, TOKEN


@freeze_time(NOW)
def test_given_first_sync_when_read_then_each_window_is_requested_in_ist_and_state_follows_each_window():
    with HttpMocker() as http:
        acefone.mock_pages(http, DAY_1, (["a", "b"], 3), (["c"], 3))
        acefone.mock_pages(http, DAY_2, ([acefone.call("d", date="2024-05-10")], 1))
        output = acefone.run(acefone.config())
    assert acefone.ids(output) == ["a", "b", "c", "d"]
    assert acefone.states(output) == ["2024-05-09T18:30:00+00:00", "2024-05-10T12:00:00+00:00"]


@freeze_time(NOW)
def test_records_keep_provider_fields_and_gain_utc_timestamps_and_validate_against_the_schema():
    with HttpMocker() as http:
        acefone.mock_pages(
            http, DAY_1, ([acefone.call("a", time="19:19:59", end_stamp="2024-05-09 19:20:57")], None)
        )
        acefone.mock_empty_day_2(http)
        output = acefone.run(acefone.config())
    record = output.records[0].record.data
    assert record["date"] == "2024-05-09" and record["time"] == "19:19:59"
    assert record["started_at"] == "2024-05-09T13:49:59+00:00"
    assert record["ended_at"] == "2024-05-09T13:50:57+00:00"
    jsonschema.validate(record, SCHEMA)


# Each row: the pages of the first window (calls listed, count stated) and the calls read. HttpMocker fails
# a request nobody mocked, so "no further page is requested" is asserted too.
PAGING = {
    "count is the page size: pages are read until a short one": (
        [(["a", "b"], 2), (["c"], 1)],
        ["a", "b", "c"],
    ),
    "a full last page: paging stops at the next, empty page": ([(["a", "b"], 2), ([], 0)], ["a", "b"]),
    "total count reached on a full page: no further page": ([(["a", "b"], 4), (["c", "d"], 4)], list("abcd")),
    "a call inserted during paging: the repeated record once": (
        [(["a", "b"], 3), (["b", "c"], 4), ([], 4)],
        ["a", "b", "c"],
    ),
}


@pytest.mark.parametrize(("pages", "read"), list(PAGING.values()), ids=list(PAGING))
@freeze_time(NOW)
def test_given_the_pages_of_a_window_when_read_then_every_call_is_read_once(pages, read):
    with HttpMocker() as http:
        acefone.mock_pages(http, DAY_1, *pages)
        acefone.mock_empty_day_2(http)
        output = acefone.run(acefone.config())
    assert acefone.ids(output) == read


@freeze_time(NOW)
def test_given_total_count_when_first_page_arrives_then_an_estimate_is_traced():
    with HttpMocker() as http:
        acefone.mock_pages(http, DAY_1, (["a", "b"], 3), (["c"], 3))
        acefone.mock_empty_day_2(http)
        output = acefone.run(acefone.config())
    estimates = [
        m.trace.estimate.row_estimate for m in output.trace_messages if m.trace.type == TraceType.ESTIMATE
    ]
    # Day 1 reports 3 calls on its first page: 3 known after 1 of 2 windows, so 6 expected; day 2 is empty,
    # and the last estimate is what was read.
    assert estimates == [6, 6, 3]


@freeze_time(NOW)
def test_given_filters_when_read_then_they_become_the_documented_query_parameters():
    filters = {
        "agents": ["agent|0501"],
        "department": ["Sales"],
        "call_type": "m",
        "direction": "inbound",
        "duration": 30,
        "operator": ">=",
        "services": ["ivr", "voicemail"],
        "did_number": "+918069858731",
    }
    expected = {
        "agents[]": "agent|0501",
        "department[]": "sales",
        "call_type": "m",
        "direction": "inbound",
        "duration": "30",
        "operator": ">=",
        "services": "ivr,voicemail",
        "did_number": "+918069858731",
    }
    with HttpMocker() as http:
        http.get(acefone.records_request(*DAY_1, **expected), acefone.page([]))
        http.get(acefone.records_request(*DAY_2, **expected), acefone.page([]))
        acefone.run(acefone.config(filters=filters))


@freeze_time(NOW)
def test_given_state_when_read_then_only_state_minus_lookback_onward_is_requested():
    state = acefone.state_at("2024-05-10T06:30:00+00:00")
    with HttpMocker() as http:
        http.get(
            acefone.records_request("2024-05-10 11:00:00", "2024-05-10 17:29:59"),
            acefone.page([acefone.call("z", date="2024-05-10")]),
        )
        output = acefone.run(acefone.config(), state=state)
    assert acefone.ids(output) == ["z"]
    assert acefone.states(output)[-1] == "2024-05-10T12:00:00+00:00"


@freeze_time(NOW)
def test_given_end_date_when_read_then_nothing_after_it_is_requested():
    with HttpMocker() as http:
        http.get(acefone.records_request(*DAY_1), acefone.page([acefone.call("a")]))
        output = acefone.run(acefone.config(end_date="2024-05-09"))
    assert acefone.states(output) == ["2024-05-09T18:30:00+00:00"]


@freeze_time(NOW)
def test_given_server_errors_rate_limit_and_broken_bodies_when_read_then_retried_and_nothing_lost():
    with HttpMocker() as http:
        http.get(
            acefone.records_request(*DAY_1),
            [
                acefone.error(503, "Service Unavailable"),
                acefone.error(429, {"message": "Too many requests"}, {"Retry-After": "0"}),
                acefone.error(200, '{"count": 2, "results": [{"id"'),
                acefone.error(200, "<html><body>Bad gateway</body></html>"),
                acefone.page([acefone.call("a")]),
            ],
        )
        http.get(acefone.records_request(*DAY_2), acefone.page([acefone.call("b", date="2024-05-10")]))
        output = acefone.run(acefone.config())
    assert acefone.ids(output) == ["a", "b"]


@freeze_time(NOW)
def test_given_answers_that_are_not_pages_when_they_persist_then_system_error_quoting_them():
    with HttpMocker() as http:
        http.get(
            acefone.records_request(*DAY_1),
            [acefone.error(200, {"success": False, "message": "Account suspended"})] * 9,
        )
        output = acefone.run(acefone.config(), expect_failure=True)
    assert_failed(output, FailureType.system_error, "Account suspended")


@freeze_time(NOW)
def test_given_429_with_retry_after_when_read_then_the_connector_waits_that_long(sleeps):
    with HttpMocker() as http:
        http.get(
            acefone.records_request(*DAY_1),
            [acefone.error(429, {"message": "Too many requests"}, {"Retry-After": "7"}), acefone.page([])],
        )
        acefone.mock_empty_day_2(http)
        acefone.run(acefone.config())
    assert sleeps and 7 <= sleeps[0] <= 8


@freeze_time(NOW)
def test_given_revoked_api_token_when_read_then_config_error_naming_the_credential():
    with HttpMocker() as http:
        http.get(acefone.records_request(*DAY_1), acefone.error(401, {"message": "Unauthenticated"}))
        output = acefone.run(acefone.config(), expect_failure=True)
    assert_failed(output, FailureType.config_error, "credentials.api_token")
    assert TOKEN not in everything_printed(output)


@freeze_time(NOW)
def test_given_provider_rejects_a_parameter_when_read_then_config_error_quoting_it():
    with HttpMocker() as http:
        http.get(
            acefone.records_request(*DAY_1), acefone.error(422, {"message": "The did number is invalid."})
        )
        output = acefone.run(acefone.config(), expect_failure=True)
    assert "The did number is invalid." in output.errors[0].trace.error.message


@freeze_time(NOW)
def test_given_persistent_outage_when_read_then_transient_error_and_state_not_advanced():
    with HttpMocker() as http:
        http.get(acefone.records_request(*DAY_1), [acefone.error(500, "boom")] * 9)
        output = acefone.run(acefone.config(), expect_failure=True)
    assert_failed(output, FailureType.transient_error)
    assert all(s is None for s in acefone.states(output)) or acefone.states(output) == []


class TestSavedState(SavedStateSuite):
    builders = acefone
