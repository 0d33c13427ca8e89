"""Specification of the Acefone emulator: data set, call records API, auth, rate limit, faults, control, CLI."""

from __future__ import annotations

import http.client
import re
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests

from integration_tests.emulators.acefone import (
    CALL_REPORT_PATH,
    DEFAULT_API_TOKEN,
    DEFAULT_EMAIL,
    DEFAULT_PASSWORD,
    LOGIN_PATH,
    RECORDS_PATH,
    REFRESH_PATH,
    AcefoneEmulator,
)
from integration_tests.emulators.acefone_calls import AGENTS, IST
from integration_tests.emulators.testing import start_emulator_process, stop_emulator_process

AcefoneFactory = Callable[..., AcefoneEmulator]

END_DATE = "2024-06-01"
WHOLE_RANGE = {"from_date": "2024-05-01 00:00:00", "to_date": "2024-06-02 00:00:00"}
STATIC_TOKEN = {"Authorization": f"Bearer {DEFAULT_API_TOKEN}"}

# The keys of the sample record on https://docs.acefone.in/reference/call-detail-records-2, in its order.
SAMPLE_RECORD_KEYS = [
    "id", "call_id", "uuid", "direction", "description", "detailed_description", "status",
    "blocked_number_id", "recording_url", "service", "date", "time", "end_stamp", "broadcast_id",
    "dtmf_input", "call_duration", "answered_seconds", "minutes_consumed", "charges", "department_name",
    "agent_number", "agent_number_with_prefix", "agent_name", "client_number", "did_number", "reason",
    "hangup_cause", "notes", "contact_details", "missed_agents", "call_flow", "accountid",
    "agent_ring_time", "circle", "agent_hangup_data", "transfer_missed_agent", "call_hint",
    "support_api_call", "lead_id", "is_incoming_from_broadcast", "caller_id_num", "sip_agent_ids",
    "dialer_call_details", "custom_status", "voicemail_recording", "aws_call_recording_identifier",
]  # fmt: skip


@pytest.fixture
def acefone(acefone_emulator: AcefoneFactory) -> AcefoneEmulator:
    """A small, unthrottled data set over the ten days before 2024-06-01 00:00 UTC."""
    return acefone_emulator(calls=400, days=10, end_date=END_DATE, rate_limit_per_second=0)


def get_records(
    emulator: AcefoneEmulator, headers: dict[str, str] | None = None, **params: Any
) -> requests.Response:
    return requests.get(
        emulator.url(RECORDS_PATH),
        params={**WHOLE_RANGE, **params},
        headers=STATIC_TOKEN if headers is None else headers,
        timeout=10,
    )


def fetch_every_page(emulator: AcefoneEmulator, **params: Any) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for page in range(1, 1000):
        body = get_records(emulator, page=page, limit=100, **params).json()
        if not body["results"]:
            return records
        records.extend(body["results"])
    raise AssertionError("pagination never ended")


def started_at(record: dict[str, Any]) -> datetime:
    return datetime.strptime(f"{record['date']} {record['time']}", "%Y-%m-%d %H:%M:%S").replace(tzinfo=IST)


def ids(records: list[dict[str, Any]]) -> list[str]:
    return [record["id"] for record in records]


def log_in(
    emulator: AcefoneEmulator, email: str = DEFAULT_EMAIL, password: str = DEFAULT_PASSWORD
) -> requests.Response:
    return requests.post(emulator.url(LOGIN_PATH), json={"email": email, "password": password}, timeout=10)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def post_control(emulator: AcefoneEmulator, name: str, payload: dict[str, Any]) -> requests.Response:
    return requests.post(emulator.url(f"/__control/{name}"), json=payload, timeout=10)


# ------------------------------------------------------------------------------------------- data set


def test_given_the_same_seed_when_built_twice_then_the_ground_truth_is_identical() -> None:
    first = AcefoneEmulator(seed=7, calls=300, days=10, end_date=END_DATE)
    second = AcefoneEmulator(seed=7, calls=300, days=10, end_date=END_DATE)
    other = AcefoneEmulator(seed=8, calls=300, days=10, end_date=END_DATE)

    assert first.ground_truth() == second.ground_truth()
    assert ids(first.ground_truth()) != ids(other.ground_truth())


def test_default_data_set_holds_5000_calls_over_the_60_days_ending_at_utc_midnight() -> None:
    emulator = AcefoneEmulator(end_date=END_DATE)
    truth = emulator.ground_truth()
    end = datetime(2024, 6, 1, tzinfo=timezone.utc)

    assert len(truth) == 5000
    assert all(end - timedelta(days=60) <= started_at(record) < end for record in truth)
    assert started_at(truth[0]) == end - timedelta(seconds=1)
    assert started_at(truth[-1]) == end - timedelta(days=60)


