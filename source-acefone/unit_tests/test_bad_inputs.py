"""Bad inputs are refused with a message naming the field, file or stream: no traceback, no HTTP request
and no secret in any output (the shared harness `cdr_shared.testing.bad_inputs`).

Every config case runs through `check` (a FAILED status) and `read` (a config-error trace, exit 1); the
state and catalog cases through `read`. Inputs that look wrong but mean something (a secret pasted with
a trailing newline, an `end_date` in year 9999, a state of another connector version) are not refusals:
the tests at the end pin what they do instead.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from airbyte_cdk.test.mock_http import HttpMocker, HttpRequest, HttpResponse
from freezegun import freeze_time

from cdr_shared.entrypoint import launch
from cdr_shared.testing import bad_inputs
from cdr_shared.testing.bad_input_suite import BadInputSuite
from cdr_shared.testing.bad_inputs import ABSENT, MISSING, BadInput, bad_values, catalog_of, state_of
from cdr_shared.testing.config_builder import ConfigBuilder
from source_acefone import SourceAcefone

TOKEN = "canary-acefone-token-51c9e7"
PASSWORD = "canary-acefone-pass-8d24b0"
CANARIES = [TOKEN, PASSWORD]
NOW = "2024-05-10T12:00:00Z"
STREAM = "call_records"
PLACEHOLDER_URL = "http://127.0.0.1:9"

BASE = ConfigBuilder(
    {
        "credentials": {"auth_type": "api_token", "api_token": TOKEN},
        "start_date": "2024-05-09",
        "base_url": PLACEHOLDER_URL,
    }
)
LOGIN = BASE.set("credentials", {"auth_type": "login", "email": "ops@example.com", "password": PASSWORD})
UK_LOGIN = BASE.set("credentials", {"auth_type": "login", "login_id": "ops-uk", "password": PASSWORD})
REPORT = BASE.merge(records_endpoint="v1/call_report")


TOKEN_PATH, PASSWORD_PATH = "credentials.api_token", "credentials.password"


def filters(**values: Any) -> dict[str, Any]:
    return BASE.merge(filters=values)


def bad(case_id: str, names: str, config: dict[str, Any]) -> BadInput:
    return BadInput(case_id, names, config=config)


CONFIGS = [
    # credentials: the oneOf itself
    *bad_values(BASE, "credentials", ABSENT, TOKEN, None, [TOKEN]),
    *bad_values(BASE, "credentials.auth_type", ABSENT, "oauth", 1, "API_TOKEN"),
    # credentials: the api_token branch
    *bad_values(
        BASE,
        TOKEN_PATH,
        ABSENT,
        "",
        " \n\t ",
        12345,
        None,
        [TOKEN],
        f"{TOKEN}\nx",
        f"Bearer {TOKEN}",
        f"{TOKEN}\u200b",
        f"{TOKEN}é",
    ),
    bad(
        "api_token branch given a password only",
        TOKEN_PATH,
        BASE.set("credentials", {"auth_type": "api_token", "password": PASSWORD}),
    ),
    # credentials: the login branch
    *bad_values(BASE, PASSWORD_PATH, ABSENT, "", "   \n", 123456, None, base=LOGIN),
    *bad_values(BASE, "credentials.email", ABSENT, "", "   ", 42, base=LOGIN),
    *bad_values(BASE, "credentials.login_id", "ops-uk", base=LOGIN),  # both email and login_id
    *bad_values(BASE, "credentials.login_id", 42, " \t", base=UK_LOGIN),
    bad(
        "login branch given an api_token only",
        PASSWORD_PATH,
        BASE.set("credentials", {"auth_type": "login", "api_token": TOKEN}),
    ),
    # dates
    *bad_values(
        BASE,
        "start_date",
        ABSENT,
        "",
        20240509,
        None,
        "yesterday",
        "09/05/2024",
        "2024-02-30",
        "2024-13-01",
        "2024-05-09T25:00:00Z",
        "2024-06-01",
        "2024-05-10T13:00:00Z",
        "9999-12-31",
        "0001-01-01",
        "1969-12-31T23:59:59Z",
        "2024-05-09T00:00:00+25:00",
        "2024-05-09T00:00:00-24:00",
        "2024-05-09T00:00:00+05:99",
    ),
    *bad_values(
        BASE,
        "end_date",
        "2024-05-01",
        "2024-05-09T00:00:00+05:30",
        "2024-05-08T23:59:59+05:30",
        "tomorrow",
        "2024-04-31",
        "",
        20240510,
        "2024-05-10T00:00:00-2400",
        "0000-01-01",
    ),
    # span, zone, paging
    *bad_values(BASE, "lookback_window_minutes", -1, 44641, "60", 1.5, True),
    *bad_values(BASE, "timezone", "India/Mumbai", 5.5, "+05:30", "IST"),
    *bad_values(BASE, "window_days", 0, -3, 60, "7", 2.5),
    *bad_values(BASE, "page_size", 0, 1001, "100", None, True),
    # base_url
    *bad_values(
        BASE,
        "base_url",
        "http://api.acefone.in",
        "api.acefone.in",
        "ftp://api.acefone.in",
        "https://",
        "https://api.acefone.in/?token=x",
        f"https://ops:{PASSWORD}@api.acefone.in",
        "https://api.acefone.in/v1/call/records",
        "https://api.acefone.in/v1",
        443,
        "https://api acefone.in",
    ),
    # records_endpoint
    *bad_values(BASE, "records_endpoint", "v2/call/records", "/v1/call/records", 1),
    bad("filters on the older endpoint", "filters", {**REPORT, "filters": {"direction": "inbound"}}),
    # filters
    *bad_values(BASE, "filters", "direction=inbound", ["inbound"]),
    bad("unknown filter", "filters.call_status", filters(call_status="answered")),
    *bad_values(BASE, "filters.agents", "agent|1"),
    *bad_values(BASE, "filters.agents", ["alice"], [7], names="filters.agents.0"),
    *bad_values(BASE, "filters.department", "sales"),
    *bad_values(BASE, "filters.ivr", [1], names="filters.ivr.0"),
    *bad_values(BASE, "filters.call_type", "x", "missed"),
    *bad_values(BASE, "filters.direction", "both"),
    *bad_values(BASE, "filters.duration", 30),
    *bad_values(BASE, "filters.operator", ">"),
    bad("operator unknown", "filters.operator", filters(duration=30, operator="=")),
    bad("duration negative", "filters.duration", filters(duration=-1, operator=">")),
    bad("duration a string", "filters.duration", filters(duration="30", operator=">")),
    *bad_values(BASE, "filters.services", "ivr"),
    *bad_values(BASE, "filters.callerid", 919812345678),
    *bad_values(BASE, "filters.broadcast", True),
    # the files
    BadInput("config not JSON", "--config", config_text="{not json"),
    BadInput("config an array", "--config", config_text="[1, 2]"),
    BadInput("config a string", "--config", config_text='"credentials"'),
    BadInput("config empty", "--config", config_text=""),
    BadInput("config missing", "--config", config_text=MISSING),
]

DISCOVER = [
    BadInput("discover, config not JSON", "--config", command="discover", config_text="{"),
    BadInput("discover, config missing", "--config", command="discover", config_text=MISSING),
    BadInput("discover, no credentials", "credentials", command="discover", config=BASE.drop("credentials")),
    BadInput(
        "discover, end before start", "end_date", command="discover", config=BASE.merge(end_date="2024-05-01")
    ),
]


def read_state(case_id: str, names: str, stream_state: Any = None, **kwargs: Any) -> BadInput:
    if "state_text" not in kwargs and "state" not in kwargs:
        kwargs["state"] = state_of(STREAM, stream_state)
    return BadInput(case_id, names, command="read", **kwargs)


STATES = [
    read_state("cursor not a date", STREAM, {"started_at": "soon"}),
    read_state("cursor a number", STREAM, {"started_at": 1715000000}),
    read_state("cursor a boolean", STREAM, {"started_at": True}),
    read_state("cursor an object", STREAM, {"started_at": {"date": "2024-05-09"}}),
    read_state("cursor without offset", STREAM, {"started_at": "2024-05-09T10:00:00"}),
    read_state("cursor a date only", STREAM, {"started_at": "2024-05-09"}),
    read_state("cursor offset beyond 24 h", STREAM, {"started_at": "2024-05-09T10:00:00+25:00"}),
    read_state("cursor 10 min ahead", STREAM, {"started_at": "2024-05-10T12:10:00Z"}),
    read_state("cursor year 9999", STREAM, {"started_at": "9999-12-31T00:00:00+00:00"}),
    read_state("cursor the provider's local time", STREAM, {"started_at": "2024-05-09 10:00:00"}),
    read_state("state a list", STREAM, ["2024-05-09"]),
    read_state("state a string", STREAM, "2024-05-09T00:00:00+00:00"),
    read_state("state a number", STREAM, 1715000000),
    read_state("state not JSON", "--state", state_text="[{"),
    read_state("state a legacy object", "--state", state_text='{"call_records": {"started_at": "x"}}'),
    read_state("state a string file", "--state", state_text='"call_records"'),
    read_state("state of numbers", "--state", state_text="[1, 2]"),
    read_state("state message without stream", "--state", state=[{"type": "STREAM"}]),
    read_state(
        "state message without descriptor",
        "--state",
        state=[{"type": "STREAM", "stream": {"stream_state": {"started_at": "2024-05-09T00:00:00Z"}}}],
    ),
    read_state(
        "state message of unknown type",
        "--state",
        state=[{"type": "PARTITION", "stream": {"stream_descriptor": {"name": STREAM}, "stream_state": {}}}],
    ),
    read_state("state missing", "--state", state_text=MISSING),
]

CATALOGS = [
    BadInput("unknown stream", "call_legs", command="read", catalog=catalog_of("call_legs")),
    BadInput("wrong cursor", STREAM, command="read", catalog=catalog_of(STREAM, cursor_field=["id"])),
    BadInput(
        "provider's cursor field", STREAM, command="read", catalog=catalog_of(STREAM, cursor_field=["date"])
    ),
    BadInput(
        "nested cursor", STREAM, command="read", catalog=catalog_of(STREAM, cursor_field=["started_at", "x"])
    ),
    BadInput(
        "unknown sync mode", "--catalog", command="read", catalog=catalog_of(STREAM, sync_mode="sometimes")
    ),
    BadInput("streams not a list", "--catalog", command="read", catalog={"streams": {STREAM: {}}}),
    BadInput(
        "stream without a name",
        "--catalog",
        command="read",
        catalog={"streams": [{"stream": {}, "sync_mode": "incremental", "destination_sync_mode": "append"}]},
    ),
    BadInput(
        "unknown destination sync mode",
        "--catalog",
        command="read",
        catalog={
            "streams": [{**catalog_of(STREAM)["streams"][0], "destination_sync_mode": "overwrite_everything"}]
        },
    ),
    *bad_inputs.UNREADABLE_CATALOGS,
]


def in_read(case: BadInput) -> BadInput:
    return dataclasses.replace(case, id=f"{case.id} (read)", command="read")


class TestBadInputs(BadInputSuite):
    source = SourceAcefone
    now = NOW
    canaries = CANARIES
    placeholder_url = PLACEHOLDER_URL  # base_url points at a loopback server counting connections
    default_config = BASE.build()
    default_catalog = catalog_of(STREAM)
    configs, states, catalogs = CONFIGS, STATES, CATALOGS
    more_cases = [*map(in_read, CONFIGS), *DISCOVER]  # every bad config refused by read as by check


# ------------------------------------------------------------------ inputs that are not refusals

HOST = "https://api.acefone.in"
GOOD = BASE.merge(base_url=HOST)


def records_request(from_date: str, to_date: str, limit: int = 100, **headers: str) -> HttpRequest:
    params = {"from_date": from_date, "to_date": to_date, "page": "1", "limit": str(limit)}
    return HttpRequest(f"{HOST}/v1/call/records", query_params=params, headers=headers or None)


def empty_page(limit: int = 100) -> HttpResponse:
    return HttpResponse(json.dumps({"count": 0, "limit": limit, "size": 0, "page": 1, "results": []}))


def probe(authorization: str) -> HttpRequest:
    """`check`'s request: one record of the last day."""
    return records_request("2024-05-09 17:30:00", "2024-05-10 17:30:00", limit=1, Authorization=authorization)


