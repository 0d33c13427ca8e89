"""source-huawei-cms end to end: the installed console script against the CC-CMS emulator over HTTPS.

The emulator serves TLS with a certificate from its own throwaway CA, which the connector is given as
`ca_certificate`. Its data set runs from 00:00 two days ago to an hour ago (UTC tenant), so part of it
is already past the one-day retention: the connector must skip that part with a warning, and its
records must equal the emulator's ground truth (what CC-CMS still holds), with keys trimmed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import signal
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from cdr_shared.calls import CALLS_SCHEMA
from cdr_shared.secrets import secret_forms
from cdr_shared.testing.console import (
    BIN,
    command_files,
    configured_catalog,
    discover_once,
    state_messages_as_input,
)
from cdr_shared.testing.console import run_console_script as run_connector
from integration_tests.emulators.huawei_cms import (
    CALL_DETAIL_PATH,
    CALL_TRACE_PATH,
    MISSED_CALLS_PATH,
    QUERY_CALLS_PATH,
)

CONNECTOR = "source-huawei-cms"
ACCESS_KEY = "canary-ak-3f9e"
CANARY_SECRET = "canary-sk-b7d41c"
CALLS_DERIVED = ("direction", "begin_at", "end_at", "logged_at", "call_type_label", "release_cause_label")
DETAILS_DERIVED = (
    "direction",
    "begin_at",
    "end_at",
    "call_type_label",
    "release_cause_label",
    "begin_time_utc",
    "end_time_utc",
)
MISSED_DERIVED = ("begin_at", "end_at")
TRACES_DERIVED = (
    "direction",
    "begin_at",
    "leg_number",
    "wait_begin_at",
    "ack_begin_at",
    "call_begin_at",
    "call_end_at",
    "enter_reason",
    "enter_reason_label",
    "leave_reason",
    "leave_reason_label",
    "current_skill_id",
    "call_type_label",
    "release_cause_label",
)
SCHEMAS = Path(__file__).parents[1] / "source-huawei-cms/source_huawei_cms/schemas"
DAY_MS = 24 * 60 * 60 * 1000
SIGNATURE_MESSAGE = (
    "signature rejected: check credentials.access_key/credentials.secret_key and the host clock"
)


def config(emulator, **overrides: Any) -> dict[str, Any]:
    base = {
        "base_url": emulator.base_url,
        "access_key": ACCESS_KEY,
        "secret_key": CANARY_SECRET,
        "ca_certificate": emulator.ca_certificate_pem,
        "cc_id": 1,
        "vdn": 1,
        "start_date": "2020-01-01",
        "window_minutes": 720,
        "lookback_window_minutes": 60,
        # The emulator sets no rate limit unless a test asks for one: 10 a second (the default) would spend
        # 24 s of every full read on call details. Tests of the budget pass their own `advanced`.
        "advanced": {"requests_per_second": 200},
    }
    base.update(overrides)
    keys = {name: base.pop(name) for name in ("access_key", "secret_key")}  # 0.3: under `credentials`
    return {"credentials": {"auth_type": "ak_sk", **keys}, **{k: v for k, v in base.items() if v is not None}}


@pytest.fixture
def emulator(huawei_cms_emulator):
    return huawei_cms_emulator(seed=5, calls=240, tls=True, access_key=ACCESS_KEY, secret_key=CANARY_SECRET)


@pytest.fixture
def catalog(emulator):
    return configured_catalog(discover_once(CONNECTOR, config(emulator)))


def trimmed(record: dict[str, Any]) -> dict[str, Any]:
    return {key.strip(): value for key, value in record.items()}


def direction(entry: dict[str, Any]) -> str:
    return "inbound" if entry["isCallIn"] else "outbound"


def without(record: dict[str, Any], derived: tuple[str, ...]) -> dict[str, Any]:
    # The CDK's serializer leaves out null values; the emulator sends none, so nothing is lost here.
    return {key: value for key, value in record.items() if key not in derived}


def truth_calls(emulator) -> dict[tuple[str, str], dict[str, Any]]:
    return {(e["call"]["callId"], direction(e)): trimmed(e["call"]) for e in emulator.ground_truth()}


def truth_details(emulator) -> dict[tuple[str, str], dict[str, Any]]:
    return {(e["call"]["callId"], direction(e)): trimmed(e["detail"]) for e in emulator.ground_truth()}


def truth_missed(emulator) -> dict[str, dict[str, Any]]:
    """The missed calls as the connector emits them: the page's "Datetime" fields kept as the text sent."""
    return {
        e["missed"]["callId"]: {
            **e["missed"],
            "waitBegin": str(e["missed"]["waitBegin"]),
            "callEnd": str(e["missed"]["callEnd"]),
        }
        for e in emulator.ground_truth()
        if e["missed"] is not None
    }