def test_ground_truth_is_newest_first_with_ties_broken_by_call_id(acefone: AcefoneEmulator) -> None:
    keys = [(started_at(r), int(r["call_id"].split(".")[1])) for r in acefone.ground_truth()]

    assert keys == sorted(keys, reverse=True)


def test_every_record_has_every_field_of_the_seed_sample_in_its_order(acefone: AcefoneEmulator) -> None:
    assert all(list(record) == SAMPLE_RECORD_KEYS for record in acefone.ground_truth())


def test_identifiers_are_shaped_like_acefone_ones_and_unique(acefone: AcefoneEmulator) -> None:
    truth = acefone.ground_truth()

    for record in truth:
        assert re.fullmatch(r"[0-9a-f]{24}", record["id"])
        assert re.fullmatch(r"\d{10}\.\d{8}", record["call_id"])
        assert int(record["call_id"].split(".")[0]) == int(started_at(record).timestamp())
        assert re.fullmatch(r"[0-9a-f]{13}", record["uuid"])
    assert len(set(ids(truth))) == len(truth)
    assert len({r["call_id"] for r in truth}) == len(truth)
    assert len({r["uuid"] for r in truth}) == len(truth)


def test_times_are_ist_strings_consistent_with_the_durations(acefone: AcefoneEmulator) -> None:
    for record in acefone.ground_truth():
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", record["date"])
        assert re.fullmatch(r"\d{2}:\d{2}:\d{2}", record["time"])
        ended = datetime.strptime(record["end_stamp"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=IST)
        setup = (ended - started_at(record)).total_seconds() - record["call_duration"]
        assert 0 <= setup <= 5
        assert 0 <= record["answered_seconds"] <= record["call_duration"]
        init, hangup = record["call_flow"][0], record["call_flow"][-1]
        assert init["type"] == "init" and isinstance(init["time"], str) and init["value"] == record["call_id"]
        assert hangup["type"] == "hangup" and isinstance(hangup["time"], int)
        assert hangup["time"] - int(init["time"]) == record["call_duration"]
        assert hangup["readableTime"] == ended.strftime("%d-%m-%Y %H:%M:%S")


def test_answered_and_missed_calls_differ_as_on_the_real_platform(acefone: AcefoneEmulator) -> None:
    truth = acefone.ground_truth()
    answered = [r for r in truth if r["status"] == "answered"]
    missed = [r for r in truth if r["status"] == "missed"]

    assert answered and missed
    for record in answered:
        assert re.search(r"[?&]token=[0-9a-f]{32}$", record["recording_url"])
        assert record["answered_seconds"] > 0
        anstime = [step for step in record["call_flow"] if "anstime" in step]
        assert len(anstime) == 1 and "type" not in anstime[0]
        assert record["answered_seconds"] == anstime[0]["time"] - anstime[0]["anstime"]
    for record in missed:
        assert record["recording_url"] is None
        assert record["aws_call_recording_identifier"] is None
        assert record["answered_seconds"] == 0
    missed_inbound = [r for r in missed if r["direction"] == "inbound"]
    assert any(r["agent_name"] is None and r["missed_agents"] == [] for r in missed_inbound)
    assert any(r["missed_agents"] for r in missed_inbound)
    for record in missed_inbound:
        assert all(set(agent) == {"id", "name", "number"} for agent in record["missed_agents"])


def test_field_values_cover_the_shapes_of_the_sample(acefone: AcefoneEmulator) -> None:
    truth = acefone.ground_truth()
    step_types = Counter(step.get("type", "anstime") for record in truth for step in record["call_flow"])

    assert {r["direction"] for r in truth} == {"inbound", "outbound"}
    assert {"init", "Agent", "ClickToCall", "anstime", "hangup", "Ivr", "Department"} <= set(step_types)
    assert {"N.A."} < {r["agent_ring_time"] for r in truth}
    assert all(re.fullmatch(r"N\.A\.|\d{2}:\d{2}:\d{2}", r["agent_ring_time"]) for r in truth)
    assert all(set(r["circle"]) == {"operator", "circle"} for r in truth)
    assert all(r["accountid"] == "Demo Account" for r in truth)
    assert all(
        isinstance(r[key], int)
        for r in truth
        for key in ("call_duration", "answered_seconds", "minutes_consumed")
    )
    assert all(
        isinstance(r[key], bool)
        for r in truth
        for key in ("support_api_call", "is_incoming_from_broadcast", "voicemail_recording")
    )
    for key in (
        "department_name",
        "dtmf_input",
        "broadcast_id",
        "contact_details",
        "lead_id",
        "dialer_call_details",
    ):
        assert {type(r[key]) for r in truth} > {type(None)}, key
    agent_steps = [s for r in truth for s in r["call_flow"] if s.get("type") == "Agent"]
    assert any("num" in s for s in agent_steps) and any(
        "number" in s and s["id"] is None for s in agent_steps
    )


def test_boundary_instants_are_in_the_data_set(acefone: AcefoneEmulator) -> None:
    starts = Counter(started_at(record) for record in acefone.ground_truth())
    times = {moment.strftime("%H:%M:%S") for moment in starts}

    assert {"00:00:00", "23:59:59", "05:30:00", "05:29:59"} <= times
    assert max(starts.values()) >= 2


# ------------------------------------------------------------------------------------ call records


def test_pages_cover_every_call_in_the_range_once_newest_first(acefone: AcefoneEmulator) -> None:
    first_page = get_records(acefone, limit=100).json()

    assert first_page["count"] == 400 and first_page["size"] == 100 and first_page["page"] == 1
    assert fetch_every_page(acefone) == acefone.ground_truth()


def test_when_no_page_or_limit_is_given_then_page_1_of_20_is_returned(acefone: AcefoneEmulator) -> None:
    body = get_records(acefone).json()

    assert (body["page"], body["limit"], body["size"]) == (1, 20, 20)
    assert body["results"] == acefone.ground_truth()[:20]


def test_a_limit_above_the_cap_is_clamped_and_the_applied_limit_echoed(
    acefone_emulator: AcefoneFactory,
) -> None:
    emulator = acefone_emulator(calls=120, days=5, end_date=END_DATE, max_limit=50, rate_limit_per_second=0)

    body = get_records(emulator, limit=500).json()
    second = get_records(emulator, limit=500, page=2).json()

    assert (body["limit"], body["size"], body["count"]) == (50, 50, 120)
    assert ids(second["results"]) == ids(emulator.ground_truth()[50:100])


def test_a_page_past_the_end_has_no_results(acefone: AcefoneEmulator) -> None:
    body = get_records(acefone, page=99, limit=100).json()

    assert body["results"] == [] and body["size"] == 0 and body["count"] == 400


def test_given_count_mode_page_then_count_is_the_number_of_records_in_the_page(
    acefone_emulator: AcefoneFactory,
) -> None:
    emulator = acefone_emulator(
        calls=130, days=5, end_date=END_DATE, count_mode="page", rate_limit_per_second=0
    )

    full, last = get_records(emulator, limit=100).json(), get_records(emulator, limit=100, page=2).json()

    assert (full["count"], full["size"]) == (100, 100)
    assert (last["count"], last["size"]) == (30, 30)


def test_both_date_bounds_are_inclusive_to_the_second(acefone: AcefoneEmulator) -> None:
    truth = acefone.ground_truth()
    midnight = next(started_at(r) for r in truth if r["time"] == "00:00:00")
    at_midnight = midnight.strftime("%Y-%m-%d %H:%M:%S")
    second_before = (midnight - timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S")

    exact = fetch_every_page(acefone, from_date=at_midnight, to_date=at_midnight)
    until_before = fetch_every_page(acefone, to_date=second_before)
    from_midnight = fetch_every_page(acefone, from_date=at_midnight)

    assert ids(exact) == ids([r for r in truth if started_at(r) == midnight])
    assert ids(until_before) == ids([r for r in truth if started_at(r) < midnight])
    assert ids(from_midnight) == ids([r for r in truth if started_at(r) >= midnight])


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from_date": None}, "from_date", "The from date field is required."),
        ({"to_date": ""}, "to_date", "The to date field is required."),
        ({"from_date": "2024-05-01"}, "from_date", "The from date does not match the format Y-m-d H:i:s."),
        ({"to_date": "2024-05-01T10:00:00"}, "to_date", "The to date does not match the format Y-m-d H:i:s."),
        (
            {"to_date": "2024-04-30 23:59:59"},
            "to_date",
            "The to date must be a date after or equal to from date.",
        ),
        ({"page": "first"}, "page", "The page must be an integer."),
        ({"limit": "0"}, "limit", "The limit must be at least 1."),
        ({"call_type": "x"}, "call_type", "The selected call type is invalid."),
        ({"direction": "sideways"}, "direction", "The selected direction is invalid."),
        ({"duration": "30", "operator": "=>"}, "operator", "The selected operator is invalid."),
        ({"duration": "half"}, "duration", "The duration must be an integer."),
    ],
)
def test_invalid_parameters_answer_422_naming_the_parameter(
    acefone: AcefoneEmulator, params: dict[str, Any], field: str, message: str
) -> None:
    response = get_records(acefone, **params)

    assert response.status_code == 422
    assert response.json() == {"message": message, "errors": {field: [message]}}


