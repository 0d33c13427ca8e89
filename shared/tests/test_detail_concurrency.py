"""Concurrent detail lookups: parent order kept, the first error surfaces unchanged, no thread left behind,
windows complete only when all their details are done, and one budget paces every worker."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

import pytest
import requests
from airbyte_cdk.test.mock_http import HttpMocker, HttpResponse
from freezegun import freeze_time
from test_windowed_stream import (
    CONFIG,
    MORNING,
    NOON,
    NOW,
    CallDetails,
    Calls,
    ExampleSource,
    call,
    detail_answer,
    detail_request,
    list_answer,
    list_request,
    states_of,
    sync,
)

from cdr_shared.ordered_pool import in_order
from cdr_shared.rate_budget import MIN_MARGIN_SECONDS, PatientAPIBudget, Quota, concurrency_for


def pool_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith("lookup")]


# --------------------------------------------------------------------------------------- in_order


def test_results_come_in_the_order_of_the_items_even_when_later_calls_finish_first():
    finished: list[int] = []
    last_done = threading.Event()

    def call_of(item: int) -> int:
        if item == 0:
            assert last_done.wait(10), "the other calls never ran alongside the first"
        finished.append(item)
        if item == 3:
            last_done.set()
        return item * 10

    assert list(in_order(call_of, range(4), workers=4, name="lookup")) == [0, 10, 20, 30]
    assert finished[-1] == 0  # the first call finished last, yet came out first
    assert pool_threads() == []


def test_the_first_failing_item_raises_its_own_exception_after_the_results_before_it():
    problem = RuntimeError("provider said no for item 2")
    started: list[int] = []

    def call_of(item: int) -> int:
        started.append(item)
        if item == 2:
            raise problem
        return item

    results: list[int] = []
    with pytest.raises(RuntimeError) as raised:
        for result in in_order(call_of, range(1000), workers=3, name="lookup"):
            results.append(result)
    assert raised.value is problem
    assert results == [0, 1]
    assert len(started) < 1000  # nothing much is started once the error is known
    assert pool_threads() == []  # no worker outlives the error


def test_a_consumer_that_stops_early_leaves_no_worker_running():
    results = in_order(lambda item: item, range(100), workers=4, name="lookup")
    assert next(results) == 0
    results.close()
    assert pool_threads() == []


def test_items_are_taken_in_the_calling_thread_only():
    caller = threading.current_thread()
    taken_in: list[threading.Thread] = []

    def items() -> Iterator[int]:
        for item in range(20):
            taken_in.append(threading.current_thread())
            yield item

    assert list(in_order(lambda item: item + 1, items(), workers=4)) == list(range(1, 21))
    assert set(taken_in) == {caller}


# ------------------------------------------------------------------------ the detail stream template


class ConcurrentDetails(CallDetails):
    """The template's detail stream with three lookups in flight; remembers which thread did each."""

    def __init__(self, config: Mapping[str, Any], parent: Calls, **kwargs: Any) -> None:
        super().__init__(config, parent, concurrency=3, **kwargs)
        self.lookup_threads: set[str] = set()
        self.sessions: set[int] = set()
        self._seen = threading.Lock()
        self._second_worker = threading.Event()
        self._first_held = False

    def details_of(self, call: Mapping[str, Any], stream_slice: Mapping[str, Any]) -> Iterator[dict]:
        with self._seen:
            self.lookup_threads.add(threading.current_thread().name)
            self.sessions.add(id(self.http_client._session))
            hold, self._first_held = not self._first_held, True
            if len(self.lookup_threads) > 1:
                self._second_worker.set()
        if hold:
            # Mocked answers are instant: without this, one worker may take every lookup before another
            # starts. The first lookup waits (a few seconds at most) until a second worker has one in hand;
            # a template that looked calls up one at a time would never give it one.
            self._second_worker.wait(timeout=5)
        yield from super().details_of(call, stream_slice)


class ConcurrentSource(ExampleSource):
    def streams(self, config: Mapping[str, Any]) -> list:
        calls = Calls(config, api_budget=self.budget)
        self.details = ConcurrentDetails(config, parent=calls, api_budget=self.budget)
        return [calls, self.details]


def mock_busy_day(http: HttpMocker, failing: str | None = None) -> None:
    """Morning: sales lists m-0..m-7 (m-3 has no detail), support none; noon: support lists n-0..n-4."""
    morning = [call(f"m-{index}", f"2024-05-10T0{index % 6}:00:00Z") for index in range(8)]
    noon = [call(f"n-{index}", f"2024-05-10T0{6 + index}:00:00Z") for index in range(5)]
    http.get(list_request(MORNING, "sales"), list_answer(morning))
    http.get(list_request(MORNING, "support"), list_answer([]))
    http.get(list_request(NOON, "sales"), list_answer([]))
    http.get(list_request(NOON, "support"), list_answer(noon))
    for listed in morning + noon:
        call_id = listed["id"]
        if call_id == failing:
            http.get(detail_request(call_id), HttpResponse('{"message": "boom"}', 500))
        else:
            http.get(detail_request(call_id), detail_answer(None if call_id == "m-3" else call_id))


