"""Bad inputs are refused with a message naming the field, file or stream: no traceback, no HTTP request
and no secret in any output (the shared harness `cdr_shared.testing.bad_inputs`)."""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from cdr_shared.testing.bad_inputs import (
    MISSING,
    BadInput,
    ConfigBuilder,
    LoopbackCounter,
    catalog_of,
    run_connector,
    state_of,
)
from source_acefone import SourceAcefone

TOKEN = "canary-acefone-token-51c9e7"
PASSWORD = "canary-acefone-pass-8d24b0"
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

CONFIGS = [
    BadInput("end before start", "end_date", config=BASE.merge(end_date="2024-05-01")),
    BadInput("end equals start", "end_date", config=BASE.merge(end_date="2024-05-09T00:00:00+05:30")),
    BadInput("start in the future", "start_date", config=BASE.merge(start_date="2024-06-01")),
    BadInput("start year 9999", "start_date", config=BASE.merge(start_date="9999-12-31")),
    BadInput(
        "start offset beyond 24 h", "start_date", config=BASE.merge(start_date="2024-05-09T00:00:00+25:00")
    ),
    BadInput("end offset beyond 24 h", "end_date", config=BASE.merge(end_date="2024-05-10T00:00:00-2400")),
    BadInput("start not a day", "start_date", config=BASE.merge(start_date="2024-02-30")),
    BadInput("start before 1970", "start_date", config=BASE.merge(start_date="0001-01-01")),
    BadInput("start not a date", "start_date", config=BASE.merge(start_date="yesterday")),
    BadInput("unknown zone", "timezone", config=BASE.merge(timezone="India/Mumbai")),
    BadInput("plain http", "base_url", config=BASE.merge(base_url="http://api.acefone.in")),
    BadInput("window too large", "window_days", config=BASE.merge(window_days=60)),
    BadInput("page size zero", "page_size", config=BASE.merge(page_size=0)),
    BadInput("no credentials", "credentials", config=BASE.drop("credentials")),
    BadInput("no token", "credentials.api_token", config=BASE.drop("credentials.api_token")),
    BadInput(
        "login without password", "credentials.password", config=BASE.drop("credentials.password", LOGIN)
    ),
    BadInput("login without email", "credentials.email", config=BASE.drop("credentials.email", LOGIN)),
    BadInput("unknown auth_type", "credentials.auth_type", config=BASE.set("credentials.auth_type", "oauth")),
    BadInput("no auth_type", "credentials.auth_type", config=BASE.drop("credentials.auth_type")),
    BadInput("token not a string", "credentials.api_token", config=BASE.set("credentials.api_token", 12345)),
    BadInput("filter duration alone", "filters.duration", config=BASE.merge(filters={"duration": 30})),
    BadInput("config not JSON", "--config", config_text="{not json"),
    BadInput("config an array", "--config", config_text="[1, 2]"),
    BadInput("config missing", "--config", config_text=MISSING),
    BadInput("discover, config not JSON", "--config", command="discover", config_text="{"),
    BadInput("read, end before start", "end_date", command="read", config=BASE.merge(end_date="2024-05-01")),
]

STATES = [
    BadInput("cursor not a date", STREAM, command="read", state=state_of(STREAM, {"started_at": "soon"})),
    BadInput("cursor a number", STREAM, command="read", state=state_of(STREAM, {"started_at": 1715000000})),
    BadInput(
        "cursor 10 min ahead",
        STREAM,
        command="read",
        state=state_of(STREAM, {"started_at": "2024-05-10T12:10:00Z"}),
    ),
    BadInput("state not an object", STREAM, command="read", state=state_of(STREAM, ["2024-05-09"])),
    BadInput("state not JSON", "--state", command="read", state_text="[{"),
    BadInput("state an object of garbage", "--state", command="read", state_text='{"call_records": 1}'),
    BadInput("state missing", "--state", command="read", state_text=MISSING),
]

CATALOGS = [
    BadInput("unknown stream", "calls", command="read", catalog=catalog_of("calls")),
    BadInput("wrong cursor", STREAM, command="read", catalog=catalog_of(STREAM, cursor_field=["id"])),
    BadInput(
        "unknown sync mode", "--catalog", command="read", catalog=catalog_of(STREAM, sync_mode="sometimes")
    ),
    BadInput("catalog not JSON", "--catalog", command="read", catalog_text="nope"),
    BadInput("catalog an array", "--catalog", command="read", catalog_text="[]"),
    BadInput("catalog missing", "--catalog", command="read", catalog_text=MISSING),
]


@pytest.mark.parametrize("case", CONFIGS + STATES + CATALOGS, ids=lambda case: case.id)
@freeze_time(NOW)
def test_given_bad_input_then_refused_naming_it_without_request_traceback_or_secret(case, tmp_path):
    with LoopbackCounter() as server:
        config = case.config if case.config is not None else BASE.build()
        if config.get("base_url") == PLACEHOLDER_URL:  # every request would reach the counting server
            case = BadInput(**{**case.__dict__, "config": {**config, "base_url": server.url}})
        run = run_connector(
            SourceAcefone, case, tmp_path, default_config=BASE.build(), default_catalog=catalog_of(STREAM)
        )
    run.assert_refused(case.names, canaries=[TOKEN, PASSWORD])
    assert server.connections == 0


@freeze_time(NOW)
def test_given_state_two_minutes_ahead_then_accepted(tmp_path):
    case = BadInput(
        "2 min ahead", STREAM, command="read", state=state_of(STREAM, {"started_at": "2024-05-10T12:02:00Z"})
    )
    run = run_connector(
        SourceAcefone, case, tmp_path, default_config=BASE.build(), default_catalog=catalog_of(STREAM)
    )
    assert not [e for e in run.errors() if "future" in str(e.get("message")) + str(e.get("internal_message"))]
