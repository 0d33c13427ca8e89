"""source-casper end to end: the installed console script against the RingCX emulator.

The emulator holds 400 calls in three accounts over the 10 days ending 2026-10-11 00:00 UTC; the
connector reads exactly that range (windows of US/Arizona local days, the report asked in UTC), so its records
must equal the emulator's ground truth in UTC, normalised the way the connector documents (trimmed, `'` guard
removed, counts as integers, empty cells left out, surplus cells of ragged rows in `surplus_cells`).
The emulator's odd answers (empty, HTML, another report's CSV, ragged rows, a last row one column short,
legacy login, users without permission) are selected per test.
"""

from __future__ import annotations

import re
from typing import Any

import jsonschema
import pendulum
import pytest

from cdr_shared.calls import CALLS_SCHEMA
from cdr_shared.dates import parse_utc_instant
from cdr_shared.secrets import secret_forms
from cdr_shared.testing.console import configured_catalog, discover_once, state_messages_as_input
from cdr_shared.testing.console import run_console_script as run_connector
from integration_tests.emulators.ringcx import (
    ACCOUNTS_PATH,
    EXCHANGE_PATH,
    LEGACY_LOGIN_PATH,
    REPORT_PATH,
    USERS_PATH,
)
from integration_tests.emulators.ringcx_interactions import PATH as INTERACTIONS_PATH
from integration_tests.emulators.ringcx_stats import QUEUE_STATS_PATH

CONNECTOR = "source-casper"
INTERACTIONS = "interaction_metadata"
ZONE = "US/Arizona"
CANARY_SECRET = "canary-client-secret-3f9d"
CANARY_JWT = "canary-jwt-credential-81ce"
CANARY_API_TOKEN = "aws80:canary-api-token-c0de"
# The CX integration quota (9 requests per 15 minutes per sub-account: interaction metadata and statistics)
# runs 100000 times faster on both sides.
STATS_TIME_SCALE = 100_000
DATA = {
    "calls": 400,
    "accounts": 3,
    "days": 10,
    "end_date": "2026-10-11",
    "seed": 21,
    "stats": {"time_scale": STATS_TIME_SCALE},
    "interactions": {"time_scale": STATS_TIME_SCALE},
}
ACCOUNT_SECRETS = ("crm-password-", "ftp-password-", "security-key-")
INTEGER_COLUMNS = {
    "cloud_profile_id",
    "media_length",
    "queue_time",
    "dequeue_attempts",
    "inbound_duration",
    "connected_id",
    "connected_duration",
}
DERIVED = ("enqueue_at", "dequeue_at", "enqueue_local", "dequeue_local")
LEGACY_PASSWORD = "canary-legacy-p@ss 77"
# Random faults only on the API routes: the token endpoints' answers are covered by the unit tests, and
# a 429 there would make the connector wait out a real minute.
API_ROUTES = [
    "/voice/api/v1/admin/accounts",
    "/voice/api/v1/admin/users",
    "/voice/api/v1/admin/accounts/{accountId}/users/{userId}/reports/inputControls",
    REPORT_PATH,
]


def jwt(url: str) -> dict[str, Any]:
    return {
        "auth_type": "ringcentral_jwt",
        "client_id": "emulator-client-id",
        "client_secret": CANARY_SECRET,
        "jwt": CANARY_JWT,
        "platform_url": url,
    }


def config(url: str, **overrides: Any) -> dict[str, Any]:
    base = {
        "credentials": jwt(url),
        "base_url": f"{url}/voice",
        "start_date": "2026-10-01T00:00:00Z",
        "end_date": "2026-10-11T00:00:00Z",
        "timezone": ZONE,
        "window_days": 4,
        "lookback_window_minutes": 120,
        "advanced": {"rate_limit_time_scale": STATS_TIME_SCALE},
        "stats_start_date": "2026-10-10",  # one day of statistics: 8 windows of 3 hours per account
    }
    base.update(overrides)
    return base


@pytest.fixture
def emulator(ringcx_emulator):
    return ringcx_emulator(**DATA, client_secret=CANARY_SECRET, jwt=CANARY_JWT, api_tokens=[CANARY_API_TOKEN])


@pytest.fixture
def catalog(emulator):
    discovered = discover_once(CONNECTOR, config(emulator.base_url))
    return configured_catalog(discovered, streams=["call_detail_report"])


def every_report_stream(discovered) -> dict[str, Any]:
    """Every stream in full refresh but `interaction_metadata`, whose quota (one request per 3 hours and
    account, 9 per 15 minutes) has its own test below."""
    streams = discovered.of_type("CATALOG")[0]["catalog"]["streams"]
    return configured_catalog(
        discovered, "full_refresh", [s["name"] for s in streams if s["name"] != INTERACTIONS]
    )


def expected(row: dict[str, str]) -> dict[str, Any]:
    """A ground-truth report row as the connector documents its record."""
    record: dict[str, Any] = {}
    for column, raw in row.items():
        if column == "_surplus":
            record["surplus_cells"] = [cell.strip() for cell in raw]
            continue
        value = raw.strip()
        if not value:
            continue
        if column == "uii":
            value = value.removeprefix("'")
        if column in INTEGER_COLUMNS or re.fullmatch(r"attempt_\d+_id", column):
            value = int(value)
        record[column] = value
    return record


