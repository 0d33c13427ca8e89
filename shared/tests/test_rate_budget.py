import logging
from datetime import timedelta

import pytest
import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdr_shared.rate_budget import MIN_MARGIN_SECONDS, PERIOD_MARGIN, PatientAPIBudget, Quota

HOURLY = Quota("call logs", 2, timedelta(hours=1), r"/logs$")
BASE = "https://api.example.com"


def request(path: str = "/logs") -> requests.PreparedRequest:
    return requests.Request("GET", f"{BASE}{path}").prepare()


def response(body: bytes, status: int = 200) -> requests.Response:
    answer = requests.Response()
    answer.status_code = status
    answer._content = body
    return answer


def budget(**overrides) -> PatientAPIBudget:
    options = {
        "provider": "Example",
        "max_wait_seconds": 7200,
        "max_wait_field": "advanced.max_rate_limit_wait_minutes",
        "exhausted_when": lambda answer: b"Max Limit Exceeded" in answer.content,
    }
    options.update(overrides)
    return PatientAPIBudget([HOURLY], **options)


def test_requests_within_the_quota_do_not_wait(frozen_clock):
    limits = budget()
    limits.acquire_call(request())
    limits.acquire_call(request())
    assert frozen_clock == []


def test_a_request_over_the_quota_waits_for_the_window_in_heartbeat_naps(frozen_clock, caplog):
    limits = budget(heartbeat_seconds=300)
    limits.acquire_call(request())
    limits.acquire_call(request())
    with caplog.at_level(logging.INFO, logger="airbyte"):
        limits.acquire_call(request())
    assert max(frozen_clock) <= 300
    assert 3600 <= sum(frozen_clock) <= 3600 * (1 + PERIOD_MARGIN) + 0.1
    messages = [record.getMessage() for record in caplog.records]
    assert any("waiting 1 h 01 min" in message for message in messages)
    # One log line at the start and after every nap: never more than a heartbeat without one.
    progress = [m for m in messages if "Still waiting" in m or "free again" in m]
    assert len(progress) >= 12 and len(progress) >= len(frozen_clock) - 1


def test_requests_to_other_paths_are_not_counted(frozen_clock):
    limits = budget()
    for _ in range(5):
        limits.acquire_call(request("/details"))
    assert frozen_clock == []


def test_a_wait_longer_than_accepted_is_a_transient_error_naming_the_setting(frozen_clock):
    limits = budget(max_wait_seconds=600)
    limits.acquire_call(request())
    limits.acquire_call(request())
    with pytest.raises(AirbyteTracedException) as raised:
        limits.acquire_call(request())
    assert raised.value.failure_type == FailureType.transient_error
    assert "advanced.max_rate_limit_wait_minutes" in raised.value.message
    assert frozen_clock == []


def test_an_exhausted_answer_closes_the_quota_for_a_whole_period(frozen_clock):
    limits = budget()
    limits.acquire_call(request())
    limits.update_from_response(request(), response(b'{"status":"failure","message":"Max Limit Exceeded"}'))
    limits.acquire_call(request())
    assert 3600 <= sum(frozen_clock) <= 3600 * (1 + PERIOD_MARGIN) + 0.1


def test_a_429_closes_the_quota_too(frozen_clock):
    limits = budget()
    limits.update_from_response(request(), response(b"{}", 429))
    limits.acquire_call(request())
    assert 3600 <= sum(frozen_clock) <= 3600 * (1 + PERIOD_MARGIN) + 0.1


def test_an_ordinary_answer_leaves_the_quota_open(frozen_clock):
    limits = budget()
    limits.update_from_response(request(), response(b'{"status":"success","message":[]}'))
    limits.acquire_call(request())
    assert frozen_clock == []


def test_time_scale_divides_the_period(frozen_clock):
    limits = budget(time_scale=3600)
    for _ in range(3):
        limits.acquire_call(request())
    assert 1 <= sum(frozen_clock) <= 1.1


def test_the_least_margin_is_in_real_seconds_whatever_the_time_scale(frozen_clock):
    # How unevenly requests reach the provider is a matter of real milliseconds: a minute played 3600 times
    # faster (17 ms) is still lengthened by MIN_MARGIN_SECONDS, not by a 3600th of it.
    limits = PatientAPIBudget(
        [Quota("lookups", 2, timedelta(minutes=1), r"/logs$")],
        provider="Example",
        max_wait_seconds=7200,
        max_wait_field="advanced.max_rate_limit_wait_minutes",
        time_scale=3600,
    )
    for _ in range(3):
        limits.acquire_call(request())
    assert 60 / 3600 + MIN_MARGIN_SECONDS <= sum(frozen_clock) <= 60 / 3600 + MIN_MARGIN_SECONDS + 0.06
