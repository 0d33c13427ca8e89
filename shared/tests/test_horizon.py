import pendulum

from cdr_shared.horizon import DailyPublicationHorizon, LagHorizon

IST = pendulum.timezone("Asia/Kolkata")
OZONETEL = DailyPublicationHorizon(IST, publish_hour=3)


def ist(*args):
    return pendulum.datetime(*args, tz=IST).in_timezone("UTC")


def test_before_three_am_ist_yesterday_is_not_settled():
    assert OZONETEL(ist(2024, 5, 3, 1, 0)) == ist(2024, 5, 2, 0, 0)


def test_from_three_am_ist_yesterday_is_settled():
    assert OZONETEL(ist(2024, 5, 3, 3, 0)) == ist(2024, 5, 3, 0, 0)
    assert OZONETEL(ist(2024, 5, 3, 4, 0)) == ist(2024, 5, 3, 0, 0)


def test_just_before_midnight_the_previous_day_is_settled():
    assert OZONETEL(ist(2024, 5, 2, 23, 59)) == ist(2024, 5, 2, 0, 0)


def test_lag_horizon_trails_now():
    now = pendulum.datetime(2024, 5, 3, 12, tz="UTC")
    assert LagHorizon(pendulum.duration(minutes=15))(now) == pendulum.datetime(2024, 5, 3, 11, 45, tz="UTC")


def test_a_margin_delays_the_daily_publication_as_this_machine_sees_it():
    with_margin = DailyPublicationHorizon(IST, publish_hour=3, margin=pendulum.duration(minutes=15))
    at_03_05 = pendulum.datetime(2024, 5, 10, 3, 5, tz=IST)
    at_03_15 = pendulum.datetime(2024, 5, 10, 3, 15, tz=IST)
    assert with_margin(at_03_05) == pendulum.datetime(2024, 5, 9, tz=IST)
    assert with_margin(at_03_15) == pendulum.datetime(2024, 5, 10, tz=IST)
    assert OZONETEL(at_03_05) == pendulum.datetime(2024, 5, 10, tz=IST)