def by_key(records: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["account_id"], r["uii"]): {k: v for k, v in r.items() if k not in DERIVED} for r in records}


def keys(records: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(r["account_id"], r["uii"]) for r in records}


def truth(emulator) -> dict[tuple[str, str], dict[str, Any]]:
    return by_key([expected(row) for row in emulator.ground_truth("UTC")])


def enqueued_utc(uii: str) -> pendulum.DateTime:
    """The emulator writes the enqueue instant (UTC, to the second) into the first 14 digits of the uii."""
    return pendulum.from_format(uii[:14], "YYYYMMDDHHmmss", tz="UTC")


def test_full_refresh_of_every_stream_equals_ground_truth_across_accounts(emulator):
    discovered = discover_once(CONNECTOR, config(emulator.base_url))
    run = run_connector(CONNECTOR, "read", config(emulator.base_url), catalog=every_report_stream(discovered))
    assert run.returncode == 0, run.stderr[-2000:]
    report = run.records_of("call_detail_report")
    assert len(report) == len(emulator.ground_truth()) and by_key(report) == truth(emulator)
    assert {r["account_id"] for r in report} == {"15300001", "15300002", "15300003"}
    for record in report:  # minute-resolution report times; the local value is the same instant in ZONE
        assert record["enqueue_at"] == enqueued_utc(record["uii"]).start_of("minute").isoformat()
        local = pendulum.parse(record["enqueue_local"])
        assert (
            local == pendulum.parse(record["enqueue_at"]) and local.utcoffset().total_seconds() == -7 * 3600
        )
    assert [r["accountId"] for r in run.records_of("accounts")] == ["15300001", "15300002", "15300003"]
    assert [r["userId"] for r in run.records_of("users")] == [1111, 1112, 1113]  # flatten=true
    profiles = run.records_of("cloud_profiles")
    assert len(profiles) == 15 and any("group_id" not in p for p in profiles)  # the null group is listed
    assert len(run.records_of("cloud_destinations")) == 12
    assert len(run.records_of("calls")) == len(report)
    schemas = {s["name"]: s["json_schema"] for s in discovered.of_type("CATALOG")[0]["catalog"]["streams"]}
    checker = date_time_checker()
    for message in run.of_type("RECORD"):
        jsonschema.validate(
            message["record"]["data"], schemas[message["record"]["stream"]], format_checker=checker
        )


def test_permanent_api_token_sync_equals_ground_truth_and_checks_ok(emulator, catalog):
    token = {"auth_type": "api_token", "api_token": CANARY_API_TOKEN}
    check = run_connector(CONNECTOR, "check", config(emulator.base_url, credentials=token))
    assert check.of_type("CONNECTION_STATUS")[0]["connectionStatus"]["status"] == "SUCCEEDED"
    run = run_connector(CONNECTOR, "read", config(emulator.base_url, credentials=token), catalog=catalog)
    assert keys(run.records) == set(truth(emulator))
    assert emulator.stats()["requests"].get("/api/auth/login/rc/accesstoken") is None


def test_second_incremental_sync_reads_only_the_lookback(emulator, catalog):
    first = run_connector(CONNECTOR, "read", config(emulator.base_url), catalog=catalog)
    assert first.states[-1]["stream"]["stream_state"] == {"enqueue_at": "2026-10-11T00:00:00+00:00"}
    emulator.reset()
    second = run_connector(
        CONNECTOR,
        "read",
        config(emulator.base_url),
        catalog=catalog,
        state=state_messages_as_input(first.states),
    )
    assert second.returncode == 0, second.stderr[-2000:]
    lookback_start = pendulum.datetime(2026, 10, 10, 22, tz="UTC")
    recent = {key for key in keys(first.records) if enqueued_utc(key[1]) >= lookback_start}
    assert keys(second.records) == recent
    assert second.states[-1]["stream"]["stream_state"] == {"enqueue_at": "2026-10-11T00:00:00+00:00"}


def test_resuming_from_any_state_message_loses_nothing(emulator, catalog):
    full = run_connector(CONNECTOR, "read", config(emulator.base_url), catalog=catalog)
    everything = set(truth(emulator))
    emitted_before: set[tuple[str, str]] = set()
    resumed_from: list[Any] = []
    for message in full.messages:
        if message["type"] == "RECORD":
            emitted_before.add((message["record"]["data"]["account_id"], message["record"]["data"]["uii"]))
        elif message["type"] == "STATE":
            value = message["state"]["stream"]["stream_state"]
            if resumed_from and resumed_from[-1] == value:
                continue  # the same state (mid-window, another account) resumes exactly the same way
            resumed_from.append(value)
            resumed = run_connector(
                CONNECTOR,
                "read",
                config(emulator.base_url),
                catalog=catalog,
                state=state_messages_as_input([message["state"]]),
            )
            assert resumed.returncode == 0, resumed.stderr[-2000:]
            assert emitted_before | keys(resumed.records) == everything
    assert len(resumed_from) >= 3


