"""The stream template: a list stream and a detail stream declared on it, read as a user would (through
the CDK's read with HttpMocker): requests made, records, state per window, replay, retention, budget."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from types import SimpleNamespace
from typing import Any

import pendulum
import requests
from airbyte_cdk.models import ConnectorSpecification, SyncMode, TraceType
from airbyte_cdk.sources.streams.call_rate import APIBudget
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read
from airbyte_cdk.test.mock_http import HttpMocker, HttpRequest, HttpResponse
from airbyte_cdk.test.state_builder import StateBuilder
from freezegun import freeze_time

from cdr_shared.horizon import LagHorizon
from cdr_shared.http_errors import ProviderErrorHandler
from cdr_shared.retention import DailyRetention, RetentionCursor
from cdr_shared.source import CdrSource
from cdr_shared.sync_range import sync_range_from_config
from cdr_shared.windowed_state import WindowedCursor
from cdr_shared.windowed_stream import STREAMS_IN_SYNC, WindowedDetailStream, WindowedHttpStream, window_of
from cdr_shared.windows import Window

BASE = "https://api.example.test"
NOW = "2024-05-10T12:00:00Z"
CONFIG = {"start_date": "2024-05-10T00:00:00Z", "end_date": "2024-05-10T12:00:00Z", "window_hours": 6}
MORNING = ("2024-05-10T00:00:00+00:00", "2024-05-10T06:00:00+00:00")
NOON = ("2024-05-10T06:00:00+00:00", "2024-05-10T12:00:00+00:00")


def sync_range(config: Mapping[str, Any]):
    return sync_range_from_config(
        config,
        default_timezone="UTC",
        window_field="window_hours",
        window_unit="hours",
        now=pendulum.parse(NOW),
    )


SCHEMA = {"type": "object", "properties": {"id": {"type": "string"}, "started_at": {"type": "string"}}}


class Calls(WindowedHttpStream):
    """A call list: one request per window and line (the partition), paged by `page`."""

    def get_json_schema(self) -> dict[str, Any]:
        return SCHEMA

    name = "calls"
    primary_key = "id"

    def __init__(
        self, config: Mapping[str, Any], cursor: WindowedCursor | None = None, **kwargs: Any
    ) -> None:
        cursor = cursor or WindowedCursor(
            self.name, "started_at", sync_range(config), LagHorizon(pendulum.duration())
        )
        super().__init__(cursor, **kwargs)

    url_base = f"{BASE}/"

    def path(self, **kwargs: Any) -> str:
        return "calls"

    def get_error_handler(self) -> ProviderErrorHandler:
        return ProviderErrorHandler("Example", "Check 'api_key'.", max_retries=1)

    def partitions(self) -> list[dict[str, Any]]:
        return [{"line": "sales"}, {"line": "support"}]

    def request_params(
        self, stream_slice: Mapping[str, Any] | None = None, next_page_token=None, **kwargs: Any
    ):
        assert stream_slice is not None
        return {
            "from": stream_slice["window_start"],
            "to": stream_slice["window_end"],
            "line": stream_slice["line"],
            "page": (next_page_token or {}).get("page", 1),
        }

    def next_page_token(self, response: requests.Response) -> Mapping[str, Any] | None:
        body = response.json()
        return {"page": body["page"] + 1} if body.get("more") else None

    def records_in(self, response: requests.Response, stream_slice: Mapping[str, Any]) -> Iterator[dict]:
        for call in response.json()["calls"]:
            yield {**call, "line": stream_slice["line"]}


class CallDetails(WindowedDetailStream):
    """One detail request per listed call; a call without detail is skipped and counted."""

    def get_json_schema(self) -> dict[str, Any]:
        return SCHEMA

    name = "call_details"
    primary_key = "id"
    url_base = f"{BASE}/"

    def __init__(self, config: Mapping[str, Any], parent: Calls, **kwargs: Any) -> None:
        cursor = WindowedCursor(self.name, "started_at", sync_range(config), LagHorizon(pendulum.duration()))
        super().__init__(cursor, parent=parent, **kwargs)

    def path(self, **kwargs: Any) -> str:
        return "details"

    def get_error_handler(self) -> ProviderErrorHandler:
        return ProviderErrorHandler("Example", "Check 'api_key'.", max_retries=1)

    def details_of(self, call: Mapping[str, Any], stream_slice: Mapping[str, Any]) -> Iterator[dict]:
        response = self.send("GET", self.path(), params={"id": call["id"]})
        found = list(self.records_in(response, stream_slice))
        if not found:
            self.skip("call(s) without a detail record")
        for detail in found:
            yield {**detail, "started_at": call["started_at"], "line": stream_slice["line"]}

    def records_in(self, response: requests.Response, stream_slice: Mapping[str, Any]) -> Iterator[dict]:
        yield from response.json()["details"]


class ExampleSource(CdrSource):
    def __init__(self, budget: APIBudget | None = None) -> None:
        self.budget = budget

    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        return ConnectorSpecification(connectionSpecification={"type": "object"})

    def probe(self, config: Mapping[str, Any], logger: logging.Logger) -> None:
        """Not used here: these tests read."""

    def streams(self, config: Mapping[str, Any]) -> list:
        calls = Calls(config, api_budget=self.budget)
        return [calls, CallDetails(config, parent=calls, api_budget=self.budget)]


def call(call_id: str, started_at: str) -> dict[str, str]:
    return {"id": call_id, "started_at": started_at}


def list_request(window: tuple[str, str], line: str, page: int = 1) -> HttpRequest:
    return HttpRequest(
        f"{BASE}/calls", query_params={"from": window[0], "to": window[1], "line": line, "page": str(page)}
    )


def list_answer(calls: list[dict], page: int = 1, more: bool = False) -> HttpResponse:
    return HttpResponse(json.dumps({"calls": calls, "page": page, "more": more}))


def detail_request(call_id: str) -> HttpRequest:
    return HttpRequest(f"{BASE}/details", query_params={"id": call_id})


def detail_answer(call_id: str | None) -> HttpResponse:
    return HttpResponse(json.dumps({"details": [{"id": call_id, "agent": "a-1"}] if call_id else []}))


def mock_day(http: HttpMocker, noon_support: HttpResponse | None = None) -> None:
    """Morning: sales has c-1 (page 1) and c-2 (page 2), support none; noon: support has c-3."""
    http.get(list_request(MORNING, "sales"), list_answer([call("c-1", "2024-05-10T01:00:00Z")], more=True))
    http.get(list_request(MORNING, "sales", 2), list_answer([call("c-2", "2024-05-10T05:59:59Z")], page=2))
    http.get(list_request(MORNING, "support"), list_answer([]))
    http.get(list_request(NOON, "sales"), list_answer([]))
    http.get(
        list_request(NOON, "support"), noon_support or list_answer([call("c-3", "2024-05-10T07:00:00Z")])
    )
    http.get(detail_request("c-1"), detail_answer("c-1"))
    http.get(detail_request("c-2"), detail_answer(None))
    http.get(detail_request("c-3"), detail_answer("c-3"))


def sync(
    *streams: str, source: ExampleSource | None = None, state: list | None = None, config: dict = CONFIG
) -> EntrypointOutput:
    catalog = CatalogBuilder()
    for name in streams:
        catalog.with_stream(name, SyncMode.incremental)
    return read(source or ExampleSource(), config, catalog.build(), state)


def states_of(output: EntrypointOutput, stream: str) -> list[dict]:
    return [
        message.state.stream.stream_state.__dict__
        for message in output.state_messages
        if message.state.stream.stream_descriptor.name == stream
    ]


@freeze_time(NOW)
def test_given_both_streams_when_the_child_is_listed_first_then_the_list_is_asked_once_and_replayed():
    with HttpMocker() as http:
        mock_day(http)
        output = sync("call_details", "calls")  # the catalog's order; the parent is read first anyway
    calls = [r.record.data for r in output.records if r.record.stream == "calls"]
    details = [r.record.data for r in output.records if r.record.stream == "call_details"]
    assert [c["id"] for c in calls] == ["c-1", "c-2", "c-3"]
    assert [(d["id"], d["line"]) for d in details] == [("c-1", "sales"), ("c-3", "support")]
    assert output.is_in_logs("replayed from this sync's read")
    assert output.is_in_logs("call_details: skipped 1 call\\(s\\) without a detail record")
    # HttpMocker fails the test on a request made more often than mocked: every list page was asked once.
    assert states_of(output, "calls")[-1] == {"started_at": "2024-05-10T12:00:00+00:00"}
    assert states_of(output, "call_details")[-1] == {"started_at": "2024-05-10T12:00:00+00:00"}


@freeze_time(NOW)
def test_given_only_the_child_then_it_lists_the_parents_windows_itself_and_only_its_own_state_moves():
    with HttpMocker() as http:
        mock_day(http)
        output = sync("call_details")
    assert [r.record.data["id"] for r in output.records] == ["c-1", "c-3"]
    assert states_of(output, "calls") == []
    assert list(dict.fromkeys(state.get("started_at") for state in states_of(output, "call_details"))) == [
        None,  # after the first partition of the morning: the window is not complete yet
        "2024-05-10T06:00:00+00:00",
        "2024-05-10T12:00:00+00:00",
    ]


@freeze_time(NOW)
def test_given_a_state_then_only_windows_after_it_minus_the_lookback_are_read():
    state = StateBuilder().with_stream_state("calls", {"started_at": "2024-05-10T07:00:00+00:00"}).build()
    with HttpMocker() as http:
        http.get(list_request(NOON, "sales"), list_answer([]))
        http.get(list_request(NOON, "support"), list_answer([call("c-3", "2024-05-10T07:00:00Z")]))
        output = sync("calls", state=state, config={**CONFIG, "lookback_window_minutes": 60})
    assert [r.record.data["id"] for r in output.records] == ["c-3"]


@freeze_time(NOW)
def test_given_a_window_cut_off_by_a_fault_then_the_state_stays_at_the_last_complete_window():
    with HttpMocker() as http:
        mock_day(http, noon_support=HttpResponse("{}", 401))
        output = sync("calls")
    assert states_of(output, "calls")[-1] == {"started_at": MORNING[1]}
    assert "refused the credentials (HTTP 401" in output.errors[0].trace.error.message
    assert "Check 'api_key'" in output.errors[0].trace.error.message


def test_a_window_that_ages_out_in_part_during_the_sync_is_read_from_what_the_provider_still_holds():
    lost, clock = [], [pendulum.parse("2024-05-10T23:00:00Z")]
    config = {**CONFIG, "start_date": "2024-05-09T03:00:00Z", "end_date": "2024-05-10T09:00:00Z"}
    cursor = RetentionCursor(
        "calls",
        "started_at",
        sync_range(config),
        LagHorizon(pendulum.duration()),
        clock=lambda: clock[0],
        retention=DailyRetention(pendulum.timezone("UTC")),  # since 00:00 yesterday
        on_expired=lost.append,
    )
    stream = Calls(config, cursor=cursor)
    asked = []
    stream.read_slice = lambda stream_slice: asked.append(window_of(stream_slice)) or iter(())
    slices = list(stream.stream_slices(sync_mode=SyncMode.full_refresh))
    clock[0] = pendulum.parse("2024-05-11T00:30:00Z")  # midnight passed: 9 May is no longer held
    for stream_slice in slices:
        list(stream.read_records(SyncMode.full_refresh, stream_slice=stream_slice))
    assert [(w.start.isoformat(), w.end.isoformat()) for w in asked[::2]] == [
        ("2024-05-10T00:00:00+00:00", "2024-05-10T03:00:00+00:00"),
        ("2024-05-10T03:00:00+00:00", "2024-05-10T09:00:00+00:00"),
    ]
    assert list(dict.fromkeys(w.start.isoformat() for w in lost)) == [
        "2024-05-09T03:00:00+00:00",
        "2024-05-09T09:00:00+00:00",
        "2024-05-09T15:00:00+00:00",
        "2024-05-09T21:00:00+00:00",  # its first three hours; the rest is read
    ]
    assert cursor.to_state() == {"started_at": "2024-05-10T09:00:00+00:00"}


class CountingBudget(APIBudget):
    def __init__(self) -> None:
        super().__init__(policies=[])
        self.acquired: list[str] = []

    def acquire_call(self, request: Any, block: bool = True, timeout: float | None = None) -> None:
        self.acquired.append(request.url.split("?")[0])


@freeze_time(NOW)
def test_every_request_list_pages_and_detail_lookups_alike_passes_the_budget():
    budget = CountingBudget()
    with HttpMocker() as http:
        mock_day(http)
        sync("calls", "call_details", source=ExampleSource(budget))
    assert budget.acquired.count(f"{BASE}/calls") == 5
    assert budget.acquired.count(f"{BASE}/details") == 3


class RecordingSource(ExampleSource):
    """Remembers the streams it built, to look at what the parent kept."""

    def streams(self, config: Mapping[str, Any]) -> list:
        self.built = super().streams(config)
        return self.built


@freeze_time(NOW)
def test_given_only_the_parent_then_it_keeps_no_records_for_a_child_that_is_not_read():
    source = RecordingSource()
    with HttpMocker() as http:
        mock_day(http)
        output = sync("calls", source=source)
    assert [r.record.data["id"] for r in output.records] == ["c-1", "c-2", "c-3"]
    calls = next(stream for stream in source.built if stream.name == "calls")
    assert calls.spool is None


@freeze_time(NOW)
def test_given_both_streams_then_the_parent_keeps_its_records_for_the_child():
    source = RecordingSource()
    with HttpMocker() as http:
        mock_day(http)
        sync("calls", "call_details", source=source)
    calls = next(stream for stream in source.built if stream.name == "calls")
    morning = Window(pendulum.parse(MORNING[0]), pendulum.parse(MORNING[1]))
    assert calls.spool is not None and calls.spool.covers(morning, (("line", "sales"),))


def test_a_parent_keeps_its_records_for_a_grandchild_read_through_a_child_not_selected():
    """Huawei: `calls` reads `call_list` through `call_details`; with `call_list` and `calls` selected, the list
    must be kept for replay though `call_details` itself is not read."""
    reads = WindowedHttpStream._a_child_reads_this_sync
    calls = SimpleNamespace(name="calls", children=[])
    details = SimpleNamespace(name="call_details", children=[calls])
    call_list = SimpleNamespace(name="call_list", children=[details])
    for stream in (calls, details, call_list):
        stream._a_child_reads_this_sync = reads.__get__(stream)
    for selected, kept in [({"call_list", "calls"}, True), ({"call_list"}, False), ({"call_details"}, True)]:
        token = STREAMS_IN_SYNC.set(frozenset(selected))
        try:
            assert call_list._a_child_reads_this_sync() is kept, selected
        finally:
            STREAMS_IN_SYNC.reset(token)


def estimates_of(output: EntrypointOutput, stream: str) -> list[int]:
    return [
        message.trace.estimate.row_estimate
        for message in output.trace_messages
        if message.trace.type == TraceType.ESTIMATE and message.trace.estimate.name == stream
    ]


@freeze_time(NOW)
def test_after_every_slice_an_estimate_scales_the_records_so_far_to_the_slices_planned():
    with HttpMocker() as http:
        mock_day(http)
        output = sync("calls")
    # 2 windows x 2 lines = 4 slices: 2 records after the first (8 expected), none in the next two, the
    # last one's record makes 3, and the last estimate is exactly what was read.
    assert estimates_of(output, "calls") == [8, 4, 3, 3]
    assert output.is_in_logs(
        "calls: window 1 of 2 \\[2024-05-10T00:00:00\\+00:00, 2024-05-10T06:00:00\\+00:00\\) \\{'line': 'sales'\\} "
        "read: 2 record\\(s\\), 2 so far, 2 request\\(s\\) so far."
    )
    assert output.is_in_logs(
        "calls: window 2 of 2 .* read: 1 record\\(s\\), 3 so far, 5 request\\(s\\) so far."
    )


class CallsWithTotal(Calls):
    """A list whose answers say how many calls the window holds (all pages), as Acefone's `count` does."""

    def records_in(self, response: requests.Response, stream_slice: Mapping[str, Any]) -> Iterator[dict]:
        if "total" in response.json():
            self.expect_in_slice(response.json()["total"])
        yield from super().records_in(response, stream_slice)


