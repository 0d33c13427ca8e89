"""Fixtures of the RingCX unit tests (the request, answer and config builders are in `builders.py`)."""

from __future__ import annotations

import pytest
from airbyte_cdk.sources.streams.http import rate_limiting

from cdr_shared import tokens
from source_casper import interactions, report, streams


@pytest.fixture(autouse=True)
def sleeps(monkeypatch) -> list[float]:
    """No real waiting in unit tests: every backoff sleep is recorded instead."""
    recorded: list[float] = []
    monkeypatch.setattr(rate_limiting.time, "sleep", recorded.append)
    monkeypatch.setattr(report.time, "sleep", recorded.append)
    monkeypatch.setattr(interactions, "BACKOFF_BASE_SECONDS", 0.01)
    monkeypatch.setattr(streams, "BACKOFF_BASE_SECONDS", 0.01)
    monkeypatch.setattr(report, "BACKOFF_BASE_SECONDS", 0.01)
    monkeypatch.setattr(tokens, "TOKEN_RETRY_SCALE", 0.0)
    return recorded
