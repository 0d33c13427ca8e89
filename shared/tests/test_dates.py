import pendulum
import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdr_shared.dates import (
    epoch_millis_to_utc,
    format_local,
    hms_to_seconds,
    iso_utc,
    parse_config_instant,
    parse_local,
    parse_utc_instant,
    zone,
)

IST = pendulum.timezone("Asia/Kolkata")
NEW_YORK = pendulum.timezone("America/New_York")


def test_ist_wall_time_is_read_with_its_fixed_offset():
    assert (
        iso_utc(parse_local("2024-05-02 19:19:59", "%Y-%m-%d %H:%M:%S", IST)) == "2024-05-02T13:49:59+00:00"
    )


def test_dst_zone_wall_time_uses_the_offset_in_force_that_day():
    winter = parse_local("2024-01-15 09:00:00", "%Y-%m-%d %H:%M:%S", NEW_YORK)
    summer = parse_local("2024-07-15 09:00:00", "%Y-%m-%d %H:%M:%S", NEW_YORK)
    assert (winter.hour, summer.hour) == (14, 13)


def test_twelve_hour_report_times_are_read():
    parsed = parse_local("4/20/20 6:12 PM", "%m/%d/%y %I:%M %p", pendulum.timezone("UTC"))
    assert iso_utc(parsed) == "2020-04-20T18:12:00+00:00"


def test_config_date_means_local_midnight_of_the_configured_zone():
    assert iso_utc(parse_config_instant("2024-05-02", IST, "start_date")) == "2024-05-01T18:30:00+00:00"


def test_config_datetime_with_offset_keeps_its_offset_and_without_takes_the_zone():
    assert (
        iso_utc(parse_config_instant("2024-05-02T00:00:00Z", IST, "start_date"))
        == "2024-05-02T00:00:00+00:00"
    )
    assert (
        iso_utc(parse_config_instant("2024-05-02T05:30:00", IST, "start_date")) == "2024-05-02T00:00:00+00:00"
    )


def test_unparseable_config_date_is_a_config_error_naming_the_field():
    with pytest.raises(AirbyteTracedException) as caught:
        parse_config_instant("yesterday-ish", IST, "end_date")
    assert caught.value.failure_type == FailureType.config_error
    assert "'end_date'" in caught.value.message


def test_unknown_zone_is_a_config_error_naming_the_field():
    with pytest.raises(AirbyteTracedException) as caught:
        zone("Mars/Olympus_Mons")
    assert "'timezone'" in caught.value.message and "Mars/Olympus_Mons" in caught.value.message


def test_cursor_values_need_an_offset():
    assert iso_utc(parse_utc_instant("2024-05-02T19:19:59+05:30")) == "2024-05-02T13:49:59+00:00"
    with pytest.raises(ValueError):
        parse_utc_instant("2024-05-02T19:19:59")


def test_request_parameters_are_formatted_as_local_wall_time():
    instant = pendulum.datetime(2024, 5, 1, 18, 30, tz="UTC")
    assert format_local(instant, IST) == "2024-05-02 00:00:00"


def test_epoch_millis_become_utc_instants():
    assert iso_utc(epoch_millis_to_utc(1714657799000)) == "2024-05-02T13:49:59+00:00"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("00:00:54", 54),
        ("01:02:03", 3723),
        ("26:00:00", 93600),
        ("", None),
        (None, None),
        ("1:2", None),
        ("aa:bb:cc", None),
    ],
)
def test_hms_durations_become_seconds(text, seconds):
    assert hms_to_seconds(text) == seconds


@pytest.mark.parametrize(
    "text", ["2024-05-09T00:00:00+05:99", "2024-05-09 10:00:00-0860", "2024-05-09T10:00:00.250+0599"]
)
def test_an_offset_with_minutes_beyond_59_is_refused_not_carried_into_the_hour(text):
    # pendulum and datetime.fromisoformat both read `+05:99` as +06:39.
    with pytest.raises(AirbyteTracedException) as caught:
        parse_config_instant(text, IST, "start_date")
    assert caught.value.failure_type == FailureType.config_error and "'start_date'" in caught.value.message
    with pytest.raises(ValueError):
        parse_utc_instant(text)


def test_offsets_up_to_59_minutes_are_read():
    assert (
        iso_utc(parse_config_instant("2024-05-09T00:00:00+05:59", IST, "start_date"))
        == "2024-05-08T18:01:00+00:00"
    )
    assert iso_utc(parse_utc_instant("2024-05-09 10:00:00.5-05:30")) == "2024-05-09T15:30:00.500000+00:00"
