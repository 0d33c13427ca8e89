import pendulum
import pytest

from cdr_shared.windows import Window, split_local_days, split_windows

UTC = pendulum.timezone("UTC")


def at(*args):
    return pendulum.datetime(*args, tz="UTC")


def test_windows_cover_the_range_without_gap_or_overlap():
    windows = list(split_windows(at(2024, 1, 1), at(2024, 1, 3, 12), pendulum.duration(days=1)))
    assert windows == [
        Window(at(2024, 1, 1), at(2024, 1, 2)),
        Window(at(2024, 1, 2), at(2024, 1, 3)),
        Window(at(2024, 1, 3), at(2024, 1, 3, 12)),
    ]


def test_an_empty_or_inverted_range_has_no_window():
    assert list(split_windows(at(2024, 1, 2), at(2024, 1, 2), pendulum.duration(days=1))) == []
    assert list(split_windows(at(2024, 1, 3), at(2024, 1, 2), pendulum.duration(days=1))) == []


def test_a_thirty_day_limit_covers_a_year_in_thirteen_requests():
    windows = list(split_windows(at(2024, 1, 1), at(2024, 12, 31), pendulum.duration(days=30)))
    assert len(windows) == 13 and all(w.end - w.start <= pendulum.duration(days=30) for w in windows)


def test_last_second_is_the_inclusive_end_at_second_resolution():
    assert Window(at(2024, 1, 1), at(2024, 1, 2)).last_second == at(2024, 1, 1, 23, 59, 59)


def test_local_days_are_cut_at_local_midnight():
    ist = pendulum.timezone("Asia/Kolkata")
    windows = list(split_local_days(at(2024, 1, 1, 12), at(2024, 1, 3), ist))
    assert [w.end for w in windows] == [at(2024, 1, 1, 18, 30), at(2024, 1, 2, 18, 30), at(2024, 1, 3)]


def test_local_days_are_23_and_25_hours_long_across_dst_changes():
    new_york = pendulum.timezone("America/New_York")
    spring = list(split_local_days(at(2024, 3, 10, 5), at(2024, 3, 11, 4), new_york))
    autumn = list(split_local_days(at(2024, 11, 3, 4), at(2024, 11, 4, 5), new_york))
    assert spring[0].end - spring[0].start == pendulum.duration(hours=23)
    assert autumn[0].end - autumn[0].start == pendulum.duration(hours=25)


def test_window_size_must_be_positive():
    with pytest.raises(ValueError):
        list(split_windows(at(2024, 1, 1), at(2024, 1, 2), pendulum.duration(seconds=0)))
