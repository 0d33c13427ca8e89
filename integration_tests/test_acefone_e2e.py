"""source-acefone end to end: the installed console script against the Acefone emulator.

The emulator holds 400 calls over the 10 days ending 2026-10-11 00:00 UTC; the connector reads that
exact range in 3-day windows, so its records must equal the emulator's ground truth.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pendulum
import pytest

from cdr_shared.secrets import secret_forms
from cdr_shared.testing.console import ConsoleRun as ConnectorRun
from cdr_shared.testing.console import configured_catalog, discover_once, state_messages_as_input
from cdr_shared.testing.console import run_console_script as run_connector
from source_acefone.typed_fields import typed

CONNECTOR = "source-acefone"
STREAM = "call_records"
DERIVED = ("started_at", "ended_at")
CANARY_TOKEN = "canary-api-token-5e0f1c"
CANARY_PASSWORD = "canary-password-a91b"
DATA = {"calls": 400, "days": 10, "end_date": "2026-10-11", "seed": 11, "rate_limit_per_second": 0}


def config(url: str, **overrides: Any) -> dict[str, Any]:
    base = {
        "credentials": {"auth_type": "api_token", "api_token": CANARY_TOKEN},
        "base_url": url,
        "start_date": "2026-10-01T00:00:00Z",
        "end_date": "2026-10-11T00:00:00Z",
        "window_days": 3,
        "page_size": 50,
        "lookback_window_minutes": 120,
    }
    base.update(overrides)
    return base


@pytest.fixture
def emulator(acefone_emulator):
    return acefone_emulator(**DATA, api_tokens=[CANARY_TOKEN], password=CANARY_PASSWORD)


@pytest.fixture
def catalog(emulator):
    return configured_catalog(discover_once(CONNECTOR, config(emulator.base_url)), streams=[STREAM])


def without_nulls(value: Any) -> Any:
    """The CDK's message serializer omits null-valued keys; a destination reads them back as NULL."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def provider_view(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Records keyed by id, without the fields the connector derives, nulls normalised, multi-typed fields
    in their one type (`typed_fields.py`, unit-tested: the emulator sends the init element's `time` as text)."""
    view = {}
    for record in records:
        kept = {k: v for k, v in record.items() if k not in DERIVED}
        typed(kept)
        view[record["id"]] = without_nulls(kept)
    return view


def test_full_refresh_equals_ground_truth(emulator, catalog):
    full = configured_catalog(discover_once(CONNECTOR, config(emulator.base_url)), "full_refresh", [STREAM])
    run = run_connector(CONNECTOR, "read", config(emulator.base_url), catalog=full)
    assert run.returncode == 0, run.stderr
    assert len(run.records) == len(emulator.ground_truth())
    assert provider_view(run.records) == provider_view(emulator.ground_truth())
    assert all(r["started_at"].endswith("+00:00") for r in run.records)


def test_login_sync_equals_ground_truth_and_checks_ok(emulator, catalog):
    login = {"auth_type": "login", "email": "demo@example.com", "password": CANARY_PASSWORD}
    check = run_connector(CONNECTOR, "check", config(emulator.base_url, credentials=login))
    assert check.of_type("CONNECTION_STATUS")[0]["connectionStatus"]["status"] == "SUCCEEDED"
    run = run_connector(CONNECTOR, "read", config(emulator.base_url, credentials=login), catalog=catalog)
    assert Counter(r["id"] for r in run.records) == Counter(r["id"] for r in emulator.ground_truth())


def test_second_incremental_sync_reads_only_the_lookback(emulator, catalog):
    first = run_connector(CONNECTOR, "read", config(emulator.base_url), catalog=catalog)
    assert first.states[-1]["stream"]["stream_state"] == {"started_at": "2026-10-11T00:00:00+00:00"}
    emulator.reset()
    second = run_connector(
        CONNECTOR,
        "read",
        config(emulator.base_url),
        catalog=catalog,
        state=state_messages_as_input(first.states),
    )
    requests = emulator.request_log("/v1/call/records")
    assert {r["query"]["from_date"][0] for r in requests} == {"2026-10-11 03:30:00"}  # 22:00 UTC, IST
    last_two_hours = [r for r in first.records if r["started_at"] >= "2026-10-10T22:00:00+00:00"]
    assert sorted(r["id"] for r in second.records) == sorted(r["id"] for r in last_two_hours)
    assert second.states[-1]["stream"]["stream_state"] == {"started_at": "2026-10-11T00:00:00+00:00"}


def test_resuming_from_any_state_message_loses_nothing(emulator, catalog):
    full = run_connector(CONNECTOR, "read", config(emulator.base_url), catalog=catalog)
    truth = {r["id"] for r in emulator.ground_truth()}
    emitted_before: set[str] = set()
    checkpoints = 0
    for message in full.messages:
        if message["type"] == "RECORD":
            emitted_before.add(message["record"]["data"]["id"])
        elif message["type"] == "STATE":
            checkpoints += 1
            resumed = run_connector(
                CONNECTOR,
                "read",
                config(emulator.base_url),
                catalog=catalog,
                state=state_messages_as_input([message["state"]]),
            )
            assert resumed.returncode == 0, resumed.stderr
            assert emitted_before | {r["id"] for r in resumed.records} == truth
    assert checkpoints >= 4


def test_without_end_date_the_upper_bound_is_fixed_when_the_sync_starts(emulator, catalog):
    open_ended = {k: v for k, v in config(emulator.base_url).items() if k != "end_date"}
    run = run_connector(CONNECTOR, "read", open_ended, catalog=catalog)
    assert run.returncode == 0, run.stderr[-2000:]
    final = run.states[-1]["stream"]["stream_state"]["started_at"]
    plan = next(line for line in run.logs if "window(s) from" in line)
    assert plan.endswith(f"to {final} for 1 partition(s).")
    windows_to = {r["query"]["to_date"][0] for r in emulator.request_log("/v1/call/records")}
    final_ist = (
        pendulum.parse(final).in_timezone("Asia/Kolkata").subtract(seconds=1).format("YYYY-MM-DD HH:mm:ss")
    )
    assert max(windows_to) == final_ist
    assert {r["id"] for r in run.records} == {r["id"] for r in emulator.ground_truth()}


def test_injected_faults_lose_nothing(acefone_emulator):
    emulator = acefone_emulator(
        **{**DATA, "rate_limit_per_second": 20},
        api_tokens=[CANARY_TOKEN],
        fault_rate=0.1,
        fault_kinds=["500", "502", "503", "429", "reset", "truncated", "html"],
        fault_seed=5,
    )
    catalog = configured_catalog(discover_once(CONNECTOR, config(emulator.base_url)), streams=[STREAM])
    run = run_connector(CONNECTOR, "read", config(emulator.base_url, page_size=20), catalog=catalog)
    assert run.returncode == 0, run.stderr[-2000:]
    assert emulator.stats()["faults_total"] >= 3
    assert {r["id"] for r in run.records} == {r["id"] for r in emulator.ground_truth()}


def test_expired_token_mid_sync_is_renewed_and_nothing_is_lost(emulator, catalog):
    login = {"auth_type": "login", "email": "demo@example.com", "password": CANARY_PASSWORD}
    emulator.inject(["expired_token"], path="/v1/call/records")
    run = run_connector(CONNECTOR, "read", config(emulator.base_url, credentials=login), catalog=catalog)
    assert run.returncode == 0, run.stderr[-2000:]
    assert {r["id"] for r in run.records} == {r["id"] for r in emulator.ground_truth()}


def test_wrong_token_fails_with_a_config_error_and_no_secret_anywhere(emulator, catalog):
    wrong = {"auth_type": "api_token", "api_token": "canary-wrong-token-77d2"}
    check = run_connector(CONNECTOR, "check", config(emulator.base_url, credentials=wrong))
    status = check.of_type("CONNECTION_STATUS")[0]["connectionStatus"]
    assert status["status"] == "FAILED" and "credentials.api_token" in status["message"]
    read = run_connector(CONNECTOR, "read", config(emulator.base_url, credentials=wrong), catalog=catalog)
    assert read.returncode != 0
    assert read.errors and read.errors[0]["failure_type"] == "config_error"
    for output in (check.output, read.output):
        assert "canary-wrong-token-77d2" not in output


def test_bad_config_fails_before_any_request(emulator, catalog):
    read = run_connector(CONNECTOR, "read", config(emulator.base_url, timezone="Mars/Base"), catalog=catalog)
    assert read.errors[0]["failure_type"] == "config_error" and "'timezone'" in read.errors[0]["message"]
    assert emulator.request_log() == []


def test_spec_violations_name_their_field_in_check(emulator):
    check = run_connector(CONNECTOR, "check", config(emulator.base_url, window_days=45))
    status = check.of_type("CONNECTION_STATUS")[0]["connectionStatus"]
    assert status["status"] == "FAILED"
    assert status["message"] == "Config validation error: 'window_days' is greater than the maximum of 31."


# ----------------------------------------------------- UK accounts, the older page shape, odd 200 answers

# Backoff sleeps are skipped in the connector's process so a persistent odd answer fails in seconds; the
# retries themselves still happen (the emulator counts them).
NO_SLEEP = """
import time
time.sleep = lambda seconds: None
"""
FIRST_WINDOW_IST = "the window 2026-10-01 05:30:00 to 2026-10-04 05:29:59"


@pytest.fixture(scope="module")
def no_sleep_path(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("no_sleep")
    (folder / "sitecustomize.py").write_text(NO_SLEEP)
    return str(folder)


def started_at_of(record: dict[str, Any]) -> str:
    """The UTC call start of a /v1/call/records ground-truth record (its IST `date` + `time`)."""
    local = pendulum.from_format(
        f"{record['date']} {record['time']}", "YYYY-MM-DD HH:mm:ss", tz="Asia/Kolkata"
    )
    return local.in_timezone("UTC").isoformat()


def call_report_view(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """/v1/call_report records keyed by id as text (the connector's primary key), nulls normalised."""
    return {str(r["id"]): without_nulls({**r, "id": str(r["id"])}) for r in records}


def test_uk_login_id_logs_in_with_the_uk_body_and_the_sync_equals_ground_truth(acefone_emulator):
    uk = acefone_emulator(**DATA, api_tokens=[CANARY_TOKEN], password=CANARY_PASSWORD, login_field="login_id")
    login = {"auth_type": "login", "login_id": "demo@example.com", "password": CANARY_PASSWORD}
    catalog = configured_catalog(
        discover_once(CONNECTOR, config(uk.base_url, credentials=login)), streams=[STREAM]
    )
    check = run_connector(CONNECTOR, "check", config(uk.base_url, credentials=login))
    assert check.of_type("CONNECTION_STATUS")[0]["connectionStatus"]["status"] == "SUCCEEDED"
    run = run_connector(CONNECTOR, "read", config(uk.base_url, credentials=login), catalog=catalog)
    assert run.returncode == 0, run.stderr[-2000:]
    assert provider_view(run.records) == provider_view(uk.ground_truth())
    # The UK emulator answers 422 to an `email` body: every login went through with `login_id`.
    assert {entry["status"] for entry in uk.request_log("/v1/auth/login")} == {200}
    assert CANARY_PASSWORD not in run.output and CANARY_PASSWORD not in check.output


def test_call_report_endpoint_reads_pages_of_100_and_equals_its_ground_truth(emulator, catalog):
    report = config(emulator.base_url, records_endpoint="v1/call_report", page_size=500)
    run = run_connector(CONNECTOR, "read", report, catalog=catalog)
    assert run.returncode == 0, run.stderr[-2000:]
    assert call_report_view([{k: v for k, v in r.items() if k not in DERIVED} for r in run.records]) == (
        call_report_view(emulator.call_report_ground_truth())
    )
    requests = emulator.request_log("/v1/call_report")
    assert {r["query"]["limit"][0] for r in requests} == {"100"}
    assert emulator.request_log("/v1/call/records") == []
    # The same calls get the same derived call start as through /v1/call/records.
    expected = {r["call_id"]: started_at_of(r) for r in emulator.ground_truth()}
    assert {r["call_stats"]["call_id"]: r["started_at"] for r in run.records} == expected
    assert run.states[-1]["stream"]["stream_state"] == {"started_at": "2026-10-11T00:00:00+00:00"}


def test_records_endpoint_answering_the_older_shape_is_read_in_full(acefone_emulator):
    old = acefone_emulator(**DATA, api_tokens=[CANARY_TOKEN], records_shape="call_report")
    catalog = configured_catalog(discover_once(CONNECTOR, config(old.base_url)), streams=[STREAM])
    run = run_connector(CONNECTOR, "read", config(old.base_url, page_size=150), catalog=catalog)
    assert run.returncode == 0, run.stderr[-2000:]
    assert call_report_view([{k: v for k, v in r.items() if k not in DERIVED} for r in run.records]) == (
        call_report_view(old.call_report_ground_truth())
    )


@pytest.mark.parametrize("path", ["/v1/call/records", "/v1/call_report"])
def test_a_passing_odd_200_is_retried_and_nothing_is_lost(emulator, catalog, path):
    endpoint = path.removeprefix("/")
    for kind in ("empty", "html", "no_records", "error_body"):
        emulator.answer_oddly(kind, path=path)
    run = run_connector(
        CONNECTOR, "read", config(emulator.base_url, records_endpoint=endpoint), catalog=catalog
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert len(run.records) == len(emulator.ground_truth())
    assert {str(r["started_at"]) for r in run.records} == {started_at_of(r) for r in emulator.ground_truth()}


@pytest.mark.parametrize("path", ["/v1/call/records", "/v1/call_report"])
@pytest.mark.parametrize(
    ("kind", "quoted"), [("empty", "an empty body"), ("no_records", "Request processed")]
)
def test_a_persistent_odd_200_fails_naming_the_window_and_saves_no_state(
    emulator, catalog, no_sleep_path, path, kind, quoted
):
    emulator.answer_oddly(kind, path=path, times=9)
    run = run_connector(
        CONNECTOR,
        "read",
        config(emulator.base_url, records_endpoint=path.removeprefix("/")),
        catalog=catalog,
        env={"PYTHONPATH": no_sleep_path},
    )
    assert run.returncode != 0
    assert run.records == [] and run.states == []
    error = run.errors[0]
    assert error["failure_type"] == "system_error"
    assert FIRST_WINDOW_IST in error["message"] and quoted in error["message"]
    assert emulator.stats()["requests"][path] == 9


def test_a_later_window_with_fewer_calls_than_the_first_is_read_in_full(emulator, catalog):
    emulator.add_calls(200, at="2026-10-02T10:00:00+00:00")  # the first 3-day window now holds far more
    run = run_connector(CONNECTOR, "read", config(emulator.base_url), catalog=catalog)
    assert run.returncode == 0, run.stderr[-2000:]
    per_window = [int(line.split(" read: ")[1].split(" ")[0]) for line in run.logs if " read: " in line]
    assert per_window[1] < per_window[0]
    assert Counter(r["id"] for r in run.records) == Counter(r["id"] for r in emulator.ground_truth())


# ------------------------------------------------------------------ secrets in every form, on every path

LOGIN = {"auth_type": "login", "email": "demo@example.com", "password": CANARY_PASSWORD}
API_TOKEN = {"auth_type": "api_token", "api_token": CANARY_TOKEN}


def assert_no_form_of(secrets: list[str], *runs: ConnectorRun) -> None:
    """No secret appears in stdout or stderr raw, trimmed, URL-encoded, JSON-escaped or base64."""
    for run in runs:
        for secret in secrets:
            for form in secret_forms(secret):
                assert form not in run.stdout, f"{form!r} (a form of a secret) in stdout"
                assert form not in run.stderr, f"{form!r} (a form of a secret) in stderr"


def bearer_tokens(emulator) -> list[str]:
    """The access tokens the connector sent (login tokens are secrets issued at run time)."""
    sent = {e["headers"].get("Authorization", "") for e in emulator.request_log("/v1/call/records")}
    return sorted(value.split(" ", 1)[1] for value in sent if value.startswith("Bearer "))


def test_no_form_of_any_secret_is_printed_by_spec_check_discover_or_read_even_with_debug(
    emulator, catalog, acefone_emulator, no_sleep_path
):
    runs = [run_connector(CONNECTOR, "spec")]
    for credentials in (LOGIN, API_TOKEN):
        good = config(emulator.base_url, credentials=credentials)
        check = run_connector(CONNECTOR, "check", good)
        assert check.of_type("CONNECTION_STATUS")[0]["connectionStatus"]["status"] == "SUCCEEDED"
        read = run_connector(CONNECTOR, "read", good, catalog=catalog, extra_args=("--debug",))
        assert read.returncode == 0 and len(read.records) == len(emulator.ground_truth())
        # --debug logs every provider response: the `token=` of each recording link is masked there,
        # while the records keep the link as Acefone sent it.
        assert '"message": "Receiving response"' in read.stdout
        logged = "\n".join(
            line for line in read.stdout.splitlines() if not line.startswith('{"type":"RECORD"')
        )
        links = {r["recording_url"] for r in emulator.ground_truth() if r.get("recording_url")}
        assert links and links <= {r.get("recording_url") for r in read.records}
        assert not [link for link in links if parse_qs(urlsplit(link).query)["token"][0] in logged]
        runs += [check, run_connector(CONNECTOR, "discover", good), read]
    issued = bearer_tokens(emulator)
    assert issued and CANARY_TOKEN in issued  # the login's access tokens and the portal token were sent
    # Failure paths: the provider refuses the credentials, keeps failing, or the config is refused offline.
    stranger = acefone_emulator(**DATA, api_tokens=["someone-else"], password="someone-else")
    for credentials in (LOGIN, API_TOKEN):
        refused = config(stranger.base_url, credentials=credentials)
        check = run_connector(CONNECTOR, "check", refused, extra_args=("--debug",))
        assert check.of_type("CONNECTION_STATUS")[0]["connectionStatus"]["status"] == "FAILED"
        read = run_connector(CONNECTOR, "read", refused, catalog=catalog, extra_args=("--debug",))
        assert read.returncode != 0 and read.errors[-1]["failure_type"] == "config_error"
        runs += [check, read]
    emulator.set_random_faults(1.0, ["500", "truncated"], paths=["/v1/call/records"])
    failing = run_connector(
        CONNECTOR,
        "read",
        config(emulator.base_url, credentials=LOGIN),
        catalog=catalog,
        env={"PYTHONPATH": no_sleep_path},
        extra_args=("--debug",),
    )
    assert failing.returncode != 0 and failing.errors
    offline = run_connector(CONNECTOR, "check", config(emulator.base_url, end_date="2026-09-01"))
    assert "'end_date'" in offline.of_type("CONNECTION_STATUS")[0]["connectionStatus"]["message"]
    assert_no_form_of([CANARY_TOKEN, CANARY_PASSWORD, *issued], *runs, failing, offline)


@pytest.mark.parametrize(
    "credentials",
    [
        {"auth_type": "api_token", "api_token": f"  {CANARY_TOKEN}\n"},
        {"auth_type": "login", "email": " demo@example.com ", "password": f"{CANARY_PASSWORD}\r\n"},
    ],
    ids=["api_token", "login"],
)
def test_secrets_pasted_with_whitespace_are_trimmed_and_the_sync_equals_ground_truth(
    emulator, catalog, credentials
):
    pasted = config(emulator.base_url, credentials=credentials)
    check = run_connector(CONNECTOR, "check", pasted)
    assert check.of_type("CONNECTION_STATUS")[0]["connectionStatus"]["status"] == "SUCCEEDED", check.stdout
    read = run_connector(CONNECTOR, "read", pasted, catalog=catalog)
    assert read.returncode == 0, read.stderr[-2000:]
    assert Counter(r["id"] for r in read.records) == Counter(r["id"] for r in emulator.ground_truth())
    secret = credentials.get("api_token") or credentials["password"]
    assert_no_form_of([secret], check, read)


# ------------------------------------------------------------------ check under persistent faults

# The connector's process skips its backoff sleeps and gives a `check` request 1 s instead of 10 s to
# answer, so the test is quick; the retries themselves still happen (the emulator counts them).
QUICK_CHECK = (
    NO_SLEEP
    + """
import cdr_shared.http_errors
cdr_shared.http_errors.CHECK_REQUEST_TIMEOUT_SECONDS = 1.0
"""
)


@pytest.fixture(scope="module")
def quick_check_path(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("quick_check")
    (folder / "sitecustomize.py").write_text(QUICK_CHECK)
    return str(folder)


@pytest.mark.parametrize(
    ("credentials", "fault", "quoted"),
    [
        (API_TOKEN, "500", "HTTP 500 ('Internal Server Error')"),
        (API_TOKEN, "html", "502 Bad Gateway"),
        (API_TOKEN, "429", "HTTP 429: 'Too many requests'"),
        (API_TOKEN, "reset", "(ConnectionError)"),
        (API_TOKEN, "slow", "(ReadTimeout)"),
        (API_TOKEN, "odd:html", "'<html><body><h1>Service temporarily unavailable</h1></body></html>'"),
        (API_TOKEN, "odd:empty", "with an empty body"),
        (API_TOKEN, "odd:error_body", "'Something went wrong'"),
        (LOGIN, "503", "HTTP 503: 'Service Unavailable'"),
        (LOGIN, "html", "502 Bad Gateway"),
        (LOGIN, "429", "HTTP 429: 'Too many requests'"),
        (LOGIN, "reset", "(ConnectionError)"),
        (LOGIN, "slow", "(ReadTimeout)"),
    ],
    ids=lambda value: value["auth_type"] if isinstance(value, dict) else None,
)
def test_check_under_a_persistent_fault_fails_after_its_retry_budget_quoting_the_answer(
    acefone_emulator, quick_check_path, credentials, fault, quoted
):
    emulator = acefone_emulator(**DATA, api_tokens=[CANARY_TOKEN], password=CANARY_PASSWORD, slow_seconds=3.0)
    path = "/v1/auth/login" if credentials["auth_type"] == "login" else "/v1/call/records"
    if fault.startswith("odd:"):
        emulator.answer_oddly(fault.removeprefix("odd:"), path=path, times=50)
    else:
        emulator.set_random_faults(1.0, [fault], paths=[path])
    # The subprocess timeout is a guard only: the budget is asserted by the attempts counted.
    check = run_connector(
        CONNECTOR,
        "check",
        config(emulator.base_url, credentials=credentials),
        env={"PYTHONPATH": quick_check_path},
        timeout=120,
    )
    status = check.of_type("CONNECTION_STATUS")[0]["connectionStatus"]
    assert status["status"] == "FAILED" and quoted in status["message"], status["message"]
    attempts = emulator.stats()["faults_total"] or emulator.stats()["requests"].get(path, 0)
    assert attempts == 3  # one request and the check budget's two retries, not a sync's eight
    assert "Traceback" not in check.output
    assert_no_form_of([CANARY_TOKEN, CANARY_PASSWORD], check)


def expected_call(truth: dict[str, Any]) -> dict[str, Any]:
    """What `calls` must say of one emulator call, worked out from the emulator's record on its own terms."""
    ist = pendulum.timezone("Asia/Kolkata")

    def utc(text: str) -> str:
        return pendulum.from_format(text, "YYYY-MM-DD HH:mm:ss", tz=ist).in_tz("UTC").isoformat()

    inbound = truth["direction"] == "inbound"
    if truth["status"] == "answered":
        outcome = "answered"
    elif truth["voicemail_recording"]:
        outcome = "voicemail"
    else:
        outcome = {"User busy": "busy", "Call rejected": "failed"}.get(truth["hangup_cause"], "missed")
        if inbound and truth["hangup_cause"] == "Originator cancel":
            outcome = "abandoned"
    return {
        "provider": "acefone",
        "account": "Demo Account",
        "call_id": truth["id"],
        "source_key": truth["id"],
        "direction": truth["direction"],
        "started_at": utc(f"{truth['date']} {truth['time']}"),
        "ended_at": utc(truth["end_stamp"]),
        "talk_seconds": truth["answered_seconds"],
        "duration_seconds": truth["call_duration"],
        "caller_number": truth["client_number"] if inbound else truth["did_number"],
        "called_number": truth["did_number"] if inbound else truth["client_number"],
        "agent_name": truth["agent_name"],
        "queue": truth["department_name"],
        "outcome": outcome,
        "recording_url": truth["recording_url"],
    }


def test_calls_equal_the_ground_truth_in_the_shared_shape_with_no_extra_request(emulator):
    discovered = discover_once(CONNECTOR, config(emulator.base_url))
    both = configured_catalog(discovered, streams=[STREAM, "calls"])
    run = run_connector(CONNECTOR, "read", config(emulator.base_url), catalog=both)
    assert run.returncode == 0, run.stderr
    requests_for_both = emulator.stats()["requests"]
    calls = {c["call_id"]: c for c in run.records_of("calls")}
    expected = {truth["id"]: expected_call(truth) for truth in emulator.ground_truth()}
    assert len(calls) == len(run.records_of(STREAM)) == len(expected)
    assert {key: {k: calls[key].get(k) for k in fields} for key, fields in expected.items()} == expected
    assert {c["outcome"] for c in calls.values()} >= {"answered", "missed", "abandoned", "voicemail"}
    emulator.reset()
    alone = run_connector(
        CONNECTOR, "read", config(emulator.base_url), catalog=configured_catalog(discovered, streams=[STREAM])
    )
    assert alone.returncode == 0, alone.stderr
    assert requests_for_both == emulator.stats()["requests"]  # every page asked once, as for call_records


# ------------------------------------------------------------------------ users and departments (directory)

DIRECTORY = ["users", "departments"]


def test_users_and_departments_equal_ground_truth_through_faults_with_text_ids_and_wrapped_list(
    acefone_emulator, no_sleep_path
):
    """The shapes that differ from the list pages' samples (ids as text, departments under `data`); the
    samples' own shapes are read by the next test (departments) and the unit tests."""
    directory = acefone_emulator(
        **DATA,
        api_tokens=[CANARY_TOKEN],
        password=CANARY_PASSWORD,
        users_shape="text_ids",
        departments_shape="data",
    )
    directory.inject(["503", "truncated"], path="/v1/users")
    directory.inject(["429"], path="/v1/departments")
    login = {"auth_type": "login", "email": "demo@example.com", "password": CANARY_PASSWORD}
    catalog = configured_catalog(discover_once(CONNECTOR, config(directory.base_url)), streams=DIRECTORY)
    run = run_connector(
        CONNECTOR,
        "read",
        config(directory.base_url, credentials=login, page_size=4),
        catalog=catalog,
        env={"PYTHONPATH": no_sleep_path},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert without_nulls(run.records_of("users")) == without_nulls(directory.users_ground_truth())
    assert without_nulls(run.records_of("departments")) == without_nulls(directory.departments_ground_truth())
    assert len(directory.request_log("/v1/users")) == 2 + 4  # two faulted tries, then 15 users in pages of 4
    assert len(directory.request_log("/v1/auth/login")) == 1
    assert CANARY_PASSWORD not in run.output


def test_a_users_cursor_that_does_not_advance_stops_users_with_an_error_and_departments_still_sync(emulator):
    emulator.ignore_last_seen_id()
    catalog = configured_catalog(discover_once(CONNECTOR, config(emulator.base_url)), streams=DIRECTORY)
    run = run_connector(CONNECTOR, "read", config(emulator.base_url, page_size=4), catalog=catalog)
    assert run.returncode != 0
    assert "users:" in run.errors[0]["message"] and "does not advance" in run.errors[0]["message"]
    assert len(emulator.request_log("/v1/users")) == 2  # the first page, then the same page once more
    assert [u["id"] for u in run.records_of("users")] == [u["id"] for u in emulator.users_ground_truth()[:4]]
    assert without_nulls(run.records_of("departments")) == without_nulls(emulator.departments_ground_truth())
