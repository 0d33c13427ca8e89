"""The Acefone account directory: `GET /v1/users` and `GET /v1/departments`, with the same agents and
departments the synthetic calls use (`acefone_calls.AGENTS`, `DEPARTMENTS`).

- `GET /v1/users` (https://docs.acefone.in/reference/fetch-multiple-users, the same on docs.acefone.co.uk):
  `last_seen_id` (users with a larger id), `limit` (default 20, clamped to the emulator's `max_limit`) and
  the boolean filters `is_extension_created`, `is_login_based_calling`, `is_international_calling`,
  `is_web_login`, `user_status`; answer `{has_more, count, last_seen_id, data}`, ascending by id, `count`
  the users in this page. `users_shape="text_ids"` sends `id` and `last_seen_id` as text, as the
  fetch-single-user page's sample does (`"id": "288256"`). A `last_seen_id` that is not a whole number
  answers 422.
- `GET /v1/departments` (https://docs.acefone.in/reference/fetch-details-of-all-departments): every
  department at once, as a bare list; `departments_shape="data"` wraps it in `{"data": [...]}` as the UK
  API wraps its lists (https://api-docs.acefone.co.uk/reference/get_v1-ring-groups; an inference for
  departments).

Users are the ten agents (each with its agent object) and `extra_users` portal users without an agent
(administrators, supervisors), with ascending, gapped ids drawn from the seed.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Mapping
from typing import Any

from .acefone_calls import AGENTS, DEPARTMENTS, Agent, Department
from .acefone_query import TRUE_WORDS, ValidationFailed
from .base import Request

USERS_SHAPES = ("numbers", "text_ids")
DEPARTMENTS_SHAPES = ("list", "data")
DEFAULT_USERS_LIMIT = 20
ROLES = ({"id": 54630, "name": "Agent"}, {"id": 54631, "name": "Supervisor"}, {"id": 54742, "name": "Admin"})
STAFF_NAMES = ("Asha Rao", "Karan Mehta", "Nisha Bhatt", "Rohan Das", "Tara Fernandes", "Vivek Joshi")
RING_STRATEGIES = ("simultaneously", "order_by", "round_robin")
FALSE_WORDS = ("false", "0", "no")


def _login(name: str) -> str:
    return name.lower().replace(" ", ".") + "@example.com"


def _agent_user(user_id: int, agent: Agent, rng: random.Random) -> dict[str, Any]:
    return {
        "id": user_id,
        "name": agent.name,
        "agent": {
            "id": agent.id,
            "name": agent.name,
            "status": rng.choice((0, 1)),
            "follow_me_number": agent.number,
        },
        "login_id": _login(agent.name),
        "is_login_based_calling_enabled": agent.sip_id is not None,
        "is_international_outbound_enabled": rng.random() < 0.2,
        "user_role": dict(ROLES[0]),
        "extension": (
            {"username": "06" + agent.id[2:], "outbound_block": False} if agent.sip_id is not None else None
        ),
        "user_status": 1,
    }


def _staff_user(user_id: int, name: str, rng: random.Random) -> dict[str, Any]:
    return {
        "id": user_id,
        "name": name,
        "agent": None,
        "login_id": _login(name),
        "is_login_based_calling_enabled": False,
        "is_international_outbound_enabled": False,
        "user_role": dict(rng.choice(ROLES[1:])),
        "extension": None,
        "user_status": rng.choice((0, 1, 1)),
    }


def _department(department: Department, rng: random.Random) -> dict[str, Any]:
    agents = [agent for agent in AGENTS if agent.department is department]
    queue = rng.random() < 0.5
    return {
        "id": department.id,
        "name": department.name,
        "description": f"{department.name} team",
        "ring_strategy": rng.choice(RING_STRATEGIES),
        "music_on_hold": None,
        "hold_playback": None,
        "failover_music": None,
        "agent_count": str(len(agents)),
        "calls_answered": str(rng.randint(0, 900)),
        "calls_missed": str(rng.randint(0, 90)),
        "use_as_queue": queue,
        "queue_timeout": "90" if queue else "0",
        "sticky_agent": {"enabled": False, "time_period": None, "format": None},
        "transcription": {"enabled": False, "language": None, "agent_time": None},
        "missed_call_sms_id": None,
        "failover_missed_call_sms_id": None,
        "timeout_dest_type": "extension",
        "timeout_destination": agents[0].id,
        "timeout_dest_name": agents[0].name,
        "agents": [
            {"id": str(28100 + index), "name": agent.name, "eid": agent.id, "timeout": "30"}
            for index, agent in enumerate(agents)
        ],
    }


# Each documented filter: the record field it reads (True when the user has what the filter asks).
USER_FILTERS: dict[str, Callable[[Mapping[str, Any]], bool]] = {
    "is_extension_created": lambda user: user.get("extension") is not None,
    "is_login_based_calling": lambda user: bool(user.get("is_login_based_calling_enabled")),
    "is_international_calling": lambda user: bool(user.get("is_international_outbound_enabled")),
    "is_web_login": lambda user: True,  # no field of the list shows web login: every user has it
    "user_status": lambda user: user.get("user_status") == 1,
}


class AcefoneDirectory:
    """The users and departments of the emulated account, deterministic for a seed."""

    def __init__(
        self,
        seed: int = 0,
        extra_users: int = 5,
        users_shape: str = "numbers",
        departments_shape: str = "list",
    ) -> None:
        if users_shape not in USERS_SHAPES:
            raise ValueError(f"users_shape must be one of {USERS_SHAPES}, got {users_shape!r}")
        if departments_shape not in DEPARTMENTS_SHAPES:
            raise ValueError(
                f"departments_shape must be one of {DEPARTMENTS_SHAPES}, got {departments_shape!r}"
            )
        if extra_users < 0:
            raise ValueError(f"extra_users must be at least 0, got {extra_users}")
        rng = random.Random(f"acefone-directory-{seed}")
        self.users_shape = users_shape
        self.departments_shape = departments_shape
        self.ignore_last_seen_id = False
        """A broken back end: every page starts again from the first user (the connector must stop)."""
        staff = [
            STAFF_NAMES[i % len(STAFF_NAMES)]
            + (f" {i // len(STAFF_NAMES) + 1}" if i >= len(STAFF_NAMES) else "")
            for i in range(extra_users)
        ]
        people: list[Agent | str] = [*AGENTS, *staff]
        rng.shuffle(people)
        self.users: list[dict[str, Any]] = []
        user_id = 314_600
        for person in people:
            user_id += rng.randint(1, 40)
            if isinstance(person, Agent):
                self.users.append(_agent_user(user_id, person, rng))
            else:
                self.users.append(_staff_user(user_id, person, rng))
        self.departments = [_department(department, rng) for department in DEPARTMENTS]

    # ------------------------------------------------------------------------------------- answers

    def users_page(self, request: Request, max_limit: int) -> dict[str, Any]:
        """The `/v1/users` page the request asks for (ValidationFailed for a malformed parameter)."""
        after, limit, wanted = _users_query(request, max_limit)
        if self.ignore_last_seen_id:
            after = None
        matching = [
            user
            for user in self.users
            if (after is None or user["id"] > after)
            and all(USER_FILTERS[name](user) == value for name, value in wanted.items())
        ]
        page = matching[:limit]
        last = page[-1]["id"] if page else after
        body = {
            "has_more": len(matching) > len(page),
            "count": len(page),
            "last_seen_id": last,
            "data": copy.deepcopy(page),
        }
        if self.users_shape == "text_ids":
            body["last_seen_id"] = None if last is None else str(last)
            for user in body["data"]:
                user["id"] = str(user["id"])
        return body

    def departments_answer(self) -> Any:
        departments = copy.deepcopy(self.departments)
        return {"data": departments} if self.departments_shape == "data" else departments

    # -------------------------------------------------------------------------------- ground truth

    def users_ground_truth(self) -> list[dict[str, Any]]:
        """Every user as the documented list shape shows it (numeric ids), ascending by id."""
        return copy.deepcopy(self.users)

    def departments_ground_truth(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self.departments)


def _users_query(request: Request, max_limit: int) -> tuple[int | None, int, dict[str, bool]]:
    errors: dict[str, list[str]] = {}
    after_text = request.param("last_seen_id")
    after = None
    if after_text not in (None, ""):
        if not after_text.strip().isdigit():
            errors["last_seen_id"] = ["The last seen id must be an integer."]
        else:
            after = int(after_text)
    limit = DEFAULT_USERS_LIMIT
    limit_text = request.param("limit")
    if limit_text not in (None, ""):
        if not limit_text.strip().isdigit() or int(limit_text) < 1:
            errors["limit"] = ["The limit must be an integer of at least 1."]
        else:
            limit = min(int(limit_text), max_limit)
    wanted: dict[str, bool] = {}
    for name in USER_FILTERS:
        value = request.param(name)
        if value in (None, ""):
            continue
        if value.lower() in TRUE_WORDS:
            wanted[name] = True
        elif value.lower() in FALSE_WORDS:
            wanted[name] = False
        else:
            errors[name] = [f"The {name.replace('_', ' ')} field must be true or false."]
    if errors:
        raise ValidationFailed(errors)
    return after, limit, wanted
