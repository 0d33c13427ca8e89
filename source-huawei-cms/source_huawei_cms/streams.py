"""CC-CMS streams: `calls` (the VDN call list, both directions) and `call_details` (one detail record per call).

Both are incremental on `begin_at`, the call's first instant in UTC, derived from the call list's epoch
milliseconds. Windows of `window_minutes` run from the saved state (minus the lookback) to the settled
horizon; CC-CMS keeps one day, so what lies before 00:00 yesterday (tenant zone) is skipped with a
warning naming the lost period. Every window is read for inbound and then outbound calls
(`isCallIn`), and state is saved once both are complete.
"""

from __future__ import annotations

import json
from abc import abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import pendulum
import requests
from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.streams.http import HttpStream
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy, ErrorHandler
from airbyte_cdk.sources.utils.casing import camel_to_snake

from cdr_shared.dates import epoch_millis_to_utc, iso_utc, parse_local
from cdr_shared.horizon import LagHorizon
from cdr_shared.http_errors import RetryAfterBackoff, json_body
from cdr_shared.retention import RetentionCursor
from cdr_shared.windowed_stream import WindowedHttpStream, window_of
from cdr_shared.windows import Window
from source_huawei_cms.config import CmsConfig
from source_huawei_cms.labels import as_code, call_type_label, release_cause_label
from source_huawei_cms.result_codes import CmsErrorHandler

QUERY_CALLS_PATH = "rest/cmsapp/v2/openapi/vdn/querycalls"
CALL_DETAIL_PATH = "rest/cmsapp/v1/openapi/calldata/querycalldetailbyid"
PAGE_LIMIT = 100  # the documented maximum of `limit`
CONTENT_TYPE = "application/json;charset=UTF-8"
DETAIL_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
REQUEST_TIMEOUT_SECONDS = 120
# CC-CMS stores a call when it ends; a window is settled once its calls have had time to end. Longer
# calls are picked up by the lookback of the next sync.
CMS_HORIZON = LagHorizon(pendulum.duration(minutes=10))
BACKOFF_BASE_SECONDS = 2.0
DIRECTIONS = ({"direction": "inbound"}, {"direction": "outbound"})
CURSOR_FIELD = "begin_at"
# The call list's instants in the order a call passes them; the first one present is its beginning.
BEGIN_FIELDS = ("waitBegin", "ackBegin", "callBegin")


def trimmed_keys(record: Mapping[str, Any]) -> dict[str, Any]:
    """`record` with surrounding spaces removed from its keys (the seed's sample has `"agentId "`)."""
    return {str(key).strip(): value for key, value in record.items()}


def epoch_millis(value: Any) -> pendulum.DateTime | None:
    """A positive epoch-milliseconds value (number or digit string) as UTC; None for 0, empty or junk."""
    code = as_code(value)
    if code is None or code <= 0:
        return None
    return epoch_millis_to_utc(code)


def call_begin(call: Mapping[str, Any]) -> pendulum.DateTime | None:
    """When the call began: its first instant in the call list, else when it was logged."""
    instants = [epoch_millis(call.get(name)) for name in BEGIN_FIELDS]
    present = [instant for instant in instants if instant is not None]
    return min(present) if present else epoch_millis(call.get("logDate"))


def _iso_or_none(instant: pendulum.DateTime | None) -> str | None:
    return iso_utc(instant) if instant is not None else None


def is_inbound(stream_slice: Mapping[str, Any]) -> bool:
    return stream_slice["direction"] == "inbound"


