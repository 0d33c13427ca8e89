"""Fixtures of the Ozonetel unit tests (the request, answer and config builders are in `builders.py`)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from cdr_shared import tokens
from unit_tests.builders import FROZEN_CLOCKS


@pytest.fixture(autouse=True)
def naps(monkeypatch) -> list[float]:
    """Every `time.sleep` (CDK backoff, quota waits) is recorded and moves the frozen clock instead."""
    recorded: list[float] = []

    def sleep(seconds: float) -> None:
        recorded.append(seconds)
        if FROZEN_CLOCKS:
            FROZEN_CLOCKS[-1].tick(timedelta(seconds=seconds))

    monkeypatch.setattr(time, "sleep", sleep)
    monkeypatch.setattr(tokens, "TOKEN_RETRY_SCALE", 0.0)
    return recorded