class TotalSource(ExampleSource):
    def streams(self, config: Mapping[str, Any]) -> list:
        return [CallsWithTotal(config)]


@freeze_time(NOW)
def test_given_the_provider_reports_a_slices_total_then_the_estimate_counts_it_in_before_its_records():
    first_page = HttpResponse(
        json.dumps({"calls": [call("c-1", "2024-05-10T01:00:00Z")], "page": 1, "more": True, "total": 5})
    )
    with HttpMocker() as http:
        http.get(list_request(MORNING, "sales"), first_page)
        http.get(
            list_request(MORNING, "sales", 2), list_answer([call("c-2", "2024-05-10T05:59:59Z")], page=2)
        )
        http.get(list_request(MORNING, "support"), list_answer([]))
        http.get(list_request(NOON, "sales"), list_answer([]))
        http.get(list_request(NOON, "support"), list_answer([call("c-3", "2024-05-10T07:00:00Z")]))
        output = sync("calls", source=TotalSource())
    # 5 announced in the first of 4 slices: 20 expected before c-1 is emitted; then as read.
    assert estimates_of(output, "calls") == [20, 8, 4, 3, 3]
    messages = [m.type.name for m in output._messages if m.type.name in ("TRACE", "RECORD")]
    assert messages.index("TRACE") < messages.index("RECORD")


@freeze_time(NOW)
def test_a_detail_streams_progress_counts_the_list_requests_its_parent_sent_for_it():
    with HttpMocker() as http:
        mock_day(http)
        alone = sync("call_details")
    # 5 list pages read for it, then its own 3 lookups.
    assert alone.is_in_logs("call_details: window 2 of 2 .* 2 so far, 8 request\\(s\\) so far.")
    assert estimates_of(alone, "call_details")[-1] == 2
    with HttpMocker() as http:
        mock_day(http)
        both = sync("calls", "call_details")
    # The list was read for `calls` and replayed: only the 3 lookups are sent for the details.
    assert both.is_in_logs("call_details: window 2 of 2 .* 2 so far, 3 request\\(s\\) so far.")
    assert both.is_in_logs("calls: window 2 of 2 .* 3 so far, 5 request\\(s\\) so far.")