class CmsStream(WindowedHttpStream):
    """What both CC-CMS streams share: signed JSON POSTs, TLS trust, errors, retention, windows x directions."""

    http_method = "POST"
    primary_key = [["callId"], ["direction"]]

    def __init__(self, config: CmsConfig, **kwargs: Any) -> None:
        self.config = config
        self._reported_lost: set[tuple[str, str]] = set()
        cursor = RetentionCursor(
            camel_to_snake(type(self).__name__),  # the name HttpStream gives the stream
            CURSOR_FIELD,
            config.sync_range,
            CMS_HORIZON,
            retention=config.retention,
            on_expired=self.report_lost,
        )
        super().__init__(cursor, **kwargs)

    @property
    def url_base(self) -> str:
        return f"{self.config.base_url}/"

    def get_error_handler(self) -> ErrorHandler:
        return CmsErrorHandler(self.config.cc_id, self.config.vdn)

    def get_backoff_strategy(self) -> BackoffStrategy:
        return RetryAfterBackoff(base=BACKOFF_BASE_SECONDS)

    def partitions(self) -> list[dict[str, Any]]:
        return [dict(direction) for direction in DIRECTIONS]

    def request_headers(self, **kwargs: Any) -> Mapping[str, Any]:
        return {"Content-Type": CONTENT_TYPE}

    def request_kwargs(self, **kwargs: Any) -> Mapping[str, Any]:
        # `verify` per request: a session-level value would lose to REQUESTS_CA_BUNDLE in the environment.
        trust = {"verify": self.config.ca_bundle} if self.config.ca_bundle else {}
        return {"timeout": REQUEST_TIMEOUT_SECONDS, **trust}

    def report_lost(self, window: Window) -> None:
        """Say once per period that CC-CMS no longer holds it, so nobody mistakes the gap for a quiet day."""
        key = (iso_utc(window.start), iso_utc(window.end))
        if key in self._reported_lost:
            return
        self._reported_lost.add(key)
        self.logger.warning(
            f"{self.name}: CC-CMS keeps call data only since 00:00 yesterday ({self.config.sync_range.tz.name}); "
            f"the calls from {key[0]} to {key[1]} can no longer be fetched and are skipped. "
            "Sync at least daily to avoid such gaps."
        )

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any]]:
        count = 0
        for record in self.records_of(stream_slice or {}):
            count += 1
            yield record
        self.records_read += count
        self.finish_slice(stream_slice or {}, count)

    @abstractmethod
    def records_of(self, stream_slice: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
        """The records of one window and direction."""


class Calls(CmsStream):
    """Every call of the VDN, inbound and outbound, as `querycalls` lists it, plus derived fields."""

    def __init__(self, config: CmsConfig, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        self._held: Window | None = None
        self._seen: set[str] = set()

    def path(self, **kwargs: Any) -> str:
        return QUERY_CALLS_PATH

    def request_body_json(
        self,
        stream_state: Mapping[str, Any] | None,
        stream_slice: Mapping[str, Any] | None = None,
        next_page_token: Mapping[str, Any] | None = None,
    ) -> Mapping[str, Any]:
        window = self._held or window_of(stream_slice or {})
        return self.query_body(
            window, is_inbound(stream_slice or {}), (next_page_token or {}).get("offset", 0)
        )

    def query_body(
        self, window: Window, inbound: bool, offset: int, limit: int = PAGE_LIMIT
    ) -> dict[str, Any]:
        """`querycalls` for `[start, end)`: both dates are inclusive epoch milliseconds."""
        return {
            "ccId": self.config.cc_id,
            "vdn": self.config.vdn,
            "isCallIn": "true" if inbound else "false",
            "beginDate": int(window.start.timestamp() * 1000),
            "endDate": int(window.end.timestamp() * 1000) - 1,
            "limit": limit,
            "offset": offset,
        }

    def next_page_token(self, response: requests.Response) -> Mapping[str, Any] | None:
        """Next `offset` = this one plus the calls received, until `count` is reached or a page is empty.

        Advancing by what arrived (rather than by `limit`) loses nothing if a server pages shorter.
        """
        data, count = _call_page(json_body(response))
        if not data:
            return None
        offset = _requested_offset(response) + len(data)
        return {"offset": offset} if count is None or offset < count else None

    def parse_response(
        self,
        response: requests.Response,
        *,
        stream_state: Mapping[str, Any],
        stream_slice: Mapping[str, Any] | None = None,
        next_page_token: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any]]:
        data, _ = _call_page(json_body(response))
        direction = (stream_slice or {}).get("direction", "inbound")
        for raw in data:
            if not isinstance(raw, Mapping):
                continue
            record = self.with_derived_fields(raw, direction)
            call_id = str(record.get("callId"))
            if call_id in self._seen:
                continue  # a call stored during the sync shifted the pages; this one was already emitted
            self._seen.add(call_id)
            yield record

    def with_derived_fields(self, raw: Mapping[str, Any], direction: str) -> dict[str, Any]:
        """The call as CC-CMS listed it (keys trimmed), plus direction, UTC instants and code labels."""
        record = trimmed_keys(raw)
        record["direction"] = direction
        record[CURSOR_FIELD] = _iso_or_none(call_begin(record))
        record["end_at"] = _iso_or_none(epoch_millis(record.get("callEnd")))
        record["logged_at"] = _iso_or_none(epoch_millis(record.get("logDate")))
        record["call_type_label"] = call_type_label(record.get("callType"))
        record["release_cause_label"] = release_cause_label(record.get("releaseCause"))
        return record

    def calls_in(self, stream_slice: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
        """Every call of one window and direction that CC-CMS still holds, page by page.

        The part of the window that aged out since the sync was planned is reported and skipped.
        """
        cursor = self.windowed_cursor
        assert isinstance(cursor, RetentionCursor)
        held = cursor.held_part(window_of(stream_slice))
        if held is None:
            return
        self._held, self._seen = held, set()
        try:
            for item in HttpStream.read_records(self, SyncMode.full_refresh, stream_slice=stream_slice):
                if isinstance(item, Mapping):
                    yield item
        finally:
            self._held = None

    def records_of(self, stream_slice: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
        return self.calls_in(stream_slice)

    def probe(self) -> None:
        """One request for a single inbound call of the last few minutes: proves URL, TLS, keys and tenant."""
        now = pendulum.now("UTC")
        self._http_client.send_request(
            self.http_method,
            f"{self.url_base}{self.path()}",
            request_kwargs=self.request_kwargs(),
            headers=self.request_headers(),
            json=self.query_body(Window(now.subtract(minutes=5), now), inbound=True, offset=0, limit=1),
        )


class CallDetails(CmsStream):
    """One detail record per call of `calls` (`querycalldetailbyid`), keys trimmed, codes labelled.

    The calls of each window are listed again here (so each stream keeps its own state and either can
    be synced alone); the detail requests follow the list page by page, nothing is held in memory.
    """

    def __init__(self, config: CmsConfig, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        self.calls = Calls(config, **kwargs)
        self.calls.windowed_cursor.on_expired = self.report_lost  # type: ignore[attr-defined]

    def path(self, **kwargs: Any) -> str:
        return CALL_DETAIL_PATH

    def detail_body(self, call_id: str, inbound: bool) -> dict[str, Any]:
        return {
            "queryParam": {
                "ccId": self.config.cc_id,
                "isCallin": "true" if inbound else "false",
                "callId": call_id,
            }
        }

    def next_page_token(self, response: requests.Response) -> Mapping[str, Any] | None:
        return None

    def parse_response(
        self,
        response: requests.Response,
        *,
        stream_state: Mapping[str, Any],
        stream_slice: Mapping[str, Any] | None = None,
        next_page_token: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any]]:
        """The detail record: `resultDesc`, or `resultDatas` from servers of 8.13 and earlier."""
        body = json_body(response)
        for name in ("resultDesc", "resultDatas"):
            detail = body.get(name)
            if isinstance(detail, Mapping) and detail:
                yield trimmed_keys(detail)
                return

    def records_of(self, stream_slice: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
        inbound = is_inbound(stream_slice)
        for call in self.calls.calls_in(stream_slice):
            call_id = str(call.get("callId"))
            detail = self.fetch_detail(call_id, inbound)
            if detail is None:
                self.logger.warning(
                    f"{self.name}: CC-CMS returned no detail for {stream_slice['direction']} call {call_id} "
                    f"(begun {call.get(CURSOR_FIELD)}); it may have aged out of the one-day retention. Skipped."
                )
                continue
            yield self.with_derived_fields(detail, call)

    def fetch_detail(self, call_id: str, inbound: bool) -> dict[str, Any] | None:
        _, response = self._http_client.send_request(
            self.http_method,
            f"{self.url_base}{self.path()}",
            request_kwargs=self.request_kwargs(),
            headers=self.request_headers(),
            json=self.detail_body(call_id, inbound),
        )
        return next(iter(self.parse_response(response, stream_state={})), None)  # type: ignore[arg-type]

    def with_derived_fields(self, detail: Mapping[str, Any], call: Mapping[str, Any]) -> dict[str, Any]:
        """The detail plus direction, `begin_at` from the call list, code labels and UTC begin/end times."""
        record = dict(detail)
        record["direction"] = call["direction"]
        record[CURSOR_FIELD] = call.get(CURSOR_FIELD)
        record["call_type_label"] = call_type_label(record.get("callType"))
        record["release_cause_label"] = release_cause_label(record.get("releaseCause"))
        record["begin_time_utc"] = self._local_time_as_utc(record.get("beginTime"))
        record["end_time_utc"] = self._local_time_as_utc(record.get("endTime"))
        return record

    def _local_time_as_utc(self, text: Any) -> str | None:
        """`yyyy-MM-dd HH:mm:ss` in the tenant's zone, as UTC ISO 8601; None when absent or unreadable."""
        if not isinstance(text, str) or not text.strip():
            return None
        try:
            return iso_utc(parse_local(text, DETAIL_TIME_FORMAT, self.config.sync_range.tz))
        except ValueError:
            self.logger.warning(f"{self.name}: unreadable time '{text}' left without a UTC value.")
            return None


def _call_page(body: Any) -> tuple[list[Any], int | None]:
    """`data` and `count` of a `querycalls` answer: inside `resultDesc`, or beside `resultCode`."""
    if not isinstance(body, Mapping):
        return [], None
    holder = body.get("resultDesc") if isinstance(body.get("resultDesc"), Mapping) else body
    data = holder.get("data")
    return (data if isinstance(data, list) else []), as_code(holder.get("count"))


def _requested_offset(response: requests.Response) -> int:
    """The `offset` the answered request asked for (read back from the body that was sent)."""
    try:
        sent = json.loads(response.request.body or b"{}")
    except (TypeError, ValueError):
        return 0
    if not isinstance(sent, Mapping):
        return 0
    return as_code(sent.get("offset")) or 0