def test_several_invalid_parameters_are_all_reported(acefone: AcefoneEmulator) -> None:
    response = requests.get(acefone.url(RECORDS_PATH), headers=STATIC_TOKEN, timeout=10)

    assert response.status_code == 422
    assert response.json()["message"] == "The from date field is required. (and 1 more error)"
    assert set(response.json()["errors"]) == {"from_date", "to_date"}


def _agent_ids(record: dict[str, Any]) -> set[str]:
    by_number = {agent.number: agent.id for agent in AGENTS}
    answering = {by_number[record["agent_number"]]} if record["agent_number"] else set()
    return answering | {agent["id"] for agent in record["missed_agents"]}


def _ivr_of(record: dict[str, Any]) -> tuple[str, str] | None:
    return next(((s["id"], s["name"].lower()) for s in record["call_flow"] if s.get("type") == "Ivr"), None)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


FILTER_CASES: list[tuple[str, dict[str, Any], Callable[[dict[str, Any]], bool]]] = [
    ("agents array", {"agents[]": ["agent|050109590016", "agent|050109590019"]},
     lambda r: bool(_agent_ids(r) & {"050109590016", "050109590019"})),
    ("agents comma", {"agents": "agent|050109590016,agent|050109590019"},
     lambda r: bool(_agent_ids(r) & {"050109590016", "050109590019"})),
    ("department name, any case", {"department": "SUPPORT"}, lambda r: r["department_name"] == "Support"),
    ("department id", {"department[]": ["2011"]}, lambda r: r["department_name"] == "Sales"),
    ("ivr", {"ivr": "main menu"}, lambda r: (_ivr_of(r) or ("", ""))[1] == "main menu"),
    ("answered", {"call_type": "c"}, lambda r: r["status"] == "answered"),
    ("missed", {"call_type": "m"}, lambda r: r["status"] == "missed"),
    ("direction", {"direction": "inbound"}, lambda r: r["direction"] == "inbound"),
    ("longer than a minute", {"duration": "60", "operator": ">"}, lambda r: r["call_duration"] > 60),
    ("at most 30 s", {"duration": "30", "operator": "<="}, lambda r: r["call_duration"] <= 30),
    ("not zero", {"duration": "0", "operator": "!="}, lambda r: r["call_duration"] != 0),
    ("services", {"services": "voicemail,broadcast"},
     lambda r: bool({"voicemail", "broadcast"} & set(r["service"].lower().split(",")))),
    ("broadcast calls", {"broadcast": "true"}, lambda r: r["broadcast_id"] is not None),
    ("no broadcast calls", {"broadcast": "false"}, lambda r: r["broadcast_id"] is None),
    ("did number without +", {"did_number": "918069858731"}, lambda r: r["did_number"] == "+918069858731"),
    ("inbound destination", {"destination": "+912261234500", "direction": "inbound"},
     lambda r: r["direction"] == "inbound" and r["did_number"] == "+912261234500"),
    ("combined", {"call_type": "c", "direction": "outbound", "duration": "100", "operator": ">="},
     lambda r: r["status"] == "answered" and r["direction"] == "outbound" and r["call_duration"] >= 100),
]  # fmt: skip


