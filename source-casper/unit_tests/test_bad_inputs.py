"""Bad inputs are refused with a message naming the field, file or stream: no traceback, no HTTP request
and no secret in any output (the shared harness `cdr_shared.testing.bad_inputs`).

Every credentials branch of the spec's `oneOf` (RingCentral JWT, legacy login, permanent API token, access
token) has a row for each field missing in it; the refusal must name that branch's field.
"""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from cdr_shared.testing.bad_inputs import (
    MISSING,
    BadInput,
    ConfigBuilder,
    catalog_of,
    run_connector,
    run_with_loopback,
    state_of,
)
from source_casper import SourceCasper

API_TOKEN = "aws80:canary-casper-token-6a1f"
CLIENT_SECRET = "canary-casper-client-secret-93be"
JWT = "canary-casper-jwt-credential-1c07"
PASSWORD = "canary-casper-pass-4e2d"
ACCESS_TOKEN = "canary-casper-access-token-58aa"
CANARIES = [API_TOKEN, CLIENT_SECRET, JWT, PASSWORD, ACCESS_TOKEN]
NOW = "2024-05-10T12:00:00Z"
REPORT = "call_detail_report"
CURSOR = "enqueue_at"
PLACEHOLDER_ORIGIN = "http://127.0.0.1:9"
PLACEHOLDER_URL = f"{PLACEHOLDER_ORIGIN}/voice"

BASE = ConfigBuilder(
    {
        "credentials": {"auth_type": "api_token", "api_token": API_TOKEN},
        "start_date": "2024-05-09",
        "base_url": PLACEHOLDER_URL,
    }
)
JWT_LOGIN = BASE.set(
    "credentials",
    {
        "auth_type": "ringcentral_jwt",
        "client_id": "app-client-id",
        "client_secret": CLIENT_SECRET,
        "jwt": JWT,
    },
)
LEGACY = BASE.set(
    "credentials", {"auth_type": "legacy_login", "username": "admin@example.com", "password": PASSWORD}
)
ACCESS = BASE.set("credentials", {"auth_type": "access_token", "access_token": ACCESS_TOKEN})


def config(**fields):
    return BASE.merge(**fields)


def in_branch(branch, path, value=MISSING):
    """`branch` with `credentials.<path>` set to `value`, or dropped."""
    if value is MISSING:
        return BASE.drop(f"credentials.{path}", branch)
    return BASE.set(f"credentials.{path}", value, branch)


CREDENTIALS = [
    BadInput("no credentials", "credentials", config=BASE.drop("credentials")),
    BadInput("credentials a string", "credentials", config=config(credentials=API_TOKEN)),
    BadInput("no auth_type", "credentials.auth_type", config=BASE.drop("credentials.auth_type")),
    BadInput("unknown auth_type", "credentials.auth_type", config=in_branch(BASE.base, "auth_type", "oauth")),
    BadInput("auth_type a number", "credentials.auth_type", config=in_branch(BASE.base, "auth_type", 3)),
    # permanent API token
    BadInput("api_token: token missing", "credentials.api_token", config=in_branch(BASE.base, "api_token")),
    BadInput("api_token: token empty", "credentials.api_token", config=in_branch(BASE.base, "api_token", "")),
    BadInput(
        "api_token: blanks only", "credentials.api_token", config=in_branch(BASE.base, "api_token", " \n")
    ),
    BadInput("api_token: a number", "credentials.api_token", config=in_branch(BASE.base, "api_token", 12345)),
    # RingCentral JWT
    BadInput("jwt: client_id missing", "credentials.client_id", config=in_branch(JWT_LOGIN, "client_id")),
    BadInput(
        "jwt: client_secret missing",
        "credentials.client_secret",
        config=in_branch(JWT_LOGIN, "client_secret"),
    ),
    BadInput("jwt: jwt missing", "credentials.jwt", config=in_branch(JWT_LOGIN, "jwt")),
    BadInput(
        "jwt: only the auth_type",
        "credentials.client_id",
        config=BASE.set("credentials", {"auth_type": "ringcentral_jwt"}),
    ),
    BadInput("jwt: jwt empty", "credentials.jwt", config=in_branch(JWT_LOGIN, "jwt", "")),
    BadInput(
        "jwt: client_secret blanks",
        "credentials.client_secret",
        config=in_branch(JWT_LOGIN, "client_secret", "  "),
    ),
    BadInput(
        "jwt: client_id a number", "credentials.client_id", config=in_branch(JWT_LOGIN, "client_id", 42)
    ),
    BadInput(
        "jwt: platform_url plain http",
        "credentials.platform_url",
        config=in_branch(JWT_LOGIN, "platform_url", "http://platform.ringcentral.com"),
    ),
    BadInput(
        "jwt: platform_url not a URL",
        "credentials.platform_url",
        config=in_branch(JWT_LOGIN, "platform_url", "platform.ringcentral.com"),
    ),
    BadInput(
        "jwt: platform_url a number",
        "credentials.platform_url",
        config=in_branch(JWT_LOGIN, "platform_url", 443),
    ),
    # legacy login
    BadInput("legacy: username missing", "credentials.username", config=in_branch(LEGACY, "username")),
    BadInput("legacy: password missing", "credentials.password", config=in_branch(LEGACY, "password")),
    BadInput("legacy: password empty", "credentials.password", config=in_branch(LEGACY, "password", "")),
    BadInput("legacy: username blanks", "credentials.username", config=in_branch(LEGACY, "username", "   ")),
    BadInput("legacy: username a number", "credentials.username", config=in_branch(LEGACY, "username", 7)),
    BadInput(
        "legacy: platform_id a list",
        "credentials.platform_id",
        config=in_branch(LEGACY, "platform_id", ["NA1"]),
    ),
    # access token
    BadInput("access: token missing", "credentials.access_token", config=in_branch(ACCESS, "access_token")),
    BadInput(
        "access: blanks only", "credentials.access_token", config=in_branch(ACCESS, "access_token", "\t")
    ),
]

