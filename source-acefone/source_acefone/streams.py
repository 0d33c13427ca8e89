"""Acefone streams: `call_records` from `GET /v1/call/records`, windowed by call start time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pendulum
import requests
from airbyte_cdk.models import AirbyteMessage
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy, ErrorHandler
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution

from cdr_shared.dates import format_local, iso_utc, parse_local
from cdr_shared.horizon import LagHorizon
from cdr_shared.http_errors import (
    ProviderErrorHandler,
    RetryAfterBackoff,
    json_body,
    provider_message,
    unexpected,
)
from cdr_shared.windowed_state import WindowedCursor
from cdr_shared.windowed_stream import WindowedHttpStream, estimate_message, window_of
from source_acefone.config import AcefoneConfig

ACEFONE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# A call's record is published once the call has ended; calls still in progress show up in the next
# sync's lookback, so the horizon is simply "now".
ACEFONE_HORIZON = LagHorizon(pendulum.duration(seconds=0))
BACKOFF_BASE_SECONDS = 2.0


class AcefoneErrorHandler(ProviderErrorHandler):
    """Acefone answers JSON pages; anything else with HTTP 200 (an HTML page, a cut-off body) is retried."""

    def interpret_success_body(self, response: requests.Response) -> ErrorResolution:
        resolution = super().interpret_success_body(response)
        if resolution.response_action.name != "SUCCESS":
            return resolution
        body = json_body(response)
        if not isinstance(body, Mapping) or not isinstance(body.get("results"), list):
            return unexpected(
                f"Acefone answered with JSON that is not a call-records page: '{provider_message(response)}'."
            )
        return resolution


class CallRecords(WindowedHttpStream):
    """Every call detail record, incremental on `started_at` (UTC, derived from `date` + `time`)."""

    primary_key = "id"

    def __init__(self, config: AcefoneConfig, auth_hint: str, max_retries: int = 8, **kwargs: Any) -> None:
        self.config = config
        self.auth_hint = auth_hint
        self.max_retries_per_request = max_retries
        self._seen_in_window: set[str] = set()
        self._provided_in_window = 0
        self._requested_page = 1
        cursor = WindowedCursor("call_records", "started_at", config.sync_range, ACEFONE_HORIZON)
        super().__init__(cursor, **kwargs)

    @property
    def url_base(self) -> str:
        return f"{self.config.base_url}/v1/"

    def path(self, **kwargs: Any) -> str:
        return "call/records"

    def get_error_handler(self) -> ErrorHandler:
        return AcefoneErrorHandler("Acefone", self.auth_hint, max_retries=self.max_retries_per_request)

    def get_backoff_strategy(self) -> BackoffStrategy:
        return RetryAfterBackoff(base=BACKOFF_BASE_SECONDS)

    def request_params(
        self,
        stream_state: Mapping[str, Any] | None,
        stream_slice: Mapping[str, Any] | None = None,
        next_page_token: Mapping[str, Any] | None = None,
    ) -> MutableMapping[str, Any]:
        window = window_of(stream_slice)
        tz = self.config.sync_range.tz
        params: dict[str, Any] = {
            "from_date": format_local(window.start, tz, ACEFONE_TIME_FORMAT),
            "to_date": format_local(window.last_second, tz, ACEFONE_TIME_FORMAT),
            "page": (next_page_token or {}).get("page", 1),
            "limit": self.config.page_size,
        }
        for name, value in self.config.filter_params:
            if name.endswith("[]"):
                params.setdefault(name, []).append(value)
            else:
                params[name] = value
        return params

    def next_page_token(self, response: requests.Response) -> Mapping[str, Any] | None:
        """Next page unless this one was empty, short, or reached `count` (when `count` is the total).

        Doc versions disagree on whether `count` is the total or this page's size: a `count` larger than
        the page can only be the total, otherwise the page's fullness decides.
        """
        body = json_body(response)
        results = body.get("results") or []
        if not results:
            return None
        page = _as_int(body.get("page")) or self._requested_page
        count = _as_int(body.get("count"))
        if count is not None and count > len(results):
            return {"page": page + 1} if self._provided_in_window < count else None
        expected = min(self.config.page_size, _as_int(body.get("limit")) or self.config.page_size)
        return {"page": page + 1} if len(results) >= expected else None

    def parse_response(
        self,
        response: requests.Response,
        *,
        stream_state: Mapping[str, Any],
        stream_slice: Mapping[str, Any] | None = None,
        next_page_token: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any] | AirbyteMessage]:
        body = json_body(response)
        # The CDK does not pass the page token to parse_response: read the page back from the request.
        self._requested_page = requested_page(response)
        if self._requested_page == 1:
            self._seen_in_window = set()
            self._provided_in_window = 0
        count = _as_int(body.get("count"))
        results = body.get("results") or []
        if self._requested_page == 1 and count is not None and count > len(results):
            yield estimate_message(self.name, self.records_read + count)
        self._provided_in_window += len(results)
        for record in results:
            record_id = str(record.get("id"))
            if record_id in self._seen_in_window:
                continue  # a call inserted during the sync shifted the pages; this one was already emitted
            self._seen_in_window.add(record_id)
            yield self.with_derived_fields(record)

    def with_derived_fields(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The record as Acefone sent it plus `started_at` and `ended_at` in UTC."""
        tz = self.config.sync_range.tz
        out = dict(record)
        out["started_at"] = _utc_or_none(f"{record.get('date')} {record.get('time')}", tz, self.logger)
        out["ended_at"] = _utc_or_none(record.get("end_stamp"), tz, self.logger)
        return out

    def probe(self) -> None:
        """One minimal request (a page of one record for the last day) that proves the credentials."""
        now = pendulum.now("UTC")
        tz = self.config.sync_range.tz
        self._http_client.send_request(
            "GET",
            f"{self.url_base}{self.path()}",
            request_kwargs={},
            params={
                "from_date": format_local(now.subtract(days=1), tz, ACEFONE_TIME_FORMAT),
                "to_date": format_local(now, tz, ACEFONE_TIME_FORMAT),
                "page": 1,
                "limit": 1,
            },
        )


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def requested_page(response: requests.Response) -> int:
    """The `page` query parameter the response answers."""
    values = parse_qs(urlsplit(response.request.url or "").query).get("page")
    return _as_int(values[0]) or 1 if values else 1


def _utc_or_none(text: Any, tz: pendulum.Timezone, logger: Any) -> str | None:
    if not text or str(text).strip() in ("", "None None"):
        return None
    try:
        return iso_utc(parse_local(str(text), ACEFONE_TIME_FORMAT, tz))
    except ValueError:
        logger.warning(f"call_records: unreadable timestamp '{text}' left without a derived UTC value.")
        return None