@pytest.mark.parametrize(
    ("params", "wanted"), [case[1:] for case in FILTER_CASES], ids=[c[0] for c in FILTER_CASES]
)
def test_filters_return_exactly_the_matching_calls(
    acefone: AcefoneEmulator, params: dict[str, Any], wanted: Callable[[dict[str, Any]], bool]
) -> None:
    expected = [record for record in acefone.ground_truth() if wanted(record)]

    found = fetch_every_page(acefone, **params)

    assert expected, "the data set should hold calls for every filter"
    assert ids(found) == ids(expected)
    assert get_records(acefone, **params).json()["count"] == len(expected)


def test_callerid_filter_finds_every_call_of_that_customer(acefone: AcefoneEmulator) -> None:
    truth = acefone.ground_truth()
    customer = Counter(r["client_number"] for r in truth).most_common(1)[0][0]

    found = fetch_every_page(acefone, callerid=_digits(customer)[2:])

    assert ids(found) == ids([r for r in truth if r["client_number"] == customer])


def test_broadcast_filter_by_id_returns_that_broadcast_only(acefone: AcefoneEmulator) -> None:
    truth = acefone.ground_truth()
    broadcast_id = next(r["broadcast_id"] for r in truth if r["broadcast_id"])

    assert ids(fetch_every_page(acefone, broadcast=broadcast_id)) == ids(
        [r for r in truth if r["broadcast_id"] == broadcast_id]
    )


# ---------------------------------------------------------------------------------------------- auth


def test_login_with_the_default_credentials_returns_a_bearer_token_that_reads_records(
    acefone: AcefoneEmulator,
) -> None:
    response = log_in(acefone)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert get_records(acefone, headers=bearer(body["access_token"])).status_code == 200


def test_login_accepts_a_form_body(acefone: AcefoneEmulator) -> None:
    response = requests.post(
        acefone.url(LOGIN_PATH), data={"email": DEFAULT_EMAIL, "password": DEFAULT_PASSWORD}, timeout=10
    )

    assert response.status_code == 200 and response.json()["access_token"]


def test_login_with_a_wrong_password_is_refused_with_401(acefone: AcefoneEmulator) -> None:
    response = log_in(acefone, password="guess")

    assert response.status_code == 401
    assert response.json()["success"] is False


