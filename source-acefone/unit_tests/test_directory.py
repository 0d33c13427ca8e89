"""`users` (GET /v1/users, paged by `last_seen_id`) and `departments` (GET /v1/departments), full refresh."""

import jsonschema
import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.test.mock_http import HttpMocker

from cdr_shared.testing.output import assert_failed, everything_printed, stream_schema
from unit_tests import builders as acefone
from unit_tests.builders import TOKEN

USERS_SCHEMA = stream_schema("source_acefone", "users")
DEPARTMENTS_SCHEMA = stream_schema("source_acefone", "departments")


def test_given_has_more_when_read_then_each_page_is_asked_after_the_last_seen_id_until_has_more_is_false():
    with HttpMocker() as http:
        http.get(acefone.users_request(), acefone.users_page([314601, 314610], has_more=True))
        http.get(acefone.users_request(314610), acefone.users_page([314622, 314630], has_more=True))
        http.get(acefone.users_request(314630), acefone.users_page([314655], has_more=False))
        output = acefone.read_directory(acefone.config())
    assert acefone.ids(output) == [314601, 314610, 314622, 314630, 314655]
    for message in output.records:
        jsonschema.validate(message.record.data, USERS_SCHEMA)


# Each row: the pages Acefone answers (ids listed, has_more) and the users read. HttpMocker fails a request
# nobody mocked, so "no further page is requested" is asserted too.
USER_PAGING = {
    "no has_more, a short page ends the list": ([([1, 2], None), ([3], None)], [1, 2, 3]),
    "no has_more, a full last page: paging stops at the next, empty page": (
        [([1, 2], None), ([], None)],
        [1, 2],
    ),
    "has_more true on an empty page: the empty page ends the list": ([([1, 2], True), ([], True)], [1, 2]),
    "has_more false on a full page: no further page": ([([1, 2], False)], [1, 2]),
}


@pytest.mark.parametrize(("pages", "read"), list(USER_PAGING.values()), ids=list(USER_PAGING))
def test_given_the_users_pages_when_read_then_every_user_is_read_once(pages, read):
    with HttpMocker() as http:
        after = None
        for ids, has_more in pages:
            http.get(acefone.users_request(after), acefone.users_page(ids, has_more))
            after = ids[-1] if ids else after
        output = acefone.read_directory(acefone.config())
    assert acefone.ids(output) == read


def test_given_ids_as_text_when_read_then_users_carry_numeric_ids_and_paging_follows_the_text_cursor():
    with HttpMocker() as http:
        http.get(acefone.users_request(), acefone.users_page(["288256", "288300"], has_more=True))
        http.get(acefone.users_request(288300), acefone.users_page(["288301"], has_more=False))
        output = acefone.read_directory(acefone.config())
    assert acefone.ids(output) == [288256, 288300, 288301]
    jsonschema.validate(output.records[0].record.data, USERS_SCHEMA)


def test_given_no_last_seen_id_in_the_answer_when_read_then_the_last_user_id_is_the_cursor():
    with HttpMocker() as http:
        http.get(acefone.users_request(), acefone.users_page([5, 9], has_more=True, last_seen_id=None))
        http.get(acefone.users_request(9), acefone.users_page([], has_more=False))
        output = acefone.read_directory(acefone.config())
    assert acefone.ids(output) == [5, 9]


@pytest.mark.parametrize(
    "repeated",
    [
        acefone.users_page([1, 2], has_more=True),  # the first page again: last_seen_id ignored
        acefone.users_page([3, 4], has_more=True, last_seen_id=2),  # new users, but a cursor that stays put
    ],
    ids=["same page again", "cursor does not advance"],
)
def test_given_a_page_that_does_not_move_past_the_cursor_when_read_then_the_sync_stops_with_an_error(
    repeated,
):
    with HttpMocker() as http:
        http.get(acefone.users_request(), acefone.users_page([1, 2], has_more=True))
        http.get(acefone.users_request(2), repeated)
        output = acefone.read_directory(acefone.config(), expect_failure=True)
    assert_failed(output, FailureType.system_error, "users:", "last_seen_id", "does not advance")
    read = acefone.ids(output)
    assert read[:2] == [1, 2] and len(read) == len(set(read))  # a page read before is not emitted again


def test_users_keep_unknown_fields_and_drop_secret_looking_ones():
    odd = acefone.user(
        7,
        team_member={"designation": "Lead", "sip_password": "sip-secret-1"},
        api_key="user-key-2",
        extension={"username": "0602842370077", "outbound_block": False},
    )
    with HttpMocker() as http:
        http.get(acefone.users_request(), acefone.answer({"has_more": False, "count": 1, "data": [odd]}))
        output = acefone.read_directory(acefone.config())
    record = output.records[0].record.data
    assert record["team_member"] == {"designation": "Lead"}
    assert "api_key" not in record
    assert record["extension"] == {"username": "0602842370077", "outbound_block": False}
    printed = everything_printed(output)
    assert "sip-secret-1" not in printed and "user-key-2" not in printed
    jsonschema.validate(record, USERS_SCHEMA)


