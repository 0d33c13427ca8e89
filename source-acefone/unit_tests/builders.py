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
