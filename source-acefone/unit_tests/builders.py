"""Acefone requests, answers and configs as the API documents them, for the unit tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput
from airbyte_cdk.test.mock_http import HttpMocker, HttpRequest, HttpResponse

from cdr_shared.testing.config_builder import ConfigBuilder
from cdr_shared.testing.http_mock import RequestBuilder, answer
from cdr_shared.testing.output import StreamReader, record_values, stream_schema
from cdr_shared.testing.state_builder import StreamCursor
from source_acefone import SourceAcefone

BASE = "https://api.acefone.in"
TOKEN = "portal-token-canary-7f3a"
NOW = "2024-05-10T12:00:00Z"
STREAM = "call_records"
CURSOR = StreamCursor(STREAM, "started_at")
SCHEMA = stream_schema("source_acefone", STREAM)
# start_date 2024-05-09 IST, frozen at 2024-05-10 17:30 IST: two one-day windows.
DAY_1 = ("2024-05-09 00:00:00", "2024-05-09 23:59:59")
DAY_2 = ("2024-05-10 00:00:00", "2024-05-10 17:29:59")


class AcefoneConfig(ConfigBuilder):
    """A valid Acefone config: an API token, one-day windows, pages of two records."""

    DEFAULTS = {
        "credentials": {"auth_type": "api_token", "api_token": TOKEN},
        "start_date": "2024-05-09",
        "lookback_window_minutes": 60,
        "window_days": 1,
        "page_size": 2,
    }

    def with_login(self, **credentials: str) -> AcefoneConfig:
        """Login credentials (`email` or `login_id`, `password`) instead of the API token."""
        return self.with_field("credentials", {"auth_type": "login", **credentials})


config = AcefoneConfig()
"""The valid config: `config(end_date=...)` is it with top-level fields replaced."""


run = StreamReader(SourceAcefone, STREAM)
"""A `read` of `call_records`: `run(config, state=..., expect_failure=...)`."""
catalog = run.catalog

read_directory = StreamReader(SourceAcefone, "users", incremental=frozenset({"call_records", "calls"}))
"""A full-refresh `read` of `users` (or the streams named): `read_directory(config, "departments")`."""


state_at, states = CURSOR.state_at, CURSOR.values


def ids(output: EntrypointOutput) -> list[Any]:
    return record_values(output, "id")


def mock_pages(
    http: HttpMocker,
    window: tuple[str, str],
    *pages: tuple[list[Any], int | None],
    shape: Callable[[list[dict[str, Any]], int | None, int], HttpResponse] | None = None,
    **request: Any,
) -> None:
    """`window`'s pages, in order: each the calls it lists (ids or records) and the total it states (None:
    as many as listed), in `shape` (`page`, or `report_page` for the older shape). `request` is passed to
    `records_request` (`limit`, `path`, filters)."""
    for number, (calls, count) in enumerate(pages, start=1):
        records = [entry if isinstance(entry, dict) else call(entry) for entry in calls]
        http.get(records_request(*window, page=number, **request), (shape or page)(records, count, number))


def mock_empty_day_2(http: HttpMocker) -> None:
    """The second window (the frozen day) answers an empty page."""
    mock_pages(http, DAY_2, ([], None))


def records_request(
    from_date: str, to_date: str, page: int = 1, limit: int = 2, path: str = "v1/call/records", **filters: Any
) -> HttpRequest:
    params = {"from_date": from_date, "to_date": to_date, "page": str(page), "limit": str(limit), **filters}
    return HttpRequest(f"{BASE}/{path}", query_params=params)


def login_request(password: str, **login: str) -> HttpRequest:
    """The documented login: `email` (or `login_id` for UK accounts) and `password`."""
    return RequestBuilder(f"{BASE}/v1/auth/login").with_json_body({**login, "password": password}).build()


def refresh_request(token: str) -> HttpRequest:
    return RequestBuilder(f"{BASE}/v1/auth/refresh").with_bearer(token).build()


def with_bearer(request: HttpRequest, token: str) -> HttpRequest:
    """`request` carrying the bearer token `token`."""
    return RequestBuilder.of(request).with_bearer(token).build()


def records_with_token(window: tuple[str, str], token: str) -> HttpRequest:
    """The first records page of `window`, sent with the bearer token `token` (login credentials)."""
    return with_bearer(records_request(*window), token)


def token_answer(token: str, expires_in: int = 3600) -> HttpResponse:
    return answer({"access_token": token, "token_type": "bearer", "expires_in": expires_in})


def call(record_id: str, date: str = "2024-05-09", time: str = "10:00:00", **fields: Any) -> dict[str, Any]:
    record = {
        "id": record_id,
        "call_id": f"1715000000.{record_id}",
        "uuid": "66339a0b7cfde",
        "direction": "inbound",
        "status": "answered",
        "date": date,
        "time": time,
        "end_stamp": f"{date} {time}",
        "call_duration": 54,
        "answered_seconds": 40,
        "recording_url": "https://customer.servetel.in/file/recording?callId=1&token=abc",
        "call_flow": [
            {"type": "init", "value": "1", "time": "1714657803", "readableTime": "02-05-2024 19:20:03"}
        ],
        "circle": {"operator": "Jio", "circle": "Delhi"},
        "missed_agents": [],
        "support_api_call": False,
    }
    record.update(fields)
    return record


def page(
    results: list[dict[str, Any]], count: int | None = None, page_number: int = 1, limit: int = 2
) -> HttpResponse:
    body = {
        "count": len(results) if count is None else count,
        "limit": limit,
        "size": len(results),
        "page": page_number,
        "results": results,
    }
    return answer(body)


def error(status: int, body: Any, headers: dict[str, str] | None = None) -> HttpResponse:
    """An answer with `status`: a text body as it is, anything else as JSON."""
    return answer(body, status, headers)


def report_call(
    record_id: int, call_date: str = "2024-05-09", connection_time: str = "10:00:00"
) -> dict[str, Any]:
    """A record of the older UK `/v1/call_report` page: numeric id, call start inside `call_stats`."""
    return {
        "id": record_id,
        "call_stats": {
            "inbound_sec": 40,
            "outbound_sec": 0,
            "bill_sec": 40,
            "bill_calls": "1",
            "total_charges": "0.02",
            "connection_time": connection_time,
            "ring_time": 6,
            "answer_time": 40,
            "call_id": f"1715000000.{record_id}",
            "unique_id": 1715000000 + record_id,
            "call_date": call_date,
        },
    }


def report_page(
    records: list[dict[str, Any]], total: int | None = None, page_number: int = 1
) -> HttpResponse:
    """A `/v1/call_report` page: counts as strings, as its documentation types them."""
    body = {
        "total_records": str(len(records) if total is None else total),
        "filtered_records": str(len(records) if total is None else total),
        "page_records": str(len(records)),
        "page": str(page_number),
        "data": records,
    }
    return answer(body)


def users_request(last_seen_id: int | str | None = None, limit: int = 2) -> HttpRequest:
    """A `/v1/users` page: the first (no `last_seen_id`) or the one after `last_seen_id`."""
    params = {"limit": str(limit)}
    if last_seen_id is not None:
        params["last_seen_id"] = str(last_seen_id)
    return HttpRequest(f"{BASE}/v1/users", query_params=params)


def user(user_id: int | str, **fields: Any) -> dict[str, Any]:
    """A user as the fetch-multiple-users sample shows one."""
    record = {
        "id": user_id,
        "name": "xyz",
        "agent": {"id": "0502842370097", "name": "xyz", "status": 0, "follow_me_number": "+911111111111"},
        "login_id": "xyz@example.com",
        "is_login_based_calling_enabled": False,
        "is_international_outbound_enabled": False,
        "user_role": {"id": 54630, "name": "Quality"},
        "extension": None,
        "user_status": 1,
    }
    record.update(fields)
    return record


def users_page(ids: list[int | str], has_more: bool | None, last_seen_id: Any = "last") -> HttpResponse:
    """A `/v1/users` answer listing users `ids`; `has_more` None leaves the key out; `last_seen_id` is the
    last listed id unless given."""
    body: dict[str, Any] = {
        "count": len(ids),
        "last_seen_id": (ids[-1] if ids else None) if last_seen_id == "last" else last_seen_id,
        "data": [user(user_id) for user_id in ids],
    }
    if has_more is not None:
        body["has_more"] = has_more
    return answer(body)


def departments_request() -> HttpRequest:
    return HttpRequest(f"{BASE}/v1/departments")


def department(department_id: str | int, **fields: Any) -> dict[str, Any]:
    """A department as the fetch-details-of-all-departments sample shows one."""
    record = {
        "id": department_id,
        "name": "xyz Dept",
        "description": "xyz Dept",
        "ring_strategy": "simultaneously",
        "music_on_hold": None,
        "agent_count": "1",
        "calls_answered": "0",
        "calls_missed": "0",
        "use_as_queue": False,
        "queue_timeout": "90",
        "sticky_agent": {"enabled": False, "time_period": None, "format": None},
        "timeout_dest_type": "extension",
        "timeout_destination": "050109590001",
        "agents": [{"id": "28131", "name": "xyz", "eid": "050109590002", "timeout": "30"}],
    }
    record.update(fields)
    return record