def test_login_without_credentials_answers_422_naming_both_fields(acefone: AcefoneEmulator) -> None:
    response = requests.post(acefone.url(LOGIN_PATH), json={}, timeout=10)

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"email", "password"}


@pytest.mark.parametrize("headers", [{}, bearer("not-a-token"), {"Authorization": DEFAULT_API_TOKEN}])
def test_records_without_a_known_token_answer_401_unauthenticated(
    acefone: AcefoneEmulator, headers: dict[str, str]
) -> None:
    response = get_records(acefone, headers=headers)

    assert response.status_code == 401
    assert response.json() == {"success": False, "message": "Unauthenticated."}


def test_configured_static_tokens_replace_the_default_one(acefone_emulator: AcefoneFactory) -> None:
    emulator = acefone_emulator(calls=20, days=2, end_date=END_DATE, api_tokens=["first", "second"])

    assert get_records(emulator, headers=bearer("second")).status_code == 200
    assert get_records(emulator, headers=STATIC_TOKEN).status_code == 401


def test_given_a_time_scale_when_the_scaled_lifetime_passes_then_the_token_has_expired(
    acefone_emulator: AcefoneFactory,
) -> None:
    emulator = acefone_emulator(calls=20, days=2, end_date=END_DATE, time_scale=7200)  # 3600 s -> 0.5 s
    token = log_in(emulator).json()

    assert token["expires_in"] == 1
    assert get_records(emulator, headers=bearer(token["access_token"])).status_code == 200
    time.sleep(0.55)
    expired = get_records(emulator, headers=bearer(token["access_token"]))
    assert expired.status_code == 401
    assert expired.json() == {"success": False, "message": "Token has expired"}


def test_when_the_clock_passes_the_token_lifetime_then_the_token_has_expired(
    acefone: AcefoneEmulator,
) -> None:
    token = log_in(acefone).json()["access_token"]

    post_control(acefone, "clock", {"advance_seconds": 3599})
    assert get_records(acefone, headers=bearer(token)).status_code == 200
    post_control(acefone, "clock", {"advance_seconds": 2})
    assert get_records(acefone, headers=bearer(token)).json()["message"] == "Token has expired"


def test_refresh_exchanges_an_expired_token_for_a_new_one_and_blacklists_the_old(
    acefone: AcefoneEmulator,
) -> None:
    old = log_in(acefone).json()["access_token"]
    acefone.clock.advance(4000)

    refreshed = requests.post(acefone.url(REFRESH_PATH), headers=bearer(old), timeout=10)

    assert refreshed.status_code == 200
    new = refreshed.json()["access_token"]
    assert new != old and refreshed.json()["token_type"] == "bearer"
    assert get_records(acefone, headers=bearer(new)).status_code == 200
    assert get_records(acefone, headers=bearer(old)).status_code == 401
    again = requests.post(acefone.url(REFRESH_PATH), headers=bearer(old), timeout=10)
    assert again.json()["message"] == "The token has been blacklisted"


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (DEFAULT_API_TOKEN, "Token could not be refreshed"),
        ("unknown", "Unauthenticated."),
    ],
)
def test_refresh_refuses_tokens_it_did_not_issue(acefone: AcefoneEmulator, token: str, message: str) -> None:
    response = requests.post(acefone.url(REFRESH_PATH), headers=bearer(token), timeout=10)

    assert response.status_code == 401 and response.json()["message"] == message


def test_refresh_refuses_a_token_expired_longer_than_the_refresh_window(
    acefone_emulator: AcefoneFactory,
) -> None:
    emulator = acefone_emulator(calls=20, days=2, end_date=END_DATE, token_ttl=60, refresh_ttl=600)
    token = log_in(emulator).json()["access_token"]
    emulator.clock.advance(60 + 600)

    response = requests.post(emulator.url(REFRESH_PATH), headers=bearer(token), timeout=10)

    assert response.status_code == 401
    assert response.json()["message"] == "Token has expired and can no longer be refreshed"


# ---------------------------------------------------------------------------------------- rate limit


def test_over_the_per_second_limit_requests_get_429_with_retry_after(
    acefone_emulator: AcefoneFactory,
) -> None:
    emulator = acefone_emulator(calls=20, days=2, end_date=END_DATE, rate_limit_per_second=3)

    statuses = [get_records(emulator).status_code for _ in range(3)]
    refused = get_records(emulator)

    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.json() == {"message": "Too many requests"}
    assert refused.headers["Retry-After"] == "1"
    assert emulator.stats()["rate_limited"] == 1
    emulator.clock.advance(1)
    assert get_records(emulator).status_code == 200