def test_a_report_that_outlives_its_token_completes_and_the_token_is_renewed(ringcx_emulator):
    # time_scale 100: RingCX tokens live 3 s; each report streams 30-row chunks 0.4 s apart (about 3 s).
    emulator = ringcx_emulator(
        **DATA, client_secret=CANARY_SECRET, jwt=CANARY_JWT, time_scale=100, chunk_rows=30, chunk_delay=0.4
    )
    cfg = config(emulator.base_url, window_days=11)
    catalog = configured_catalog(discover_once(CONNECTOR, cfg), streams=["call_detail_report"])
    emulator.reset()
    run = run_connector(CONNECTOR, "read", cfg, catalog=catalog)
    assert run.returncode == 0, run.stderr[-2000:]
    assert keys(run.records) == set(truth(emulator))
    requests = emulator.stats()["requests"]
    assert requests.get("/api/auth/token/refresh", 0) >= 1


def test_injected_faults_lose_nothing(ringcx_emulator):
    emulator = ringcx_emulator(
        **DATA,
        client_secret=CANARY_SECRET,
        jwt=CANARY_JWT,
        chunk_rows=10,
        fault_rate=0.3,
        fault_kinds=["500", "502", "503", "429", "reset", "truncated", "html"],
        fault_seed=18,
        fault_paths=[REPORT_PATH],
    )
    cfg = config(emulator.base_url)
    catalog = configured_catalog(discover_once(CONNECTOR, cfg), streams=["call_detail_report"])
    emulator.inject(["503"], path=API_ROUTES[2])  # and one on the inputControls the report needs
    run = run_connector(CONNECTOR, "read", cfg, catalog=catalog)
    assert run.returncode == 0, run.stderr[-3000:]
    faults = emulator.stats()["faults"]
    assert faults.get("truncated", 0) >= 1 and sum(faults.values()) >= 4
    assert keys(run.records) == set(truth(emulator))


def test_a_report_cut_off_cleanly_mid_row_is_read_again_not_taken_as_short(ringcx_emulator):
    emulator = ringcx_emulator(**DATA, client_secret=CANARY_SECRET, jwt=CANARY_JWT, truncated_style="clean")
    cfg = config(emulator.base_url)
    catalog = configured_catalog(discover_once(CONNECTOR, cfg), streams=["call_detail_report"])
    emulator.inject(["truncated"], path=REPORT_PATH)
    run = run_connector(CONNECTOR, "read", cfg, catalog=catalog)
    assert run.returncode == 0, run.stderr[-2000:]
    assert sum("broke off" in line for line in run.logs) == 1
    assert sorted(keys(run.records)) == sorted(truth(emulator))  # and no row twice


def test_expired_token_mid_sync_is_renewed_and_nothing_is_lost(emulator, catalog):
    emulator.inject(["expired_token"], path=REPORT_PATH)
    run = run_connector(CONNECTOR, "read", config(emulator.base_url), catalog=catalog)
    assert run.returncode == 0, run.stderr[-2000:]
    assert keys(run.records) == set(truth(emulator))
    assert emulator.stats()["requests"].get("/api/auth/token/refresh", 0) >= 1


def test_wrong_jwt_fails_with_a_config_error_and_no_secret_anywhere(emulator, catalog):
    wrong = {**jwt(emulator.base_url), "jwt": "canary-wrong-jwt-5521"}
    check = run_connector(CONNECTOR, "check", config(emulator.base_url, credentials=wrong))
    status = check.of_type("CONNECTION_STATUS")[0]["connectionStatus"]
    assert status["status"] == "FAILED" and "credentials.jwt" in status["message"]
    read = run_connector(CONNECTOR, "read", config(emulator.base_url, credentials=wrong), catalog=catalog)
    assert read.returncode != 0 and read.errors[0]["failure_type"] == "config_error"
    for output in (check.output, read.output):
        assert "canary-wrong-jwt-5521" not in output and CANARY_SECRET not in output


def test_canary_secrets_and_account_credentials_appear_nowhere_in_any_command_output(emulator):
    outputs = []
    for credentials in (jwt(emulator.base_url), {"auth_type": "api_token", "api_token": CANARY_API_TOKEN}):
        cfg = config(emulator.base_url, credentials=credentials)
        discovered = run_connector(CONNECTOR, "discover", cfg)
        outputs += [discovered.output, run_connector(CONNECTOR, "check", cfg).output]
        outputs.append(run_connector(CONNECTOR, "read", cfg, catalog=every_report_stream(discovered)).output)
    emulator.inject(["500", "truncated", "expired_token"], path=REPORT_PATH)
    cfg = config(emulator.base_url)
    catalog = configured_catalog(discover_once(CONNECTOR, cfg), streams=["call_detail_report"])
    outputs.append(run_connector(CONNECTOR, "read", cfg, catalog=catalog).output)
    for output in outputs:
        for secret in (CANARY_SECRET, CANARY_JWT, CANARY_API_TOKEN, *ACCOUNT_SECRETS):
            assert secret not in output


def test_bad_config_fails_before_any_request(emulator, catalog):
    read = run_connector(CONNECTOR, "read", config(emulator.base_url, timezone="Mars/Base"), catalog=catalog)
    assert read.errors[0]["failure_type"] == "config_error" and "'timezone'" in read.errors[0]["message"]
    assert emulator.request_log() == []


# ------------------------------------------------------------------------- real vendor answers (issue 9)


