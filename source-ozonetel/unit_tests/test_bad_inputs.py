"""Bad inputs are refused with a message naming the field, file or stream: no traceback, no HTTP request
and no secret in any output (the shared harness `cdr_shared.testing.bad_inputs`)."""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from cdr_shared.testing import bad_inputs
from cdr_shared.testing.bad_input_suite import BadInputSuite
from cdr_shared.testing.bad_inputs import ABSENT, MISSING, BadInput, bad_values, catalog_of, state_of
from cdr_shared.testing.config_builder import ConfigBuilder
from source_ozonetel import SourceOzonetel

KEY = "KK7canary+bad/inputs=="
NOW = "2024-05-10T12:00:00Z"
PLACEHOLDER_URL = "http://127.0.0.1:9"
LOGS, DETAILS, REPORTS = "call_logs", "call_details", "cdr_reports"
SUMMARY = "agent_state_summary"

BASE = ConfigBuilder(
    {
        "credentials": {"auth_type": "api_key", "user_name": "demo_user", "api_key": KEY},
        "start_date": "2024-05-01",
        "base_url": PLACEHOLDER_URL,
    }
)
ALL_STREAMS = BASE.merge(include_call_details=True, cdr_reports={"auth_type": "basic"})
# The 0.2 shape (credentials at the top level, `cdr_reports.auth_mode`): migrated, then refused the same way.
OLD = ConfigBuilder({**BASE.drop("credentials"), "user_name": "demo_user", "api_key": KEY})
QUOTAS = (
    "call_logs_requests_per_hour",
    "call_details_requests_per_minute",
    "cdr_reports_requests_per_minute",
    "agent_state_summary_requests_per_minute",
)

CONFIGS = [
    # credentials: the oneOf, then its one branch
    *bad_values(BASE, "credentials", ABSENT, KEY, None, [KEY]),
    *bad_values(BASE, "credentials.auth_type", ABSENT, "basic", "API_KEY", 1),
    *bad_values(BASE, "credentials.user_name", ABSENT, "   ", 123, None),
    *bad_values(BASE, "credentials.api_key", ABSENT, "", " \n\t ", 12345, {"value": KEY}),
    *bad_values(BASE, "credentials.api_key", ABSENT, command="read"),
    *bad_values(BASE, "credentials.user_name", "", command="read"),
    # the same mistakes in a 0.2 config name the field where it now lives
    *bad_values(OLD, "user_name", ABSENT, "   ", 123, names="credentials.user_name"),
    *bad_values(OLD, "api_key", ABSENT, "", 12345, names="credentials.api_key"),
    *bad_values(OLD, "api_key", "", names="credentials.api_key", command="read"),
    *bad_values(OLD, "cdr_reports", {"auth_mode": "oauth"}, {"auth_mode": 2}, names="cdr_reports.auth_type"),
    # dates
    *bad_values(
        BASE,
        "start_date",
        ABSENT,
        "yesterday",
        "2024-02-30",
        "2024-13-01",
        "9999-12-31",
        "0001-01-01",
        "2024-06-01",
        "2024-05-01T00:00:00+25:00",
        "2024-05-01T00:00:00-24:00",
        20240501,
        "01/05/2024",
    ),
    *bad_values(
        BASE,
        "end_date",
        "2024-04-01",
        "2024-05-01T00:00:00+05:30",
        "2024-05-10T00:00:00-2400",
        "tomorrow",
        "2024-04-31",
        20240509,
    ),
    *bad_values(BASE, "end_date", "2024-04-01", command="read"),
    *bad_values(BASE, "start_date", "9999-01-01", command="read"),
    # span
    *bad_values(BASE, "lookback_window_minutes", -1, 44641, "60", 1.5),
    *bad_values(BASE, "window_days", 0, 31, "30", True),
    # filters and streams
    *bad_values(BASE, "campaign_name", 5, ["Inbound"]),
    *bad_values(BASE, "include_call_details", "yes", 1),
    # reporting zone
    *bad_values(BASE, "timezone", "India/Mumbai", "Mars/Olympus_Mons", 530, "ISTT"),
    *bad_values(BASE, "timezone", "Asia/Bombay_", command="read"),
    # base_url
    *bad_values(
        BASE,
        "base_url",
        "http://in1-ccaas-api.ozonetel.com",
        "in1-ccaas-api.ozonetel.com",
        "ftp://in1-ccaas-api.ozonetel.com",
        "https://",
        443,
    ),
    # the reports API's oneOf (by `auth_type`)
    *bad_values(BASE, "cdr_reports", "basic"),
    *bad_values(BASE, "cdr_reports.auth_type", ABSENT, "oauth", 2, "BASIC"),
    # advanced
    *bad_values(BASE, "advanced", [1]),
    *bad_values(BASE, f"advanced.{QUOTAS[0]}", 0, "ten", 1001),
    *bad_values(BASE, f"advanced.{QUOTAS[1]}", 0),
    *bad_values(BASE, f"advanced.{QUOTAS[2]}", 1.5),
    *bad_values(BASE, "advanced.max_rate_limit_wait_minutes", 0, 1441),
    *bad_values(BASE, "advanced.settle_margin_minutes", 9, 181, "15", -15),
    *bad_values(BASE, "advanced.settle_margin_minutes", 0, command="read"),
    *bad_values(BASE, "advanced.rate_limit_time_scale", 0, "fast"),
    # files
    BadInput("config not JSON", "--config", config_text="{not json"),
    BadInput("config an array", "--config", config_text="[1, 2]"),
    BadInput("config missing", "--config", config_text=MISSING),
    BadInput("discover, config not JSON", "--config", command="discover", config_text="{"),
    BadInput("read, config a string", "--config", command="read", config_text='"config"'),
]


