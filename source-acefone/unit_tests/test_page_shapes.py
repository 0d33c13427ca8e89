"""Both documented page shapes, paging per window, and 200 answers that are neither shape."""

import json

import jsonschema
import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.test.mock_http import HttpMocker, HttpResponse
from freezegun import freeze_time

from cdr_shared.testing.output import assert_failed, everything_printed
from unit_tests import builders as acefone
from unit_tests.builders import DAY_1, DAY_2, NOW, SCHEMA

REPORT = "v1/call_report"


@freeze_time(NOW)
def test_given_a_second_window_with_a_smaller_count_than_the_first_when_read_then_it_is_read_in_full():
    with HttpMocker() as http:
        acefone.mock_pages(http, DAY_1, (["a", "b"], 5), (["c", "d"], 5), (["e"], 5))
        acefone.mock_pages(http, DAY_2, (["f", "g"], 3), (["h"], 3))
        output = acefone.run(acefone.config())
    assert acefone.ids(output) == ["a", "b", "c", "d", "e", "f", "g", "h"]


@freeze_time(NOW)
def test_given_a_uk_login_id_when_read_then_the_login_body_carries_login_id_and_the_token_is_used():
    login = {"auth_type": "login", "login_id": "ops@example.co.uk", "password": "pw-canary-3b1e"}
    with HttpMocker() as http:
        http.post(
            acefone.login_request("pw-canary-3b1e", login_id="ops@example.co.uk"),
            acefone.token_answer("tok-uk"),
        )
        acefone.mock_pages(http, DAY_1, (["a"], None))
        acefone.mock_empty_day_2(http)
        output = acefone.run(acefone.config(credentials=login))
    assert acefone.ids(output) == ["a"]
    assert "pw-canary-3b1e" not in everything_printed(output)


@pytest.mark.parametrize(
    "credentials",
    [
        {"auth_type": "login", "password": "pw"},
        {"auth_type": "login", "email": "a@b.c", "login_id": "a@b.c", "password": "pw"},
    ],
)
def test_given_login_without_exactly_one_login_name_when_read_then_config_error_naming_both(credentials):
    output = acefone.run(acefone.config(credentials=credentials), expect_failure=True)
    assert_failed(output, FailureType.config_error, "'credentials.email'", "'credentials.login_id'")


@freeze_time(NOW)
def test_given_the_call_report_endpoint_when_read_then_pages_of_at_most_100_are_read_by_total_records():
    with HttpMocker() as http:
        first = [acefone.report_call(n) for n in range(1, 101)]
        report = {"shape": acefone.report_page, "limit": 100, "path": REPORT}
        acefone.mock_pages(http, DAY_1, (first, 101), ([acefone.report_call(101)], 101), **report)
        acefone.mock_pages(http, DAY_2, ([], None), **report)
        output = acefone.run(acefone.config(page_size=500, records_endpoint=REPORT))
    assert acefone.ids(output) == [str(n) for n in range(1, 102)]


@freeze_time(NOW)
def test_given_a_call_report_record_when_read_then_it_gets_the_same_schema_and_derived_fields():
    with HttpMocker() as http:
        http.get(
            acefone.records_request(*DAY_1, path=REPORT),
            acefone.report_page([acefone.report_call(7, call_date="2024-05-09", connection_time="19:19:59")]),
        )
        http.get(acefone.records_request(*DAY_2, path=REPORT), acefone.report_page([]))
        output = acefone.run(acefone.config(records_endpoint=REPORT))
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
        calls = [acefone.report_call(n) for n in (1, 2, 3)]
        acefone.mock_pages(http, DAY_1, (calls[:2], 3), (calls[2:], 3), shape=acefone.report_page)
        acefone.mock_pages(http, DAY_2, ([], None), shape=acefone.report_page)
        output = acefone.run(acefone.config())
    assert acefone.ids(output) == ["1", "2", "3"]


@freeze_time(NOW)
def test_given_an_older_page_without_totals_capped_at_100_when_page_size_is_larger_then_paging_goes_on():
    full = HttpResponse(json.dumps({"page": "1", "data": [acefone.report_call(n) for n in range(1, 101)]}))
    with HttpMocker() as http:
        http.get(acefone.records_request(*DAY_1, limit=300), full)
        http.get(
            acefone.records_request(*DAY_1, page=2, limit=300),
            HttpResponse(json.dumps({"page": "2", "data": [acefone.report_call(101)]})),
        )
        http.get(acefone.records_request(*DAY_2, limit=300), acefone.report_page([]))
        output = acefone.run(acefone.config(page_size=300))
    assert len(acefone.ids(output)) == 101


@freeze_time(NOW)
def test_given_php_object_encoded_data_when_read_then_its_records_are_read():
    body = {
        "total_records": "2",
        "page": "1",
        "data": {"0": acefone.report_call(1), "2": acefone.report_call(2)},
    }
    with HttpMocker() as http:
        http.get(acefone.records_request(*DAY_1, path=REPORT), HttpResponse(json.dumps(body)))
        http.get(acefone.records_request(*DAY_2, path=REPORT), acefone.report_page([]))
        output = acefone.run(acefone.config(records_endpoint=REPORT))
    assert acefone.ids(output) == ["1", "2"]


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
        http.get(acefone.records_request(*DAY_1, path=path), [acefone.error(200, body)] * 9)
        output = acefone.run(acefone.config(records_endpoint=path), expect_failure=True)
    assert output.records == []
    trace = output.errors[0].trace.error
    assert trace.failure_type == FailureType.system_error
    assert "2024-05-09 00:00:00 to 2024-05-09 23:59:59" in trace.message
    assert quoted in trace.message


def test_given_filters_with_the_call_report_endpoint_when_read_then_config_error_naming_both():
    output = acefone.run(
        acefone.config(records_endpoint=REPORT, filters={"call_type": "m"}), expect_failure=True
    )
    assert_failed(output, FailureType.config_error, "'filters'", "'records_endpoint'")
