"""`advanced`: the request budget every CC-CMS request passes and the call-details concurrency."""

from __future__ import annotations

import threading

import pytest
import requests
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_huawei_cms import SourceHuaweiCms
from source_huawei_cms.config import parse_config
from unit_tests import builders as cms


class StandingClock:
    """Time stands still; each wait the budget asks for is recorded as the instant it ends."""

    def __init__(self) -> None:
        self.slots: list[float] = []
        self._lock = threading.Lock()

    def time(self) -> float:
        return 1_700_000_000.0

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slots.append(round(seconds, 6))


def streams_of(**advanced):
    config = cms.config(advanced=advanced) if advanced else cms.config()
    return SourceHuaweiCms().streams(config)


def test_without_advanced_the_rate_is_ten_a_second_and_sixteen_lookups_may_wait_at_once():
    parsed = parse_config(cms.config())
    assert parsed.requests_per_second == 10
    assert parsed.call_details_concurrency == 16
    assert streams_of()[1].concurrency == 16


def test_the_concurrency_follows_the_rate_unless_it_is_set():
    assert parse_config(cms.config(advanced={"requests_per_second": 2})).call_details_concurrency == 4
    assert streams_of(requests_per_second=2, call_details_concurrency=1)[1].concurrency == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("requests_per_second", 0),
        ("requests_per_second", 1001),
        ("requests_per_second", "fast"),
        ("requests_per_second", True),
        ("call_details_concurrency", 0),
        ("call_details_concurrency", 33),
        ("call_details_concurrency", 2.5),
    ],
)
def test_given_an_advanced_value_out_of_range_then_the_config_error_names_its_field(field, value):
    with pytest.raises(AirbyteTracedException) as raised:
        parse_config(cms.config(advanced={field: value}))
    assert f"'advanced.{field}'" in raised.value.message


def test_every_interface_draws_from_one_evenly_spread_budget(monkeypatch):
    clock = StandingClock()
    monkeypatch.setattr("cdr_shared.rate_budget.time", clock)
    call_list, details, _, missed, traces = streams_of(requests_per_second=4)
    assert call_list.api_budget is details.api_budget is missed.api_budget is traces.api_budget
    assert traces.concurrency == details.concurrency
    for url in (cms.QUERY_CALLS, cms.CALL_DETAIL, cms.MISSED_CALLS, cms.CALL_TRACE):
        call_list.api_budget.acquire_call(requests.Request("POST", url).prepare())
    # Four requests at 4 a second: a quarter of a (slightly lengthened) second apart, whatever the interface.
    assert clock.slots == pytest.approx([0.0, 0.2625, 0.525, 0.7875])
