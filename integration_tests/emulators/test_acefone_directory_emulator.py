"""Specification of the Acefone emulator's directory: `GET /v1/users` and `GET /v1/departments`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from integration_tests.emulators.acefone import (
    DEFAULT_API_TOKEN,
    DEPARTMENTS_PATH,
    USERS_PATH,
    AcefoneEmulator,
)
from integration_tests.emulators.acefone_calls import AGENTS, DEPARTMENTS

AcefoneFactory = Callable[..., AcefoneEmulator]
STATIC_TOKEN = {"Authorization": f"Bearer {DEFAULT_API_TOKEN}"}
# The keys of the sample user on https://docs.acefone.in/reference/fetch-multiple-users, in its order.
SAMPLE_USER_KEYS = [
    "id", "name", "agent", "login_id", "is_login_based_calling_enabled", "is_international_outbound_enabled",
    "user_role", "extension", "user_status",
]  # fmt: skip
# The keys of the sample department on https://docs.acefone.in/reference/fetch-details-of-all-departments.
SAMPLE_DEPARTMENT_KEYS = [
    "id", "name", "description", "ring_strategy", "music_on_hold", "hold_playback", "failover_music",
    "agent_count", "calls_answered", "calls_missed", "use_as_queue", "queue_timeout", "sticky_agent",
    "transcription", "missed_call_sms_id", "failover_missed_call_sms_id", "timeout_dest_type",
    "timeout_destination", "timeout_dest_name", "agents",
]  # fmt: skip


@pytest.fixture
def acefone(acefone_emulator: AcefoneFactory) -> AcefoneEmulator:
    return acefone_emulator(calls=50, days=2, end_date="2024-06-01", rate_limit_per_second=0)


def get(emulator: AcefoneEmulator, path: str, headers: dict[str, str] | None = None, **params: Any):
    return requests.get(
        emulator.url(path), params=params, headers=STATIC_TOKEN if headers is None else headers, timeout=10
    )


def every_user(emulator: AcefoneEmulator, limit: int = 4) -> list[dict[str, Any]]:
    users: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": limit}
    for _ in range(100):
        body = get(emulator, USERS_PATH, **params).json()
        users.extend(body["data"])
        if not body["has_more"]:
            return users
        params["last_seen_id"] = body["last_seen_id"]
    raise AssertionError("paging never ended")


def test_users_are_the_agents_of_the_calls_and_staff_with_ascending_unique_ids(acefone: AcefoneEmulator):
    users = acefone.users_ground_truth()
    assert len(users) == len(AGENTS) + 5
    assert [u["id"] for u in users] == sorted({u["id"] for u in users})
    assert {u["agent"]["id"] for u in users if u["agent"]} == {agent.id for agent in AGENTS}
    assert all(list(user) == SAMPLE_USER_KEYS for user in users)


def test_users_pages_follow_last_seen_id_and_cover_every_user_once(acefone: AcefoneEmulator):
    assert every_user(acefone) == acefone.users_ground_truth()


def test_a_users_page_says_whether_more_follow_and_which_id_it_ended_at(acefone: AcefoneEmulator):
    truth = acefone.users_ground_truth()
    first = get(acefone, USERS_PATH, limit=3).json()
    assert first == {"has_more": True, "count": 3, "last_seen_id": truth[2]["id"], "data": truth[:3]}
    last = get(acefone, USERS_PATH, limit=3, last_seen_id=truth[-2]["id"]).json()
    assert last["has_more"] is False and last["data"] == truth[-1:]
    past = get(acefone, USERS_PATH, last_seen_id=truth[-1]["id"]).json()
    assert past["data"] == [] and past["count"] == 0 and past["has_more"] is False


def test_without_a_limit_a_users_page_holds_20(acefone_emulator: AcefoneFactory):
    many = acefone_emulator(calls=10, days=1, end_date="2024-06-01", extra_users=30)
    assert len(get(many, USERS_PATH).json()["data"]) == 20


def test_the_documented_user_filters_narrow_the_list(acefone: AcefoneEmulator):
    truth = acefone.users_ground_truth()
    enabled = get(acefone, USERS_PATH, limit=100, user_status="true").json()["data"]
    assert enabled == [u for u in truth if u["user_status"] == 1]
    without = get(acefone, USERS_PATH, limit=100, is_extension_created="false").json()["data"]
    assert without == [u for u in truth if u["extension"] is None]


@pytest.mark.parametrize("params", [{"last_seen_id": "abc"}, {"limit": "0"}, {"user_status": "maybe"}])
def test_malformed_user_parameters_answer_422_naming_them(acefone: AcefoneEmulator, params: dict[str, str]):
    answer = get(acefone, USERS_PATH, **params)
    assert answer.status_code == 422 and set(answer.json()["errors"]) == set(params)


def test_the_text_ids_shape_sends_ids_and_the_cursor_as_text(acefone_emulator: AcefoneFactory):
    emulator = acefone_emulator(calls=10, days=1, end_date="2024-06-01", users_shape="text_ids")
    body = get(emulator, USERS_PATH, limit=2).json()
    truth = emulator.users_ground_truth()
    assert [u["id"] for u in body["data"]] == [str(u["id"]) for u in truth[:2]]
    assert body["last_seen_id"] == str(truth[1]["id"])


def test_a_cursor_ignoring_back_end_answers_the_first_page_again_until_reset(acefone: AcefoneEmulator):
    first = get(acefone, USERS_PATH, limit=2).json()
    acefone.ignore_last_seen_id()
    assert get(acefone, USERS_PATH, limit=2, last_seen_id=first["last_seen_id"]).json() == first
    acefone.reset()
    assert get(acefone, USERS_PATH, limit=2, last_seen_id=first["last_seen_id"]).json() != first
    control = requests.post(acefone.url("/__control/users_cursor"), json={"ignored": True}, timeout=10)
    assert control.json() == {"ignored": True}
    assert get(acefone, USERS_PATH, limit=2, last_seen_id=first["last_seen_id"]).json() == first


def test_departments_are_the_departments_of_the_calls_as_a_bare_list(acefone: AcefoneEmulator):
    body = get(acefone, DEPARTMENTS_PATH).json()
    assert body == acefone.departments_ground_truth()
    assert [d["name"] for d in body] == [department.name for department in DEPARTMENTS]
    assert all(list(d) == SAMPLE_DEPARTMENT_KEYS for d in body)
    for department in body:
        assert department["agent_count"] == str(len(department["agents"]))


def test_the_data_shape_wraps_the_departments(acefone_emulator: AcefoneFactory):
    emulator = acefone_emulator(calls=10, days=1, end_date="2024-06-01", departments_shape="data")
    assert get(emulator, DEPARTMENTS_PATH).json() == {"data": emulator.departments_ground_truth()}


@pytest.mark.parametrize("path", [USERS_PATH, DEPARTMENTS_PATH])
def test_the_directory_needs_a_token_takes_faults_and_odd_answers(acefone: AcefoneEmulator, path: str):
    assert get(acefone, path, headers={}).status_code == 401
    acefone.inject(["503"], path=path)
    assert get(acefone, path).status_code == 503
    acefone.answer_oddly("error_body", path=path)
    assert get(acefone, path).json() == {"success": False, "message": "Something went wrong"}
    assert get(acefone, path).status_code == 200 and acefone.stats()["faults_total"] == 1