def test_given_a_time_scale_the_rate_limit_window_is_shorter(acefone_emulator: AcefoneFactory) -> None:
    emulator = acefone_emulator(calls=20, days=2, end_date=END_DATE, rate_limit_per_second=2, time_scale=4)

    assert [get_records(emulator).status_code for _ in range(3)][-1] == 429
    time.sleep(0.26)  # the one-second window lasts 0.25 s
    assert get_records(emulator).status_code == 200


def test_a_rate_limit_of_zero_never_refuses(acefone: AcefoneEmulator) -> None:
    with requests.Session() as session:
        statuses = {
            session.get(
                acefone.url(RECORDS_PATH), params=WHOLE_RANGE, headers=STATIC_TOKEN, timeout=10
            ).status_code
            for _ in range(30)
        }

    assert statuses == {200}


# -------------------------------------------------------------------------------------------- faults


@pytest.mark.parametrize("status", [500, 502, 503])
def test_an_injected_server_error_answers_that_status_once(acefone: AcefoneEmulator, status: int) -> None:
    acefone.inject([str(status)])

    failed, recovered = get_records(acefone), get_records(acefone)

    assert failed.status_code == status and "message" in failed.json()
    assert recovered.status_code == 200
    assert acefone.stats()["faults"] == {str(status): 1}


def test_an_injected_429_looks_like_the_rate_limit(acefone: AcefoneEmulator) -> None:
    acefone.inject(["429"])

    response = get_records(acefone)

    assert response.status_code == 429 and response.headers["Retry-After"] == "1"
    assert response.json() == {"message": "Too many requests"}
    assert acefone.stats()["rate_limited"] == 1


def test_an_injected_reset_closes_the_connection_without_a_response(acefone: AcefoneEmulator) -> None:
    acefone.inject(["reset"])

    with pytest.raises(requests.ConnectionError):
        get_records(acefone)
    assert get_records(acefone).status_code == 200


def test_an_injected_truncation_sends_the_full_length_but_half_the_body(acefone: AcefoneEmulator) -> None:
    acefone.inject(["truncated"])
    connection = http.client.HTTPConnection("127.0.0.1", acefone.port, timeout=10)
    query = "from_date=2024-05-01%2000:00:00&to_date=2024-06-02%2000:00:00"

    connection.request("GET", f"{RECORDS_PATH}?{query}", headers=STATIC_TOKEN)
    response = connection.getresponse()
    promised = int(response.headers["Content-Length"])
    with pytest.raises(http.client.IncompleteRead) as incomplete:
        response.read()
    connection.close()

    assert response.status == 200
    assert len(incomplete.value.partial) == promised // 2


def test_requests_reports_a_truncated_body_as_an_error(acefone: AcefoneEmulator) -> None:
    acefone.inject(["truncated"])

    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
        get_records(acefone)


def test_an_injected_html_fault_is_a_502_error_page(acefone: AcefoneEmulator) -> None:
    acefone.inject(["html"])

    response = get_records(acefone)

    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")
    assert "502 Bad Gateway" in response.text


def test_an_injected_slow_answer_arrives_late_but_complete(acefone_emulator: AcefoneFactory) -> None:
    emulator = acefone_emulator(calls=20, days=2, end_date=END_DATE, slow_seconds=0.3)
    emulator.inject(["slow"])

    began = time.monotonic()
    response = get_records(emulator)

    assert time.monotonic() - began >= 0.3
    assert response.status_code == 200 and response.json()["count"] == 20


def test_an_injected_expired_token_answers_acefones_401(acefone: AcefoneEmulator) -> None:
    acefone.inject(["expired_token"])

    response = get_records(acefone)

    assert response.status_code == 401
    assert response.json() == {"success": False, "message": "Token has expired"}


def test_queued_faults_hit_the_next_faultable_requests_in_order(acefone: AcefoneEmulator) -> None:
    post_control(acefone, "faults", {"queue": ["503", "500"]})

    statuses = [get_records(acefone).status_code for _ in range(3)]

    assert statuses == [503, 500, 200]


def test_a_fault_queued_for_a_path_waits_for_that_path(acefone: AcefoneEmulator) -> None:
    post_control(acefone, "faults", {"queue": ["500"], "path": RECORDS_PATH})

    assert log_in(acefone).status_code == 200
    assert get_records(acefone).status_code == 500


def test_login_is_faultable_too(acefone: AcefoneEmulator) -> None:
    acefone.inject(["503"])

    assert log_in(acefone).status_code == 503


def test_random_faults_are_reproducible_for_a_seed(acefone_emulator: AcefoneFactory) -> None:
    def statuses(emulator: AcefoneEmulator) -> list[int | None]:
        for _ in range(20):
            try:
                get_records(emulator)
            except requests.RequestException:
                continue
        return [entry["fault"] for entry in emulator.request_log(RECORDS_PATH)]

    options = {"calls": 20, "days": 2, "end_date": END_DATE, "rate_limit_per_second": 0, "fault_seed": 5}
    first = acefone_emulator(fault_rate=0.5, **options)
    second = acefone_emulator(fault_rate=0.5, **options)

    assert statuses(first) == statuses(second)
    assert 0 < sum(fault is not None for fault in statuses(first)) < 40


