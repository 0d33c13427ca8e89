"""Builders for Acefone unit tests: configs, requests and pages as the API documents them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from airbyte_cdk.models import ConfiguredAirbyteCatalog, SyncMode
from airbyte_cdk.sources.streams.http import rate_limiting
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.mock_http import HttpRequest, HttpResponse

from cdr_shared import tokens
from source_acefone import streams

BASE = "https://api.acefone.in"
TOKEN = "portal-token-canary-7f3a"
NOW = "2024-05-10T12:00:00Z"


@pytest.fixture(autouse=True)
def sleeps(monkeypatch) -> list[float]:
    """No real waiting in unit tests: every backoff sleep of the CDK is recorded instead."""
    recorded: list[float] = []
    monkeypatch.setattr(rate_limiting.time, "sleep", recorded.append)
    monkeypatch.setattr(streams, "BACKOFF_BASE_SECONDS", 0.01)
    monkeypatch.setattr(tokens, "TOKEN_RETRY_SCALE", 0.0)
    return recorded


def config(**overrides: Any) -> dict[str, Any]:
    base = {
        "credentials": {"auth_type": "api_token", "api_token": TOKEN},
        "start_date": "2024-05-09",
        "lookback_window_minutes": 60,
        "window_days": 1,
        "page_size": 2,
    }
    base.update(overrides)
    return base


def catalog(sync_mode: SyncMode = SyncMode.incremental) -> ConfiguredAirbyteCatalog:
    return CatalogBuilder().with_stream("call_records", sync_mode).build()


def records_request(
    from_date: str, to_date: str, page: int = 1, limit: int = 2, path: str = "v1/call/records", **filters: Any
) -> HttpRequest:
    params = {"from_date": from_date, "to_date": to_date, "page": str(page), "limit": str(limit), **filters}
    return HttpRequest(f"{BASE}/{path}", query_params=params)


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
    return HttpResponse(json.dumps(body))


def error(status: int, body: Any, headers: dict[str, str] | None = None) -> HttpResponse:
    return HttpResponse(
        body if isinstance(body, str) else json.dumps(body), status_code=status, headers=headers or {}
    )


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
    return HttpResponse(json.dumps(body))
