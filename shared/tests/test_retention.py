import pendulum

from cdr_shared.horizon import LagHorizon
from cdr_shared.retention import DailyRetention, RetentionCursor
from cdr_shared.sync_range import sync_range_from_config
from cdr_shared.windows import Window

UTC = pendulum.timezone("UTC")
NOW = pendulum.datetime(2024, 5, 10, 12, tz="UTC")


def test_one_day_retention_starts_at_local_midnight_yesterday():
    retention = DailyRetention(pendulum.timezone("Asia/Shanghai"))
    # 2024-05-02 01:30 in Shanghai is 2024-05-01 17:30 UTC: "yesterday" there is 1 May.
    assert retention.earliest(pendulum.datetime(2024, 5, 1, 17, 30, tz="UTC")) == pendulum.datetime(
        2024, 4, 30, 16, 0, tz="UTC"
    )


def test_utc_tenant_keeps_since_utc_midnight_yesterday():
    retention = DailyRetention(UTC)
    assert retention.earliest(pendulum.datetime(2024, 5, 2, 0, 0, 1, tz="UTC")) == pendulum.datetime(
        2024, 5, 1, tz="UTC"
    )


def cursor(start: str, clock, lost: list[Window], end: str | None = None) -> RetentionCursor:
    config = {"start_date": start, "window_minutes": 360, **({"end_date": end} if end else {})}
    sync_range = sync_range_from_config(
        config, default_timezone="UTC", window_field="window_minutes", window_unit="minutes", now=NOW
    )
    return RetentionCursor(
        "calls",
        "begin_at",
        sync_range,
        LagHorizon(pendulum.duration()),
        clock=clock,
        retention=DailyRetention(UTC),
        on_expired=lost.append,
    )


def test_given_start_before_retention_when_planning_then_clamped_and_the_lost_period_reported():
    lost: list[Window] = []
    windows = cursor("2024-05-05", lambda: NOW, lost).plan(incremental=False)
    assert windows[0].start == pendulum.datetime(2024, 5, 9, tz="UTC")
    assert windows[-1].end == NOW
    assert lost == [Window(pendulum.datetime(2024, 5, 5, tz="UTC"), pendulum.datetime(2024, 5, 9, tz="UTC"))]


def test_given_state_inside_retention_when_planning_then_nothing_is_reported_lost():
    lost: list[Window] = []
    windowed = cursor("2024-05-05", lambda: NOW, lost)
    windowed.load({"begin_at": "2024-05-10T06:00:00+00:00"})
    assert windowed.plan(incremental=True)[0].start == pendulum.datetime(2024, 5, 10, 5, tz="UTC")
    assert lost == []


def test_given_end_date_entirely_expired_when_planning_then_no_window_and_the_whole_range_lost():
    lost: list[Window] = []
    assert cursor("2024-05-01", lambda: NOW, lost, end="2024-05-03").plan(incremental=False) == []
    assert lost == [Window(pendulum.datetime(2024, 5, 1, tz="UTC"), pendulum.datetime(2024, 5, 4, tz="UTC"))]


def test_given_a_window_that_aged_out_during_the_sync_then_only_its_held_part_is_read():
    lost: list[Window] = []
    after_midnight = pendulum.datetime(2024, 5, 11, 0, 5, tz="UTC")
    windowed = cursor("2024-05-09", lambda: after_midnight, lost)
    planned = Window(pendulum.datetime(2024, 5, 9, 22, tz="UTC"), pendulum.datetime(2024, 5, 10, 4, tz="UTC"))
    held = windowed.readable_part(planned)
    assert held == Window(pendulum.datetime(2024, 5, 10, tz="UTC"), planned.end)
    assert lost == [Window(planned.start, pendulum.datetime(2024, 5, 10, tz="UTC"))]
    assert windowed.readable_part(Window(planned.start, pendulum.datetime(2024, 5, 9, 23, tz="UTC"))) is None