def report_only(emulator, cfg: dict[str, Any]) -> dict[str, Any]:
    return configured_catalog(discover_once(CONNECTOR, cfg), streams=["call_detail_report"])


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ("empty", "an empty body"),
        ("html", "an HTML page"),
        ("foreign_header", "a CSV whose header is not the Call Detail Report's"),
    ],
)
def test_a_200_that_is_not_the_report_is_retried_then_fails_naming_the_window_with_no_record(
    ringcx_emulator, answer, problem
):
    emulator = ringcx_emulator(**DATA, client_secret=CANARY_SECRET, jwt=CANARY_JWT)
    cfg = config(emulator.base_url)
    catalog = report_only(emulator, cfg)
    emulator.reset()
    emulator.report_answer = answer  # every report request from now on
    run = run_connector(CONNECTOR, "read", cfg, catalog=catalog)
    assert run.returncode != 0 and run.records == []
    error = run.errors[0]
    assert error["failure_type"] == "transient_error" and problem in error["message"]
    assert "window 2026-09-30T17:00:00-07:00 to 2026-10-04T00:00:00-07:00" in error["message"]
    assert sum(entry["path"].endswith("/reportsStreaming") for entry in emulator.request_log()) == 5
    assert not any(s["stream"]["stream_state"] for s in run.states if "stream" in s)


