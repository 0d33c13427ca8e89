import pendulum
import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdr_shared.horizon import DailyPublicationHorizon, LagHorizon
from cdr_shared.sync_range import sync_range_from_config
from cdr_shared.windowed_state import WindowedCursor
from cdr_shared.windows import Window

NOW = pendulum.datetime(2024, 5, 10, 12, tz="UTC")
NO_LAG = LagHorizon(pendulum.duration(seconds=0))


def cursor(config=None, horizon=NO_LAG, now=NOW):
    config = {"start_date": "2024-05-01T00:00:00Z", "timezone": "UTC", **(config or {})}
    rng = sync_range_from_config(config, default_timezone="UTC", now=now)
    return WindowedCursor("calls", "started_at", rng, horizon, clock=lambda: now)


def at(*args):
    return pendulum.datetime(*args, tz="UTC")


def test_first_sync_reads_from_start_date_to_now():
    windows = cursor().plan(incremental=True)
    assert windows[0].start == at(2024, 5, 1) and windows[-1].end == NOW
    assert len(windows) == 10


def test_incremental_sync_starts_at_state_minus_lookback():
    c = cursor({"lookback_window_minutes": 30})
    c.load({"started_at": "2024-05-09T00:00:00+00:00"})
    assert c.plan(incremental=True)[0].start == at(2024, 5, 8, 23, 30)


def test_lookback_never_reaches_before_start_date():
    c = cursor({"lookback_window_minutes": 600})
    c.load({"started_at": "2024-05-01T02:00:00+00:00"})
    assert c.plan(incremental=True)[0].start == at(2024, 5, 1)


def test_full_refresh_ignores_state():
    c = cursor()
    c.load({"started_at": "2024-05-09T00:00:00+00:00"})
    assert c.plan(incremental=False)[0].start == at(2024, 5, 1)


def test_end_date_bounds_the_sync():
    windows = cursor({"end_date": "2024-05-03"}).plan(incremental=True)
    assert windows[-1].end == at(2024, 5, 4)


def test_state_stops_at_the_settled_horizon():
    ist = pendulum.timezone("Asia/Kolkata")
    one_am_ist = pendulum.datetime(2024, 5, 10, 1, tz=ist).in_timezone("UTC")
    c = cursor(horizon=DailyPublicationHorizon(ist, 3), now=one_am_ist)
    windows = c.plan(incremental=True)
    assert windows[-1].end == pendulum.datetime(2024, 5, 9, tz=ist)
    for window in windows:
        c.complete(window)
    assert c.value == pendulum.datetime(2024, 5, 9, tz=ist)


def test_cursor_moves_forward_only_after_complete_windows_and_never_back():
    c = cursor()
    c.complete(Window(at(2024, 5, 1), at(2024, 5, 2)))
    c.complete(Window(at(2024, 5, 1, 12), at(2024, 5, 1, 18)))
    assert c.to_state() == {"started_at": "2024-05-02T00:00:00+00:00"}


def test_nothing_to_read_when_state_is_at_the_horizon():
    c = cursor({"lookback_window_minutes": 0})
    c.load({"started_at": NOW.isoformat()})
    assert c.plan(incremental=True) == []


@pytest.mark.parametrize("value", ["not a date", "2024-05-09", "2024-05-09T00:00:00", 12])
def test_unparseable_state_is_a_config_error(value):
    with pytest.raises(AirbyteTracedException) as caught:
        cursor().load({"started_at": value})
    assert caught.value.failure_type == FailureType.config_error
    assert "state" in caught.value.message and "started_at" in caught.value.message


def test_future_state_is_a_config_error():
    with pytest.raises(AirbyteTracedException) as caught:
        cursor().load({"started_at": "2024-06-01T00:00:00+00:00"})
    assert "future" in caught.value.message


def test_empty_state_means_a_first_sync():
    c = cursor()
    c.load({})
    assert c.value is None and c.to_state() == {}


def test_a_cursor_that_follows_another_plans_up_to_the_bound_that_one_planned_though_the_clock_moved():
    clock = [NOW]
    rng = sync_range_from_config({"start_date": "2024-05-09T00:00:00Z"}, default_timezone="UTC", now=NOW)
    lagged = LagHorizon(pendulum.duration(minutes=10))
    parent = WindowedCursor("parent", "started_at", rng, lagged, clock=lambda: clock[0])
    child = WindowedCursor("child", "started_at", rng, lagged, clock=lambda: clock[0])
    child.follows = parent
    alone = WindowedCursor("alone", "started_at", rng, lagged, clock=lambda: clock[0])
    planned = parent.plan(incremental=True)
    clock[0] = NOW.add(minutes=3)  # the parent's read took three minutes
    assert child.plan(incremental=True) == planned
    assert alone.plan(incremental=True)[-1].end == NOW.add(minutes=3 - 10)


def test_a_cursor_that_follows_one_not_yet_planned_plans_on_its_own():
    parent, child = cursor(), cursor()
    child.follows = parent
    assert child.plan(incremental=True)[-1].end == NOW