DATES = [
    BadInput("no start_date", "start_date", config=BASE.drop("start_date")),
    BadInput("start not a date", "start_date", config=config(start_date="yesterday")),
    BadInput("start not a day", "start_date", config=config(start_date="2024-02-30")),
    BadInput("start hour 25", "start_date", config=config(start_date="2024-05-01T25:00:00Z")),
    BadInput("start year 9999", "start_date", config=config(start_date="9999-12-31")),
    BadInput("start in the future", "start_date", config=config(start_date="2024-06-01")),
    BadInput("start offset beyond 24 h", "start_date", config=config(start_date="2024-05-09T00:00:00+25:00")),
    BadInput("start before 1970", "start_date", config=config(start_date="0001-01-01")),
    BadInput("start a number", "start_date", config=config(start_date=20240509)),
    BadInput("end before start", "end_date", config=config(end_date="2024-05-01")),
    BadInput("end equals start", "end_date", config=config(end_date="2024-05-09T00:00:00Z")),
    BadInput("end offset beyond 24 h", "end_date", config=config(end_date="2024-05-10T00:00:00-2400")),
    BadInput("end not a date", "end_date", config=config(end_date="soon")),
    BadInput("end a number", "end_date", config=config(end_date=1)),
    BadInput("end not a day", "end_date", config=config(end_date="2024-04-31")),
]

FIELDS = [
    BadInput("lookback negative", "lookback_window_minutes", config=config(lookback_window_minutes=-1)),
    BadInput(
        "lookback beyond a month", "lookback_window_minutes", config=config(lookback_window_minutes=44641)
    ),
    BadInput("lookback a string", "lookback_window_minutes", config=config(lookback_window_minutes="60")),
    BadInput("lookback a fraction", "lookback_window_minutes", config=config(lookback_window_minutes=1.5)),
    BadInput("unknown zone", "timezone", config=config(timezone="Arizona/Phoenix")),
    BadInput("zone a number", "timezone", config=config(timezone=-7)),
    BadInput("window zero", "window_days", config=config(window_days=0)),
    BadInput("window too large", "window_days", config=config(window_days=60)),
    BadInput("window a string", "window_days", config=config(window_days="7")),
    BadInput(
        "base_url plain http", "base_url", config=config(base_url="http://ringcx.ringcentral.com/voice")
    ),
    BadInput("base_url not a URL", "base_url", config=config(base_url="ringcx.ringcentral.com/voice")),
    BadInput("base_url ftp", "base_url", config=config(base_url="ftp://ringcx.ringcentral.com/voice")),
    BadInput("base_url a number", "base_url", config=config(base_url=443)),
    BadInput("account_ids a string", "account_ids", config=config(account_ids="15300001")),
    BadInput("account_ids not numeric", "account_ids.0", config=config(account_ids=["ACME"])),
    BadInput("account_ids a boolean", "account_ids.0", config=config(account_ids=[True])),
    BadInput("account_ids nested", "account_ids.0", config=config(account_ids=[["15300001"]])),
    BadInput("group_by unknown", "group_by", config=config(group_by="AGENT")),
    BadInput("group_by a number", "group_by", config=config(group_by=1)),
    BadInput("group_ids without object_ids", "object_ids", config=config(group_ids=[111])),
    BadInput(
        "group_ids a string entry", "group_ids.1", config=config(group_ids=[111, "x"], object_ids=[1111])
    ),
    BadInput("group_ids not a list", "group_ids", config=config(group_ids=111, object_ids=[1111])),
    BadInput("object_ids a null entry", "object_ids.0", config=config(object_ids=[None])),
    BadInput("object_ids strings", "object_ids.0", config=config(object_ids=["DTE"])),
    BadInput("user_id not numeric", "user_id", config=config(user_id="admin")),
    BadInput("user_id negative", "user_id", config=config(user_id="-5")),
    BadInput("user_id a list", "user_id", config=config(user_id=["1111"])),
]