# A sync from start_date (2024-05-09, IST) up to now (12:00 UTC, 17:30 IST) reads these two windows.
FROM_START_DATE = [
    records_request("2024-05-09 00:00:00", "2024-05-09 23:59:59"),
    records_request("2024-05-10 00:00:00", "2024-05-10 17:29:59"),
]


def run_mocked(command: str, config: dict[str, Any], tmp_path, state: Any = None) -> bad_inputs.Run:
    """`command` through the shared entry point, answered by the active `HttpMocker`."""
    (tmp_path / "config.json").write_text(json.dumps(config))
    args = [command, "--config", str(tmp_path / "config.json")]
    if command == "read":
        (tmp_path / "catalog.json").write_text(json.dumps(catalog_of(STREAM)))
        args += ["--catalog", str(tmp_path / "catalog.json")]
    if state is not None:
        (tmp_path / "state.json").write_text(json.dumps(state))
        args += ["--state", str(tmp_path / "state.json")]
    stdout, stderr, code = bad_inputs.run_command(lambda a: launch(SourceAcefone(), a), args)
    return bad_inputs.Run(command, stdout, stderr, code)


def warnings_of(run: bad_inputs.Run) -> list[str]:
    return [
        m["log"]["message"] for m in run.messages if m.get("type") == "LOG" and m["log"]["level"] == "WARN"
    ]


