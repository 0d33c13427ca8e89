"""Which connector is served by which emulator, and the config that points it there.

`make demo`, `make docker-test` and the Airbyte standard tests read this table, so a connector joins
all three by adding one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any


@dataclass(frozen=True)
class ConnectorUnderTest:
    """A connector and how to run it against its emulator."""

    name: str
    """Folder and console script, e.g. `source-acefone`."""
    emulator: str
    """Name under which `python -m integration_tests.emulators <name>` starts the emulator."""
    config_for: Callable[[str], dict[str, Any]]
    """The connector config for an emulator answering at the given base URL."""
    emulator_flags: tuple[str, ...] = field(default=())
    """Extra emulator flags for demo, Docker and standard-test runs."""


def acefone_config(url: str) -> dict[str, Any]:
    return {
        "credentials": {"auth_type": "api_token", "api_token": "emulator-acefone-token"},
        "base_url": url,
        "start_date": "2026-10-01",
        "end_date": "2026-10-10",
        "timezone": "Asia/Kolkata",
        "window_days": 3,
        "page_size": 100,
    }


def huawei_cms_config(url: str) -> dict[str, Any]:
    # CC-CMS keeps one day, so the emulator's data set follows the clock: the start date lies before
    # what is held (the connector clamps and warns), there is no end date. The emulator sets no rate limit
    # here, so the connector's budget is raised from its default (10 a second: 30 s of call details).
    return {
        "credentials": {
            "auth_type": "ak_sk",
            "access_key": "emulator-cms-ak",
            "secret_key": "emulator-cms-sk",
        },
        "base_url": url,
        "cc_id": 1,
        "vdn": 1,
        "timezone": "UTC",
        "start_date": "2020-01-01",
        "window_minutes": 720,
        "advanced": {"requests_per_second": 200},
    }


def casper_config(url: str) -> dict[str, Any]:
    # One emulator plays the RingCentral platform (JWT login), the RingCX token exchange and the API.
    return {
        "credentials": {
            "auth_type": "ringcentral_jwt",
            "client_id": "emulator-client-id",
            "client_secret": "emulator-client-secret",
            "jwt": "emulator-jwt-credential",
            "platform_url": url,
        },
        "base_url": f"{url}/voice",
        "start_date": "2026-10-01",
        "end_date": "2026-10-10",
        "timezone": "US/Arizona",
        "window_days": 3,
        # The emulator's interaction-metadata quota is off (`--interactions-no-quota`), its statistics quota runs
        # 100000 times faster (`--stats-time-scale`), and so does the connector's CX integration budget (9 requests
        # per 15 minutes). Two days of interval statistics: the statistics cost 16 requests a day per account.
        "stats_start_date": "2026-10-08",
        "advanced": {"rate_limit_time_scale": 100_000},
    }


def ozonetel_config(url: str) -> dict[str, Any]:
    # The UCID and reports APIs serve 15 days only and the emulator's data ends today (IST), so the start
    # follows the clock; the emulator's quotas are off and the connector's raised to match, since the
    # standard tests read many times in a row.
    today = datetime.now(timezone(timedelta(hours=5, minutes=30))).date()
    return {
        "credentials": {
            "auth_type": "api_key",
            "user_name": "demo_user",
            "api_key": "KK7emulator0000000000000000000014c",
        },
        "base_url": url,
        "start_date": (today - timedelta(days=10)).isoformat(),
        "window_days": 30,
        "include_call_details": True,
        "cdr_reports": {"auth_type": "basic"},
        "advanced": {
            "call_logs_requests_per_hour": 1000,
            "call_details_requests_per_minute": 1000,
            "cdr_reports_requests_per_minute": 1000,
            "agent_state_summary_requests_per_minute": 1000,
        },
    }


CONNECTORS: dict[str, ConnectorUnderTest] = {
    "source-acefone": ConnectorUnderTest(
        "source-acefone",
        "acefone",
        acefone_config,
        ("--calls", "800", "--days", "10", "--end-date", "2026-10-11", "--rate-limit-per-second", "0"),
    ),
    "source-huawei-cms": ConnectorUnderTest(
        "source-huawei-cms",
        "huawei-cms",
        huawei_cms_config,
        ("--calls", "300"),
    ),
    "source-casper": ConnectorUnderTest(
        "source-casper",
        "ringcx",
        casper_config,
        (
            "--calls",
            "600",
            "--accounts",
            "2",
            "--days",
            "12",
            "--end-date",
            "2026-10-12",
            "--stats-time-scale",
            "100000",
            "--interactions-no-quota",
        ),
    ),
    "source-ozonetel": ConnectorUnderTest(
        "source-ozonetel",
        "ozonetel",
        ozonetel_config,
        tuple(
            "--calls 300 --days 12 --call-logs-per-hour 0 --ucid-per-minute 0 --reports-per-minute 0"
            " --summary-per-minute 0 --tokens-per-hour 0".split()
        ),
    ),
}
