"""Specification of the RingCX emulator: login and token exchange, admin lists, inputControls, the streamed
Call Detail Report with its validation and format, faults, control and CLI."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
import requests

from integration_tests.emulators.ringcx import (
    ACCOUNTS_PATH,
    DEFAULT_API_TOKEN,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_JWT,
    EXCHANGE_PATH,
    PLATFORM_TOKEN_PATH,
    REFRESH_PATH,
    RingCxEmulator,
)
from integration_tests.emulators.testing import emulator_process

RingCxFactory = Callable[..., RingCxEmulator]
DATA = {"calls": 400, "accounts": 2, "days": 10, "end_date": "2026-10-11", "seed": 3}
PERMANENT = {"X-Auth-Token": DEFAULT_API_TOKEN}
ACCOUNT = "15300001"


def report_body(**criteria: Any) -> dict[str, Any]:
    base = {
        "accountIds": [ACCOUNT],
        "groupBy": "PROFILE",
        "cloudDestinationGroupIds": [],
        "cloudDestinationIds": [],
        "cloudProfileGroupIds": [111, 112, None],
        "cloudProfileIds": [1111, 1222, 1333, 1444, 1555],
        "startTimestamp": "2026-10-01 00:00:00.0000",
        "endTimestamp": "2026-10-10 23:59:59.9999",
        "timezoneName": "UTC",
        "criteriaType": "CASPER_CRITERIA",
        "reportName": "Cloud_Call_Detail_Download",
        "returnType": "CSV",
        "schedule": {"repeatOption": "ONCE"},
    }
    base.update(criteria)
    return {
        "delimiter": "COMMA",
        "reportType": "CASPER_REPORT",
        "reportTypeName": "Cloud_Call_Detail_Download",
        "reportCriteria": base,
    }


def post_report(
    emulator: RingCxEmulator, body: dict[str, Any], headers=PERMANENT, **kwargs
) -> requests.Response:
    url = emulator.url(f"/voice/api/v1/admin/accounts/{ACCOUNT}/reportsStreaming")
    return requests.post(url, json=body, headers=headers, timeout=30, **kwargs)


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def log_in(emulator: RingCxEmulator) -> dict[str, Any]:
    platform = requests.post(
        emulator.url(PLATFORM_TOKEN_PATH),
        auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": DEFAULT_JWT},
        timeout=10,
    )
    assert platform.status_code == 200, platform.text
    exchanged = requests.post(
        emulator.url(EXCHANGE_PATH),
        params={"includeRefresh": "true"},
        data={"rcAccessToken": platform.json()["access_token"], "rcTokenType": "Bearer"},
        timeout=10,
    )
    assert exchanged.status_code == 200, exchanged.text
    return exchanged.json()


@pytest.fixture
def emulator(ringcx_emulator: RingCxFactory) -> RingCxEmulator:
    return ringcx_emulator(**DATA)


# ----------------------------------------------------------------------------------------------- login


def test_jwt_login_then_exchange_gives_a_ringcx_token_pair_and_the_admin(emulator):
    pair = log_in(emulator)
    assert pair["tokenType"] == "Bearer" and pair["adminId"] == 1111 and pair["refreshToken"]
    headers = {"Authorization": f"Bearer {pair['accessToken']}"}
    assert requests.get(emulator.url(ACCOUNTS_PATH), headers=headers, timeout=10).status_code == 200


def test_wrong_client_or_jwt_is_refused_like_the_platform_does(emulator):
    wrong_client = requests.post(
        emulator.url(PLATFORM_TOKEN_PATH), auth=("x", "y"), data={"grant_type": "x"}, timeout=10
    )
    assert wrong_client.status_code == 401 and wrong_client.json()["error"] == "invalid_client"
    wrong_jwt = requests.post(
        emulator.url(PLATFORM_TOKEN_PATH),
        auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": "nope"},
        timeout=10,
    )
    assert wrong_jwt.status_code == 400 and wrong_jwt.json()["error"] == "invalid_grant"


def test_ringcx_tokens_expire_after_five_minutes_with_jwt_is_expired(emulator):
    headers = {"Authorization": f"Bearer {log_in(emulator)['accessToken']}"}
    emulator.clock.advance(299)
    assert requests.get(emulator.url(ACCOUNTS_PATH), headers=headers, timeout=10).status_code == 200
    emulator.clock.advance(2)
    expired = requests.get(emulator.url(ACCOUNTS_PATH), headers=headers, timeout=10)
    assert expired.status_code == 401 and expired.json()["message"] == "Jwt is expired"


def test_refresh_tokens_renew_the_pair_once(emulator):
    refresh = log_in(emulator)["refreshToken"]
    renewed = requests.post(emulator.url(REFRESH_PATH), data={"refresh_token": refresh}, timeout=10)
    assert renewed.status_code == 200 and renewed.json()["refreshToken"] != refresh
    again = requests.post(emulator.url(REFRESH_PATH), data={"refresh_token": refresh}, timeout=10)
    assert again.status_code == 401


def test_the_exchange_takes_five_requests_per_minute_then_429_with_retry_after(emulator):
    for _ in range(5):
        log_in(emulator)
    refused = requests.post(emulator.url(EXCHANGE_PATH), data={"rcAccessToken": "x"}, timeout=10)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    emulator.clock.advance(61)
    log_in(emulator)


def test_permanent_api_tokens_go_in_x_auth_token(emulator):
    assert requests.get(emulator.url(ACCOUNTS_PATH), headers=PERMANENT, timeout=10).status_code == 200
    wrong = requests.get(emulator.url(ACCOUNTS_PATH), headers={"X-Auth-Token": "aws80:nope"}, timeout=10)
    assert wrong.status_code == 401
    assert requests.get(emulator.url(ACCOUNTS_PATH), timeout=10).status_code == 401


# ---------------------------------------------------------------------------------------- admin lists


def test_accounts_carry_the_credential_settings_of_the_real_model(emulator):
    accounts = requests.get(emulator.url(ACCOUNTS_PATH), headers=PERMANENT, timeout=10).json()
    assert [a["accountId"] for a in accounts] == ["15300001", "15300002"]
    assert {"crmPwd", "ftpPwd", "securityKey"} <= set(accounts[0])


def test_account_and_user_dates_are_iso_with_a_compact_offset_or_epoch_millis_when_told(ringcx_emulator):
    emulator = ringcx_emulator(**DATA)
    users = emulator.url("/voice/api/v1/admin/users")

    def dates() -> tuple[Any, Any, Any]:
        account = requests.get(emulator.url(ACCOUNTS_PATH), headers=PERMANENT, timeout=10).json()[0]
        nested = requests.get(users, headers=PERMANENT, timeout=10).json()[0]
        return account["startDate"], account["endDate"], nested["children"][0]["creationDate"]

    assert dates() == ("2021-01-15T08:30:00.000+0000", None, "2023-02-01T10:00:00.000+0000")
    emulator.date_style = "millis"
    assert dates() == (1610699400000, None, 1675245600000)


@pytest.mark.parametrize(
    ("shape", "check"),
    [
        ("nested", lambda body: body[-1]["groupId"] is None and body[-1]["children"][0]["objId"] == 1333),
        ("keyed", lambda body: list(body) == ["CLOUD_PROFILE"]),
        ("flat", lambda body: {"objId", "groupId"} <= set(body[0])),
        ("unknown", lambda body: "result" in body),
    ],
)
def test_input_controls_answer_in_the_configured_shape(ringcx_emulator, shape, check):
    emulator = ringcx_emulator(**DATA, input_controls_shape=shape)
    answer = requests.get(
        emulator.url(f"/voice/api/v1/admin/accounts/{ACCOUNT}/users/1111/reports/inputControls"),
        params={"accountIds": ACCOUNT, "products": "CLOUD_PROFILE"},
        headers=PERMANENT,
        timeout=10,
    )
    assert answer.status_code == 200 and check(answer.json())


# ------------------------------------------------------------------------------------------- report


def test_report_streams_the_seed_csv_format_in_chunks(emulator):
    answer = post_report(emulator, report_body())
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/csv" and answer.headers["Transfer-Encoding"] == "chunked"
    lines = answer.text.splitlines()
    assert lines[0].startswith("cloud_profile_id,profile_name,uii,ani,dnis,outbound_externid,media_isci")
    rows = rows_of(answer.text)
    assert rows and all(r["uii"].startswith("'") and len(r["uii"]) == 31 for r in rows)
    assert all(r["call_state"] in ("COMPLETE            ", "ABANDON             ") for r in rows)
    assert any(r["attempt_2_id"] == "" for r in rows) and all(r["media_length"] == "0" for r in rows)
    assert all(" AM" in r["enqueue_time"] or " PM" in r["enqueue_time"] for r in rows)
    assert '"Billing, Tier 2"' in answer.text


def test_report_rows_equal_the_ground_truth_of_the_account_and_window(emulator):
    rows = rows_of(post_report(emulator, report_body()).text)
    truth = [
        {k: v for k, v in r.items() if k != "account_id"}
        for r in emulator.ground_truth()
        if r["account_id"] == ACCOUNT
    ]
    assert rows == truth


def test_report_times_are_written_in_the_requested_zone(emulator):
    utc = rows_of(post_report(emulator, report_body()).text)
    arizona = rows_of(
        post_report(
            emulator,
            report_body(
                timezoneName="US/Arizona",
                startTimestamp="2026-09-30 17:00:00",
                endTimestamp="2026-10-10 16:59:59.9999",
            ),
        ).text
    )
    assert [r["uii"] for r in utc] == [r["uii"] for r in arizona]
    assert utc[0]["enqueue_time"] != arizona[0]["enqueue_time"]


def test_both_timestamps_are_inclusive_to_the_second(emulator):
    first = rows_of(post_report(emulator, report_body()).text)[0]
    instant = first["uii"][1:15]  # the enqueue instant, UTC, yyyyMMddHHmmss
    stamp = f"{instant[:4]}-{instant[4:6]}-{instant[6:8]} {instant[8:10]}:{instant[10:12]}:{instant[12:14]}"
    only = rows_of(post_report(emulator, report_body(startTimestamp=stamp, endTimestamp=stamp)).text)
    assert first["uii"] in {r["uii"] for r in only}


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        ({"groupBy": "DESTINATION"}, "groupBy DESTINATION requires cloudDestinationGroupIds"),
        ({"groupBy": "AGENT"}, "Invalid groupBy"),
        ({"cloudProfileGroupIds": [111, 112]}, "cloudProfileIds value 1333 does not belong"),
        ({"cloudProfileIds": [9999]}, "Invalid cloudProfileIds value: 9999"),
        ({"cloudDestinationIds": [1500]}, "does not take cloudDestinationGroupIds or cloudDestinationIds"),
        ({"startTimestamp": "2026-10-01T00:00:00Z"}, "Unparseable startTimestamp"),
        ({"endTimestamp": "10/10/26"}, "Unparseable endTimestamp"),
        ({"timezoneName": "Mars/Base"}, "Invalid timezoneName: Mars/Base"),
        ({"accountIds": ["15300001", "99"]}, "Invalid accountIds"),
        ({"accountIds": ["15300002"]}, "must include the account of the path"),
        ({"returnType": "PDF"}, "returnType"),
        ({"schedule": {"repeatOption": "DAILY"}}, "repeatOption"),
    ],
)
def test_report_bodies_the_seed_rules_out_are_400_with_the_reason(emulator, criteria, message):
    answer = post_report(emulator, report_body(**criteria))
    assert answer.status_code == 400 and message in answer.json()["message"]


def test_destination_reports_use_destination_columns(emulator):
    body = report_body(
        groupBy="DESTINATION",
        cloudProfileGroupIds=[],
        cloudProfileIds=[],
        cloudDestinationGroupIds=[131, None],
        cloudDestinationIds=[1500, 1501, 1502, 1503],
    )
    answer = post_report(emulator, body)
    assert answer.status_code == 200 and answer.text.startswith("cloud_destination_id,destination_name,uii")


def test_truncated_fault_drops_the_connection_mid_row(emulator):
    emulator.inject(["truncated"])
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        post_report(emulator, report_body())


def test_clean_truncation_ends_the_body_mid_row(ringcx_emulator):
    emulator = ringcx_emulator(**DATA, truncated_style="clean")
    complete = post_report(emulator, report_body()).text
    emulator.inject(["truncated"])
    cut = post_report(emulator, report_body()).text
    assert complete.startswith(cut) and len(cut) < len(complete) and not cut.endswith("\n")


def test_a_report_keeps_streaming_after_its_token_expires(ringcx_emulator):
    emulator = ringcx_emulator(**DATA, time_scale=300, chunk_rows=20, chunk_delay=0.2)  # 1-second tokens
    headers = {"Authorization": f"Bearer {log_in(emulator)['accessToken']}"}
    answer = post_report(emulator, report_body(), headers=headers)
    assert answer.status_code == 200 and len(rows_of(answer.text)) > 100
    assert (
        requests.get(emulator.url(ACCOUNTS_PATH), headers=headers, timeout=10).json()["message"]
        == "Jwt is expired"
    )


def test_expired_token_fault_answers_jwt_is_expired(emulator):
    emulator.inject(["expired_token"])
    answer = post_report(emulator, report_body())
    assert answer.status_code == 401 and answer.json()["message"] == "Jwt is expired"


def test_control_settings_switch_shapes_and_truncation(emulator):
    answer = requests.post(
        emulator.url("/__control/settings"),
        json={"input_controls_shape": "flat", "truncated_style": "clean"},
        timeout=10,
    )
    assert answer.json()["input_controls_shape"] == "flat" and emulator.truncated_style == "clean"
    refused = requests.post(
        emulator.url("/__control/settings"), json={"input_controls_shape": "xml"}, timeout=10
    )
    assert refused.status_code == 400


def test_command_line_serves_the_emulator():
    with emulator_process("ringcx", "--calls", "20", "--accounts", "1", "--end-date", "2026-10-11") as (
        _,
        url,
    ):
        accounts = requests.get(f"{url}{ACCOUNTS_PATH}", headers=PERMANENT, timeout=10).json()
        assert [a["accountId"] for a in accounts] == ["15300001"]


# ------------------------------------------------------------------------ odd report answers, per test


@pytest.mark.parametrize(
    ("answer", "content_type", "check"),
    [
        ("empty", "text/csv", lambda text: text == ""),
        ("html", "text/html; charset=utf-8", lambda text: text.startswith("<!DOCTYPE html>")),
        (
            "foreign_header",
            "text/csv",
            lambda text: text.startswith("Agent ID,Last Name") and "uii" not in text,
        ),
    ],
)
def test_report_answers_that_are_not_the_report_are_200(ringcx_emulator, answer, content_type, check):
    emulator = ringcx_emulator(**DATA, report_answer=answer)
    for _ in range(2):  # every request, unless report_answer_times says otherwise
        reply = post_report(emulator, report_body())
        assert (
            reply.status_code == 200 and reply.headers["Content-Type"] == content_type and check(reply.text)
        )


def test_report_answer_times_limits_the_odd_answer_to_the_next_requests(ringcx_emulator):
    emulator = ringcx_emulator(**DATA)
    settings = requests.post(
        emulator.url("/__control/settings"),
        json={"report_answer": "empty", "report_answer_times": 1},
        timeout=10,
    )
    assert settings.json()["report_answer"] == "empty"
    assert post_report(emulator, report_body()).text == ""
    assert rows_of(post_report(emulator, report_body()).text)


def test_ragged_answer_shortens_and_lengthens_rows_as_its_ground_truth_says(ringcx_emulator):
    emulator = ringcx_emulator(**DATA, report_answer="ragged")
    lines = list(csv.reader(io.StringIO(post_report(emulator, report_body()).text)))
    width = len(lines[0])
    assert any(len(row) < width for row in lines[1:]) and any(len(row) > width for row in lines[1:])
    truth = [r for r in emulator.ground_truth() if r["account_id"] == ACCOUNT]
    long_rows = [row for row in lines[1:] if len(row) > width]
    assert [row[width:] for row in long_rows] == [r["_surplus"] for r in truth if "_surplus" in r]


def test_one_column_truncation_ends_cleanly_one_cell_short_without_a_line_break(ringcx_emulator):
    emulator = ringcx_emulator(**DATA, truncated_style="one_column")
    complete = post_report(emulator, report_body()).text
    emulator.inject(["truncated"])
    cut = post_report(emulator, report_body()).text
    width = len(complete.splitlines()[0].split(","))
    last = list(csv.reader(io.StringIO(cut)))[-1]
    assert complete.startswith(cut) and not cut.endswith("\n") and len(last) == width - 1


# -------------------------------------------------------------------------------- legacy login, users


def test_legacy_login_reads_the_query_string_by_default_and_the_form_body_when_told(ringcx_emulator):
    fields = {"username": "admin@example.com", "password": "emulator-password", "platformId": "NA1"}
    emulator = ringcx_emulator(**DATA)
    url = emulator.url("/api/auth/login/admin")
    pair = requests.post(url, params=fields, timeout=10).json()
    assert pair["accessToken"] and pair["refreshToken"] and pair["adminId"] == 1111
    assert requests.post(url, data=fields, timeout=10).status_code == 400
    wrong = requests.post(url, params={**fields, "password": "nope"}, timeout=10)
    assert wrong.status_code == 401 and wrong.json()["message"] == "Bad credentials"
    requests.post(emulator.url("/__control/settings"), json={"legacy_login_style": "form"}, timeout=10)
    assert requests.post(url, data=fields, timeout=10).status_code == 200
    refused = requests.post(url, params=fields, timeout=10)
    assert refused.status_code == 400 and "'username'" in refused.json()["message"]


def test_users_nest_unless_flatten_and_need_the_manage_users_permission(ringcx_emulator):
    emulator = ringcx_emulator(**DATA)
    users = emulator.url("/voice/api/v1/admin/users")
    nested = requests.get(users, headers=PERMANENT, timeout=10).json()
    flat = requests.get(users, params={"flatten": "true"}, headers=PERMANENT, timeout=10).json()
    assert [u["userId"] for u in nested] == [1111] and len(nested[0]["children"]) == 2
    assert [u["userId"] for u in flat] == [1111, 1112, 1113] and all(u["children"] == [] for u in flat)
    denied = ringcx_emulator(**DATA, users_permission=False)
    answer = requests.get(denied.url("/voice/api/v1/admin/users"), headers=PERMANENT, timeout=10)
    assert answer.status_code == 403 and answer.json()["errorCode"] == "access.denied.exception"


def test_user_secrets_plants_canary_credentials_in_every_user_nested_or_flat(ringcx_emulator):
    emulator = ringcx_emulator(**DATA, user_secrets=True)
    users = emulator.url("/voice/api/v1/admin/users")
    flat = requests.get(users, params={"flatten": "true"}, headers=PERMANENT, timeout=10).json()
    assert [u["password"] for u in flat] == [f"user-password-{n}" for n in (1111, 1112, 1113)]
    nested = requests.get(users, headers=PERMANENT, timeout=10).json()
    child = nested[0]["children"][0]
    assert child["apiToken"] == "user-api-token-1112"
    assert child["integrations"][0]["clientSecret"] == "user-client-secret-1112"
    plain = requests.get(
        ringcx_emulator(**DATA).url("/voice/api/v1/admin/users"), headers=PERMANENT, timeout=10
    )
    assert "password" not in plain.json()[0]


def test_an_account_the_login_cannot_see_is_400_invalid_account_id(emulator):
    url = emulator.url("/voice/api/v1/admin/accounts/99999999/users/1111/reports/inputControls")
    answer = requests.get(
        url, params={"accountIds": "99999999", "products": "CLOUD_PROFILE"}, headers=PERMANENT, timeout=10
    )
    assert answer.status_code == 400 and answer.json()["message"] == "Invalid accountId 99999999"
    listed = requests.get(emulator.url("/voice/api/v1/admin/accounts"), headers=PERMANENT, timeout=10).json()
    assert "99999999" not in {a["accountId"] for a in listed}