def final_state(run: bad_inputs.Run) -> dict[str, Any]:
    return [m["state"]["stream"]["stream_state"] for m in run.messages if m.get("type") == "STATE"][-1]


@pytest.mark.parametrize(
    "stream_state",
    [
        {"states": [{"partition": {"account": "1"}, "cursor": {"started_at": "2024-05-09T06:00:00+00:00"}}]},
        {"state_type": "date-range", "slices": [{"start": "2024-05-09", "end": "2024-05-10"}]},
        {"date": "2024-05-09", "time": "10:00:00"},
    ],
    ids=["per-partition", "concurrent date-range", "provider field names"],
)
@freeze_time(NOW)
def test_given_state_of_another_shape_then_ignored_with_a_warning_and_read_from_start_date(
    stream_state, tmp_path
):
    with HttpMocker() as http:
        for request in FROM_START_DATE:
            http.get(request, empty_page())
        run = run_mocked("read", GOOD, tmp_path, state=state_of(STREAM, stream_state))
    assert run.exit_code == 0, run.stdout[-2000:]
    assert any(f"'{STREAM}'" in w and "ignored" in w for w in warnings_of(run)), warnings_of(run)
    assert final_state(run) == {"started_at": "2024-05-10T12:00:00+00:00"}
    run.assert_no_traceback()
    run.assert_no_canary(CANARIES)