def read_state(name: str, stream: str, state: object, names: str | None = None) -> BadInput:
    return BadInput(
        name,
        names or stream,
        command="read",
        config=ALL_STREAMS,
        state=state_of(stream, state),
        catalog=catalog_of(stream),
    )


STATES = [
    *[
        case
        for stream in (LOGS, DETAILS, REPORTS)
        for case in (
            read_state(f"{stream}: cursor not a date", stream, {"started_at": "soon"}),
            read_state(f"{stream}: cursor a number", stream, {"started_at": 1715000000}),
            read_state(f"{stream}: cursor 10 min ahead", stream, {"started_at": "2024-05-10T12:10:00+00:00"}),
            read_state(f"{stream}: cursor in year 9999", stream, {"started_at": "9999-01-01T00:00:00+00:00"}),
            read_state(f"{stream}: state a list", stream, ["2024-05-09"]),
        )
    ],
    read_state("call_logs: cursor offset beyond 24 h", LOGS, {"started_at": "2024-05-09T00:00:00+25:00"}),
    read_state("call_logs: cursor an object", LOGS, {"started_at": {"value": "2024-05-09"}}),
    read_state(f"{SUMMARY}: cursor not a date", SUMMARY, {"day_started_at": "yesterday"}),
    read_state(f"{SUMMARY}: cursor a day ahead", SUMMARY, {"day_started_at": "2024-05-11T18:30:00+00:00"}),
    BadInput("state not JSON", "--state", command="read", state_text="[{"),
    BadInput("state a legacy object", "--state", command="read", state_text='{"call_logs": 1}'),
    BadInput("state missing", "--state", command="read", state_text=MISSING),
    BadInput("state message of no type", "--state", command="read", state_text='[{"stream": 5}]'),
]

CATALOGS = [
    BadInput("unknown stream", "recordings", command="read", catalog=catalog_of("recordings")),
    BadInput("wrong cursor", LOGS, command="read", catalog=catalog_of(LOGS, cursor_field=["StartTime"])),
    BadInput(
        "unknown sync mode", "--catalog", command="read", catalog=catalog_of(LOGS, sync_mode="sometimes")
    ),
    BadInput("call_details not enabled", DETAILS, command="read", catalog=catalog_of(DETAILS)),
    BadInput("cdr_reports disabled", REPORTS, command="read", catalog=catalog_of(REPORTS)),
    BadInput(
        "agent_state_summary without the reports API", SUMMARY, command="read", catalog=catalog_of(SUMMARY)
    ),
    *bad_inputs.UNREADABLE_CATALOGS,
    *[
        BadInput(f"wrong cursor on {stream}", stream, command="read", config=ALL_STREAMS, catalog=catalog)
        for stream, catalog in (
            (REPORTS, catalog_of(REPORTS, cursor_field=["CallDate"])),
            (SUMMARY, catalog_of(SUMMARY, cursor_field=["started_at"])),
        )
    ],
]


class TestBadInputs(BadInputSuite):
    source = SourceOzonetel
    now = NOW
    canaries = (KEY,)
    placeholder_url = PLACEHOLDER_URL  # base_url points at a loopback server counting connections
    default_config = BASE.build()
    default_catalog = catalog_of(LOGS)
    configs, states, catalogs = CONFIGS, STATES, CATALOGS


@pytest.mark.parametrize("ahead", ["2024-05-10T12:02:00+00:00"])
@freeze_time(NOW)
def test_given_state_two_minutes_ahead_then_accepted(tmp_path, ahead):
    case = BadInput("2 min ahead", LOGS, command="read", state=state_of(LOGS, {"started_at": ahead}))
    run = bad_inputs.run_connector(
        SourceOzonetel, case, tmp_path, default_config=BASE.build(), default_catalog=catalog_of(LOGS)
    )
    said = " ".join(str(e.get("message")) + str(e.get("internal_message")) for e in run.errors())
    assert "future" not in said
    run.assert_no_traceback()
    run.assert_no_canary([KEY])


@pytest.mark.parametrize(
    "state",
    [
        {"states": [{"partition": {"window": 1}, "cursor": {"started_at": "2024-05-09T00:00:00+00:00"}}]},
        {"parent_state": {"call_logs": {"started_at": "2024-05-09T00:00:00+00:00"}}},
        {"StartTime": "2024-05-09 10:00:00"},
    ],
    ids=["per-partition", "parent state", "old cursor name"],
)
@freeze_time(NOW)
def test_given_a_state_shape_of_another_version_then_it_is_ignored_with_a_warning(tmp_path, state):
    case = BadInput(
        "other shape",
        DETAILS,
        command="read",
        config=ALL_STREAMS,
        state=state_of(DETAILS, state),
        catalog=catalog_of(DETAILS),
    )
    run = bad_inputs.run_connector(
        SourceOzonetel, case, tmp_path, default_config=ALL_STREAMS, default_catalog=catalog_of(DETAILS)
    )
    logs = [m["log"]["message"] for m in run.messages if m.get("type") == "LOG"]
    assert any("call_details" in line and "is ignored" in line for line in logs)
    # The read then fails only because the harness blocks every request, never because of the state.
    assert not [e for e in run.errors() if "state" in str(e.get("message")) + str(e.get("internal_message"))]
    run.assert_no_canary([KEY])
