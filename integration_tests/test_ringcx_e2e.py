"""source-casper end to end: the installed console script against the RingCX emulator.

The emulator holds 400 calls in three accounts over the 10 days ending 2026-10-11 00:00 UTC; the
connector reads exactly that range (report zone US/Arizona, local-day windows), so its records must equal
the emulator's ground truth, normalised the way the connector documents (trimmed, `'` guard removed,
counts as integers, empty cells left out).
"""

from __future__ import annotations

import re
from typing import Any

import pendulum
import pytest

from integration_tests.connector_runner import configured_catalog, run_connector, state_messages_as_input
from integration_tests.emulators.ringcx import REPORT_PATH

CONNECTOR = "source-casper"
ZONE = "US/Arizona"
CANARY_SECRET = "canary-client-secret-3f9d"
CANARY_JWT = "canary-jwt-credential-81ce"
CANARY_API_TOKEN = "aws80:canary-api-token-c0de"
DATA = {"calls": 400, "accounts": 3, "days": 10, "end_date": "2026-10-11", "seed": 21}
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
DERIVED = ("enqueue_at", "dequeue_at")
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
    }
    base.update(overrides)
    return base


@pytest.fixture
def emulator(ringcx_emulator):
    return ringcx_emulator(**DATA, client_secret=CANARY_SECRET, jwt=CANARY_JWT, api_tokens=[CANARY_API_TOKEN])


@pytest.fixture
def catalog(emulator):
    discovered = run_connector(CONNECTOR, "discover", config(emulator.base_url))
    return configured_catalog(discovered, streams=["call_detail_report"])


def expected(row: dict[str, str]) -> dict[str, Any]:
    """A ground-truth report row as the connector documents its record."""
    record: dict[str, Any] = {}
    for column, raw in row.items():
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
    return by_key([expected(row) for row in emulator.ground_truth(ZONE)])


def enqueued_utc(uii: str) -> pendulum.DateTime:
    """The emulator writes the enqueue instant (UTC, to the second) into the first 14 digits of the uii."""
    return pendulum.from_format(uii[:14], "YYYYMMDDHHmmss", tz="UTC")


def test_full_refresh_of_every_stream_equals_ground_truth_across_accounts(emulator):
    discovered = run_connector(CONNECTOR, "discover", config(emulator.base_url))
    run = run_connector(
        CONNECTOR, "read", config(emulator.base_url), catalog=configured_catalog(discovered, "full_refresh")
    )
    assert run.returncode == 0, run.stderr[-2000:]
    report = run.records_of("call_detail_report")
    assert len(report) == len(emulator.ground_truth()) and by_key(report) == truth(emulator)
    assert {r["account_id"] for r in report} == {"15300001", "15300002", "15300003"}
    for record in report:  # minute-resolution report times, read in the report zone
        assert record["enqueue_at"] == enqueued_utc(record["uii"]).start_of("minute").isoformat()
    assert [r["accountId"] for r in run.records_of("accounts")] == ["15300001", "15300002", "15300003"]
    assert [r["userId"] for r in run.records_of("users")] == [1111]
    profiles = run.records_of("cloud_profiles")
    assert len(profiles) == 15 and any("group_id" not in p for p in profiles)  # the null group is listed
    assert len(run.records_of("cloud_destinations")) == 12


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
    catalog = configured_catalog(run_connector(CONNECTOR, "discover", cfg), streams=["call_detail_report"])
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
    catalog = configured_catalog(run_connector(CONNECTOR, "discover", cfg), streams=["call_detail_report"])
    emulator.inject(["503"], path=API_ROUTES[2])  # and one on the inputControls the report needs
    run = run_connector(CONNECTOR, "read", cfg, catalog=catalog)
    assert run.returncode == 0, run.stderr[-3000:]
    faults = emulator.stats()["faults"]
    assert faults.get("truncated", 0) >= 1 and sum(faults.values()) >= 4
    assert keys(run.records) == set(truth(emulator))


def test_a_report_cut_off_cleanly_mid_row_is_read_again_not_taken_as_short(ringcx_emulator):
    emulator = ringcx_emulator(**DATA, client_secret=CANARY_SECRET, jwt=CANARY_JWT, truncated_style="clean")
    cfg = config(emulator.base_url)
    catalog = configured_catalog(run_connector(CONNECTOR, "discover", cfg), streams=["call_detail_report"])
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
        outputs.append(
            run_connector(
                CONNECTOR, "read", cfg, catalog=configured_catalog(discovered, "full_refresh")
            ).output
        )
    emulator.inject(["500", "truncated", "expired_token"], path=REPORT_PATH)
    cfg = config(emulator.base_url)
    catalog = configured_catalog(run_connector(CONNECTOR, "discover", cfg), streams=["call_detail_report"])
    outputs.append(run_connector(CONNECTOR, "read", cfg, catalog=catalog).output)
    for output in outputs:
        for secret in (CANARY_SECRET, CANARY_JWT, CANARY_API_TOKEN, *ACCOUNT_SECRETS):
            assert secret not in output


def test_bad_config_fails_before_any_request(emulator, catalog):
    read = run_connector(CONNECTOR, "read", config(emulator.base_url, timezone="Mars/Base"), catalog=catalog)
    assert read.errors[0]["failure_type"] == "config_error" and "'timezone'" in read.errors[0]["message"]
    assert emulator.request_log() == []