@freeze_time(NOW)
def test_given_state_of_a_stream_this_source_lacks_then_it_is_ignored_and_the_stream_read_from_start_date(
    tmp_path,
):
    state = [*state_of("calls", {"started_at": "2024-05-10T11:00:00+00:00"}), *state_of(STREAM, {})]
    with HttpMocker() as http:
        for request in FROM_START_DATE:
            http.get(request, empty_page())
        run = run_mocked("read", GOOD, tmp_path, state=state)
    assert run.exit_code == 0, run.stdout[-2000:]
    run.assert_no_traceback()


@pytest.mark.parametrize(
    ("cursor", "first_from"),
    [("2024-05-10T12:02:00Z", "2024-05-10 16:32:00"), ("1969-01-01T00:00:00+00:00", "2024-05-09 00:00:00")],
    ids=["2 min ahead (clock skew)", "before start_date"],
)
@freeze_time(NOW)
def test_given_state_within_the_tolerance_then_the_sync_reads_from_it_less_the_lookback(
    cursor, first_from, tmp_path
):
    with HttpMocker() as http:
        if first_from == "2024-05-09 00:00:00":
            for request in FROM_START_DATE:
                http.get(request, empty_page())
        else:
            http.get(records_request(first_from, "2024-05-10 17:29:59"), empty_page())
        run = run_mocked("read", GOOD, tmp_path, state=state_of(STREAM, {"started_at": cursor}))
    assert run.exit_code == 0, run.stdout[-2000:]
    assert not run.errors()


