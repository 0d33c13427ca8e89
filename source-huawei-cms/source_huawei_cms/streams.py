"""CC-CMS streams: `call_list` (the VDN call list, both directions) and `call_details` (one detail record
per call), and what every CC-CMS stream shares (`CmsStream`); the unified `calls` stream maps
`call_details` (see `calls.py`); `missed_calls.py` and `call_traces.py` hold the other two.

| stream | provider API | sync | cursor | window |
|---|---|---|---|---|
| `call_list` | `POST querycalls` (V2), paged by `offset`, per direction | incremental, full refresh | `begin_at` | `window_minutes`, since 00:00 yesterday |
| `call_details` | `POST querycalldetailbyid`, one per call of `call_list` (its parent) | incremental, full refresh | `begin_at` | as `call_list` |
| `missed_calls` | `POST queryMissedCalls`, paged by `offset` (5,000 a page) | incremental, full refresh | `begin_at` | `window_minutes`, since 00:00 yesterday |
| `call_traces` | `POST querycalltracedetail`, one per call of `call_list` (its parent) | incremental, full refresh | `begin_at` | as `call_list` |

All are incremental on `begin_at`, the call's first instant in UTC, derived from the call list's epoch
milliseconds (`missed_calls`: from its own `waitBegin`). Windows of `window_minutes` run from the saved state (minus the lookback) to the settled
horizon; CC-CMS keeps one day (https://support.huaweicloud.com/intl/en-us/api-cec/cec_07_0607.html), so what lies before 00:00 yesterday (tenant zone) is skipped with a
warning naming the lost period. Every window is read for inbound and then outbound calls
(`isCallIn`), and state is saved once both are complete.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pendulum
import requests
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy, ErrorHandler

from cdr_shared.dates import epoch_millis_to_utc, iso_utc, local_iso_utc
from cdr_shared.horizon import LagHorizon
from cdr_shared.http_errors import RetryAfterBackoff, in_check, json_body
from cdr_shared.retention import RetentionCursor
from cdr_shared.secrets import drop_secret_keys
from cdr_shared.windowed_stream import WindowedDetailStream, WindowedHttpStream, window_of
from cdr_shared.windows import Window
from source_huawei_cms.answers import CALL_DETAIL_PATH, QUERY_CALLS_PATH, call_page, detail_object
from source_huawei_cms.config import CmsConfig
from source_huawei_cms.field_types import (
    CALL_DETAIL_INTEGERS,
    CALL_DETAIL_TEXTS,
    CALL_LIST_INTEGERS,
    CALL_LIST_TEXTS,
    typed,
)
from source_huawei_cms.labels import as_code, call_type_label, release_cause_label
from source_huawei_cms.result_codes import CmsErrorHandler

PAGE_LIMIT = 100  # the documented maximum of `limit`
# A server that ignores `offset` is read by halving periods; below one second a period is not split further.
MIN_SPLIT_MILLIS = 1000
CONTENT_TYPE = "application/json;charset=UTF-8"
DETAIL_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
REQUEST_TIMEOUT_SECONDS = 120
# `check` makes at most three attempts within a minute (`check_budget`): each may wait this long.
CHECK_REQUEST_TIMEOUT_SECONDS = 15
# CC-CMS stores a call when it ends; a window is settled once its calls have had time to end. Longer
# calls are picked up by the lookback of the next sync.
CMS_HORIZON = LagHorizon(pendulum.duration(minutes=10))
BACKOFF_BASE_SECONDS = 2.0
DIRECTIONS = ({"direction": "inbound"}, {"direction": "outbound"})
CURSOR_FIELD = "begin_at"
# The call list's instants in the order a call passes them; the first one present is its beginning.
BEGIN_FIELDS = ("waitBegin", "ackBegin", "callBegin")


def trimmed_keys(record: Mapping[str, Any]) -> dict[str, Any]:
    """`record` with surrounding spaces removed from its keys, and without secret-looking string fields.

    The response example of "Querying CDRs of a Specified Call ID" has `"agentId "`
    (https://support.huaweicloud.com/intl/en-us/api-cec/cec_07_2579.html). No documented field is
    secret-looking, but a customised deployment may add one (`agentPassword`, `sessionToken`...): it is
    dropped (`cdr_shared.secrets.drop_secret_keys`), never synced.
    """
    return drop_secret_keys({str(key).strip(): value for key, value in record.items()})


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


def iso_or_none(instant: pendulum.DateTime | None) -> str | None:
    """`instant` as UTC ISO 8601, None stays None."""
    return iso_utc(instant) if instant is not None else None


def is_inbound(stream_slice: Mapping[str, Any]) -> bool:
    return stream_slice["direction"] == "inbound"


class CmsStream(WindowedHttpStream):
    """What both CC-CMS streams share: signed JSON POSTs, TLS trust, errors, retention, windows x directions."""

    http_method = "POST"
    primary_key = [["callId"], ["direction"]]
    state_cursor = CURSOR_FIELD
    """The record field the stream's state follows."""

    def __init__(self, config: CmsConfig, **kwargs: Any) -> None:
        self.config = config
        self._reported_lost: set[tuple[str, str]] = set()
        cursor = RetentionCursor(
            self.name,
            self.state_cursor,
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
        return CmsErrorHandler(self.config.cc_id, self.config.vdn, self.config.signed_host)

    def get_backoff_strategy(self) -> BackoffStrategy:
        return RetryAfterBackoff(base=BACKOFF_BASE_SECONDS)

    def partitions(self) -> list[dict[str, Any]]:
        return [dict(direction) for direction in DIRECTIONS]

    def request_headers(self, **kwargs: Any) -> Mapping[str, Any]:
        return {"Content-Type": CONTENT_TYPE}

    def request_kwargs(self, **kwargs: Any) -> Mapping[str, Any]:
        # `verify` per request: a session-level value would lose to REQUESTS_CA_BUNDLE in the environment.
        trust = {"verify": self.config.ca_bundle} if self.config.ca_bundle else {}
        timeout = CHECK_REQUEST_TIMEOUT_SECONDS if in_check() else REQUEST_TIMEOUT_SECONDS
        return {"timeout": timeout, **trust}

    def post(self, body: Mapping[str, Any]) -> requests.Response:
        """One signed request to this stream's interface, through the CDK's retries and error handler."""
        return self.send(
            self.http_method,
            self.path(),
            json=body,
            headers=self.request_headers(),
            request_kwargs=self.request_kwargs(),
        )

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


class CallList(CmsStream):
    """Every call of the VDN, inbound and outbound, as `querycalls` lists it, plus derived fields.

    Paging ("Querying Call Information in a Specified VDN (V2)",
    https://support.huaweicloud.com/intl/en-us/api-cec/cec_07_0607.html): `offset` advances by the calls
    received until `count` is reached, or, without `count`, until a page comes back empty. A page that
    brings no call not already read at that offset means the server ignores `offset`: from then on every
    window is read by halving it until each part fits one page (see `read_by_splitting`), so paging can
    never loop and nothing the server can give is lost.
    """

    name = "call_list"

    def __init__(self, config: CmsConfig, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        self.offset_ignored = False
        """Learned during the sync: this server answers every `offset` with the first page."""
        self._largest_page = 0

    def path(self, **kwargs: Any) -> str:
        return QUERY_CALLS_PATH

    def query_body(
        self, window: Window, inbound: bool, offset: int, limit: int = PAGE_LIMIT
    ) -> dict[str, Any]:
        """`querycalls` for `[start, end)`: both dates are inclusive epoch milliseconds."""
        return {
            "ccId": self.config.cc_id,
            "vdn": self.config.vdn,
            "isCallIn": "true" if inbound else "false",
            "beginDate": _millis(window.start),
            "endDate": _millis(window.end) - 1,
            "limit": limit,
            "offset": offset,
        }

    def with_derived_fields(self, raw: Mapping[str, Any], direction: str) -> dict[str, Any]:
        """The call as CC-CMS listed it (keys trimmed), plus direction, UTC instants and code labels."""
        record = typed(trimmed_keys(raw), CALL_LIST_INTEGERS, CALL_LIST_TEXTS)
        record["direction"] = direction
        record[CURSOR_FIELD] = iso_or_none(call_begin(record))
        record["end_at"] = iso_or_none(epoch_millis(record.get("callEnd")))
        record["logged_at"] = iso_or_none(epoch_millis(record.get("logDate")))
        record["call_type_label"] = call_type_label(record.get("callType"))
        record["release_cause_label"] = release_cause_label(record.get("releaseCause"))
        return record

    def read_slice(self, stream_slice: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
        """Every call of one window (the part CC-CMS still holds) and direction, each once: by `offset`,
        or by halving periods once the server is known to ignore it."""
        window = window_of(stream_slice)
        page_reader = _PageReader(self, is_inbound(stream_slice), stream_slice["direction"])
        if not self.offset_ignored:
            yield from page_reader.read_by_offset(window)
        if self.offset_ignored and not page_reader.complete:
            yield from page_reader.read_by_splitting(window)

    def fetch_page(self, window: Window, inbound: bool, offset: int) -> tuple[list[Any], int | None]:
        """One `querycalls` page; the error handler has made sure the answer has a `data` list."""
        response = self.post(self.query_body(window, inbound, offset))
        data, count = call_page(json_body(response)) or ([], None)
        self._largest_page = max(self._largest_page, len(data))
        return data, count

    def fits_one_page(self, page: list[Any], count: int | None) -> bool:
        """Whether an answer from a server that ignores `offset` holds every call of its period.

        With `count`, exactly when it says so. Without, when the page is shorter than the fullest page this
        server has sent (a server may cap pages below `limit`); over-cautious answers only cost a split.
        """
        if not page:
            return True
        if count is not None:
            return count <= len(page)
        return len(page) < min(PAGE_LIMIT, self._largest_page)

    def report_offset_ignored(self, window: Window, direction: str, offset: int) -> None:
        self.logger.warning(
            f"{self.name}: CC-CMS ignores 'offset': the {direction} page at offset {offset} for "
            f"{iso_utc(window.start)} to {iso_utc(window.end)} held only calls already read. Every window is now "
            f"read in halves, quarters... until each part fits one page of {PAGE_LIMIT} calls, so nothing is lost "
            "but more requests are made; a smaller 'window_minutes' lowers that cost."
        )

    def report_unreadable(self, window: Window, direction: str, page: list[Any], count: int | None) -> None:
        total = f"{count} calls" if count is not None else "more calls than one page"
        self.logger.warning(
            f"{self.name}: DATA MAY BE MISSING. CC-CMS ignores 'offset' and holds {total} ({direction}) in the "
            f"single second from {iso_utc(window.start)} to {iso_utc(window.end)}, but answers only {len(page)}; "
            "the rest of that second cannot be read. Ask the CC-CMS administrator why querycalls ignores "
            "'offset' (see the connector's README, 'Paging')."
        )

    def probe(self) -> None:
        """One request for a single inbound call of the last few minutes: proves URL, TLS, keys and tenant."""
        now = pendulum.now("UTC")
        self.post(self.query_body(Window(now.subtract(minutes=5), now), inbound=True, offset=0, limit=1))


class _PageReader:
    """The calls of one window and direction, page by page, each call once (`seen` spans the window)."""

    def __init__(self, calls: CallList, inbound: bool, direction: str) -> None:
        self.calls = calls
        self.inbound = inbound
        self.direction = direction
        self.seen: set[str] = set()
        self.complete = False

    def fresh(self, page: list[Any]) -> list[dict[str, Any]]:
        """The page's calls not read before in this window, as records (a shifted page repeats some)."""
        records = []
        for raw in page:
            if not isinstance(raw, Mapping):
                continue
            record = self.calls.with_derived_fields(raw, self.direction)
            call_id = str(record.get("callId"))
            if call_id not in self.seen:
                self.seen.add(call_id)
                records.append(record)
        return records

    def read_by_offset(self, window: Window) -> Iterator[dict[str, Any]]:
        """Pages at offset 0, then advancing by the calls received (a server may page shorter than `limit`).

        Ends at `count`, at an empty page, or at a page that repeats the previous one (or a second page in a
        row with nothing new): then the server ignores `offset`, `CallList.offset_ignored` is set and the window
        is left incomplete for `read_by_splitting`, unless that page already held every call of the window.
        """
        offset, previous, stale = 0, None, False
        while True:
            page, count = self.calls.fetch_page(window, self.inbound, offset)
            ids = [str(raw.get("callId")) if isinstance(raw, Mapping) else None for raw in page]
            records = self.fresh(page)
            if offset > 0 and page and not records:
                if ids != previous and not stale:
                    stale = True  # a call stored meanwhile shifted the pages; the offset still moves on
                elif self.calls.fits_one_page(page, count):
                    break
                else:
                    self.calls.offset_ignored = True
                    self.calls.report_offset_ignored(window, self.direction, offset)
                    return
            else:
                stale = False
            yield from records
            offset, previous = offset + len(page), ids
            if not page or (count is not None and offset >= count):
                break
        self.complete = True

    def read_by_splitting(self, window: Window) -> Iterator[dict[str, Any]]:
        """For a server that ignores `offset`: the first page of each period, halving those it does not fit.

        A period of one second or less that still does not fit is reported loudly as possibly incomplete.
        """
        pending = [window]
        while pending:
            period = pending.pop()
            page, count = self.calls.fetch_page(period, self.inbound, 0)
            yield from self.fresh(page)
            if self.calls.fits_one_page(page, count):
                continue
            start, end = _millis(period.start), _millis(period.end)
            if end - start <= MIN_SPLIT_MILLIS:
                self.calls.report_unreadable(period, self.direction, page, count)
                continue
            middle = epoch_millis_to_utc((start + end) // 2)
            pending += [Window(middle, period.end), Window(period.start, middle)]
        self.complete = True


class CallDetails(CmsStream, WindowedDetailStream):
    """One detail record per call of `call_list` (the parent; `querycalldetailbyid`), keys trimmed, codes labelled.

    Each stream keeps its own state, so either can be synced alone; when both are, the calls a window
    lists are replayed from what `call_list` read in this sync instead of being listed again.
    """

    name = "call_details"

    def __init__(self, config: CmsConfig, parent: CallList, **kwargs: Any) -> None:
        # Several lookups in flight at once, paced by the source's request budget.
        super().__init__(config, parent=parent, concurrency=config.call_details_concurrency, **kwargs)

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

    def records_in(
        self, response: requests.Response, stream_slice: Mapping[str, Any]
    ) -> Iterator[dict[str, Any]]:
        """The detail record: `resultDesc`, or `resultDatas` from servers of 8.13 and earlier."""
        detail = detail_object(json_body(response))
        if detail:
            yield trimmed_keys(detail)

    def details_of(
        self, call: Mapping[str, Any], stream_slice: Mapping[str, Any]
    ) -> Iterator[dict[str, Any]]:
        call_id = str(call.get("callId"))
        response = self.post(self.detail_body(call_id, is_inbound(stream_slice)))
        detail = next(iter(self.records_in(response, stream_slice)), None)
        if detail is None:
            self.logger.warning(
                f"{self.name}: CC-CMS returned no detail for {stream_slice['direction']} call {call_id} "
                f"(begun {call.get(CURSOR_FIELD)}); it may have aged out of the one-day retention. Skipped."
            )
            return
        yield self.with_derived_fields(detail, call)

    def with_derived_fields(self, detail: Mapping[str, Any], call: Mapping[str, Any]) -> dict[str, Any]:
        """The detail (typed) plus direction, `begin_at` and `end_at` from the call list, code labels and UTC
        begin/end times."""
        record = typed(dict(detail), CALL_DETAIL_INTEGERS, CALL_DETAIL_TEXTS)
        record["direction"] = call["direction"]
        record[CURSOR_FIELD] = call.get(CURSOR_FIELD)
        record["end_at"] = call.get("end_at")
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
            return local_iso_utc(text, DETAIL_TIME_FORMAT, self.config.sync_range.tz)
        except ValueError:
            self.logger.warning(f"{self.name}: unreadable time '{text}' left without a UTC value.")
            return None


def _millis(instant: pendulum.DateTime) -> int:
    return int(round(instant.timestamp() * 1000))