NOT_A_USERS_PAGE = {
    "error body": {"success": False, "message": "Account suspended"},
    "no data list": {"has_more": False, "count": 0},
    "a bare list": [acefone.user(1)],
    "a user without an id": {"has_more": False, "count": 1, "data": [{"name": "xyz"}]},
    "an HTML page": "<html><body>Maintenance</body></html>",
}


@pytest.mark.parametrize("body", list(NOT_A_USERS_PAGE.values()), ids=list(NOT_A_USERS_PAGE))
def test_given_200_answers_that_are_not_a_users_page_when_they_persist_then_system_error_naming_the_stream(
    body,
):
    with HttpMocker() as http:
        http.get(acefone.users_request(), [acefone.error(200, body)] * 9)
        output = acefone.read_directory(acefone.config(), expect_failure=True)
    assert_failed(output, FailureType.system_error, "users:")


def test_given_faults_then_a_page_when_read_then_retried_and_nothing_lost(sleeps):
    with HttpMocker() as http:
        http.get(
            acefone.users_request(),
            [
                acefone.error(503, "Service Unavailable"),
                acefone.error(429, {"message": "Too many requests"}, {"Retry-After": "7"}),
                acefone.error(200, '{"has_more": true, "data": [{"id"'),
                acefone.error(200, {"success": False, "message": "Something went wrong"}),
                acefone.users_page([1], has_more=False),
            ],
        )
        output = acefone.read_directory(acefone.config())
    assert acefone.ids(output) == [1]
    assert any(7 <= wait <= 8 for wait in sleeps)


@pytest.mark.parametrize("status", [401, 403])
def test_given_refused_credentials_when_read_then_config_error_naming_the_credential(status):
    with HttpMocker() as http:
        http.get(acefone.departments_request(), acefone.error(status, {"message": "Unauthenticated"}))
        output = acefone.read_directory(acefone.config(), "departments", expect_failure=True)
    assert_failed(output, FailureType.config_error, "credentials.api_token")
    assert TOKEN not in everything_printed(output)


def test_given_a_bare_list_when_departments_are_read_then_every_department_is_emitted_as_sent():
    sent = [acefone.department("20546"), acefone.department("20547", name="Support", future_field={"a": 1})]
    with HttpMocker() as http:
        http.get(acefone.departments_request(), acefone.answer(sent))
        output = acefone.read_directory(acefone.config(), "departments")
    records = [message.record.data for message in output.records]
    assert [r["id"] for r in records] == ["20546", "20547"]
    assert records[1]["future_field"] == {"a": 1}
    assert records[0]["agents"] == sent[0]["agents"]
    for record in records:
        jsonschema.validate(record, DEPARTMENTS_SCHEMA)


def test_given_the_list_under_data_when_departments_are_read_then_it_is_read_and_numeric_ids_become_text():
    with HttpMocker() as http:
        http.get(acefone.departments_request(), acefone.answer({"data": [acefone.department(149)]}))
        output = acefone.read_directory(acefone.config(), "departments")
    assert [m.record.data["id"] for m in output.records] == ["149"]
    jsonschema.validate(output.records[0].record.data, DEPARTMENTS_SCHEMA)


def test_given_no_departments_when_read_then_an_empty_list_is_no_error():
    with HttpMocker() as http:
        http.get(acefone.departments_request(), acefone.answer([]))
        output = acefone.read_directory(acefone.config(), "departments")
    assert output.records == [] and output.errors == []


@pytest.mark.parametrize(
    "body",
    [{"success": False, "message": "Account suspended"}, {"message": "ok"}, "", [1, 2]],
    ids=["error body", "no list", "empty body", "not departments"],
)
def test_given_200_answers_that_are_not_departments_when_they_persist_then_system_error_naming_the_stream(
    body,
):
    with HttpMocker() as http:
        http.get(acefone.departments_request(), [acefone.error(200, body)] * 9)
        output = acefone.read_directory(acefone.config(), "departments", expect_failure=True)
    assert_failed(output, FailureType.system_error, "departments:")


def test_given_login_credentials_when_both_streams_are_read_then_one_login_serves_both():
    with HttpMocker() as http:
        http.post(acefone.login_request("pw-1", email="a@example.com"), acefone.token_answer("login-token-1"))
        http.get(
            acefone.with_bearer(acefone.users_request(), "login-token-1"),
            acefone.users_page([1], has_more=False),
        )
        http.get(
            acefone.with_bearer(acefone.departments_request(), "login-token-1"),
            acefone.answer([acefone.department("1")]),
        )
        output = acefone.read_directory(
            acefone.config.with_login(email="a@example.com", password="pw-1")(), "users", "departments"
        )
    assert [m.record.stream for m in output.records] == ["users", "departments"]
