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

import jsonschema
import pendulum
import pytest

from cdr_shared.secrets import secret_forms
from cdr_shared.testing.console import ConsoleRun as ConnectorRun
from cdr_shared.testing.console import configured_catalog, discover_once, state_messages_as_input
from cdr_shared.testing.console import run_console_script as run_connector
from integration_tests.emulators.ozonetel import CALL_LOGS_PATH, SUMMARY_PATH
from integration_tests.fake_clock import fake_clock_folder

CONNECTOR = "source-ozonetel"
IST = pendulum.timezone("Asia/Kolkata")
CANARY_KEY = "KK7canary+e2e/key=="
SCALE = 3600
DERIVED = ("started_at", "ended_at", "picked_up_at", "reportType", "recording_url")
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


@pytest.fixture(scope="module")
def fake_clock_path(tmp_path_factory) -> Path:
    return fake_clock_folder(tmp_path_factory.mktemp("fake_clock"))


def config(url: str, **overrides: Any) -> dict[str, Any]:
    base = {
        "user_name": "demo_user",
        "api_key": CANARY_KEY,
        "base_url": url,
        "start_date": "2024-04-29",
        "lookback_window_minutes": 0,
        "window_days": 5,
        "include_call_details": True,
        "cdr_reports": {"auth_type": "token"},
        "advanced": {"rate_limit_time_scale": SCALE},
    }
    base.update(overrides)
    keys = {name: base.pop(name) for name in ("user_name", "api_key")}  # 0.3: under `credentials`
    return {"credentials": {"auth_type": "api_key", **keys}, **base}


def run_at(
    instant: str, emulator: Any, fake_clock: Path, command: str, cfg: dict[str, Any], **kwargs: Any
) -> ConnectorRun:
    """Run a connector command with both clocks standing at `instant`."""
    emulator.clock.set(instant)
    env = {"PYTHONPATH": str(fake_clock), "FAKE_NOW": instant}
    return run_connector(CONNECTOR, command, cfg, env=env, **kwargs)


def resume_at(
    instant: str, emulator: Any, fake_clock: Path, catalog: dict[str, Any], state: dict[str, Any]
) -> ConnectorRun:
    """`read` of `catalog` with the default config, resumed from one state message's `state`."""
    return run_at(
        instant,
        emulator,
        fake_clock,
        "read",
        config(emulator.base_url),
        catalog=catalog,
        state=state_messages_as_input([state]),
    )


def discover_at(instant: str, emulator: Any, fake_clock: Path, cfg: dict[str, Any]) -> ConnectorRun:
    """`run_at(instant, ..., "discover", cfg)` for a test that needs a catalog, not a discover: one start per
    test process for the same config (`discover_once`)."""
    emulator.clock.set(instant)
    return discover_once(CONNECTOR, cfg, env={"PYTHONPATH": str(fake_clock), "FAKE_NOW": instant})


def without_nulls(record: dict[str, Any]) -> dict[str, Any]:
    """The CDK's serializer omits null-valued keys; a destination reads them back as NULL."""
    return {k: v for k, v in record.items() if v is not None}