FILES = [
    BadInput("config not JSON", "--config", config_text="{not json"),
    BadInput("config an array", "--config", config_text="[1, 2]"),
    BadInput("config missing", "--config", config_text=MISSING),
    BadInput("discover, config not JSON", "--config", command="discover", config_text="{"),
    BadInput(
        "discover, no token",
        "credentials.api_token",
        command="discover",
        config=in_branch(BASE.base, "api_token"),
    ),
    BadInput("read, end before start", "end_date", command="read", config=config(end_date="2024-05-01")),
    BadInput("read, jwt missing", "credentials.jwt", command="read", config=in_branch(JWT_LOGIN, "jwt")),
]

CONFIGS = CREDENTIALS + DATES + FIELDS + FILES


def report_state(value):
    return BadInput(f"state {value!r}", REPORT, command="read", state=state_of(REPORT, value))


STATES = [
    report_state({CURSOR: "soon"}),
    report_state({CURSOR: 1715000000}),
    report_state({CURSOR: True}),
    report_state({CURSOR: {"at": "2024-05-09T00:00:00Z"}}),
    report_state({CURSOR: "2024-05-10T12:10:00Z"}),  # 10 minutes ahead of the clock
    report_state({CURSOR: "9999-12-31T00:00:00Z"}),
    report_state({CURSOR: "2024-13-01T00:00:00Z"}),
    report_state({CURSOR: "2024-05-09T00:00:00+25:00"}),
    report_state(["2024-05-09"]),
    report_state("2024-05-09"),
    report_state(42),
    BadInput("state not JSON", "--state", command="read", state_text="[{"),
    BadInput("state an object of garbage", "--state", command="read", state_text='{"call_detail_report": 1}'),
    BadInput("state a number", "--state", command="read", state_text="5"),
    BadInput("state missing", "--state", command="read", state_text=MISSING),
    BadInput(
        "legacy state object",
        "--state",
        command="read",
        state_text='{"call_detail_report": {"enqueue_at": "soon"}}',
    ),
]

CATALOGS = [
    BadInput("unknown stream", "calls", command="read", catalog=catalog_of("calls")),
    BadInput("wrong cursor", REPORT, command="read", catalog=catalog_of(REPORT, cursor_field=["uii"])),
    BadInput(
        "unknown sync mode", "--catalog", command="read", catalog=catalog_of(REPORT, sync_mode="sometimes")
    ),
    BadInput("incremental accounts", "accounts", command="read", catalog=catalog_of("accounts")),
    BadInput("incremental users", "users", command="read", catalog=catalog_of("users")),
    BadInput("catalog not JSON", "--catalog", command="read", catalog_text="nope"),
    BadInput("catalog an array", "--catalog", command="read", catalog_text="[]"),
    BadInput("catalog streams not a list", "--catalog", command="read", catalog_text='{"streams": 1}'),
    BadInput("catalog missing", "--catalog", command="read", catalog_text=MISSING),
]


@pytest.mark.parametrize("case", CONFIGS + STATES + CATALOGS, ids=lambda case: case.id)
@freeze_time(NOW)
def test_given_bad_input_then_refused_naming_it_without_request_traceback_or_secret(case, tmp_path):
    run, connections = run_with_loopback(
        SourceCasper,
        case,
        tmp_path,
        placeholder_url=PLACEHOLDER_ORIGIN,
        default_config=BASE.build(),
        default_catalog=catalog_of(REPORT),
    )
    run.assert_refused(case.names, canaries=CANARIES)
    assert connections == 0


def test_the_table_covers_what_the_issue_asks():
    assert len(CONFIGS) >= 60 and len(STATES) >= 15 and len(CATALOGS) >= 7


@freeze_time(NOW)
def test_given_state_two_minutes_ahead_then_accepted(tmp_path):
    case = BadInput(
        "2 min ahead", REPORT, command="read", state=state_of(REPORT, {CURSOR: "2024-05-10T12:02:00Z"})
    )
    run = run_connector(
        SourceCasper, case, tmp_path, default_config=BASE.build(), default_catalog=catalog_of(REPORT)
    )
    messages = " ".join(str(e.get("message")) + str(e.get("internal_message")) for e in run.errors())
    assert "future" not in messages
    assert run.requests  # the state was taken: the sync went on to ask RingCX (blocked here)


@pytest.mark.parametrize(
    "state",
    [
        # per-account partitions, as a per-partition cursor of another version would save them
        {"states": [{"partition": {"account_id": "15300001"}, "cursor": {CURSOR: "2024-05-09T10:00:00Z"}}]},
        {"15300001": {CURSOR: "2024-05-09T10:00:00Z"}},
    ],
    ids=["partitioned", "keyed by account"],
)
@freeze_time(NOW)
def test_given_per_partition_state_of_another_version_then_ignored_with_a_warning(state, tmp_path):
    case = BadInput("partitioned", REPORT, command="read", state=state_of(REPORT, state))
    run = run_connector(
        SourceCasper, case, tmp_path, default_config=BASE.build(), default_catalog=catalog_of(REPORT)
    )
    logs = [m["log"]["message"] for m in run.messages if m.get("type") == "LOG"]
    assert any(REPORT in line and "ignored" in line and "start_date" in line for line in logs)
    run.assert_no_canary(CANARIES)
