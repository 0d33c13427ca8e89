import pendulum
import pytest
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdr_shared.sync_range import sync_range_from_config

NOW = pendulum.datetime(2024, 6, 1, tz="UTC")


def read(config, **kwargs):
    return sync_range_from_config(config, default_timezone="Asia/Kolkata", now=NOW, **kwargs)


def test_defaults_fill_lookback_window_and_zone():
    rng = read({"start_date": "2024-05-01"})
    assert rng.lookback == pendulum.duration(minutes=60)
    assert rng.window == pendulum.duration(days=1)
    assert rng.tz.name == "Asia/Kolkata"
    assert rng.end is None


def test_date_only_end_date_includes_that_whole_local_day():
    rng = read({"start_date": "2024-05-01", "end_date": "2024-05-02"})
    assert rng.end == pendulum.datetime(2024, 5, 3, tz="Asia/Kolkata")


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({}, "start_date"),
        ({"start_date": "2024-05-02", "end_date": "2024-05-01T00:00:00+05:30"}, "end_date"),
        ({"start_date": "2030-01-01"}, "start_date"),
        ({"start_date": "2024-05-01", "timezone": "Nowhere/City"}, "timezone"),
        ({"start_date": "2024-05-01", "lookback_window_minutes": -1}, "lookback_window_minutes"),
        ({"start_date": "2024-05-01", "lookback_window_minutes": "60"}, "lookback_window_minutes"),
        ({"start_date": "2024-05-01", "window_days": 0}, "window_days"),
        ({"start_date": "2024-05-01", "window_days": 45}, "window_days"),
    ],
)
def test_each_wrong_field_is_named(config, field):
    with pytest.raises(AirbyteTracedException) as caught:
        read(config, max_window=31)
    assert f"'{field}'" in caught.value.message


def test_window_unit_can_be_minutes():
    rng = read(
        {"start_date": "2024-05-01", "window_minutes": 15},
        window_field="window_minutes",
        window_unit="minutes",
    )
    assert rng.window == pendulum.duration(minutes=15)