def ids(output) -> list[str]:
    return [message.record.data["id"] for message in output.records]


@freeze_time(NOW)
def test_given_concurrent_lookups_then_records_and_states_are_those_of_a_sequential_read():
    with HttpMocker() as http:
        mock_busy_day(http)
        sequential = sync("call_details")
    source = ConcurrentSource()
    with HttpMocker() as http:
        mock_busy_day(http)
        concurrent = sync("call_details", source=source)
    expected = [f"m-{index}" for index in range(8) if index != 3] + [f"n-{index}" for index in range(5)]
    assert ids(sequential) == expected
    assert ids(concurrent) == expected
    assert states_of(concurrent, "call_details") == states_of(sequential, "call_details")
    assert states_of(concurrent, "call_details")[-1] == {"started_at": NOON[1]}
    assert len(source.details.lookup_threads) > 1  # the lookups did run in several workers
    assert len(source.details.sessions) > 1  # each worker with a session of its own
    assert pool_threads() == []
    assert any("skipped 1 call(s) without a detail record" in line for line in _logs(concurrent))


@freeze_time(NOW)
def test_given_a_failing_lookup_then_the_sync_fails_with_its_error_and_its_window_is_not_completed():
    with HttpMocker() as http:
        mock_busy_day(http, failing="n-2")
        sequential = sync("call_details", config=CONFIG)
    with HttpMocker() as http:
        mock_busy_day(http, failing="n-2")
        concurrent = sync("call_details", source=ConcurrentSource())
    errors = [trace.trace.error.message for trace in concurrent.errors]
    assert errors and errors == [trace.trace.error.message for trace in sequential.errors]
    # The morning was complete and is saved; the noon window, cut by n-2, is not.
    assert states_of(concurrent, "call_details") == states_of(sequential, "call_details")
    assert states_of(concurrent, "call_details")[-1] == {"started_at": MORNING[1]}
    assert ids(concurrent)[:7] == ["m-0", "m-1", "m-2", "m-4", "m-5", "m-6", "m-7"]
    assert "n-2" not in ids(concurrent)
    assert pool_threads() == []


def _logs(output) -> list[str]:
    return [message.log.message for message in output.logs]


# ------------------------------------------------------------------------------ one budget, many workers

PER_SECOND = Quota("detail", 10, timedelta(seconds=1), r"/details$", spread=True)


def detail_call() -> requests.PreparedRequest:
    return requests.Request("GET", "https://api.example.test/details").prepare()


class StandingClock:
    """A fake clock for the budget: time stands still; every wait is recorded as the instant it ends."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0
        self.slots: list[float] = []
        self._lock = threading.Lock()

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slots.append(round(seconds, 9))


def test_workers_sharing_a_spread_budget_get_distinct_slots_evenly_spaced_at_the_allowed_rate(monkeypatch):
    clock = StandingClock()
    monkeypatch.setattr("cdr_shared.rate_budget.time", clock)
    budget = PatientAPIBudget(
        [PER_SECOND], provider="Example", max_wait_seconds=3600, max_wait_field="advanced.rate"
    )
    workers = [
        threading.Thread(target=lambda: [budget.acquire_call(detail_call()) for _ in range(12)])
        for _ in range(8)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    interval = (1 + MIN_MARGIN_SECONDS) / PER_SECOND.limit
    # 96 requests from 8 threads: 96 distinct slots, one every interval, none shared.
    assert sorted(clock.slots) == pytest.approx([index * interval for index in range(96)])
    # Never more than `limit` requests in any period, and at least 90 % of the allowed rate.
    assert PER_SECOND.limit * interval >= 1.0
    assert 1 / interval >= 0.9 * PER_SECOND.limit


def test_a_spread_budget_still_pauses_every_worker_after_a_quota_spent_answer(frozen_clock):
    budget = PatientAPIBudget(
        [PER_SECOND], provider="Example", max_wait_seconds=3600, max_wait_field="advanced.rate"
    )
    refused = requests.Response()
    refused.status_code = 429
    budget.update_from_response(detail_call(), refused)
    budget.acquire_call(detail_call())
    assert sum(frozen_clock) >= 1.0  # one whole (lengthened) period before the next request


def test_concurrency_is_derived_from_the_rate():
    assert concurrency_for(50 / 60) == 2  # Ozonetel's CDR-by-UCID default: 50 a minute
    assert concurrency_for(0.01) == 1
    assert concurrency_for(5) == 10
    assert concurrency_for(1000) == 16
