"""Both documented page shapes, paging per window, and 200 answers that are neither shape."""

import json

import jsonschema
import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.test.mock_http import HttpMocker, HttpResponse
from freezegun import freeze_time

from cdr_shared.testing.output import everything_printed
from unit_tests.builders import (
    DAY_1,
    DAY_2,
    NOW,
    SCHEMA,
    call,
    config,
    error,
    ids,
    login_request,
    page,
    records_request,
    report_call,
    report_page,
    run,
    token_answer,
)

REPORT = "v1/call_report"


@freeze_time(NOW)
def test_given_a_second_window_with_a_smaller_count_than_the_first_when_read_then_it_is_read_in_full():
    with HttpMocker() as http:
        http.get(records_request(*DAY_1), page([call("a"), call("b")], count=5))
        http.get(records_request(*DAY_1, page=2), page([call("c"), call("d")], count=5, page_number=2))
        http.get(records_request(*DAY_1, page=3), page([call("e")], count=5, page_number=3))
        http.get(records_request(*DAY_2), page([call("f"), call("g")], count=3))
        http.get(records_request(*DAY_2, page=2), page([call("h")], count=3, page_number=2))
        output = run(config())
    assert ids(output) == ["a", "b", "c", "d", "e", "f", "g", "h"]


@freeze_time(NOW)
def test_given_a_uk_login_id_when_read_then_the_login_body_carries_login_id_and_the_token_is_used():
    login = {"auth_type": "login", "login_id": "ops@example.co.uk", "password": "pw-canary-3b1e"}
    with HttpMocker() as http:
        http.post(login_request("pw-canary-3b1e", login_id="ops@example.co.uk"), token_answer("tok-uk"))
        http.get(records_request(*DAY_1), page([call("a")]))
        http.get(records_request(*DAY_2), page([]))
        output = run(config(credentials=login))
    assert ids(output) == ["a"]
    assert "pw-canary-3b1e" not in everything_printed(output)


@pytest.mark.parametrize(
    "credentials",
    [
        {"auth_type": "login", "password": "pw"},
        {"auth_type": "login", "email": "a@b.c", "login_id": "a@b.c", "password": "pw"},
    ],
)
def test_given_login_without_exactly_one_login_name_when_read_then_config_error_naming_both(credentials):
    output = run(config(credentials=credentials), expect_failure=True)
    trace = output.errors[0].trace.error
    assert trace.failure_type == FailureType.config_error
    assert "'credentials.email'" in trace.message and "'credentials.login_id'" in trace.message


@freeze_time(NOW)
def test_given_the_call_report_endpoint_when_read_then_pages_of_at_most_100_are_read_by_total_records():
    with HttpMocker() as http:
        http.get(
            records_request(*DAY_1, limit=100, path=REPORT),
            report_page([report_call(n) for n in range(1, 101)], total=101),
        )
        http.get(
            records_request(*DAY_1, page=2, limit=100, path=REPORT),
            report_page([report_call(101)], total=101, page_number=2),
        )
        http.get(records_request(*DAY_2, limit=100, path=REPORT), report_page([]))
        output = run(config(page_size=500, records_endpoint=REPORT))
    assert ids(output) == [str(n) for n in range(1, 102)]


@freeze_time(NOW)
def test_given_a_call_report_record_when_read_then_it_gets_the_same_schema_and_derived_fields():
    with HttpMocker() as http:
        http.get(
            records_request(*DAY_1, path=REPORT),
            report_page([report_call(7, call_date="2024-05-09", connection_time="19:19:59")]),
        )
        http.get(records_request(*DAY_2, path=REPORT), report_page([]))
        output = run(config(records_endpoint=REPORT))
    record = output.records[0].record.data
    assert record["id"] == "7"
    assert record["started_at"] == "2024-05-09T13:49:59+00:00"
    assert record["call_stats"]["connection_time"] == "19:19:59"
    assert "ended_at" not in record or record["ended_at"] is None  # /v1/call_report documents no end time
    jsonschema.validate(record, SCHEMA)
    assert output.state_messages[-1].state.stream.stream_state.started_at == "2024-05-10T12:00:00+00:00"


@freeze_time(NOW)
def test_given_the_records_endpoint_answers_the_older_shape_when_read_then_its_records_are_read_too():
    with HttpMocker() as http:
        http.get(records_request(*DAY_1), report_page([report_call(1), report_call(2)], total=3))
        http.get(records_request(*DAY_1, page=2), report_page([report_call(3)], total=3, page_number=2))
        http.get(records_request(*DAY_2), report_page([]))
        output = run(config())
    assert ids(output) == ["1", "2", "3"]


@freeze_time(NOW)
def test_given_an_older_page_without_totals_capped_at_100_when_page_size_is_larger_then_paging_goes_on():
    full = HttpResponse(json.dumps({"page": "1", "data": [report_call(n) for n in range(1, 101)]}))
    with HttpMocker() as http:
        http.get(records_request(*DAY_1, limit=300), full)
        http.get(
            records_request(*DAY_1, page=2, limit=300),
            HttpResponse(json.dumps({"page": "2", "data": [report_call(101)]})),
        )
        http.get(records_request(*DAY_2, limit=300), report_page([]))
        output = run(config(page_size=300))
    assert len(ids(output)) == 101


@freeze_time(NOW)
def test_given_php_object_encoded_data_when_read_then_its_records_are_read():
    body = {"total_records": "2", "page": "1", "data": {"0": report_call(1), "2": report_call(2)}}
    with HttpMocker() as http:
        http.get(records_request(*DAY_1, path=REPORT), HttpResponse(json.dumps(body)))
        http.get(records_request(*DAY_2, path=REPORT), report_page([]))
        output = run(config(records_endpoint=REPORT))
    assert ids(output) == ["1", "2"]


@pytest.mark.parametrize("path", ["v1/call/records", REPORT])
@pytest.mark.parametrize(
    ("body", "quoted"),
    [
        ("", "an empty body"),
        ("<html><body>Maintenance</body></html>", "Maintenance"),
        (json.dumps({"status": "ok", "message": "No report"}), "No report"),
        (json.dumps({"success": False, "message": "Account suspended", "data": []}), "Account suspended"),
        (json.dumps({"total_records": "3", "data": None}), "total_records"),
    ],
)
@freeze_time(NOW)
def test_given_a_200_that_is_no_documented_page_when_it_persists_then_system_error_naming_the_window(
    path, body, quoted
):
    with HttpMocker() as http:
        http.get(records_request(*DAY_1, path=path), [error(200, body)] * 9)
        output = run(config(records_endpoint=path), expect_failure=True)
    assert output.records == []
    trace = output.errors[0].trace.error
    assert trace.failure_type == FailureType.system_error
    assert "2024-05-09 00:00:00 to 2024-05-09 23:59:59" in trace.message
    assert quoted in trace.message


def test_given_filters_with_the_call_report_endpoint_when_read_then_config_error_naming_both():
    output = run(config(records_endpoint=REPORT, filters={"call_type": "m"}), expect_failure=True)
    trace = output.errors[0].trace.error
    assert trace.failure_type == FailureType.config_error
    assert "'filters'" in trace.message and "'records_endpoint'" in trace.message
