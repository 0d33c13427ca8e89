import pendulum

from cdr_shared.retention import DailyRetention


def test_one_day_retention_starts_at_local_midnight_yesterday():
    retention = DailyRetention(pendulum.timezone("Asia/Shanghai"))
    # 2024-05-02 01:30 in Shanghai is 2024-05-01 17:30 UTC: "yesterday" there is 1 May.
    assert retention.earliest(pendulum.datetime(2024, 5, 1, 17, 30, tz="UTC")) == pendulum.datetime(
        2024, 4, 30, 16, 0, tz="UTC"
    )


def test_utc_tenant_keeps_since_utc_midnight_yesterday():
    retention = DailyRetention(pendulum.timezone("UTC"))
    assert retention.earliest(pendulum.datetime(2024, 5, 2, 0, 0, 1, tz="UTC")) == pendulum.datetime(
        2024, 5, 1, tz="UTC"
    )
