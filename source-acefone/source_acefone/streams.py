"""Acefone streams:

| stream | provider API | sync | cursor | window |
|---|---|---|---|---|
| `call_records` | `GET /v1/call/records` (or the older UK `/v1/call_report`), paged by `page`/`limit` | incremental, full refresh | `started_at` | `window_days` |
| `calls` (`calls.py`) | none: `call_records` mapped into the shared shape | incremental, full refresh | `started_at` | `window_days` |
| `users` (`directory.py`) | `GET /v1/users`, paged by `last_seen_id`/`limit` | full refresh | none | none |
| `departments` (`directory.py`) | `GET /v1/departments`, one answer | full refresh | none | none |
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pendulum
import requests
from airbyte_cdk.models import AirbyteMessage
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy, ErrorHandler
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction

from cdr_shared.dates import format_local, local_iso_utc
from cdr_shared.horizon import LagHorizon
from cdr_shared.http_errors import (
    ProviderErrorHandler,
    RetryAfterBackoff,
    json_body,
    looks_truncated,
    provider_message,
    request_timeout,
    retry,
    unexpected,
)
from cdr_shared.windowed_state import WindowedCursor
from cdr_shared.windowed_stream import WindowedHttpStream
from cdr_shared.windows import Window
from source_acefone.config import AcefoneConfig
from source_acefone.pages import (
    as_int,
    call_end_text,
    call_start_text,
    page_limit,
    page_number,
    page_records,
    page_total,
    record_id,
)
from source_acefone.typed_fields import typed

ACEFONE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# A call's record is published once the call has ended; calls still in progress show up in the next
# sync's lookback, so the horizon is simply "now".
ACEFONE_HORIZON = LagHorizon(pendulum.duration(seconds=0))
BACKOFF_BASE_SECONDS = 2.0
# (connect, read) seconds: a host that accepts and never answers fails the request (and is retried) instead
# of holding the sync forever; `check` waits less (`cdr_shared.http_errors.request_timeout`).
REQUEST_TIMEOUT = (10.0, 120.0)


class AcefoneErrorHandler(ProviderErrorHandler):
    """A 200 must be one of the two documented pages (`pages.py`); anything else (an empty body, an HTML
    page, JSON with neither `results` nor `data`, `"success": false`) is retried, then reported naming the
    window it was asked for: never taken for an empty window."""

    def interpret_success_body(self, response: requests.Response) -> ErrorResolution:
        where = requested_window(response)
        try:
            body = json_body(response)
        except ValueError:
            if looks_truncated(response):
                return retry(f"Acefone sent a cut-off JSON body for {where}; retrying.")
            return unexpected(
                f"Acefone answered {where} with {_quoted(response)}, not a JSON call-records page."
            )
        if page_records(body) is None:
            return unexpected(
                f"Acefone answered {where} with JSON that is not a call-records page (no 'results' list "
                f"as /v1/call/records documents, no 'data' list as /v1/call_report does): {_quoted(response)}."
            )
        return ErrorResolution(response_action=ResponseAction.SUCCESS)


def _quoted(response: requests.Response) -> str:
    message = provider_message(response)
    return f"'{message}'" if message else "an empty body"


@dataclass
class WindowPaging:
    """What has been read of the current window: ids emitted and records the provider sent.

    A fresh one starts with every window; a count carried over would stop a later, smaller window early.
    """

    seen: set[str] = field(default_factory=set)
    provided: int = 0
    requested_page: int = 1


class CallRecords(WindowedHttpStream):
    """Every call detail record, incremental on `started_at` (UTC, derived from the call's local start)."""

    name = "call_records"
    primary_key = "id"

    def __init__(self, config: AcefoneConfig, auth_hint: str, max_retries: int = 8, **kwargs: Any) -> None:
        self.config = config
        self.auth_hint = auth_hint
        self.max_retries_per_request = max_retries
        self.paging = WindowPaging()
        super().__init__(call_records_cursor(self.name, config), **kwargs)

    @property
    def url_base(self) -> str:
        return f"{self.config.base_url}/"

    def path(self, **kwargs: Any) -> str:
        return self.config.records_endpoint

    def get_error_handler(self) -> ErrorHandler:
        return AcefoneErrorHandler("Acefone", self.auth_hint, max_retries=self.max_retries_per_request)

    def get_backoff_strategy(self) -> BackoffStrategy:
        return RetryAfterBackoff(base=BACKOFF_BASE_SECONDS)

    def request_kwargs(self, **kwargs: Any) -> Mapping[str, Any]:
        return {"timeout": request_timeout(REQUEST_TIMEOUT)}

    def start_slice(self, stream_slice: Mapping[str, Any]) -> None:
        self.paging = WindowPaging()

    def window_params(self, window: Window, page: Mapping[str, Any] | None) -> Mapping[str, Any]:
        tz = self.config.sync_range.tz
        params: dict[str, Any] = {
            "from_date": format_local(window.start, tz, ACEFONE_TIME_FORMAT),
            "to_date": format_local(window.last_second, tz, ACEFONE_TIME_FORMAT),
            "page": (page or {}).get("page", 1),
            "limit": self.config.request_limit,
        }
        for name, value in self.config.filter_params:
            if name.endswith("[]"):
                params.setdefault(name, []).append(value)
            else:
                params[name] = value
        return params

    def next_page_token(self, response: requests.Response) -> Mapping[str, Any] | None:
        """Next page unless this one was empty, short, or reached the total (when the page reports one).

        Doc versions (https://docs.acefone.in/reference/call-detail-records-2 and its UK twin) disagree on
        whether `count` is the total or this page's size: a total larger than the page can only be the
        total, otherwise the page's fullness decides.
        """
        body = json_body(response)
        results = page_records(body) or []
        if not results:
            return None
        page = page_number(body) or self.paging.requested_page
        total = page_total(body)
        if total is not None and total > len(results):
            return {"page": page + 1} if self.paging.provided < total else None
        expected = page_limit(body, self.config.request_limit)
        return {"page": page + 1} if len(results) >= expected else None

    def records_in(
        self, response: requests.Response, stream_slice: Mapping[str, Any]
    ) -> Iterable[Mapping[str, Any] | AirbyteMessage]:
        body = json_body(response)
        # Which page this answers, read back from its request (`next_page_token` numbers the next one).
        self.paging.requested_page = requested_page(response)
        total = page_total(body)
        results = page_records(body) or []
        if self.paging.requested_page == 1 and total is not None and total > len(results):
            self.expect_in_slice(total)  # `count` can only be the window's total here (see next_page_token)
        self.paging.provided += len(results)
        for record in results:
            key = str(record_id(record))
            if key in self.paging.seen:
                continue  # a call inserted during the sync shifted the pages; this one was already emitted
            self.paging.seen.add(key)
            yield self.with_derived_fields(record)

    def with_derived_fields(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The record as Acefone sent it (`id` as text, multi-typed fields brought to one type: `typed_fields.py`)
        plus `started_at` and `ended_at` in UTC."""
        tz = self.config.sync_range.tz
        out = dict(record)
        typed(out)
        if "id" in out:
            out["id"] = record_id(record)
        out["started_at"] = self._utc_or_none(call_start_text(record), tz)
        out["ended_at"] = self._utc_or_none(call_end_text(record), tz)
        return out

    def _utc_or_none(self, text: Any, tz: pendulum.Timezone) -> str | None:
        if not text:
            return None
        text = str(text)
        try:
            return local_iso_utc(text, ACEFONE_TIME_FORMAT, tz)
        except ValueError:
            if text.strip() in ("", "None None"):
                return None
            self.logger.warning(
                f"call_records: unreadable timestamp '{text}' left without a derived UTC value."
            )
            return None

    def probe(self) -> None:
        """One minimal request (a page of one record for the last day) that proves the credentials."""
        now = pendulum.now("UTC")
        tz = self.config.sync_range.tz
        self.send(
            "GET",
            self.path(),
            request_kwargs=self.request_kwargs(),
            params={
                "from_date": format_local(now.subtract(days=1), tz, ACEFONE_TIME_FORMAT),
                "to_date": format_local(now, tz, ACEFONE_TIME_FORMAT),
                "page": 1,
                "limit": 1,
            },
        )


def call_records_cursor(stream_name: str, config: AcefoneConfig) -> WindowedCursor:
    """The windows and state of a stream of Acefone calls: cursor `started_at`, `window_days` windows,
    settled up to now. `call_records` and `calls` share it (each keeps its own state)."""
    return WindowedCursor(stream_name, "started_at", config.sync_range, ACEFONE_HORIZON)


def calls_cursor(config: AcefoneConfig) -> WindowedCursor:
    return call_records_cursor("calls", config)


def requested_window(response: requests.Response) -> str:
    """The window (and page) a response answers, as the request asked for it."""
    query = parse_qs(urlsplit(response.request.url or "").query)
    first, last = (query.get(name, ["?"])[0] for name in ("from_date", "to_date"))
    return f"the window {first} to {last} (page {requested_page(response)})"


def requested_page(response: requests.Response) -> int:
    """The `page` query parameter the response answers."""
    values = parse_qs(urlsplit(response.request.url or "").query).get("page")
    return as_int(values[0]) or 1 if values else 1