def test_random_faults_set_by_control_never_touch_control_endpoints(acefone: AcefoneEmulator) -> None:
    post_control(acefone, "faults", {"rate": 1.0, "kinds": ["500"], "seed": 1})

    assert get_records(acefone).status_code == 500
    assert requests.get(acefone.url("/__control/ground_truth"), timeout=10).status_code == 200
    assert post_control(acefone, "faults", {"clear": True}).json()["rate"] == 0.0
    assert get_records(acefone).status_code == 200


def test_an_unknown_fault_kind_is_refused_by_the_control_endpoint(acefone: AcefoneEmulator) -> None:
    response = post_control(acefone, "faults", {"queue": ["teapot"]})

    assert response.status_code == 400 and "teapot" in response.json()["error"]


# ------------------------------------------------------------------------------------------- control


def test_control_ground_truth_is_the_python_ground_truth(acefone: AcefoneEmulator) -> None:
    response = requests.get(acefone.url("/__control/ground_truth"), timeout=10)

    assert response.json() == acefone.ground_truth()


def test_stats_count_requests_per_path_faults_and_429s_and_reset_clears_them(
    acefone_emulator: AcefoneFactory,
) -> None:
    emulator = acefone_emulator(calls=20, days=2, end_date=END_DATE, rate_limit_per_second=2)
    emulator.inject(["500"], path=RECORDS_PATH)
    log_in(emulator)
    statuses = [get_records(emulator).status_code for _ in range(3)]

    stats = requests.get(emulator.url("/__control/stats"), timeout=10).json()

    assert statuses == [500, 200, 429]  # an injected fault does not use up the quota
    assert stats["requests"] == {LOGIN_PATH: 1, RECORDS_PATH: 3}
    assert stats["responses"] == {"200": 2, "500": 1, "429": 1}
    assert stats["faults"] == {"500": 1} and stats["faults_total"] == 1
    assert stats["rate_limited"] == 1
    post_control(emulator, "reset", {})
    assert emulator.stats()["requests_total"] == 0 and emulator.stats()["faults_total"] == 0
    assert get_records(emulator).status_code == 200


def test_the_request_log_shows_what_clients_sent(acefone: AcefoneEmulator) -> None:
    get_records(acefone, page=2, limit=7)

    log = requests.get(acefone.url("/__control/requests"), params={"path": RECORDS_PATH}, timeout=10).json()

    assert len(log) == 1
    assert log[0]["query"]["page"] == ["2"] and log[0]["query"]["limit"] == ["7"]
    assert log[0]["status"] == 200 and log[0]["fault"] is None


def test_the_clock_control_sets_and_advances_the_virtual_now(acefone: AcefoneEmulator) -> None:
    set_to = post_control(acefone, "clock", {"now": "2024-05-31T21:29:00+05:30"}).json()
    advanced = post_control(acefone, "clock", {"advance_seconds": 60}).json()

    assert set_to["now"].startswith("2024-05-31T15:59:00")
    assert advanced["now"].startswith("2024-05-31T16:00:00")


def test_calls_after_the_virtual_now_do_not_exist_yet(acefone: AcefoneEmulator) -> None:
    acefone.clock.set("2024-05-27T00:00:00Z")

    truth = acefone.ground_truth()

    assert truth and all(started_at(r) <= datetime(2024, 5, 27, tzinfo=timezone.utc) for r in truth)
    assert get_records(acefone).json()["count"] == len(truth) < 400


def test_added_calls_appear_at_their_instant_in_records_and_ground_truth(acefone: AcefoneEmulator) -> None:
    response = post_control(acefone, "add_calls", {"count": 3, "at": "2024-05-25T06:30:00Z"})

    added = response.json()["added"]
    assert len(added) == 3 and response.json()["total"] == 403
    assert {(r["date"], r["time"]) for r in added} == {("2024-05-25", "12:00:00")}
    assert set(ids(added)) <= set(ids(acefone.ground_truth()))
    found = get_records(acefone, from_date="2024-05-25 12:00:00", to_date="2024-05-25 12:00:00").json()
    assert set(ids(added)) <= set(ids(found["results"]))


def test_calls_added_in_the_future_appear_once_the_clock_reaches_them(acefone: AcefoneEmulator) -> None:
    soon = datetime.now(timezone.utc) + timedelta(hours=1)
    added = acefone.add_calls(2, soon)

    assert not set(ids(added)) & set(ids(acefone.ground_truth()))
    acefone.clock.advance(3600)
    assert set(ids(added)) <= set(ids(acefone.ground_truth()))


# ----------------------------------------------------------------------------------------------- CLI