@pytest.mark.parametrize("answer", ["empty", "html", "foreign_header"])
def test_a_single_odd_200_is_read_again_and_the_sync_equals_ground_truth(ringcx_emulator, answer):
    emulator = ringcx_emulator(
        **DATA, client_secret=CANARY_SECRET, jwt=CANARY_JWT, report_answer=answer, report_answer_times=1
    )
    run = run_connector(
        CONNECTOR, "read", config(emulator.base_url), catalog=report_only(emulator, config(emulator.base_url))
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert sorted(keys(run.records)) == sorted(truth(emulator)) and by_key(run.records) == truth(emulator)


def test_ragged_rows_are_emitted_with_surplus_cells_counted_and_state_moves_on(ringcx_emulator):
    emulator = ringcx_emulator(**DATA, client_secret=CANARY_SECRET, jwt=CANARY_JWT, report_answer="ragged")
    cfg = config(emulator.base_url)
    run = run_connector(CONNECTOR, "read", cfg, catalog=report_only(emulator, cfg))
    assert run.returncode == 0, run.stderr[-2000:]
    expected_records = truth(emulator)
    assert any("surplus_cells" in r for r in expected_records.values())
    assert by_key(run.records) == expected_records
    assert any("row(s) of this window had more or fewer cells than the header" in line for line in run.logs)
    assert run.states[-1]["stream"]["stream_state"] == {"enqueue_at": "2026-10-11T00:00:00+00:00"}


def test_a_report_whose_last_row_is_one_column_short_is_read_again_not_taken_as_complete(ringcx_emulator):
    emulator = ringcx_emulator(
        **DATA, client_secret=CANARY_SECRET, jwt=CANARY_JWT, truncated_style="one_column"
    )
    cfg = config(emulator.base_url)
    catalog = report_only(emulator, cfg)
    emulator.inject(["truncated"], path=REPORT_PATH)
    run = run_connector(CONNECTOR, "read", cfg, catalog=catalog)
    assert run.returncode == 0, run.stderr[-2000:]
    assert sum("33 of the header's 34 columns" in line for line in run.logs) == 1
    assert sorted(keys(run.records)) == sorted(truth(emulator)) and by_key(run.records) == truth(emulator)


def test_calls_around_a_fall_back_change_keep_their_exact_instants(ringcx_emulator):
    # New York falls back on 2026-11-01 at 06:00 UTC: 1:00-2:00 AM local happens twice.
    emulator = ringcx_emulator(
        calls=400,
        accounts=2,
        days=3,
        end_date="2026-11-03",
        seed=5,
        client_secret=CANARY_SECRET,
        jwt=CANARY_JWT,
    )
    cfg = config(
        emulator.base_url,
        timezone="America/New_York",
        start_date="2026-10-31T00:00:00Z",
        end_date="2026-11-03T00:00:00Z",
        window_days=1,
    )
    run = run_connector(CONNECTOR, "read", cfg, catalog=report_only(emulator, cfg))
    assert run.returncode == 0, run.stderr[-2000:]
    assert by_key(run.records) == truth(emulator)
    repeated = pendulum.datetime(2026, 11, 1, 5, tz="UTC"), pendulum.datetime(2026, 11, 1, 7, tz="UTC")
    in_repeated_hour = [r for r in run.records if repeated[0] <= enqueued_utc(r["uii"]) < repeated[1]]
    assert {pendulum.parse(r["enqueue_local"]).utcoffset().total_seconds() for r in in_repeated_hour} == {
        -4 * 3600,
        -5 * 3600,
    }
    for record in run.records:
        assert record["enqueue_at"] == enqueued_utc(record["uii"]).start_of("minute").isoformat()
        assert pendulum.parse(record["enqueue_local"]) == pendulum.parse(record["enqueue_at"])


@pytest.mark.parametrize("style", ["query", "form"])
def test_legacy_login_with_username_and_password_syncs_ground_truth_and_hides_the_password(
    ringcx_emulator, style
):
    emulator = ringcx_emulator(
        **DATA, username="admin@example.com", password=LEGACY_PASSWORD, legacy_login_style=style
    )
    credentials = {
        "auth_type": "legacy_login",
        "username": "admin@example.com",
        "password": LEGACY_PASSWORD,
        "platform_id": "NA1",
    }
    cfg = config(emulator.base_url, credentials=credentials)
    check = run_connector(CONNECTOR, "check", cfg)
    assert check.of_type("CONNECTION_STATUS")[0]["connectionStatus"]["status"] == "SUCCEEDED"
    run = run_connector(CONNECTOR, "read", cfg, catalog=report_only(emulator, cfg))
    assert run.returncode == 0, run.stderr[-2000:]
    assert by_key(run.records) == truth(emulator)
    assert emulator.stats()["requests"].get("/api/auth/login/rc/accesstoken") is None
    for output in (check.output, run.output):
        assert LEGACY_PASSWORD not in output and "canary-legacy-p%40ss" not in output


def test_without_manage_users_the_users_stream_is_skipped_with_a_warning_and_the_rest_syncs(ringcx_emulator):
    emulator = ringcx_emulator(**DATA, client_secret=CANARY_SECRET, jwt=CANARY_JWT, users_permission=False)
    cfg = config(emulator.base_url)
    discovered = discover_once(CONNECTOR, cfg)
    run = run_connector(CONNECTOR, "read", cfg, catalog=every_report_stream(discovered))
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.records_of("users") == [] and run.errors == []
    assert any("MANAGE_USERS" in line and "skipped" in line for line in run.logs)
    assert by_key(run.records_of("call_detail_report")) == truth(emulator)
    assert len(run.records_of("accounts")) == 3
    asked = emulator.request_log(USERS_PATH)
    assert asked and all(entry["query"].get("flatten") == ["true"] for entry in asked)


# ------------------------------------------------------------------ bad input, secrets, faults (issue 10)

CANARY_LEGACY = "canary-legacy-password-7e31"
PROVIDER_SECRETS = ("crm-password-", "ftp-password-", "security-key-", "user-password-", "user-api-token-")
PROVIDER_SECRET_KEYS = {"crmPwd", "ftpPwd", "securityKey", "phoneRecordingPin", "password", "apiToken"}


def canary_forms() -> set[str]:
    forms: set[str] = set()
    for secret in (CANARY_SECRET, CANARY_JWT, CANARY_API_TOKEN, CANARY_LEGACY):
        forms |= secret_forms(secret)
    return forms | set(PROVIDER_SECRETS) | {"user-client-secret-"}


def keys_of(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_of(v)}
    if isinstance(value, list):
        return {k for item in value for k in keys_of(item)}
    return set()


def test_with_debug_no_canary_and_no_provider_secret_in_any_output_and_records_drop_secret_keys(
    ringcx_emulator,
):
    emulator = ringcx_emulator(
        **DATA,
        client_secret=CANARY_SECRET,
        jwt=CANARY_JWT,
        api_tokens=[CANARY_API_TOKEN],
        username="admin@example.com",
        password=CANARY_LEGACY,
        user_secrets=True,
    )
    url = emulator.base_url
    legacy = {"auth_type": "legacy_login", "username": "admin@example.com", "password": CANARY_LEGACY}
    token = {"auth_type": "api_token", "api_token": f"{CANARY_API_TOKEN}\n"}  # trimmed, then works
    debug = ("--debug",)
    runs = [run_connector(CONNECTOR, "spec", extra_args=debug)]
    for credentials in (jwt(url), legacy, token):
        cfg = config(url, credentials=credentials)
        discovered = run_connector(CONNECTOR, "discover", cfg, extra_args=debug)
        check = run_connector(CONNECTOR, "check", cfg, extra_args=debug)
        assert check.of_type("CONNECTION_STATUS")[0]["connectionStatus"]["status"] == "SUCCEEDED"
        read = run_connector(
            CONNECTOR,
            "read",
            cfg,
            catalog=configured_catalog(discovered, "full_refresh", streams=["accounts", "users"]),
            extra_args=debug,
        )
        assert read.returncode == 0, read.stderr[-2000:]
        assert len(read.records_of("accounts")) == 3 and len(read.records_of("users")) == 3
        assert not keys_of(read.records) & PROVIDER_SECRET_KEYS
        assert "integrations" in read.records_of("users")[0]  # the list stays, its secret is dropped
        # The provider's answers are in the debug log, with the secret-looking values masked.
        assert re.search(r'crmPwd\\*"\s*:\s*\\*"\*\*\*\*', read.output), "account bodies are not logged"
        runs += [discovered, check, read]
    # Failure paths: refused credentials, an unknown account, a failing report.
    wrong = {**jwt(url), "jwt": f"{CANARY_JWT}-wrong"}
    runs.append(run_connector(CONNECTOR, "check", config(url, credentials=wrong), extra_args=debug))
    wrong_legacy = {**legacy, "password": f"{CANARY_LEGACY}-wrong"}
    runs.append(run_connector(CONNECTOR, "check", config(url, credentials=wrong_legacy), extra_args=debug))
    runs.append(run_connector(CONNECTOR, "check", config(url, account_ids=["99999999"]), extra_args=debug))
    cfg = config(url, credentials=legacy, account_ids=["99999999"])
    runs.append(run_connector(CONNECTOR, "read", cfg, catalog=report_only(emulator, cfg), extra_args=debug))
    assert runs[-1].returncode != 0
    forms = canary_forms() | {f"{CANARY_JWT}-wrong", f"{CANARY_LEGACY}-wrong"}
    for run in runs:
        for form in forms:
            assert form not in run.output, f"{form!r} leaked"


def test_account_ids_the_login_cannot_see_are_named_by_check_and_read_without_an_http_400_dump(emulator):
    cfg = config(emulator.base_url, account_ids=["15300002", "99999999", "15300009"])
    check = run_connector(CONNECTOR, "check", cfg)
    status = check.of_type("CONNECTION_STATUS")[0]["connectionStatus"]
    assert status["status"] == "FAILED"
    assert "'account_ids'" in status["message"] and "99999999, 15300009" in status["message"]
    assert "15300001, 15300002, 15300003" in status["message"] and "400" not in status["message"]
    discovered = discover_once(CONNECTOR, cfg)
    read = run_connector(CONNECTOR, "read", cfg, catalog=configured_catalog(discovered, "full_refresh"))
    assert read.returncode != 0 and read.records_of("call_detail_report") == []
    assert read.errors[0]["failure_type"] == "config_error" and "99999999" in read.errors[0]["message"]
    assert "HTTP 400" not in read.output and "Invalid accountId" not in read.output
    # No per-account endpoint was asked for any account: the accounts list settled it.
    assert all("/accounts/" not in entry["path"] for entry in emulator.request_log())


@pytest.mark.parametrize(
    ("fault", "quoted"),
    [
        ("500", "HTTP 500"),
        ("503", "HTTP 503"),
        ("html", "502"),
        ("429", "429"),
        ("reset", "ConnectionError"),
    ],
)
@pytest.mark.parametrize("login", ["api_token", "jwt", "legacy"])
def test_check_under_a_persistent_fault_fails_quoting_the_answer_within_the_check_budget(
    ringcx_emulator, fault, quoted, login
):
    emulator = ringcx_emulator(
        **DATA,
        client_secret=CANARY_SECRET,
        jwt=CANARY_JWT,
        api_tokens=[CANARY_API_TOKEN],
        password=CANARY_LEGACY,
    )
    credentials, path = {
        "api_token": ({"auth_type": "api_token", "api_token": CANARY_API_TOKEN}, ACCOUNTS_PATH),
        "jwt": (jwt(emulator.base_url), EXCHANGE_PATH),
        "legacy": (
            {"auth_type": "legacy_login", "username": "admin@example.com", "password": CANARY_LEGACY},
            LEGACY_LOGIN_PATH,
        ),
    }[login]
    emulator.inject([fault] * 50, path=path)
    # The timeout only guards the test run; what is asserted is the number of attempts the budget allows.
    check = run_connector(CONNECTOR, "check", config(emulator.base_url, credentials=credentials), timeout=120)
    status = check.of_type("CONNECTION_STATUS")[0]["connectionStatus"]
    message = status["message"]
    assert status["status"] == "FAILED" and quoted in message, message
    if fault == "429":
        assert "Rate limit exceeded" in message  # RingCX's own words
    assert 1 <= emulator.stats()["requests"].get(path.replace("/voice", "", 0), 0) <= 3


# ---------------------------------------------------------------------------------------------- calls


def expected_call(truth: dict[str, Any]) -> dict[str, Any]:
    """The emulator's call as `calls` documents it: the report's minute for the start, answer and end
    from it plus the queue and inbound seconds, null fields left out."""
    started = pendulum.instance(truth["enqueued"]).start_of("minute")
    answered = truth["outcome"] == "answered"
    call = {
        "provider": "ringcx",
        "account": truth["account"],
        "call_id": truth["call_id"],
        "started_at": started.isoformat(),
        "source_stream": "call_detail_report",
        "source_key": f"{truth['account']}|{truth['call_id']}",
        "direction": "inbound",
        "answered_at": started.add(seconds=truth["queue_seconds"]).isoformat() if answered else None,
        "ended_at": started.add(seconds=truth["duration_seconds"]).isoformat(),
        "queue_seconds": truth["queue_seconds"],
        "talk_seconds": truth["talk_seconds"],
        "duration_seconds": truth["duration_seconds"],
        "caller_number": truth["caller_number"],
        "called_number": truth["called_number"],
        "queue": truth["queue"],
        "outcome": truth["outcome"],
        "recording_url": truth["recording_url"],
    }
    return {key: value for key, value in call.items() if value is not None}


def test_calls_equal_the_emulators_calls_and_cost_no_request_beyond_the_report(emulator):
    discovered = discover_once(CONNECTOR, config(emulator.base_url))
    counts, calls = {}, {}
    for streams in (["call_detail_report"], ["call_detail_report", "calls"], ["calls"]):
        emulator.reset()
        catalog = configured_catalog(discovered, streams=streams)
        run = run_connector(CONNECTOR, "read", config(emulator.base_url), catalog=catalog)
        assert run.returncode == 0, run.stderr[-2000:]
        counts[tuple(streams)] = emulator.stats()["requests"]
        calls[tuple(streams)] = run.records_of("calls")
        if "calls" in streams:
            assert run.states[-1]["stream"] == {
                "stream_descriptor": {"name": "calls"},
                "stream_state": {"started_at": "2026-10-11T00:00:00+00:00"},
            }
    # Each report (and each inputControls list) is asked once per sync, whether calls is selected or not.
    report_only = counts[("call_detail_report",)]
    assert counts[("call_detail_report", "calls")] == report_only == counts[("calls",)]
    assert sum(n for path, n in report_only.items() if path.endswith("/reportsStreaming")) == 3 * 3
    both, alone = calls[("call_detail_report", "calls")], calls[("calls",)]
    assert both == alone
    assert both == [expected_call(truth) for truth in sorted(emulator.calls_truth(), key=by_account)]
    assert {call["outcome"] for call in both} == {"answered", "abandoned"}
    checker = date_time_checker()
    for call in both:
        jsonschema.validate(call, CALLS_SCHEMA, format_checker=checker)


def date_time_checker() -> jsonschema.FormatChecker:
    """Checks `format: date-time` as ISO 8601 with an offset (jsonschema checks no format without extras)."""
    checker = jsonschema.FormatChecker([])
    checker.checks("date-time", raises=ValueError)(
        lambda value: not isinstance(value, str) or bool(parse_utc_instant(value))
    )
    return checker


def by_account(truth: dict[str, Any]) -> tuple[Any, ...]:
    """The order a sync emits calls in: window by window (4 Arizona days), account by account, enqueue order."""
    day = pendulum.instance(truth["enqueued"]).in_timezone(ZONE).start_of("day")
    window = (day - pendulum.datetime(2026, 9, 30, tz=ZONE)).days // 4
    return (window, truth["account"], truth["enqueued"])


def test_account_and_user_dates_are_the_same_utc_date_times_in_either_style_ringcx_writes(ringcx_emulator):
    emulator = ringcx_emulator(accounts=2, calls=0, client_secret=CANARY_SECRET, jwt=CANARY_JWT)
    catalog = configured_catalog(
        discover_once(CONNECTOR, config(emulator.base_url)), streams=["accounts", "users"]
    )
    for date_style in ("iso", "millis"):
        emulator.date_style = date_style
        run = run_connector(CONNECTOR, "read", config(emulator.base_url), catalog=catalog)
        assert run.returncode == 0, run.stderr[-2000:]
        assert [a["startDate"] for a in run.records_of("accounts")] == [
            "2021-01-15T08:30:00+00:00",
            "2021-02-15T08:30:00+00:00",
        ], date_style
        assert all("endDate" not in account for account in run.records_of("accounts"))
        assert [u["creationDate"] for u in run.records_of("users")] == [
            "2023-01-15T09:30:00+00:00",
            "2023-02-01T10:00:00+00:00",
            "2023-02-01T10:00:00+00:00",
        ], date_style


# --------------------------------------------------------------------------------- interaction metadata


def segment_truth(emulator, start: str, end: str) -> list[dict[str, Any]]:
    """The emulator's segments that ended in [start, end) (UTC dates or instants)."""
    first, last = pendulum.parse(start, tz="UTC"), pendulum.parse(end, tz="UTC")
    return [s for s in emulator.interactions.truth() if first <= pendulum.parse(s["segmentEndTimeMs"]) < last]


def segment_keys(segments: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(s["account_id"], s["dialogId"], s["segmentId"]) for s in segments}


def test_interaction_metadata_equals_ground_truth_keeps_the_quota_and_rereads_the_lookback_through_faults(
    ringcx_emulator,
):
    # Quota periods divided by 300 in the connector (one request every 0.34 s) and by 360 in the emulator (9 per
    # 2.5 s, 3 per 0.17 s), so a busy machine's jitter never makes a paced request look early. A 12-hour range
    # of two accounts is 4 windows of 3 hours each (8 requests).
    emulator = ringcx_emulator(
        **{**DATA, "accounts": 2, "interactions": {"time_scale": 360}},
        client_secret=CANARY_SECRET,
        jwt=CANARY_JWT,
    )
    cfg = config(
        emulator.base_url, start_date="2026-10-10T12:00:00Z", advanced={"rate_limit_time_scale": 300}
    )
    discovered = discover_once(CONNECTOR, config(emulator.base_url))
    catalog = configured_catalog(discovered, streams=[INTERACTIONS])
    first = run_connector(CONNECTOR, "read", cfg, catalog=catalog)
    assert first.returncode == 0, first.stderr[-2000:]
    truth = segment_truth(emulator, "2026-10-10T12:00:00", "2026-10-11")
    assert len(first.records) == len(truth) and segment_keys(first.records) == segment_keys(truth)
    assert {s["interactionId"] for s in truth} <= {
        r["uii"].removeprefix("'") for r in emulator.ground_truth()
    }
    by_key = {(s["account_id"], s["dialogId"], s["segmentId"]): s for s in truth}
    schema = next(
        s["json_schema"]
        for s in discovered.of_type("CATALOG")[0]["catalog"]["streams"]
        if s["name"] == INTERACTIONS
    )
    for record in first.records:  # RingCX's fields as sent, plus the derived ones
        sent = by_key[(record["account_id"], record["dialogId"], record["segmentId"])]
        kept = {k: v for k, v in record.items() if k in sent and k != "segmentEvents"}
        assert kept == {k: v for k, v in sent.items() if v is not None and k != "segmentEvents"}
        events = [
            {k: v for k, v in e.items() if not k.endswith("_at")} for e in record.get("segmentEvents") or []
        ]
        assert events == (sent["segmentEvents"] or [])
        assert record["segment_end_at"] == pendulum.parse(sent["segmentEndTimeMs"]).isoformat()
        jsonschema.validate(record, schema, format_checker=date_time_checker())
    assert "429" not in emulator.stats()["responses"]  # the budget kept the quota
    assert first.states[-1]["stream"]["stream_state"] == {"segment_end_at": "2026-10-11T00:00:00+00:00"}
    # The next sync re-reads the lookback (120 minutes: one window per account) through faults and odd 200s.
    emulator.reset()
    emulator.inject(["503", "truncated", "reset"], path=INTERACTIONS_PATH)
    emulator.interactions.configure(answer="cut", answer_times=1)
    second = run_connector(
        CONNECTOR, "read", cfg, catalog=catalog, state=state_messages_as_input(first.states)
    )
    assert second.returncode == 0, second.stderr[-3000:]
    recent = segment_truth(emulator, "2026-10-10T22:00:00", "2026-10-11")
    assert len(second.records) == len(recent) and segment_keys(second.records) == segment_keys(recent)
    assert (
        sum(emulator.stats()["faults"].values()) == 3 and emulator.interactions.settings["answer"] == "json"
    )
    for secret in (CANARY_SECRET, CANARY_JWT):
        assert secret not in first.output and secret not in second.output
    # A sync killed after its first window resumes from that state message and loses no segment after it.
    emulator.reset()
    saved = first.states[1]  # states[0] is {}: the first window of one account of two was read
    resumed = run_connector(CONNECTOR, "read", cfg, catalog=catalog, state=state_messages_as_input([saved]))
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    after = segment_truth(emulator, saved["stream"]["stream_state"]["segment_end_at"], "2026-10-11")
    assert after and segment_keys(after) <= segment_keys(resumed.records)


# ------------------------------------------------------------------ interval statistics (issue 15)

STATS_DAY = {
    "start_date": "2026-10-05T00:00:00Z",
    "stats_start_date": "2026-10-05T00:00:00Z",
    "end_date": "2026-10-06T00:00:00Z",
    "stats_interval_minutes": 60,
}
STATS_DERIVED = ("interval_start_at", "interval_end_at", "rc_account_id")
STATS_KEYS = {"queue_stats": ("queue",), "agent_stats": ("agentId", "queue")}


def stats_by_key(stream: str, rows: list[dict[str, Any]]) -> dict[tuple, dict[str, Any]]:
    key = ("account_id", "dateTimeFrom", *STATS_KEYS[stream])
    return {tuple(r[k] for k in key): {k: v for k, v in r.items() if k not in STATS_DERIVED} for r in rows}


def stats_truth(emulator, stream: str) -> dict[tuple, dict[str, Any]]:
    """The emulator's intervals of 2026-10-05 (UTC), as the reports write them (`dateTimeFrom` month first)."""
    rows = emulator.stats_reports.truth("queue" if stream == "queue_stats" else "agent", 60)
    return stats_by_key(stream, [r for r in rows if r["dateTimeFrom"].startswith("10-05-2026T")])


def test_statistics_equal_the_emulators_intervals_through_faults_and_resume_from_a_middle_state(emulator):
    cfg = config(emulator.base_url, **STATS_DAY)
    catalog = configured_catalog(discover_once(CONNECTOR, cfg), streams=["queue_stats", "agent_stats"])
    emulator.reset()
    emulator.stats_reports.configure(answer="empty", answer_times=1)  # a 200 without body: asked again
    emulator.inject(["truncated"], path=QUEUE_STATS_PATH)  # cut off mid-record: asked again
    run = run_connector(CONNECTOR, "read", cfg, catalog=catalog)
    assert run.returncode == 0, run.stderr[-2000:]
    for stream in STATS_KEYS:
        records = run.records_of(stream)
        assert stats_by_key(stream, records) == stats_truth(emulator, stream) != {}
        assert all(
            r["interval_end_at"] > r["interval_start_at"] >= "2026-10-05T00:00:00+00:00" for r in records
        )
    states = [
        m["state"]
        for m in run.messages
        if m["type"] == "STATE" and m["state"]["stream"]["stream_descriptor"]["name"] == "queue_stats"
    ]
    assert states[-1]["stream"]["stream_state"] == {"interval_start_at": "2026-10-06T00:00:00+00:00"}
    middle = states[len(states) // 2]
    position = run.messages.index(next(m for m in run.messages if m.get("state") == middle))
    before = {
        key
        for m in run.messages[:position]
        if m["type"] == "RECORD" and m["record"]["stream"] == "queue_stats"
        for key in stats_by_key("queue_stats", [m["record"]["data"]])
    }
    queue_only = configured_catalog(discover_once(CONNECTOR, cfg), streams=["queue_stats"])
    resumed = run_connector(
        CONNECTOR, "read", cfg, catalog=queue_only, state=state_messages_as_input([middle])
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert before | set(stats_by_key("queue_stats", resumed.records)) == set(
        stats_truth(emulator, "queue_stats")
    )
