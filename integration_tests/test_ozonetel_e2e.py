"""source-ozonetel end to end: the installed console script against the Ozonetel emulator.

The connector reads its clock from the process it runs in; to stand at 23:00, 01:00 and 04:00 IST the
way the emulator's virtual clock does, each run gets a `sitecustomize.py` that starts freezegun at the
chosen instant (ticking), so the installed console script itself is what runs. The emulator's quotas
and token lifetimes run 3600 times faster (a quota hour is one second) and so does the connector's
budget (`advanced.rate_limit_time_scale`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pendulum
import pytest

from integration_tests.connector_runner import (
    ConnectorRun,
    configured_catalog,
    run_connector,
    state_messages_as_input,
)
from integration_tests.emulators.ozonetel import CALL_LOGS_PATH

CONNECTOR = "source-ozonetel"
IST = pendulum.timezone("Asia/Kolkata")
CANARY_KEY = "KK7canary+e2e/key=="
SCALE = 3600
DERIVED = ("started_at", "ended_at", "picked_up_at", "reportType")
# The data: 300 calls in the 12 IST days before 11 May 2024 00:00 IST; a call exists once it has ended.
DATA = {
    "calls": 300,
    "days": 12,
    "end": "2024-05-10T18:30:00+00:00",
    "seed": 3,
    "api_key": CANARY_KEY,
    "time_scale": SCALE,
}
AT_23_00 = "2024-05-09T17:30:00+00:00"  # 9 May, 23:00 IST
AT_01_00 = "2024-05-09T19:30:00+00:00"  # 10 May, 01:00 IST
AT_04_00 = "2024-05-09T22:30:00+00:00"  # 10 May, 04:00 IST
TODAY_IST = "2024-05-10"

SITECUSTOMIZE = """
import os
if os.environ.get("FAKE_NOW"):
    # Import the CDK (and pydantic) first: classes built on datetime while time is frozen break.
    import airbyte_cdk.entrypoint  # noqa: F401
    import airbyte_cdk.sources.streams.http  # noqa: F401
    import pendulum  # noqa: F401
    import freezegun
    freezegun.freeze_time(os.environ["FAKE_NOW"], tick=True).start()
"""


@pytest.fixture(scope="module")
def fake_clock_path(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fake_clock")
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE)
    return folder


def config(url: str, **overrides: Any) -> dict[str, Any]:
    base = {
        "user_name": "demo_user",
        "api_key": CANARY_KEY,
        "base_url": url,
        "start_date": "2024-04-29",
        "lookback_window_minutes": 0,
        "window_days": 5,
        "include_call_details": True,
        "cdr_reports": {"auth_mode": "token"},
        "advanced": {"rate_limit_time_scale": SCALE},
    }
    base.update(overrides)
    return base


def run_at(
    instant: str, emulator: Any, fake_clock: Path, command: str, cfg: dict[str, Any], **kwargs: Any
) -> ConnectorRun:
    """Run a connector command with both clocks standing at `instant`."""
    emulator.clock.set(instant)
    env = {"PYTHONPATH": str(fake_clock), "FAKE_NOW": instant}
    return run_connector(CONNECTOR, command, cfg, env=env, **kwargs)


def without_nulls(record: dict[str, Any]) -> dict[str, Any]:
    """The CDK's serializer omits null-valued keys; a destination reads them back as NULL."""
    return {k: v for k, v in record.items() if v is not None}


