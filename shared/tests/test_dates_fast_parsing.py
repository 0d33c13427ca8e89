"""`parse_local` reads the providers' fixed formats without `strptime`, and `local_iso_utc` derives the UTC
text from a cache of minutes: the same instants and the same errors as the `strptime` + `pendulum` reading
they replace, on DST gaps and folds, offsets with seconds, leap days and bad input."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest

from cdr_shared import dates
from cdr_shared.dates import iso_utc, local_iso_utc, parse_local

ISO = "%Y-%m-%d %H:%M:%S"
US_FORMATS = ("%m/%d/%y %I:%M %p", "%m/%d/%y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %I:%M:%S %p")
ZONES = ("Asia/Kolkata", "US/Arizona", "America/New_York", "Europe/London", "Australia/Lord_Howe", "UTC")


def reference(text: str, fmt: str, tz: pendulum.Timezone) -> pendulum.DateTime:
    """The reading before the fast path: strptime, then pendulum."""
    naive = dt.datetime.strptime(text.strip(), fmt)
    return pendulum.instance(naive.replace(tzinfo=None), tz=tz).in_timezone("UTC")


def outcome(function, *args):
    try:
        result = function(*args)
    except ValueError:
        return ValueError
    return result if isinstance(result, str) else iso_utc(result)


def wall_times_around_transitions(zone: str) -> list[dt.datetime]:
    """Every 15 minutes within three hours of each offset change of 2024 in `zone`."""
    tz = pendulum.timezone(zone)
    times, previous = [], None
    instant = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    while instant.year == 2024:
        offset = instant.astimezone(tz).utcoffset()
        if previous is not None and offset != previous:
            local = (instant + previous).replace(tzinfo=None)
            times += [local + dt.timedelta(minutes=15 * step) for step in range(-12, 13)]
        previous = offset
        instant += dt.timedelta(minutes=30)
    return times


@pytest.mark.parametrize("zone", ZONES)
def test_dst_gaps_and_folds_resolve_as_pendulum_resolved_them(zone):
    tz = pendulum.timezone(zone)
    times = wall_times_around_transitions(zone) or [dt.datetime(2024, 3, 10, 2, 30)]
    for wall in times:
        text = wall.strftime(ISO)
        expected = outcome(reference, text, ISO, tz)
        assert outcome(parse_local, text, ISO, tz) == expected, text
        for _ in range(2):  # computed, then from the cache of minutes
            assert outcome(local_iso_utc, text, ISO, tz) == expected, text
        us = wall.strftime("%m/%d/%y %I:%M %p").lstrip("0")
        assert outcome(parse_local, us, US_FORMATS[0], tz) == outcome(reference, us, US_FORMATS[0], tz), us


def test_a_new_york_gap_and_fold_give_the_instants_pendulum_gave():
    tz = pendulum.timezone("America/New_York")
    assert iso_utc(parse_local("2024-03-10 02:30:00", ISO, tz)) == "2024-03-10T06:30:00+00:00"
    assert iso_utc(parse_local("2024-11-03 01:30:00", ISO, tz)) == "2024-11-03T05:30:00+00:00"


TEXTS = [
    "2024-02-29 23:59:59",  # leap day
    "2023-02-29 10:00:00",  # no such day
    "2024-13-01 00:00:00",
    "2024-05-02 24:00:00",
    "2024-05-02 13:60:00",
    "2024-05-02 13:49:60",
    "2024-5-2 3:04:05",  # strptime accepts single digits
    " 2024-05-02 13:49:59 ",
    "2024-05-02T13:49:59",
    "2024-05-02 13:49:59.5",
    "２０２４-05-02 13:49:59",  # full-width digits
    "",
    "None None",
    "4/20/20 6:12 AM",
    "4/20/20 6:12 pm",
    "12/31/99 12:00 AM",
    "1/1/68 12:59 PM",
    "1/1/69 1:00 AM",
    "04/20/2020 06:12:33 PM",
    "2/29/23 1:00 AM",
    "2/29/24 1:00 AM",
    "13/01/20 1:00 AM",
    "4/20/20 0:12 AM",
    "4/20/20 13:12 PM",
    "4/20/20 6:5 AM",
    "4/ 5/20 6:05 AM",
    "4/20/20 6:12:61 AM",
    "4/20/20 6:12",
]


@pytest.mark.parametrize("fmt", (ISO, *US_FORMATS))
@pytest.mark.parametrize("text", TEXTS)
def test_edge_inputs_give_the_same_instant_or_the_same_error(text, fmt):
    tz = pendulum.timezone("Asia/Kolkata")
    expected = outcome(reference, text, fmt, tz)
    assert outcome(parse_local, text, fmt, tz) == expected
    assert outcome(local_iso_utc, text, fmt, tz) == outcome(local_iso_utc, text, fmt, tz) == expected


@pytest.mark.parametrize(
    "zone, text",
    [
        ("Asia/Kolkata", "1880-06-01 10:20:30"),  # local mean time, +05:53:28: an offset with seconds
        ("Europe/Amsterdam", "1925-06-01 10:20:30"),  # +00:19:32 summer time
        ("Australia/Lord_Howe", "2024-04-07 01:45:10"),  # a half-hour fold
        ("Australia/Lord_Howe", "2024-10-06 02:15:10"),  # a half-hour gap
        ("America/New_York", "2024-03-10 02:59:59"),
        ("America/New_York", "2024-03-10 03:00:00"),
        ("America/New_York", "2024-11-03 00:59:59"),
        ("America/New_York", "2024-11-03 02:00:00"),
    ],
)
def test_minutes_with_odd_offsets_or_next_to_a_change_give_the_reference_instant(zone, text):
    tz = pendulum.timezone(zone)
    for _ in range(2):
        assert local_iso_utc(text, ISO, tz) == iso_utc(reference(text, ISO, tz))


def test_the_cache_of_minutes_stays_bounded_and_exact_when_it_is_dropped(monkeypatch):
    monkeypatch.setattr(dates, "_UTC_MINUTES_LIMIT", 5)
    monkeypatch.setattr(dates, "_UTC_MINUTES", {})
    tz = pendulum.timezone("Asia/Kolkata")
    texts = [f"2024-05-02 13:{minute:02d}:{minute:02d}" for minute in range(12)] * 2
    assert [local_iso_utc(text, ISO, tz) for text in texts] == [
        iso_utc(reference(text, ISO, tz)) for text in texts
    ]
    assert len(dates._UTC_MINUTES[id(tz)][1]) <= 5


def test_results_stay_pendulum_instants_in_utc():
    parsed = parse_local("2024-05-02 19:19:59", ISO, pendulum.timezone("Asia/Kolkata"))
    assert isinstance(parsed, pendulum.DateTime)
    assert parsed == pendulum.datetime(2024, 5, 2, 13, 49, 59) and parsed.utcoffset() == dt.timedelta(0)


def test_iso_utc_of_any_zone_and_with_microseconds_matches_pendulum():
    for instant in (
        pendulum.datetime(2024, 5, 2, 19, 19, 59, tz="Asia/Kolkata"),
        pendulum.datetime(2024, 5, 2, 13, 49, 59, 120, tz="UTC"),
        pendulum.datetime(2024, 11, 3, 1, 30, tz="America/New_York"),
    ):
        assert iso_utc(instant) == instant.in_timezone("UTC").isoformat()