def truth_traces(emulator) -> dict[tuple[str, str, int], dict[str, Any]]:
    return {
        (e["call"]["callId"], direction(e), int(leg["callIdNum"])): leg
        for e in emulator.ground_truth()
        for leg in e["legs"]
    }


def keyed_missed(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    view = {r["callId"]: without(r, MISSED_DERIVED) for r in records}
    assert len(view) == len(records), "a missed call was emitted twice"
    return view


def keyed_traces(records: list[dict[str, Any]]) -> dict[tuple[str, str, int], dict[str, Any]]:
    view = {(r["callId"], r["direction"], r["leg_number"]): without(r, TRACES_DERIVED) for r in records}
    assert len(view) == len(records), "a call leg was emitted twice"
    return view


def keyed(records: list[dict[str, Any]], derived: tuple[str, ...]) -> dict[tuple[str, str], dict[str, Any]]:
    view = {(r["callId"], r["direction"]): without(r, derived) for r in records}
    assert len(view) == len(records), "a call was emitted twice"
    return view


def keys(records: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """(callId, direction) of provider records, and of `calls` records from their `call_id`."""
    return {
        tuple(r["call_id"].split("|")) if "call_id" in r else (r["callId"], r["direction"]) for r in records
    }


INTERNAL_CALL_TYPES = {6, 51, 52, 53}  # the page's internal call types
OUTCOMES = {0: "answered", 8: "missed", 9: "failed", 47: "busy", 49: "abandoned"}


def _iso(millis: int) -> str:
    return dt.datetime.fromtimestamp(millis / 1000, dt.timezone.utc).isoformat()


def truth_unified(emulator) -> dict[tuple[str, str], dict[str, Any]]:
    """What `calls` must hold for each call the emulator still has, from its call list entry and detail."""
    expected = {}
    for entry in emulator.ground_truth():
        call, detail = entry["call"], trimmed(entry["detail"])
        listed = direction(entry)
        started = min(call[name] for name in ("waitBegin", "ackBegin", "callBegin") if call[name] > 0)
        expected[(call["callId"], listed)] = {
            "provider": "huawei-cms",
            "account": "1/1",
            "call_id": f"{call['callId']}|{listed}",
            "source_stream": "call_details",
            "source_key": f"{call['callId']}|{listed}",
            "direction": "internal" if call["callType"] in INTERNAL_CALL_TYPES else listed,
            "started_at": _iso(started),
            "ended_at": _iso(call["callEnd"]),
            "duration_seconds": round((call["callEnd"] - started) / 1000),
            "ring_seconds": detail["ackTime"],
            "queue_seconds": detail["queueWaitTime"],
            "talk_seconds": detail["callTime"],
            "caller_number": detail["callerNo"],
            "called_number": detail["calleeNo"],
            "agent_id": str(detail["agentId"]) if detail["agentId"] else None,
            "queue": str(detail["skillId"]),
            "outcome": OUTCOMES[detail["releaseCause"]],
            "hangup_by": "caller" if detail["releaseCause"] == 49 else None,
            "disposition": detail.get("busiResult") or None,
        }
    return {key: {k: v for k, v in record.items() if v is not None} for key, record in expected.items()}


def unified(records: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    view = {tuple(r["call_id"].split("|")): r for r in records}
    assert len(view) == len(records), "a call was emitted twice"
    return view


def test_full_refresh_over_https_equals_ground_truth_and_says_what_retention_lost(emulator):
    full = configured_catalog(discover_once(CONNECTOR, config(emulator)), "full_refresh")
    run = run_connector(CONNECTOR, "read", config(emulator), catalog=full)
    assert run.returncode == 0, run.stderr[-2000:]
    assert keyed(run.records_of("call_list"), CALLS_DERIVED) == truth_calls(emulator)
    assert keyed(run.records_of("call_details"), DETAILS_DERIVED) == truth_details(emulator)
    assert emulator.expired_calls(), "the data set must reach past retention for this test to mean anything"
    held_since = emulator.earliest_held().isoformat()
    assert any(
        f"from 2020-01-01T00:00:00+00:00 to {held_since} can no longer be fetched" in line
        for line in run.logs
    )
    assert keyed_missed(run.records_of("missed_calls")) == truth_missed(emulator)
    assert keyed_traces(run.records_of("call_traces")) == truth_traces(emulator)
    for stream in ("call_list", "call_details", "missed_calls", "call_traces"):
        schema = json.loads((SCHEMAS / f"{stream}.json").read_text())
        for record in run.records_of(stream):
            jsonschema.validate(record, schema)
            assert record["begin_at"].endswith("+00:00") and record["begin_at"] >= held_since
    assert unified(run.records_of("calls")) == truth_unified(emulator)
    for record in run.records_of("calls"):
        jsonschema.validate(record, CALLS_SCHEMA)


def test_second_incremental_sync_reads_only_the_lookback(emulator, catalog):
    first = run_connector(CONNECTOR, "read", config(emulator), catalog=catalog)
    assert first.returncode == 0, first.stderr[-2000:]
    final = {s["stream"]["stream_descriptor"]["name"]: s["stream"]["stream_state"] for s in first.states}
    assert set(final) == {"call_list", "call_details", "calls", "missed_calls", "call_traces"}
    emulator.reset()
    second = run_connector(
        CONNECTOR, "read", config(emulator), catalog=catalog, state=state_messages_as_input(first.states)
    )
    assert second.returncode == 0, second.stderr[-2000:]
    assert not any("can no longer be fetched" in line for line in second.logs)
    state_at = final["call_list"]["begin_at"]
    begin_dates = {body["beginDate"] for body in emulator.received_queries}
    assert len(begin_dates) >= 1 and min(begin_dates) >= _millis(state_at) - 60 * 60 * 1000
    recent = [r for r in first.records_of("call_list") if _millis(r["begin_at"]) >= min(begin_dates)]
    assert keys(second.records_of("call_list")) == keys(recent)
    assert keys(second.records_of("call_details")) == keys(recent)
    assert keys(second.records_of("calls")) == keys(recent)


def stream_keys(stream: str, data: dict[str, Any]) -> set[Any]:
    """The primary key of a record of `stream`, as a set of one (`calls` keyed like its sources)."""
    if stream == "missed_calls":
        return {data["callId"]}
    if stream == "call_traces":
        return {(data["callId"], data["direction"], data["leg_number"])}
    return keys([data])


def test_resuming_from_any_state_message_loses_nothing(emulator, catalog):
    """Resuming from a state message the sync emitted loses no record, for every stream.

    Each resume is a console-script start (seconds of CPU on a 2-core CI machine), so each stream resumes
    from its first, middle and last distinct state rather than from all of them, and one run resumes every
    stream at once (its first states, then its middle ones, then its last ones); the windowed cursor's unit
    tests cover every window boundary.
    """
    full = run_connector(CONNECTOR, "read", config(emulator), catalog=catalog)
    assert full.returncode == 0, full.stderr[-2000:]
    calls = set(truth_calls(emulator))
    truth = {
        "call_list": calls,
        "call_details": calls,
        "calls": calls,
        "missed_calls": set(truth_missed(emulator)),
        "call_traces": set(truth_traces(emulator)),
    }
    emitted: dict[str, set[Any]] = {stream: set() for stream in truth}
    states: dict[str, dict[str, dict[str, Any]]] = {}
    for message in full.messages:
        if message["type"] == "RECORD":
            record = message["record"]
            emitted[record["stream"]] |= stream_keys(record["stream"], record["data"])
        elif message["type"] == "STATE":
            stream = message["state"]["stream"]["stream_descriptor"]["name"]
            value = json.dumps(message["state"]["stream"]["stream_state"], sort_keys=True)
            # The state after a window's inbound half repeats the previous one: keep distinct ones.
            states.setdefault(stream, {}).setdefault(value, message["state"])
    assert set(states) == set(emitted)
    for stream, distinct in states.items():
        assert len(distinct) >= 3, f"{stream}: too few windows to resume from ({len(distinct)})"
    for position in ("first", "middle", "last"):
        chosen = {}
        for stream, distinct in states.items():
            values = list(distinct)
            index = {"first": 0, "middle": len(values) // 2, "last": len(values) - 1}[position]
            chosen[stream] = distinct[values[index]]
        resumed = run_connector(
            CONNECTOR,
            "read",
            config(emulator),
            catalog=catalog,
            state=state_messages_as_input(list(chosen.values())),
        )
        assert resumed.returncode == 0, resumed.stderr[-2000:]
        for stream, expected in truth.items():
            again = set().union(*(stream_keys(stream, r) for r in resumed.records_of(stream)))
            assert emitted[stream] | again == expected, f"{stream} resumed from its {position} state"


def test_calls_costs_no_request_of_its_own(emulator):
    discovered = discover_once(CONNECTOR, config(emulator))

    def requests_for(*streams: str) -> Counter:
        emulator.reset()
        run = run_connector(
            CONNECTOR, "read", config(emulator), catalog=configured_catalog(discovered, streams=list(streams))
        )
        assert run.returncode == 0, run.stderr[-2000:]
        assert {m["record"]["stream"] for m in run.of_type("RECORD")} == set(streams)
        return Counter(entry["path"] for entry in emulator.request_log())

    provider_streams = requests_for("call_list", "call_details")
    assert provider_streams[CALL_DETAIL_PATH] == len(emulator.ground_truth())
    assert requests_for("call_list", "call_details", "calls") == provider_streams
    assert requests_for("calls") == requests_for("call_details") == provider_streams


# The fields the pages type String (the others are numbers).
TEXT_FIELDS = {"callId", "callerNo", "calleeNo", "beginTime", "endTime", "result", "resultCode", "busiResult"}
TEXT_FIELDS |= {"busiSubStatus"}


def as_numbers(record: dict[str, Any]) -> dict[str, Any]:
    """A record served with `number_form="text"` as the connector must emit it: digit strings as integers."""
    return {
        k: int(v) if k.strip() not in TEXT_FIELDS and isinstance(v, str) and v.isdigit() else v
        for k, v in record.items()
    }


LEG_TEXTS = {"callId", "callerNo", "calleeNo", "deviceNo", "deviceIn"}


def leg_numbers(leg: dict[str, Any]) -> dict[str, Any]:
    """A call leg served as text as the connector emits it: its numbers (-1 included) as integers."""
    return {k: int(v) if k not in LEG_TEXTS and isinstance(v, str) else v for k, v in leg.items()}


def test_numbers_sent_as_text_are_emitted_as_integers_in_every_stream(huawei_cms_emulator):
    emulator = huawei_cms_emulator(
        seed=5,
        calls=120,
        access_key=ACCESS_KEY,
        secret_key=CANARY_SECRET,
        number_form="text",
        missed_time_form="text",
    )
    cfg = config(emulator, ca_certificate=None)
    run = run_connector(CONNECTOR, "read", cfg, catalog=configured_catalog(discover_once(CONNECTOR, cfg)))
    assert run.returncode == 0, run.stderr[-2000:]
    entries = emulator.ground_truth()
    assert isinstance(entries[0]["call"]["waitBegin"], str), "the emulator must send text for this test"
    numbers = [
        {
            **e,
            "call": as_numbers(e["call"]),
            "detail": as_numbers(e["detail"]),
            "legs": [leg_numbers(leg) for leg in e["legs"]],
            "missed": e["missed"] and {**e["missed"], "mediaType": int(e["missed"]["mediaType"])},
        }
        for e in entries
    ]

    class AsNumbers:
        def ground_truth(self) -> list[dict[str, Any]]:
            return numbers

    assert keyed(run.records_of("call_list"), CALLS_DERIVED) == truth_calls(AsNumbers())
    assert keyed(run.records_of("call_details"), DETAILS_DERIVED) == truth_details(AsNumbers())
    assert unified(run.records_of("calls")) == truth_unified(AsNumbers())
    assert keyed_missed(run.records_of("missed_calls")) == truth_missed(AsNumbers())
    assert keyed_traces(run.records_of("call_traces")) == truth_traces(AsNumbers())
    missed = {r["callId"]: r for r in run.records_of("missed_calls")}
    for entry in entries:
        if entry["missed"] is not None:  # "Datetime" sent as UTC text, read as UTC
            record = missed[entry["missed"]["callId"]]
            assert record["begin_at"] == _iso(int(entry["call"]["waitBegin"]) // 1000 * 1000)
    for stream in ("call_list", "call_details", "missed_calls", "call_traces"):
        schema = json.loads((SCHEMAS / f"{stream}.json").read_text())
        for record in run.records_of(stream):
            jsonschema.validate(record, schema)


def test_injected_faults_and_retryable_result_codes_lose_nothing(huawei_cms_emulator):
    # Faults spread over different requests (each retry waits the connector's real backoff).
    emulator = huawei_cms_emulator(
        seed=5,
        calls=240,
        tls=True,
        access_key=ACCESS_KEY,
        secret_key=CANARY_SECRET,
        fault_rate=0.03,
        fault_kinds=["500", "502", "503", "429", "reset", "truncated", "html"],
        fault_seed=3,
    )
    emulator.inject_result_codes(["0100999"], QUERY_CALLS_PATH)
    emulator.inject_result_codes(["0100001"], CALL_DETAIL_PATH)
    emulator.inject_result_codes(["0100999"], MISSED_CALLS_PATH)
    emulator.inject_result_codes(["0100001"], CALL_TRACE_PATH)
    catalog = configured_catalog(discover_once(CONNECTOR, config(emulator)))
    run = run_connector(CONNECTOR, "read", config(emulator), catalog=catalog)
    assert run.returncode == 0, run.stderr[-2000:]
    assert emulator.stats()["faults_total"] >= 3
    assert keyed(run.records_of("call_list"), CALLS_DERIVED) == truth_calls(emulator)
    assert keyed(run.records_of("call_details"), DETAILS_DERIVED) == truth_details(emulator)
    assert keyed_missed(run.records_of("missed_calls")) == truth_missed(emulator)
    assert keyed_traces(run.records_of("call_traces")) == truth_traces(emulator)


def test_wrong_secret_fails_with_the_signature_message_and_no_secret_anywhere(emulator, catalog):
    wrong = "canary-wrong-sk-55aa"
    check = run_connector(CONNECTOR, "check", config(emulator, secret_key=wrong))
    status = check.of_type("CONNECTION_STATUS")[0]["connectionStatus"]
    assert status["status"] == "FAILED" and SIGNATURE_MESSAGE in status["message"]
    read = run_connector(CONNECTOR, "read", config(emulator, secret_key=wrong), catalog=catalog)
    assert read.returncode != 0
    assert read.errors[0]["failure_type"] == "config_error" and SIGNATURE_MESSAGE in read.errors[0]["message"]
    for output in (check.output, read.output):
        assert wrong not in output and CANARY_SECRET not in output


def test_a_host_clock_more_than_15_minutes_off_is_reported_as_a_signature_problem(emulator):
    emulator.clock.advance(20 * 60)
    check = run_connector(CONNECTOR, "check", config(emulator))
    status = check.of_type("CONNECTION_STATUS")[0]["connectionStatus"]
    assert status["status"] == "FAILED" and "host clock" in status["message"]


def test_without_the_private_ca_tls_fails_with_a_config_error_suggesting_ca_certificate(emulator, catalog):
    check = run_connector(CONNECTOR, "check", config(emulator, ca_certificate=None))
    status = check.of_type("CONNECTION_STATUS")[0]["connectionStatus"]
    assert status["status"] == "FAILED" and "'ca_certificate'" in status["message"]
    read = run_connector(CONNECTOR, "read", config(emulator, ca_certificate=None), catalog=catalog)
    assert (
        read.errors[0]["failure_type"] == "config_error" and "'ca_certificate'" in read.errors[0]["message"]
    )
    assert emulator.request_log() == []  # the handshake failed; no request reached the API


def test_canary_secret_appears_nowhere_in_any_command_output(emulator, catalog):
    outputs = [
        run_connector(CONNECTOR, command, config(emulator), catalog=catalog).output
        for command in ("spec", "check", "discover", "read")
    ]
    emulator.inject(["500", "expired_token"])  # a retried fault, then a refusal that ends the sync
    outputs.append(run_connector(CONNECTOR, "read", config(emulator), catalog=catalog).output)
    for output in outputs:
        assert CANARY_SECRET not in output


def test_bad_config_fails_before_any_request(emulator, catalog):
    read = run_connector(CONNECTOR, "read", config(emulator, timezone="Mars/Base"), catalog=catalog)
    assert read.errors[0]["failure_type"] == "config_error" and "'timezone'" in read.errors[0]["message"]
    assert emulator.request_log() == []


def test_plain_http_is_accepted_on_loopback_only(huawei_cms_emulator):
    emulator = huawei_cms_emulator(calls=20, access_key=ACCESS_KEY, secret_key=CANARY_SECRET)
    check = run_connector(CONNECTOR, "check", config(emulator, ca_certificate=None))
    assert check.of_type("CONNECTION_STATUS")[0]["connectionStatus"]["status"] == "SUCCEEDED"
    remote = config(emulator, ca_certificate=None, base_url="http://10.1.2.3:28080")
    status = run_connector(CONNECTOR, "check", remote).of_type("CONNECTION_STATUS")[0]["connectionStatus"]
    assert status["status"] == "FAILED" and "'base_url'" in status["message"]


def _millis(instant: str) -> int:
    return int(dt.datetime.fromisoformat(instant).timestamp() * 1000)


def test_spec_violations_name_their_field_in_check(emulator):
    check = run_connector(CONNECTOR, "check", config(emulator, vdn=0))
    status = check.of_type("CONNECTION_STATUS")[0]["connectionStatus"]
    assert status["status"] == "FAILED"
    assert status["message"] == "Config validation error: 'vdn' is less than the minimum of 1."


# ------------------------------------------------------------------ variants real servers play (issue 9)


def test_by_default_host_is_signed_without_the_port_as_huaweis_demo_does(huawei_cms_emulator):
    emulator = huawei_cms_emulator(
        seed=6, calls=120, tls=True, access_key=ACCESS_KEY, secret_key=CANARY_SECRET, host_form="without_port"
    )
    run = run_connector(CONNECTOR, "read", config(emulator), catalog=_call_list_only(emulator))
    assert run.returncode == 0, run.stderr[-2000:]
    assert keyed(run.records_of("call_list"), CALLS_DERIVED) == truth_calls(emulator)


def test_a_server_that_checks_ip_port_answers_401_hinting_signed_host_and_syncs_with_it(huawei_cms_emulator):
    emulator = huawei_cms_emulator(
        seed=6, calls=120, tls=True, access_key=ACCESS_KEY, secret_key=CANARY_SECRET, host_form="with_port"
    )
    check = run_connector(CONNECTOR, "check", config(emulator))
    status = check.of_type("CONNECTION_STATUS")[0]["connectionStatus"]
    assert status["status"] == "FAILED" and "set 'signed_host' to 'with_port'" in status["message"]
    catalog = configured_catalog(discover_once(CONNECTOR, config(emulator)))
    run = run_connector(CONNECTOR, "read", config(emulator, signed_host="with_port"), catalog=catalog)
    assert run.returncode == 0, run.stderr[-2000:]
    assert keyed(run.records_of("call_list"), CALLS_DERIVED) == truth_calls(emulator)
    assert keyed(run.records_of("call_details"), DETAILS_DERIVED) == truth_details(emulator)


@pytest.mark.parametrize(
    ("paging", "count", "max_limit"),
    [
        ("ignores_offset", "sent", 100),
        ("ignores_offset", "omitted", 100),
        ("ignores_offset", "omitted", 40),  # and pages shorter than `limit`
        ("offset", "omitted", 40),
    ],
)
def test_paging_variants_end_every_window_and_lose_nothing(huawei_cms_emulator, paging, count, max_limit):
    # About 180 inbound calls per day-long window: more than one page of 100.
    emulator = huawei_cms_emulator(
        seed=7,
        calls=600,
        access_key=ACCESS_KEY,
        secret_key=CANARY_SECRET,
        paging=paging,
        count=count,
        max_limit=max_limit,
    )
    cfg = config(emulator, ca_certificate=None, window_minutes=1440)
    run = run_connector(CONNECTOR, "read", cfg, catalog=_call_list_only(emulator))
    assert run.returncode == 0, run.stderr[-2000:]
    truth = truth_calls(emulator)
    held_ms = _millis(emulator.earliest_held().isoformat())
    per_window = Counter(
        (e["call"]["waitBegin"] - held_ms) // DAY_MS for e in emulator.ground_truth() if e["isCallIn"]
    )
    assert max(per_window.values()) > 100, "a window must hold more calls than one page for this test"
    assert keyed(run.records_of("call_list"), CALLS_DERIVED) == truth
    warned = [line for line in run.logs if "ignores 'offset'" in line]
    assert bool(warned) == (paging == "ignores_offset")
    assert not any("DATA MAY BE MISSING" in line for line in run.logs)


@pytest.mark.parametrize(("calls_answer", "detail_answer"), [("no_data", "text_desc"), ("empty", "html")])
def test_undocumented_200_answers_are_retried_and_lose_nothing(
    huawei_cms_emulator, calls_answer, detail_answer
):
    emulator = huawei_cms_emulator(seed=5, calls=120, access_key=ACCESS_KEY, secret_key=CANARY_SECRET)
    emulator.inject_odd_answers([calls_answer], QUERY_CALLS_PATH)
    emulator.inject_odd_answers([detail_answer], CALL_DETAIL_PATH)
    emulator.inject_odd_answers([calls_answer], MISSED_CALLS_PATH)
    emulator.inject_odd_answers([detail_answer], CALL_TRACE_PATH)
    cfg = config(emulator, ca_certificate=None)
    catalog = configured_catalog(discover_once(CONNECTOR, cfg))
    run = run_connector(CONNECTOR, "read", cfg, catalog=catalog)
    assert run.returncode == 0, run.stderr[-2000:]
    assert keyed(run.records_of("call_list"), CALLS_DERIVED) == truth_calls(emulator)
    assert keyed(run.records_of("call_details"), DETAILS_DERIVED) == truth_details(emulator)
    assert keyed_missed(run.records_of("missed_calls")) == truth_missed(emulator)
    assert keyed_traces(run.records_of("call_traces")) == truth_traces(emulator)
    assert sorted(emulator.odd_answers_served) == sorted([calls_answer, detail_answer] * 2)


def _call_list_only(emulator) -> dict[str, Any]:
    discovered = discover_once(CONNECTOR, config(emulator))
    return configured_catalog(discovered, streams=["call_list"])


# ------------------------------------------------------------------ secrets and check under faults (issue 10)

# Characters that make every encoding of the secret differ from the raw value.
SYMBOL_SECRET = 'canary-sk/"+&=%9f\\d1'
SECRET_FIELDS = {"agentPassword": "canary-field-pw-2c8e", "sessionToken": "canary-field-token-91ab"}


def signing_material(emulator, secret: str) -> set[str]:
    """Every Authorization value the emulator received, its signature and the signing key derived from
    `secret` for its prefix (hex HMAC-SHA256 of the prefix): none of it may be printed."""
    material: set[str] = set()
    for entry in emulator.request_log():
        authorization = {k.lower(): v for k, v in entry["headers"].items()}.get("authorization", "")
        if not authorization.startswith("auth-v2/"):
            continue
        prefix, _, signature = authorization.rpartition("/")
        material |= {
            authorization,
            signature,
            hmac.new(secret.encode(), prefix.encode(), hashlib.sha256).hexdigest(),
        }
    return material


def assert_nothing_secret_in(outputs: list[str], secrets: list[str], material: set[str]) -> None:
    for secret in secrets:
        for form in secret_forms(secret):
            for output in outputs:
                assert form not in output, f"{secret!r} printed as {form!r}"
    for value in material:
        for output in outputs:
            assert value not in output, f"signing material printed: {value[:12]}..."


def test_no_form_of_the_secret_key_or_of_its_signing_keys_in_any_output_debug_included(huawei_cms_emulator):
    emulator = huawei_cms_emulator(
        seed=5,
        calls=60,
        tls=True,
        access_key=ACCESS_KEY,
        secret_key=SYMBOL_SECRET,
        extra_fields=SECRET_FIELDS,
    )
    good = config(emulator, secret_key=SYMBOL_SECRET)
    catalog = configured_catalog(discover_once(CONNECTOR, good))
    runs = {"spec": run_connector(CONNECTOR, "spec")}
    for debug in ((), ("--debug",)):
        runs[f"check{debug}"] = run_connector(CONNECTOR, "check", good, extra_args=debug)
        runs[f"discover{debug}"] = run_connector(CONNECTOR, "discover", good, extra_args=debug)
        runs[f"read{debug}"] = run_connector(CONNECTOR, "read", good, catalog=catalog, extra_args=debug)
    # Pasted with a line break and spaces: trimmed, signed right, and masked in every form as pasted.
    pasted = f"  {SYMBOL_SECRET}\r\n"
    runs["check pasted"] = run_connector(
        CONNECTOR, "check", config(emulator, secret_key=pasted), extra_args=("--debug",)
    )
    # Failure paths: a wrong secret, a sync ended by a refusal, a check under a persistent fault.
    wrong = 'canary-wrong/"sk=7&'
    runs["check wrong"] = run_connector(
        CONNECTOR, "check", config(emulator, secret_key=wrong), extra_args=("--debug",)
    )
    emulator.inject(["500", "expired_token"])
    runs["read refused"] = run_connector(CONNECTOR, "read", good, catalog=catalog, extra_args=("--debug",))
    emulator.set_random_faults(1.0, ["503"])
    runs["check 503"] = run_connector(CONNECTOR, "check", good, extra_args=("--debug",))

    assert runs["check()"].of_type("CONNECTION_STATUS")[0]["connectionStatus"]["status"] == "SUCCEEDED"
    assert runs["check pasted"].of_type("CONNECTION_STATUS")[0]["connectionStatus"]["status"] == "SUCCEEDED"
    assert (
        SIGNATURE_MESSAGE
        in runs["check wrong"].of_type("CONNECTION_STATUS")[0]["connectionStatus"]["message"]
    )
    assert runs["read refused"].returncode != 0 and runs["read refused"].errors
    assert "HTTP 503" in runs["check 503"].of_type("CONNECTION_STATUS")[0]["connectionStatus"]["message"]
    debug_read = runs["read('--debug',)"]
    assert debug_read.returncode == 0, debug_read.stderr[-2000:]
    # The debug log shows the bodies CC-CMS sent, with the secret-looking fields and the signature masked.
    assert '\\"agentPassword\\":\\"****\\"' in debug_read.output
    assert '\\"sessionToken\\":\\"****\\"' in debug_read.output
    assert "'Authorization': '****'" in debug_read.output
    # Records equal the ground truth without the secret-looking fields (dropped, not synced).
    for name, run in (("read()", runs["read()"]), ("read('--debug',)", debug_read)):
        calls = keyed(run.records_of("call_list"), CALLS_DERIVED)
        expected = {
            key: {k: v for k, v in call.items() if k not in SECRET_FIELDS}
            for key, call in truth_calls(emulator).items()
        }
        assert calls == expected, name
        details = run.records_of("call_details")
        assert details and not any(set(SECRET_FIELDS) & set(record) for record in details), name
    material = signing_material(emulator, SYMBOL_SECRET) | signing_material(emulator, wrong)
    assert len(material) >= 30, "the runs must have signed requests for this test to mean anything"
    assert_nothing_secret_in(
        [run.output for run in runs.values()],
        [SYMBOL_SECRET, pasted, wrong, *SECRET_FIELDS.values()],
        material,
    )


@pytest.mark.parametrize(
    ("fault", "quoted"),
    [
        ("500", "Last answer: CC-CMS answered HTTP 500 ('Internal Server Error')."),
        ("html", "Last answer: CC-CMS answered HTTP 502 ('<html> <head><title>502 Bad Gateway</title>"),
        ("html200", "with HTTP 200 and '<html><head><title>Login</title>"),
        ("429", "Last answer: CC-CMS kept answering HTTP 429: 'Too Many Requests' (its rate limit)."),
        ("reset", "Last answer: CC-CMS could not be reached or dropped the connection"),
        (
            "0100999",
            "Last answer: CC-CMS answered resultCode 0100999 (unknown exception: Unknown exception.).",
        ),
    ],
)
def test_check_under_a_persistent_fault_fails_after_three_attempts_quoting_cc_cms(
    huawei_cms_emulator, fault, quoted
):
    emulator = huawei_cms_emulator(calls=20, access_key=ACCESS_KEY, secret_key=CANARY_SECRET)
    if fault == "html200":
        emulator.inject_odd_answers(["html"] * 10)
    elif fault == "0100999":
        emulator.inject_result_codes(["0100999"] * 10)
    else:
        emulator.set_random_faults(1.0, [fault])
    # The timeout only guards against a hang; the budget is asserted by the number of attempts.
    check = run_connector(CONNECTOR, "check", config(emulator, ca_certificate=None), timeout=120)
    status = check.of_type("CONNECTION_STATUS")[0]["connectionStatus"]
    assert status["status"] == "FAILED"
    assert status["message"].startswith("CC-CMS gave no usable answer to the check request in 3 attempts")
    assert quoted in status["message"]
    assert len(emulator.request_log(QUERY_CALLS_PATH)) == 3
    assert "Traceback" not in check.output and CANARY_SECRET not in check.output


def test_a_sync_killed_mid_window_while_details_are_looked_up_concurrently_resumes_without_loss(
    emulator, catalog
):
    """SIGKILL while the second window's details are in flight (several at once), then resume from the last
    state the killed sync printed: every detail arrives, none of a half-read window was checkpointed."""
    only = {"streams": [s for s in catalog["streams"] if s["stream"]["name"] == "call_details"]}
    settings = config(emulator, window_minutes=360, advanced={"call_details_concurrency": 4})
    emulator.set_random_faults(1.0, ["slow"], paths=[CALL_DETAIL_PATH])
    emulator.faults.slow_seconds = 0.02
    emitted: set[tuple[str, str]] = set()
    last_state: dict[str, Any] | None = None
    records_since_state = 0
    with command_files("read", settings, only) as args:
        process = subprocess.Popen(
            [str(BIN / CONNECTOR), *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert process.stdout is not None
        for line in process.stdout:
            message = json.loads(line)
            if message["type"] == "RECORD":
                emitted.add((message["record"]["data"]["callId"], message["record"]["data"]["direction"]))
                records_since_state += 1
            elif message["type"] == "STATE" and message["state"]["stream"]["stream_state"]:
                last_state, records_since_state = message["state"], 0
            if last_state is not None and records_since_state >= 5:
                process.send_signal(signal.SIGKILL)  # mid-window: records of it out, its state not yet
                break
        process.wait(timeout=60)
    emulator.clear_faults()
    assert last_state is not None and records_since_state >= 5, "the sync ended before it could be killed"
    resumed = run_connector(
        CONNECTOR, "read", settings, catalog=only, state=state_messages_as_input([last_state])
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert emitted | keys(resumed.records_of("call_details")) == set(truth_details(emulator))