def test_the_cli_prints_its_url_first_serves_and_exits_cleanly_on_sigterm() -> None:
    process, url = start_emulator_process(
        "acefone", "--calls", "40", "--days", "3", "--end-date", END_DATE, "--api-token", "cli-token",
        "--count-mode", "page", "--max-limit", "10",
    )  # fmt: skip
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
        truth = requests.get(f"{url}/__control/ground_truth", timeout=10).json()
        body = requests.get(
            f"{url}{RECORDS_PATH}",
            params={**WHOLE_RANGE, "limit": 50},
            headers=bearer("cli-token"),
            timeout=10,
        ).json()
    finally:
        exit_code = stop_emulator_process(process)

    assert len(truth) == 40
    assert (body["count"], body["limit"], body["size"]) == (10, 10, 10)
    assert exit_code == 0


# ------------------------------------------------------------------ UK login and the older call report


def test_a_uk_portal_logs_in_with_login_id_and_refuses_an_email_body(
    acefone_emulator: AcefoneFactory,
) -> None:
    uk = acefone_emulator(
        calls=50, days=10, end_date=END_DATE, rate_limit_per_second=0, login_field="login_id"
    )
    body = {"login_id": DEFAULT_EMAIL, "password": DEFAULT_PASSWORD}

    accepted = requests.post(uk.url(LOGIN_PATH), json=body, timeout=10)
    refused = log_in(uk)

    assert accepted.status_code == 200
    assert get_records(uk, headers=bearer(accepted.json()["access_token"])).status_code == 200
    assert refused.status_code == 422 and set(refused.json()["errors"]) == {"login_id"}
    assert refused.json()["errors"]["login_id"] == ["The login id field is required."]


def get_call_report(emulator: AcefoneEmulator, **params: Any) -> requests.Response:
    return requests.get(
        emulator.url(CALL_REPORT_PATH), params={**WHOLE_RANGE, **params}, headers=STATIC_TOKEN, timeout=10
    )


def test_call_report_pages_cover_every_call_once_in_the_older_shape(acefone: AcefoneEmulator) -> None:
    records: list[dict[str, Any]] = []
    for page in range(1, 100):
        body = get_call_report(acefone, page=page, limit=100).json()
        assert set(body) == {"total_records", "filtered_records", "page_records", "page", "data"}
        assert body["total_records"] == "400" and body["page"] == str(page)
        assert body["page_records"] == str(len(body["data"]))
        if not body["data"]:
            break
        records.extend(body["data"])

    assert records == acefone.call_report_ground_truth()
    assert len({record["id"] for record in records}) == 400
    newest = acefone.ground_truth()[0]
    assert records[0]["call_stats"]["call_date"] == newest["date"]
    assert records[0]["call_stats"]["connection_time"] == newest["time"]
    assert records[0]["call_stats"]["call_id"] == newest["call_id"]
    assert isinstance(records[0]["id"], int)


def test_call_report_refuses_a_limit_above_100(acefone: AcefoneEmulator) -> None:
    refused = get_call_report(acefone, limit=101)

    assert refused.status_code == 422 and "limit" in refused.json()["errors"]
    assert get_call_report(acefone, limit=100).status_code == 200


def test_records_in_the_older_shape_are_capped_at_100_a_page(acefone_emulator: AcefoneFactory) -> None:
    old = acefone_emulator(
        calls=400,
        days=10,
        end_date=END_DATE,
        rate_limit_per_second=0,
        max_limit=500,
        records_shape="call_report",
    )

    body = get_records(old, limit=500).json()

    assert "results" not in body and len(body["data"]) == 100 and body["total_records"] == "400"
    assert body["data"] == old.call_report_ground_truth()[:100]


@pytest.mark.parametrize(
    ("kind", "check"),
    [
        ("empty", lambda r: r.content == b""),
        ("html", lambda r: r.headers["Content-Type"].startswith("text/html")),
        ("no_records", lambda r: "results" not in r.json() and "data" not in r.json()),
        ("error_body", lambda r: r.json()["success"] is False),
    ],
)
def test_an_odd_answer_is_a_200_that_is_no_page_once_and_only_on_its_path(
    acefone: AcefoneEmulator, kind: str, check: Callable[[requests.Response], bool]
) -> None:
    acefone.answer_oddly(kind, path=CALL_REPORT_PATH)

    assert get_records(acefone).json()["results"]
    odd = get_call_report(acefone)
    assert odd.status_code == 200 and check(odd)
    assert get_call_report(acefone).json()["data"]


def test_odd_answers_can_be_queued_by_control(acefone: AcefoneEmulator) -> None:
    queued = post_control(acefone, "odd_answer", {"kind": "empty", "times": 2})

    assert queued.status_code == 200
    assert [get_records(acefone).content for _ in range(2)] == [b"", b""]
    assert get_records(acefone).json()["results"]
    assert post_control(acefone, "odd_answer", {"kind": "nonsense"}).status_code == 400
