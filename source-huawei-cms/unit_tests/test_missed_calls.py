"""`missed_calls`: `queryMissedCalls` per window, paged by `offset` up to `total`, UTC instants derived."""

import jsonschema
import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.test.mock_http import HttpMocker
from freezegun import freeze_time

from cdr_shared.testing.http_mock import answer
from cdr_shared.testing.output import assert_failed, stream_schema, warnings
from unit_tests import builders as cms
from unit_tests.builders import NOW, W1, W2

SCHEMA = stream_schema("source_huawei_cms", "missed_calls")


def run(cfg, **kwargs):
    return cms.run(cfg, "missed_calls", **kwargs)


@freeze_time(NOW)
def test_each_window_is_asked_once_in_utc_seconds_and_each_missed_call_becomes_a_record_with_utc_instants():
    with HttpMocker() as http:
        http.post(cms.missed_calls_request(*W1), cms.missed_calls_page([cms.missed_call("m-1")]))
        http.post(
            cms.missed_calls_request(*W2),
            cms.missed_calls_page([cms.missed_call("m-2", "2024-05-10T11:00:00Z", mediaType="5")]),
        )
        output = run(cms.config())
    first, second = (m.record.data for m in output.records)
    assert first["callId"] == "m-1" and first["begin_at"] == "2024-05-10T08:30:00+00:00"
    assert first["end_at"] == "2024-05-10T08:30:40+00:00"
    assert first["waitBegin"] == str(cms.ms("2024-05-10T08:30:00Z"))  # kept as sent, as text
    assert second["mediaType"] == 5
    for record in (first, second):
        jsonschema.validate(record, SCHEMA)
    assert cms.states(output)[-1] == "2024-05-10T11:50:00+00:00"


@freeze_time(NOW)
def test_date_time_text_is_read_as_utc_and_unreadable_instants_leave_the_cursor_field_null():
    text = cms.missed_call("m-1", waitBegin="2024-05-10 08:31:02", callEnd="2024-05-10 08:31:40.250")
    junk = cms.missed_call("m-2", waitBegin="yesterday", callEnd=None)
    with HttpMocker() as http:
        http.post(cms.missed_calls_request(*W1), cms.missed_calls_page([text, junk]))
        http.post(cms.missed_calls_request(*W2), cms.missed_calls_page([]))
        first, second = (m.record.data for m in run(cms.config()).records)
    assert (first["begin_at"], first["end_at"]) == ("2024-05-10T08:31:02+00:00", "2024-05-10T08:31:40+00:00")
    assert second.get("begin_at") is None and second["waitBegin"] == "yesterday"  # nulls are left out
    jsonschema.validate(second, SCHEMA)


@freeze_time(NOW)
def test_pages_advance_by_the_calls_received_until_total_is_reached():
    with HttpMocker() as http:
        http.post(
            cms.missed_calls_request(*W1),
            cms.missed_calls_page([cms.missed_call("m-1"), cms.missed_call("m-2")], total=3),
        )
        http.post(
            cms.missed_calls_request(*W1, offset=2), cms.missed_calls_page([cms.missed_call("m-3")], total=3)
        )
        http.post(cms.missed_calls_request(*W2), cms.missed_calls_page([]))
        output = run(cms.config())
    assert cms.ids(output) == ["m-1", "m-2", "m-3"]


@freeze_time(NOW)
def test_a_server_that_ignores_offset_fails_the_sync_naming_the_window_instead_of_looping():
    page = cms.missed_calls_page([cms.missed_call("m-1"), cms.missed_call("m-2")], total=3)
    with HttpMocker() as http:
        http.post(cms.missed_calls_request(*W1), page)
        http.post(cms.missed_calls_request(*W1, offset=2), page)
        output = run(cms.config(), expect_failure=True)
    assert cms.ids(output) == ["m-1", "m-2"]
    assert_failed(
        output,
        FailureType.config_error,
        "ignores 'offset'",
        "2024-05-10T08:00:00+00:00 to 2024-05-10T10:00:00+00:00",
        "'window_minutes'",
    )
    assert not any(cms.states(output))  # the window was not read completely: no state moved


@freeze_time(NOW)
def test_without_total_a_repeated_full_page_ends_the_window_with_a_data_may_be_missing_warning(monkeypatch):
    monkeypatch.setattr("source_huawei_cms.missed_calls.PAGE_LIMIT", 2)
    page = answer({"returnCode": "0", "missedCalls": [cms.missed_call("m-1"), cms.missed_call("m-2")]})
    with HttpMocker() as http:
        http.post(cms.missed_calls_request(*W1, limit=2), page)
        http.post(cms.missed_calls_request(*W1, offset=2, limit=2), page)
        http.post(cms.missed_calls_request(*W2, limit=2), cms.missed_calls_page([]))
        output = run(cms.config())
    assert cms.ids(output) == ["m-1", "m-2"]
    assert any("DATA MAY BE MISSING" in line and "no 'total'" in line for line in warnings(output))


@freeze_time(NOW)
def test_a_success_without_the_missed_calls_list_is_retried_and_never_taken_as_no_calls():
    with HttpMocker() as http:
        http.post(
            cms.missed_calls_request(*W1),
            [answer({"returnCode": "0", "total": 1}), cms.missed_calls_page([cms.missed_call("m-1")])],
        )
        http.post(cms.missed_calls_request(*W2), cms.missed_calls_page([]))
        output = run(cms.config())
    assert cms.ids(output) == ["m-1"]


@pytest.mark.parametrize(
    ("code", "failure_type"),
    [("1", FailureType.system_error), ("0100002", FailureType.config_error)],  # invalid parameter: check vdn
)
@freeze_time(NOW)
def test_a_failure_return_code_fails_the_sync_quoting_return_desc(code, failure_type):
    with HttpMocker() as http:
        http.post(cms.missed_calls_request(*W1), answer({"returnCode": code, "returnDesc": "vdn not found"}))
        output = run(cms.config(), expect_failure=True)
    assert_failed(output, failure_type, f"resultCode {code}", "vdn not found")


@freeze_time(NOW)
def test_a_call_in_the_window_ends_second_but_after_its_end_is_left_to_the_next_window():
    boundary = cms.missed_call("m-1", "2024-05-10T10:00:00.400Z")
    with HttpMocker() as http:
        http.post(
            cms.missed_calls_request(*W1), cms.missed_calls_page([boundary])
        )  # endTime 10:00:00 inclusive
        http.post(cms.missed_calls_request(*W2), cms.missed_calls_page([boundary]))
        output = run(cms.config())
    assert cms.ids(output) == ["m-1"]
    assert output.records[0].record.data["begin_at"] == "2024-05-10T10:00:00.400000+00:00"
