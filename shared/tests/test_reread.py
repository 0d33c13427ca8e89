import pytest

from cdr_shared import reread
from cdr_shared.reread import reread_attempts


@pytest.fixture
def pauses(monkeypatch) -> list[float]:
    recorded: list[float] = []
    monkeypatch.setattr(reread.time, "sleep", recorded.append)
    return recorded


def test_every_attempt_after_the_first_follows_a_doubling_pause(pauses):
    assert list(reread_attempts(4, base_seconds=1.5)) == [1, 2, 3, 4]
    assert pauses == [1.5, 3.0, 6.0]


def test_a_read_that_succeeds_stops_asking_and_waits_no_more(pauses):
    for attempt in reread_attempts(5, base_seconds=1.0):
        if attempt == 2:
            break
    assert pauses == [1.0]


def test_pauses_are_capped_and_at_least_one_attempt_is_made(pauses):
    assert list(reread_attempts(3, base_seconds=50.0, cap_seconds=60.0)) == [1, 2, 3]
    assert pauses == [50.0, 60.0]
    with pytest.raises(ValueError):
        list(reread_attempts(0, base_seconds=1.0))