def provider_view(records: list[dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    """Records by UCID as the provider sent them: no derived fields, no `Apikey` (dropped on purpose),
    ids sent as JSON numbers (the reports API's 17-digit `UCID` and `CallID`, the spaced UCID sample's
    `CallID`) as the exact strings the connector keeps."""
    view = {}
    for record in records:
        kept = {
            k: v
            for k, v in record.items()
            if k not in DERIVED and not k.endswith("_seconds") and not is_key_echo(k)
        }
        for key in ("UCID", "CallID"):
            if isinstance(kept.get(key), int):
                kept[key] = str(kept[key])
        view[kept["UCID"]] = without_nulls(kept)
    return view


def is_key_echo(name: str) -> bool:
    """`Apikey`, `Api Key`, `API_KEY`...: the account key the provider echoes (dropped on purpose)."""
    return "".join(ch for ch in name.lower() if ch.isalnum()) == "apikey"


def settled(records: list[dict[str, Any]], day_field: str = "StartTime") -> list[dict[str, Any]]:
    """Records of days before today (IST): what a sync at 04:00 IST may read."""
    return [r for r in records if r[day_field][:10] < TODAY_IST]


@pytest.fixture
def emulator(ozonetel_emulator):
    return ozonetel_emulator(**DATA, call_logs_per_hour=0, reports_per_minute=0, tokens_per_hour=0)


@pytest.fixture
def catalog(emulator, fake_clock_path):
    return configured_catalog(discover_at(AT_04_00, emulator, fake_clock_path, config(emulator.base_url)))


def test_full_refresh_equals_ground_truth_for_every_stream(emulator, fake_clock_path):
    discovered = discover_at(AT_04_00, emulator, fake_clock_path, config(emulator.base_url))
    full = configured_catalog(discovered, "full_refresh")
    run = run_at(AT_04_00, emulator, fake_clock_path, "read", config(emulator.base_url), catalog=full)
    assert run.returncode == 0, run.stderr[-2000:]
    assert provider_view(run.records_of("call_logs")) == provider_view(settled(emulator.ground_truth()))
    assert provider_view(run.records_of("call_details")) == provider_view(
        settled(emulator.ground_truth_details())
    )
    reports = [r for r in emulator.ground_truth_reports() if r["CallDate"] < TODAY_IST]
    assert provider_view(run.records_of("cdr_reports")) == provider_view(reports)
    calls = [r for r in run.records if "started_at" in r]
    assert len(calls) + len(run.records_of("agent_state_summary")) == len(run.records)
    assert all(r["started_at"].endswith("+00:00") for r in calls)
    assert all(isinstance(r.get("duration_seconds", 0), int) for r in calls)
    schemas = {s["name"]: s["json_schema"] for s in discovered.of_type("CATALOG")[0]["catalog"]["streams"]}
    for message in run.of_type("RECORD"):
        jsonschema.validate(message["record"]["data"], schemas[message["record"]["stream"]])
    assert summary_view(run.records_of("agent_state_summary")) == summary_view(settled_summary(emulator))
    # With the reports API configured, `calls` maps from it: the days it serves, every call as it was.
    reported = {r["UCID"] for r in reports}
    assert len(run.records_of("calls")) == len(reports) > 200
    assert by_call_id(run.records_of("calls")) == expected_calls(emulator, "cdr_reports", reported)


def summary_view(records: list[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Agent State Summary records by agent, day and mode as the provider sent them (no derived fields;
    `AgentIncrID`, a JSON number, as the exact text the connector keeps)."""
    view = {}
    for record in records:
        kept = {k: v for k, v in record.items() if k != "day_started_at" and not k.endswith("_seconds")}
        kept["AgentIncrID"] = str(kept["AgentIncrID"])
        view[(kept["AgentUniqueID"], kept["CallDate"], kept["ModeType"])] = kept
    return view


def settled_summary(emulator: Any) -> list[dict[str, Any]]:
    return [r for r in emulator.ground_truth_summary() if r["CallDate"] < TODAY_IST]


def expected_calls(emulator: Any, source_stream: str, ucids: set[Any] | None = None) -> dict[str, Any]:
    """The `calls` records the emulator's settled calls must give (`ucids`: only those), by call_id."""
    expected = {}
    for truth in emulator.ground_truth_calls():
        if utc(truth["start"]) >= "2024-05-09T18:30:00+00:00" or (
            ucids is not None and int(truth["call_id"]) not in {int(u) for u in ucids}
        ):
            continue
        inbound = truth["direction"] == "inbound"
        customer, campaign = truth["customer_number"], truth["campaign_number"]
        hung_up_by = {"agent": "agent", "customer": "caller" if inbound else None}[truth["hung_up_by"]]
        record = {
            "provider": "ozonetel",
            "account": "demo_user",
            "call_id": truth["call_id"],
            "direction": truth["direction"],
            "started_at": utc(truth["start"]),
            "answered_at": utc(truth["answered"]),
            "ended_at": utc(truth["end"]),
            "ring_seconds": truth["ring_seconds"],
            "talk_seconds": truth["talk_seconds"],
            "duration_seconds": truth["end"] - truth["start"],
            "caller_number": customer if inbound else campaign,
            "called_number": campaign if inbound else customer,
            "agent_id": truth["agent_id"],
            "agent_name": truth["agent_name"],
            "queue": truth["campaign"],
            "outcome": truth["outcome"],
            "hangup_by": hung_up_by,
            "disposition": truth["disposition"],
            "recording_url": truth["recording_url"],
            "source_stream": source_stream,
            "source_key": truth["call_id"],
        }
        expected[truth["call_id"]] = without_nulls(record)
    return expected


def utc(epoch: int | None) -> str | None:
    return pendulum.from_timestamp(epoch, "UTC").isoformat() if epoch is not None else None


def by_call_id(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {record["call_id"]: record for record in records}


def test_calls_from_call_logs_equal_ground_truth_at_one_get_call_logs_request_per_window(
    emulator, fake_clock_path
):
    cfg = config(emulator.base_url, include_call_details=False, cdr_reports={"auth_type": "disabled"})
    discovered = discover_at(AT_04_00, emulator, fake_clock_path, cfg)
    both = configured_catalog(discovered, "incremental", ["call_logs", "calls"])
    run = run_at(AT_04_00, emulator, fake_clock_path, "read", cfg, catalog=both)
    assert run.returncode == 0, run.stderr[-2000:]
    assert len(run.records_of("calls")) == len(settled(emulator.ground_truth())) > 200
    assert by_call_id(run.records_of("calls")) == expected_calls(emulator, "call_logs")
    # 11 days in windows of 5: 3 windows, each asked once for both streams.
    assert len(emulator.request_log(CALL_LOGS_PATH)) == 3
    calls_states = [m for m in run.states if m["stream"]["stream_descriptor"]["name"] == "calls"]
    assert calls_states[-1]["stream"]["stream_state"]["started_at"] == "2024-05-09T18:30:00+00:00"


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
            resumed = resume_at(AT_04_00, emulator, fake_clock_path, logs_only, message["state"])
            assert resumed.returncode == 0, resumed.stderr[-2000:]
            assert emitted | {r["UCID"] for r in resumed.records} == truth
    assert checkpoints >= 3


def test_a_backfill_under_the_enforced_hourly_limit_gets_no_max_limit_exceeded(
    ozonetel_emulator, fake_clock_path
):
    emulator = ozonetel_emulator(**{**DATA, "days": 40, "calls": 200}, call_logs_per_hour=10)
    cfg = config(emulator.base_url, start_date="2024-03-31", window_days=3, include_call_details=False)
    cfg.pop("cdr_reports")
    catalog = configured_catalog(discover_at(AT_04_00, emulator, fake_clock_path, cfg))
    run = run_at(AT_04_00, emulator, fake_clock_path, "read", cfg, catalog=catalog)
    assert run.returncode == 0, run.stderr[-2000:]
    requests = emulator.request_log(CALL_LOGS_PATH)
    assert len(requests) == 14  # ceil(40 days / 3)
    assert emulator.stats()["rate_limited"] == 0
    assert any("quota" in line and "waiting" in line for line in run.logs)
    assert {r["UCID"] for r in run.records_of("call_logs")} == {
        r["UCID"] for r in settled(emulator.ground_truth())
    }


def test_injected_faults_and_an_expired_token_lose_nothing(emulator, fake_clock_path, catalog):
    emulator.inject(["500", "reset"], path=CALL_LOGS_PATH)
    emulator.inject(["truncated"], path="/CAServices/cdr/fetchCdrByUCID.php")
    emulator.inject(["expired_token", "html"], path="/ca_reports/fetchCDRDetails")
    emulator.inject(["429", "500", "truncated"], path=SUMMARY_PATH)
    run = run_at(AT_04_00, emulator, fake_clock_path, "read", config(emulator.base_url), catalog=catalog)
    assert run.returncode == 0, run.stderr[-2000:]
    assert emulator.stats()["faults_total"] == 8
    assert {r["UCID"] for r in run.records_of("call_logs")} == {
        r["UCID"] for r in settled(emulator.ground_truth())
    }
    assert {r["UCID"] for r in run.records_of("call_details")} == {
        r["UCID"] for r in settled(emulator.ground_truth_details())
    }
    reports = {str(r["UCID"]) for r in emulator.ground_truth_reports() if r["CallDate"] < TODAY_IST}
    assert {r["UCID"] for r in run.records_of("cdr_reports")} == reports
    assert summary_view(run.records_of("agent_state_summary")) == summary_view(settled_summary(emulator))


def test_agent_state_summary_resumes_from_a_middle_state_without_loss_and_never_passes_the_horizon(
    emulator, fake_clock_path, catalog
):
    only = {"streams": [s for s in catalog["streams"] if s["stream"]["name"] == "agent_state_summary"]}
    first = run_at(AT_01_00, emulator, fake_clock_path, "read", config(emulator.base_url), catalog=only)
    assert first.returncode == 0, first.stderr[-2000:]
    states = [m["stream"]["stream_state"]["day_started_at"] for m in first.states]
    assert states[-1] == horizon_at(AT_01_00)  # 9 May is still migrating at 01:00: not read, not passed
    assert "2024-05-09" not in {r["CallDate"] for r in first.records}
    middle = first.states[len(first.states) // 2]
    resumed = resume_at(AT_04_00, emulator, fake_clock_path, only, middle)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    before = middle["stream"]["stream_state"]["day_started_at"]
    emitted_before = [r for r in first.records if r["day_started_at"] < before]
    assert summary_view(emitted_before + resumed.records) == summary_view(settled_summary(emulator))


def test_check_spends_no_call_log_request_and_refuses_a_wrong_key(emulator, fake_clock_path):
    good = run_at(AT_04_00, emulator, fake_clock_path, "check", config(emulator.base_url))
    assert good.of_type("CONNECTION_STATUS")[0]["connectionStatus"]["status"] == "SUCCEEDED"
    assert emulator.request_log(CALL_LOGS_PATH) == []
    bad = run_at(
        AT_04_00, emulator, fake_clock_path, "check", config(emulator.base_url, api_key="canary-wrong-key+1")
    )
    status = bad.of_type("CONNECTION_STATUS")[0]["connectionStatus"]
    assert status["status"] == "FAILED" and "credentials.api_key" in status["message"]
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


# ------------------------------------------------------ real vendor answers (issue 9), each variant


def logs_and_details_config(url: str, **overrides: Any) -> dict[str, Any]:
    cfg = config(url, **overrides)
    cfg.pop("cdr_reports")
    return cfg


@pytest.mark.parametrize("variant", ["404", "html", "unknown"])
def test_given_the_retired_ucid_api_check_passes_and_call_logs_sync(
    ozonetel_emulator, fake_clock_path, variant
):
    emulator = ozonetel_emulator(**DATA, call_logs_per_hour=0, ucid_api=variant)
    cfg = logs_and_details_config(emulator.base_url, include_call_details=False)
    checked = run_at(AT_04_00, emulator, fake_clock_path, "check", cfg)
    assert checked.of_type("CONNECTION_STATUS")[0]["connectionStatus"]["status"] == "SUCCEEDED"
    assert len(emulator.request_log(CALL_LOGS_PATH)) == 1  # the fallback proof: 1 of the 10 an hour
    with_details = logs_and_details_config(emulator.base_url)
    catalog = configured_catalog(discover_at(AT_04_00, emulator, fake_clock_path, with_details))
    run = run_at(AT_04_00, emulator, fake_clock_path, "read", with_details, catalog=catalog)
    assert provider_view(run.records_of("call_logs")) == provider_view(settled(emulator.ground_truth()))
    assert run.records_of("call_details") == []
    assert any("'include_call_details'" in error["message"] for error in run.errors)
    assert CANARY_KEY not in run.output


def test_the_current_pages_spaced_ucid_keys_give_the_same_derived_fields(ozonetel_emulator, fake_clock_path):
    emulator = ozonetel_emulator(**DATA, call_logs_per_hour=0, ucid_shape="spaced")
    cfg = logs_and_details_config(emulator.base_url)
    catalog = configured_catalog(discover_at(AT_04_00, emulator, fake_clock_path, cfg))
    run = run_at(AT_04_00, emulator, fake_clock_path, "read", cfg, catalog=catalog)
    assert run.returncode == 0, run.stderr[-2000:]
    details = run.records_of("call_details")
    assert provider_view(details) == provider_view(settled(emulator.ground_truth_details(), "Start Time"))
    logs = {r["UCID"]: r for r in run.records_of("call_logs")}
    for record in details:
        log = logs[record["UCID"]]
        assert record["Start Time"] == log["StartTime"]
        assert (record["started_at"], record["ended_at"]) == (log["started_at"], log["ended_at"])
        assert record.get("recording_url") == log.get("recording_url")
        assert isinstance(record["wrap_up_duration_seconds"], int)
        assert isinstance(record["time_to_answer_seconds"], int)


def test_with_both_streams_a_backfill_spends_one_get_call_logs_request_per_30_days(
    ozonetel_emulator, fake_clock_path
):
    emulator = ozonetel_emulator(**{**DATA, "days": 40}, call_logs_per_hour=0)
    cfg = logs_and_details_config(emulator.base_url, start_date="2024-04-01", window_days=30)
    catalog = configured_catalog(discover_at(AT_04_00, emulator, fake_clock_path, cfg))
    run = run_at(AT_04_00, emulator, fake_clock_path, "read", cfg, catalog=catalog)
    assert run.returncode == 0, run.stderr[-2000:]
    assert len(emulator.request_log(CALL_LOGS_PATH)) == 2  # ceil(39 days / 30), not 3
    truth = [r for r in settled(emulator.ground_truth()) if r["StartTime"] >= "2024-04-01"]
    assert provider_view(run.records_of("call_logs")) == provider_view(truth)
    assert provider_view(run.records_of("call_details")) == provider_view(
        settled(emulator.ground_truth_details())
    )


def test_a_machine_clock_ahead_of_ozonetels_skips_no_call_of_yesterday(emulator, fake_clock_path, catalog):
    logs_only = {"streams": [s for s in catalog["streams"] if s["stream"]["name"] == "call_logs"]}
    cfg = config(emulator.base_url)
    # Here it is 03:05 IST; at Ozonetel it is 02:58, and yesterday is still migrating.
    emulator.clock.set("2024-05-09T21:28:00+00:00")
    env = {"PYTHONPATH": str(fake_clock_path), "FAKE_NOW": "2024-05-09T21:35:00+00:00"}
    early = run_connector(CONNECTOR, "read", cfg, catalog=logs_only, env=env)
    assert early.returncode == 0, early.stderr[-2000:]
    state = state_messages_as_input(early.states)
    later = run_at(AT_04_00, emulator, fake_clock_path, "read", cfg, catalog=logs_only, state=state)
    seen = {r["UCID"]: r for r in early.records + later.records}
    assert provider_view(list(seen.values())) == provider_view(settled(emulator.ground_truth()))


@pytest.mark.parametrize("kind", ["object", "null", "string"])
def test_an_odd_success_answer_is_retried_not_read_as_an_empty_window(
    emulator, fake_clock_path, catalog, kind
):
    logs_only = {"streams": [s for s in catalog["streams"] if s["stream"]["name"] == "call_logs"]}
    emulator.odd_answers(kind, 1, CALL_LOGS_PATH)
    run = run_at(AT_04_00, emulator, fake_clock_path, "read", config(emulator.base_url), catalog=logs_only)
    assert run.returncode == 0, run.stderr[-2000:]
    assert provider_view(run.records_of("call_logs")) == provider_view(settled(emulator.ground_truth()))
    windows = len([m for m in run.states])
    assert len(emulator.request_log(CALL_LOGS_PATH)) == windows + 1  # the odd answer was asked again


def test_the_reporting_zone_is_used_by_all_three_streams(ozonetel_emulator, fake_clock_path):
    emulator = ozonetel_emulator(
        **DATA, call_logs_per_hour=0, reports_per_minute=0, tokens_per_hour=0, timezone="Asia/Dubai"
    )
    at = "2024-05-10T00:30:00+00:00"  # 04:30 in Dubai on 10 May
    # The data starts at 22:30 on 28 April in Dubai (00:00 on 29 April in IST).
    cfg = config(
        emulator.base_url, timezone="Asia/Dubai", start_date="2024-04-28", cdr_reports={"auth_type": "basic"}
    )
    catalog = configured_catalog(discover_at(at, emulator, fake_clock_path, cfg), "full_refresh")
    run = run_at(at, emulator, fake_clock_path, "read", cfg, catalog=catalog)
    assert run.returncode == 0, run.stderr[-2000:]
    assert provider_view(run.records_of("call_logs")) == provider_view(settled(emulator.ground_truth()))
    assert provider_view(run.records_of("call_details")) == provider_view(
        settled(emulator.ground_truth_details())
    )
    reports = [r for r in emulator.ground_truth_reports() if r["CallDate"] < TODAY_IST]
    assert provider_view(run.records_of("cdr_reports")) == provider_view(reports)
    midnight = next(r for r in run.records_of("call_logs") if r["StartTime"] == "2024-05-09 00:00:00")
    assert midnight["started_at"] == "2024-05-08T20:00:00+00:00"


def test_reports_variants_401_refusal_old_days_as_empty_lists_exact_call_ids_and_production_columns(
    ozonetel_emulator, fake_clock_path
):
    emulator = ozonetel_emulator(
        **{**DATA, "days": 20},
        reports_per_minute=0,
        reports_history_days=14,
        reports_old_days="empty",
        reports_refusal_status=401,
        reports_columns="production",
    )
    cfg = config(
        emulator.base_url,
        start_date="2024-04-20",
        include_call_details=False,
        cdr_reports={"auth_type": "basic"},
    )
    discovered = discover_at(AT_04_00, emulator, fake_clock_path, cfg)
    catalog = configured_catalog(discovered, "full_refresh", streams=["cdr_reports"])
    run = run_at(AT_04_00, emulator, fake_clock_path, "read", cfg, catalog=catalog)
    assert run.returncode == 0, run.stderr[-2000:]
    truth = [r for r in emulator.ground_truth_reports() if r["CallDate"] < TODAY_IST]
    assert provider_view(run.records_of("cdr_reports")) == provider_view(truth)
    assert {r["CallID"] for r in run.records_of("cdr_reports")} == {str(r["CallID"]) for r in truth}
    schema = catalog["streams"][0]["stream"]["json_schema"]
    for record in run.records_of("cdr_reports"):
        jsonschema.validate(record, schema)
    assert any("to 2024-04-25T18:30:00+00:00 cannot be read" in line for line in run.logs)
    wrong = run_at(
        AT_04_00,
        emulator,
        fake_clock_path,
        "read",
        {**cfg, "credentials": {**cfg["credentials"], "api_key": "canary-wrong+key"}},
        catalog=catalog,
    )
    error = wrong.errors[0]
    assert error["failure_type"] == "config_error"
    assert "credentials.user_name" in error["message"] and "credentials.api_key" in error["message"]
    assert "canary-wrong" not in wrong.output


# ------------------------------------------------------- check under persistent faults (issue 10)

UCID_ROUTE = "/CAServices/cdr/fetchCdrByUCID.php"
REPORTS_ROUTE = "/ca_reports/fetchCDRDetails"
TOKEN_ROUTE = "/ca_apis/CAToken/generateToken"


def persistent(emulator: Any, fault: str) -> None:
    """Every request to every endpoint answers with `fault` from now on."""
    if fault == "html_200":
        emulator.odd_answers("html", 1000)
    else:
        emulator.set_random_faults(1.0, [fault])


@pytest.mark.parametrize(
    ("fault", "mode", "said", "requests_per_path"),
    [
        # An HTML page with HTTP 200: the UCID probe takes it for a retired endpoint, the others ask twice.
        (
            "html_200",
            "basic",
            "Scheduled maintenance",
            {REPORTS_ROUTE: 2, UCID_ROUTE: 1, CALL_LOGS_PATH: 2},
        ),
        ("html_200", "token", "Scheduled maintenance", {UCID_ROUTE: 1, TOKEN_ROUTE: 1, CALL_LOGS_PATH: 2}),
        (
            "500",
            "basic",
            "HTTP 500 'Internal Server Error'",
            {REPORTS_ROUTE: 2, UCID_ROUTE: 2, CALL_LOGS_PATH: 2},
        ),
        (
            "500",
            "token",
            "HTTP 500 'Internal Server Error'",
            {UCID_ROUTE: 2, TOKEN_ROUTE: 1, CALL_LOGS_PATH: 2},
        ),
        # Rate limited everywhere ("Max Limit Exceeded", HTTP 429): reported at once, never waited for.
        ("429", "basic", "Max Limit Exceeded", {REPORTS_ROUTE: 1, UCID_ROUTE: 1, CALL_LOGS_PATH: 1}),
        ("429", "token", "Max Limit Exceeded", {UCID_ROUTE: 1, TOKEN_ROUTE: 1, CALL_LOGS_PATH: 1}),
        ("reset", "basic", "the connection failed", {REPORTS_ROUTE: 2, UCID_ROUTE: 2, CALL_LOGS_PATH: 2}),
    ],
)
def test_check_under_a_persistent_fault_on_every_endpoint_fails_quoting_each_answer(
    ozonetel_emulator, fake_clock_path, fault, mode, said, requests_per_path
):
    emulator = ozonetel_emulator(**DATA)
    persistent(emulator, fault)
    cfg = config(emulator.base_url, cdr_reports={"auth_type": mode})
    # The bound is a guard against a hang only: before this change the chain waited an hour for quota.
    run = run_at(AT_04_00, emulator, fake_clock_path, "check", cfg, timeout=300)
    status = run.of_type("CONNECTION_STATUS")[0]["connectionStatus"]
    assert status["status"] == "FAILED"
    assert "Traceback" not in run.output
    for probe in ("CDR by UCID", "getCallLogs", "the reports API"):
        assert probe in status["message"]
    assert said in status["message"]
    counts = {
        path: len(emulator.request_log(path))
        for path in (REPORTS_ROUTE, UCID_ROUTE, TOKEN_ROUTE, CALL_LOGS_PATH)
    }
    assert counts == {path: requests_per_path.get(path, 0) for path in counts}
    assert CANARY_KEY not in run.output


def test_check_under_persistent_timeouts_gives_up_within_its_deadline(ozonetel_emulator, fake_clock_path):
    # Each answer comes after 20 s, later than check's 15 s per request: no probe is asked twice, and the
    # last one waits only for what is left of check's 40 s.
    emulator = ozonetel_emulator(**DATA, slow_seconds=20)
    persistent(emulator, "slow")
    cfg = config(emulator.base_url, cdr_reports={"auth_type": "basic"})
    run = run_at(AT_04_00, emulator, fake_clock_path, "check", cfg, timeout=300)
    status = run.of_type("CONNECTION_STATUS")[0]["connectionStatus"]
    assert status["status"] == "FAILED"
    message = status["message"]
    assert "the reports API: no answer within 15 s; CDR by UCID: no answer within 15 s" in message
    assert "getCallLogs: no answer within" in message and "getCallLogs: no answer within 15 s" not in message
    # A slow request is logged once answered; its fault is counted on arrival: three requests, once each.
    assert emulator.stats()["faults"] == {"slow": 3}


# ------------------------------------------------------------- secrets through the console script


def assert_no_secret(output: str, *secrets: str) -> None:
    for secret in secrets:
        for form in secret_forms(secret):
            assert form not in output, f"a form of a secret appears: {form!r}"


@pytest.mark.parametrize("echo", ["Api Key", "API_KEY", " apikey "])
def test_the_canary_key_in_no_output_of_any_command_debug_included_and_no_echo_in_records(
    ozonetel_emulator, fake_clock_path, echo
):
    emulator = ozonetel_emulator(
        **DATA,
        call_logs_per_hour=0,
        reports_per_minute=0,
        tokens_per_hour=0,
        key_echo=echo,
        ucid_shape="spaced",
    )
    cfg = config(emulator.base_url, api_key=CANARY_KEY + "\n", cdr_reports={"auth_type": "basic"})
    outputs = []
    for command in ("spec", "check", "discover"):
        given = None if command == "spec" else cfg
        run = run_at(AT_04_00, emulator, fake_clock_path, command, given, extra_args=("--debug",))
        assert run.returncode == 0, run.stderr[-2000:]
        outputs.append(run.output)
    checked = [m for m in outputs[1].splitlines() if "CONNECTION_STATUS" in m]
    assert '"SUCCEEDED"' in checked[0]  # the key pasted with a newline is trimmed, and works
    catalog = configured_catalog(run)  # the discover just run: --debug adds log lines, not streams
    read = run_at(AT_04_00, emulator, fake_clock_path, "read", cfg, catalog=catalog, extra_args=("--debug",))
    assert read.returncode == 0, read.stderr[-2000:]
    assert "getCallLogs?" in read.output  # the debug log shows the requests...
    outputs.append(read.output)  # ...and never the key
    for stream in ("call_logs", "call_details", "cdr_reports"):
        records = read.records_of(stream)
        assert records and not [k for r in records for k in r if is_key_echo(k)]
    token_mode = config(emulator.base_url, api_key=CANARY_KEY, cdr_reports={"auth_type": "token"})
    read_token = run_at(
        AT_04_00, emulator, fake_clock_path, "read", token_mode, catalog=catalog, extra_args=("--debug",)
    )
    assert read_token.returncode == 0, read_token.stderr[-2000:]
    outputs.append(read_token.output)
    # Failure paths: a refused key, then every endpoint failing.
    wrong = "canary-wrong/key+2=="
    for command in ("check", "read"):
        run = run_at(
            AT_04_00,
            emulator,
            fake_clock_path,
            command,
            {**cfg, "credentials": {**cfg["credentials"], "api_key": wrong}},
            catalog=catalog,
            extra_args=("--debug",),
        )
        assert_no_secret(run.output, wrong)
    emulator.set_random_faults(
        1.0, ["500"]
    )  # and every endpoint failing (check; a read would retry for long)
    failing = run_at(AT_04_00, emulator, fake_clock_path, "check", cfg, extra_args=("--debug",))
    assert "FAILED" in failing.stdout
    outputs.append(failing.output)
    tokens = [entry["headers"].get("Authorization", "")[7:] for entry in emulator.request_log(REPORTS_ROUTE)]
    for output in outputs:
        assert_no_secret(output, CANARY_KEY, *[t for t in tokens if t])