@freeze_time(NOW)
def test_given_a_catalog_selecting_no_stream_then_a_config_error_before_any_request(tmp_path):
    run, connections = TestBadInputs().run(
        BadInput("empty", STREAM, command="read", catalog={"streams": []}), tmp_path
    )
    assert "selects no stream" in run.refusal() and STREAM in run.refusal()
    assert run.exit_code == 1 and not run.requests and connections == 0
    run.assert_no_traceback()


@pytest.mark.parametrize(
    "pasted", [f"{TOKEN}\n", f"  {TOKEN}  ", f"\t{TOKEN}\r\n"], ids=["newline", "spaces", "tab, CRLF"]
)
@freeze_time(NOW)
def test_given_token_pasted_with_whitespace_then_it_is_sent_trimmed_and_check_succeeds(pasted, tmp_path):
    config = GOOD | {"credentials": {"auth_type": "api_token", "api_token": pasted}}
    with HttpMocker() as http:
        http.get(
            probe(f"Bearer {TOKEN}"),
            empty_page(1),
        )
        run = run_mocked("check", config, tmp_path)
    assert run.statuses()[-1]["status"] == "SUCCEEDED", run.stdout[-2000:]
    run.assert_no_traceback()
    run.assert_no_canary([pasted])


@freeze_time(NOW)
def test_given_password_pasted_with_whitespace_then_the_login_sends_it_trimmed(tmp_path):
    login = {"auth_type": "login", "email": " ops@example.com ", "password": f" {PASSWORD}\n"}
    issued = "issued-token-3f2a"
    with HttpMocker() as http:
        http.post(
            HttpRequest(f"{HOST}/v1/auth/login", body={"email": "ops@example.com", "password": PASSWORD}),
            HttpResponse(json.dumps({"access_token": issued, "token_type": "bearer", "expires_in": 3600})),
        )
        http.get(
            probe(f"Bearer {issued}"),
            empty_page(1),
        )
        run = run_mocked("check", GOOD | {"credentials": login}, tmp_path)
    assert run.statuses()[-1]["status"] == "SUCCEEDED", run.stdout[-2000:]
    run.assert_no_canary([PASSWORD, issued])


@pytest.mark.parametrize("end_date", ["9999-12-31", "9999-12-31T23:59:59Z", "2099-01-01"])
@freeze_time(NOW)
def test_given_end_date_years_away_then_the_sync_reads_up_to_now(end_date, tmp_path):
    with HttpMocker() as http:
        for request in FROM_START_DATE:
            http.get(request, empty_page())
        run = run_mocked("read", GOOD | {"end_date": end_date}, tmp_path)
    assert run.exit_code == 0, run.stdout[-2000:]
    assert final_state(run) == {"started_at": "2024-05-10T12:00:00+00:00"}
    run.assert_no_traceback()
