"""Bad inputs are refused with a message naming the field, file or stream: no traceback, no HTTP request
and no secret in any output (the shared harness `cdr_shared.testing.bad_inputs`).

Every credentials branch of the spec's `oneOf` (RingCentral JWT, legacy login, permanent API token, access
token) has a row for each field missing in it; the refusal must name that branch's field.
"""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from cdr_shared.testing import bad_inputs
from cdr_shared.testing.bad_input_suite import BadInputSuite
from cdr_shared.testing.bad_inputs import ABSENT, MISSING, BadInput, bad_values, catalog_of, state_of
from cdr_shared.testing.config_builder import ConfigBuilder
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


def jwt_with(**credentials):
    return BASE.set("credentials", {"auth_type": "ringcentral_jwt", **credentials})


CREDENTIALS = [
    *bad_values(BASE, "credentials", ABSENT, API_TOKEN),
    *bad_values(BASE, "credentials.auth_type", ABSENT, "oauth", 3),
    # permanent API token
    *bad_values(BASE, "credentials.api_token", ABSENT, "", " \n", 12345),
    # RingCentral JWT
    *bad_values(BASE, "credentials.client_id", ABSENT, 42, base=JWT_LOGIN),
    *bad_values(BASE, "credentials.client_secret", ABSENT, "  ", base=JWT_LOGIN),
    *bad_values(BASE, "credentials.jwt", ABSENT, "", base=JWT_LOGIN),
    BadInput("jwt: only the auth_type", "credentials.client_id", config=jwt_with()),
    *bad_values(
        BASE,
        "credentials.platform_url",
        "http://platform.ringcentral.com",
        "platform.ringcentral.com",
        443,
        base=JWT_LOGIN,
    ),
    # legacy login
    *bad_values(BASE, "credentials.username", ABSENT, "   ", 7, base=LEGACY),
    *bad_values(BASE, "credentials.password", ABSENT, "", base=LEGACY),
    *bad_values(BASE, "credentials.platform_id", ["NA1"], base=LEGACY),
    # access token
    *bad_values(BASE, "credentials.access_token", ABSENT, "\t", base=ACCESS),
]

DATES = [
    *bad_values(
        BASE,
        "start_date",
        ABSENT,
        "yesterday",
        "2024-02-30",
        "2024-05-01T25:00:00Z",
        "9999-12-31",
        "2024-06-01",
        "2024-05-09T00:00:00+25:00",
        "0001-01-01",
        20240509,
    ),
    *bad_values(
        BASE,
        "end_date",
        "2024-05-01",
        "2024-05-09T00:00:00Z",
        "2024-05-10T00:00:00-2400",
        "soon",
        1,
        "2024-04-31",
    ),
]

FIELDS = [
    *bad_values(BASE, "lookback_window_minutes", -1, 44641, "60", 1.5),
    *bad_values(BASE, "timezone", "Arizona/Phoenix", -7),
    *bad_values(BASE, "window_days", 0, 60, "7"),
    *bad_values(
        BASE,
        "base_url",
        "http://ringcx.ringcentral.com/voice",
        "ringcx.ringcentral.com/voice",
        "ftp://ringcx.ringcentral.com/voice",
        443,
    ),
    *bad_values(BASE, "account_ids", "15300001"),
    *bad_values(BASE, "account_ids", ["ACME"], [True], [["15300001"]], names="account_ids.0"),
    *bad_values(BASE, "group_by", "AGENT", 1),
    *bad_values(BASE, "group_ids", [111], names="object_ids"),  # group_ids without object_ids
    *bad_values(BASE, "group_ids", [111, "x"], names="group_ids.1", base=BASE.merge(object_ids=[1111])),
    *bad_values(BASE, "group_ids", 111, base=BASE.merge(object_ids=[1111])),
    *bad_values(BASE, "object_ids", [None], ["DTE"], names="object_ids.0"),
    *bad_values(BASE, "user_id", "admin", "-5", ["1111"]),
]

FILES = [
    BadInput("config not JSON", "--config", config_text="{not json"),
    BadInput("config an array", "--config", config_text="[1, 2]"),
    BadInput("config missing", "--config", config_text=MISSING),
    BadInput("discover, config not JSON", "--config", command="discover", config_text="{"),
    *bad_values(BASE, "credentials.api_token", ABSENT, command="discover"),
    *bad_values(BASE, "end_date", "2024-05-01", command="read"),
    *bad_values(BASE, "credentials.jwt", ABSENT, command="read", base=JWT_LOGIN),
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
    BadInput("unknown stream", "call_records", command="read", catalog=catalog_of("call_records")),
    BadInput("wrong cursor", REPORT, command="read", catalog=catalog_of(REPORT, cursor_field=["uii"])),
    BadInput(
        "unknown sync mode", "--catalog", command="read", catalog=catalog_of(REPORT, sync_mode="sometimes")
    ),
    BadInput("incremental accounts", "accounts", command="read", catalog=catalog_of("accounts")),
    BadInput("incremental users", "users", command="read", catalog=catalog_of("users")),
    *bad_inputs.UNREADABLE_CATALOGS,
]


class TestBadInputs(BadInputSuite):
    source = SourceCasper
    now = NOW
    canaries = CANARIES
    placeholder_url = PLACEHOLDER_ORIGIN  # base_url points at a loopback server counting connections
    default_config = BASE.build()
    default_catalog = catalog_of(REPORT)
    configs, states, catalogs = CONFIGS, STATES, CATALOGS


@freeze_time(NOW)
def test_given_state_two_minutes_ahead_then_accepted(tmp_path):
    case = BadInput(
        "2 min ahead", REPORT, command="read", state=state_of(REPORT, {CURSOR: "2024-05-10T12:02:00Z"})
    )
    run = bad_inputs.run_connector(
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
    run = bad_inputs.run_connector(
        SourceCasper, case, tmp_path, default_config=BASE.build(), default_catalog=catalog_of(REPORT)
    )
    logs = [m["log"]["message"] for m in run.messages if m.get("type") == "LOG"]
    assert any(REPORT in line and "ignored" in line and "start_date" in line for line in logs)
    run.assert_no_canary(CANARIES)
