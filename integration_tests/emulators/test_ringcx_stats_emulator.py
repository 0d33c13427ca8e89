"""Specification of the RingCX emulator's aggregate statistics reports (`ringcx_stats.py`): agreement with the
Call Detail Report's calls, request validation, the two interval units and date styles, quota, answers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
import requests

from integration_tests.emulators.ringcx import DEFAULT_API_TOKEN, RingCxEmulator
from integration_tests.emulators.ringcx_integration import RC_ACCOUNT_ID

RingCxFactory = Callable[..., RingCxEmulator]
DATA = {"calls": 400, "accounts": 2, "days": 10, "end_date": "2026-10-11", "seed": 3}
PERMANENT = {"X-Auth-Token": DEFAULT_API_TOKEN}
ACCOUNT = "15300001"
DAY = ("2026-10-02 00:00:00", "2026-10-02 03:00:00")


def post(
    emulator,
    report="agg-queue-stats",
    window=DAY,
    interval=1800,
    zone="UTC",
    rc=RC_ACCOUNT_ID,
    headers=PERMANENT,
):
    url = emulator.url(f"/voice/api/cx/integration/v1/accounts/{rc}/sub-accounts/{ACCOUNT}/{report}")
    body = {"startDate": window[0], "endDate": window[1], "timeInterval": interval, "timeZone": zone}
    return requests.post(url, json=body, headers=headers, timeout=10)


@pytest.fixture
def emulator(ringcx_emulator: RingCxFactory) -> RingCxEmulator:
    return ringcx_emulator(**DATA, stats={"per_minute": 0, "per_15_minutes": 0})


def test_queue_statistics_count_the_calls_of_the_call_detail_report_per_queue_and_interval(emulator):
    truth = emulator.stats_reports.truth("queue", 30)
    calls = emulator.ground_truth()
    assert sum(row["offdDirectIxnCnt"] for row in truth) == len(calls)
    answered = Counter(
        (c["account_id"], int(c["cloud_profile_id"])) for c in calls if c["call_result"] == "CONNECTED"
    )
    summed: Counter = Counter()
    for row in truth:
        summed[(row["account_id"], row["queue"])] += row["answIxnCnt"]
    assert summed == answered
    agents = emulator.stats_reports.truth("agent", 30)
    assert sum(row["answIxnCnt"] for row in agents) == sum(answered.values())


def test_answer_lists_the_intervals_of_the_period_in_the_example_form(emulator):
    answer = post(emulator)
    assert answer.status_code == 200, answer.text
    rows = answer.json()
    assert rows and all(row["interval"] == 30 for row in rows)
    assert {row["dateTimeFrom"][:11] for row in rows} == {"10-02-2026T"}
    expected = [
        {k: v for k, v in row.items() if k != "account_id"}
        for row in emulator.stats_reports.truth("queue", 30)
        if row["account_id"] == ACCOUNT
        and row["dateTimeFrom"] < "10-02-2026T03"
        and row["dateTimeFrom"] >= "10-02-2026T"
    ]
    assert rows == expected


def test_minutes_unit_iso_dates_and_page_spelling_by_option(emulator):
    emulator.stats_reports.configure(interval_unit="minutes", date_style="iso", spelling="page")
    assert post(emulator).status_code == 400
    rows = post(emulator, interval=60).json()
    assert rows[0]["dateTimeFrom"].startswith("2026-10-02T") and "offDirectIxnCnt" in rows[0]


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"window": ("2026-10-02 00:00:00", "2026-10-02 03:30:00")}, 400),
        ({"window": ("2026-10-02 03:00:00", "2026-10-02 00:00:00")}, 400),
        ({"window": ("2026-10-02", "2026-10-02 03:00:00")}, 400),
        ({"interval": 1200}, 400),
        ({"zone": "Mars/Olympus"}, 400),
        ({"rc": "1"}, 404),
        ({"headers": {}}, 401),
    ],
)
def test_invalid_requests_are_refused_as_documented(emulator, kwargs, status):
    assert post(emulator, **kwargs).status_code == status


def test_a_period_ending_less_than_five_minutes_ago_is_refused(emulator):
    now = emulator.clock.now()
    window = ((now - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S"), now.strftime("%Y-%m-%d %H:%M:%S"))
    answer = post(emulator, window=window)
    assert answer.status_code == 400 and answer.json()["generalMessage"] == "The supplied data is not valid"


def test_without_wem_access_403(emulator):
    emulator.stats_reports.configure(wem_access=False)
    assert post(emulator).status_code == 403


@pytest.mark.parametrize("answer", ["empty", "html", "object", "cut"])
def test_odd_answers_for_the_next_requests_then_the_list(emulator, answer):
    emulator.stats_reports.configure(answer=answer, answer_times=1)
    odd = post(emulator)
    assert odd.status_code == 200
    try:
        body = odd.json()
    except ValueError:
        body = None
    assert not isinstance(body, list)
    assert isinstance(post(emulator).json(), list)


def test_quota_per_sub_account(ringcx_emulator: RingCxFactory):
    emulator = ringcx_emulator(**DATA)
    assert [post(emulator).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_agent_rows_name_agent_and_queue(emulator):
    rows = post(emulator, report="agg-agent-extended-stats").json()
    assert rows and set(rows[0]) == {
        "interval", "dateTimeFrom", "agentId", "agentName", "queue", "queueName",
        "talkingIxnDur", "wrapUpDur", "answIxnCnt", "transferOutIxnCnt",
    }  # fmt: skip
