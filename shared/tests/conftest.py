"""Fixtures the shared tests have in common."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun import freeze_time


@pytest.fixture
def frozen_clock(monkeypatch):
    """A frozen clock whose `time.sleep` moves time instead of sleeping; records every nap."""
    naps: list[float] = []
    with freeze_time("2024-05-01 00:00:00") as frozen:

        def sleep(seconds: float) -> None:
            naps.append(seconds)
            frozen.tick(timedelta(seconds=seconds))

        monkeypatch.setattr("time.sleep", sleep)
        yield naps