def provider_view(records: list[dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    """Records by UCID as the provider sent them: no derived fields, no `Apikey` (dropped on purpose)."""
    view = {}
    for record in records:
        kept = {
            k: v
            for k, v in record.items()
            if k not in DERIVED and not k.endswith("_seconds") and k.lower() != "apikey"
        }
        view[record["UCID"]] = without_nulls(kept)
    return view


def settled(records: list[dict[str, Any]], day_field: str = "StartTime") -> list[dict[str, Any]]:
    """Records of days before today (IST): what a sync at 04:00 IST may read."""
    return [r for r in records if r[day_field][:10] < TODAY_IST]


@pytest.fixture
def emulator(ozonetel_emulator):
    return ozonetel_emulator(**DATA, call_logs_per_hour=0, reports_per_minute=0, tokens_per_hour=0)


@pytest.fixture
def catalog(emulator, fake_clock_path):
    return configured_catalog(
        run_at(AT_04_00, emulator, fake_clock_path, "discover", config(emulator.base_url))
    )


def test_full_refresh_equals_ground_truth_for_every_stream(emulator, fake_clock_path):
    discovered = run_at(AT_04_00, emulator, fake_clock_path, "discover", config(emulator.base_url))
    full = configured_catalog(discovered, "full_refresh")
    run = run_at(AT_04_00, emulator, fake_clock_path, "read", config(emulator.base_url), catalog=full)
    assert run.returncode == 0, run.stderr[-2000:]
    assert provider_view(run.records_of("call_logs")) == provider_view(settled(emulator.ground_truth()))
    assert provider_view(run.records_of("call_details")) == provider_view(
        settled(emulator.ground_truth_details())
    )
    reports = [r for r in emulator.ground_truth_reports() if r["CallDate"] < TODAY_IST]
    assert provider_view(run.records_of("cdr_reports")) == provider_view(reports)
    assert all(r["started_at"].endswith("+00:00") for r in run.records)
    assert all(isinstance(r.get("duration_seconds", 0), int) for r in run.records)


def test_incremental_syncs_across_midnight_and_03_00_lose_nothing_and_never_pass_the_horizon(
    emulator, fake_clock_path, catalog
):
    logs_only = {"streams": [s for s in catalog["streams"] if s["stream"]["name"] == "call_logs"]}
    seen: dict[str, dict[str, Any]] = {}
    state = None
    for instant in (AT_23_00, AT_01_00, AT_04_00):
        run = run_at(
            instant,
            emulator,
            fake_clock_path,
            "read",
            config(emulator.base_url),
            catalog=logs_only,
            state=state,
        )
        assert run.returncode == 0, run.stderr[-2000:]
        horizon = horizon_at(instant)
        for message in run.states:
            assert message["stream"]["stream_state"]["started_at"] <= horizon
        seen.update({r["UCID"]: r for r in run.records})
        state = state_messages_as_input(run.states) or state
    assert state[0]["stream"]["stream_state"]["started_at"] == "2024-05-09T18:30:00+00:00"
    assert provider_view(list(seen.values())) == provider_view(settled(emulator.ground_truth()))
    # Yesterday's call that ended after midnight is there.
    assert any(r["StartTime"] == "2024-05-09 23:58:30" for r in seen.values())


def horizon_at(instant: str) -> str:
    local = pendulum.parse(instant).in_timezone(IST)
    day = local.start_of("day") if local.hour >= 3 else local.start_of("day").subtract(days=1)
    return day.in_timezone("UTC").isoformat()


def test_resuming_from_any_call_log_state_loses_nothing(emulator, fake_clock_path, catalog):
    logs_only = {"streams": [s for s in catalog["streams"] if s["stream"]["name"] == "call_logs"]}
    full = run_at(AT_04_00, emulator, fake_clock_path, "read", config(emulator.base_url), catalog=logs_only)
    truth = {r["UCID"] for r in settled(emulator.ground_truth())}
    emitted: set[str] = set()
    checkpoints = 0
    for message in full.messages:
        if message["type"] == "RECORD":
            emitted.add(message["record"]["data"]["UCID"])
        elif message["type"] == "STATE":
            checkpoints += 1
            resumed = run_at(
                AT_04_00,
                emulator,
                fake_clock_path,
                "read",
                config(emulator.base_url),
                catalog=logs_only,
                state=state_messages_as_input([message["state"]]),
            )
            assert resumed.returncode == 0, resumed.stderr[-2000:]
            assert emitted | {r["UCID"] for r in resumed.records} == truth
    assert checkpoints >= 3


def test_a_backfill_under_the_enforced_hourly_limit_gets_no_max_limit_exceeded(
    ozonetel_emulator, fake_clock_path
):
    emulator = ozonetel_emulator(**{**DATA, "days": 40, "calls": 200}, call_logs_per_hour=10)
    cfg = config(emulator.base_url, start_date="2024-03-31", window_days=3, include_call_details=False)
    cfg.pop("cdr_reports")
    catalog = configured_catalog(run_at(AT_04_00, emulator, fake_clock_path, "discover", cfg))
    run = run_at(AT_04_00, emulator, fake_clock_path, "read", cfg, catalog=catalog)
    assert run.returncode == 0, run.stderr[-2000:]
    requests = emulator.request_log(CALL_LOGS_PATH)
    assert len(requests) == 14  # ceil(40 days / 3)
    assert emulator.stats()["rate_limited"] == 0
    assert any("quota" in line and "waiting" in line for line in run.logs)
    assert {r["UCID"] for r in run.records} == {r["UCID"] for r in settled(emulator.ground_truth())}


def test_injected_faults_and_an_expired_token_lose_nothing(emulator, fake_clock_path, catalog):
    emulator.inject(["500", "reset"], path=CALL_LOGS_PATH)
    emulator.inject(["truncated"], path="/CAServices/cdr/fetchCdrByUCID.php")
    emulator.inject(["expired_token", "html"], path="/ca_reports/fetchCDRDetails")
    run = run_at(AT_04_00, emulator, fake_clock_path, "read", config(emulator.base_url), catalog=catalog)
    assert run.returncode == 0, run.stderr[-2000:]
    assert emulator.stats()["faults_total"] == 5
    assert {r["UCID"] for r in run.records_of("call_logs")} == {
        r["UCID"] for r in settled(emulator.ground_truth())
    }
    assert {r["UCID"] for r in run.records_of("call_details")} == {
        r["UCID"] for r in settled(emulator.ground_truth_details())
    }
    reports = {r["UCID"] for r in emulator.ground_truth_reports() if r["CallDate"] < TODAY_IST}
    assert {r["UCID"] for r in run.records_of("cdr_reports")} == reports


def test_check_spends_no_call_log_request_and_refuses_a_wrong_key(emulator, fake_clock_path):
    good = run_at(AT_04_00, emulator, fake_clock_path, "check", config(emulator.base_url))
    assert good.of_type("CONNECTION_STATUS")[0]["connectionStatus"]["status"] == "SUCCEEDED"
    assert emulator.request_log(CALL_LOGS_PATH) == []
    bad = run_at(
        AT_04_00, emulator, fake_clock_path, "check", config(emulator.base_url, api_key="canary-wrong-key+1")
    )
    status = bad.of_type("CONNECTION_STATUS")[0]["connectionStatus"]
    assert status["status"] == "FAILED" and "'api_key'" in status["message"]
    assert "canary-wrong-key" not in bad.output


def test_canary_key_appears_nowhere_in_any_command_output(emulator, fake_clock_path, catalog):
    outputs = [
        run_at(
            AT_04_00, emulator, fake_clock_path, command, config(emulator.base_url), catalog=catalog
        ).output
        for command in ("spec", "check", "discover")
    ]
    emulator.inject(["500", "truncated"], path=CALL_LOGS_PATH)
    emulator.inject(["expired_token"], path="/ca_reports/fetchCDRDetails")
    outputs.append(
        run_at(AT_04_00, emulator, fake_clock_path, "read", config(emulator.base_url), catalog=catalog).output
    )
    failing = config(emulator.base_url, campaign_name="No such campaign")
    outputs.append(run_at(AT_04_00, emulator, fake_clock_path, "read", failing, catalog=catalog).output)
    for output in outputs:
        for form in (CANARY_KEY, quote(CANARY_KEY, safe=""), quote_plus(CANARY_KEY)):
            assert form not in output
