"""Specification of the RingCX emulator's interaction-metadata API (`ringcx_interactions.py`): agreement with the
Call Detail Report's calls, windows by segment end, request validation, both shapes, quota, answers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
import requests

from integration_tests.emulators.ringcx import DEFAULT_API_TOKEN, RingCxEmulator
from integration_tests.emulators.ringcx_interactions import RC_ACCOUNT_ID

RingCxFactory = Callable[..., RingCxEmulator]
DATA = {"calls": 400, "accounts": 2, "days": 10, "end_date": "2026-10-11", "seed": 3}
PERMANENT = {"X-Auth-Token": DEFAULT_API_TOKEN}
ACCOUNT = "15300001"


def post(
    emulator, start="2026-10-02 00:00:00", interval=10_800, zone="UTC", rc=RC_ACCOUNT_ID, account=ACCOUNT
):
    url = emulator.url(
        f"/voice/api/cx/integration/v1/accounts/{rc}/sub-accounts/{account}/interaction-metadata"
    )
    body = {"segmentEndTime": start, "timeInterval": interval, "timeZone": zone}
    return requests.post(url, json=body, headers=PERMANENT, timeout=10)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def emulator(ringcx_emulator: RingCxFactory) -> RingCxEmulator:
    return ringcx_emulator(**DATA, interactions={"per_minute": 0, "per_15_minutes": 0})


def test_every_answered_call_of_the_report_has_agent_segments_that_agree_with_its_row(emulator):
    rows = {(r["account_id"], r["uii"].removeprefix("'")): r for r in emulator.ground_truth()}
    truth = emulator.interactions.truth()
    answered = {key for key, row in rows.items() if row["call_result"] == "CONNECTED"}
    assert {(s["account_id"], s["interactionId"]) for s in truth} == answered
    transferred = 0
    for segment in truth:
        row = rows[(segment["account_id"], segment["interactionId"])]
        assert segment["subAccountId"] == segment["account_id"]
        assert (
            segment["channelEndpointAddress"] == row["ani"]
            and segment["contactEndpointAddress"] == row["dnis"]
        )
        assert segment["dialogDurationMs"] == int(row["inbound_duration"]) * 1000
        assert segment["hasRecording"] == bool(row["recording_url"])
        legs = [s for s in truth if s["dialogId"] == segment["dialogId"]]
        assert sum(s["segmentDurationMs"] for s in legs) == int(row["connected_duration"]) * 1000
        transferred += len(legs) == 2
    assert transferred >= 2 and len({s["segmentId"] for s in truth}) == len(truth)


def test_a_window_lists_the_segments_that_ended_in_it_in_the_zone_asked(emulator):
    listed = post(emulator, "2026-10-02 00:00:00", 10_800).json()
    ends = [utc(s["segmentEndTimeMs"]) for s in listed]
    assert listed and all(
        datetime(2026, 10, 2, tzinfo=timezone.utc) <= e < datetime(2026, 10, 2, 3, tzinfo=timezone.utc)
        for e in ends
    )
    assert ends == sorted(ends) and {s["subAccountId"] for s in listed} == {ACCOUNT}
    shifted = post(emulator, "2026-10-01 17:00:00", 10_800, zone="US/Arizona").json()  # 00:00 UTC
    assert shifted == listed
    expected = [
        s
        for s in emulator.interactions.truth()
        if s["account_id"] == ACCOUNT
        and datetime(2026, 10, 2, tzinfo=timezone.utc)
        <= utc(s["segmentEndTimeMs"])
        < datetime(2026, 10, 2, 3, tzinfo=timezone.utc)
    ]
    assert sorted(s["segmentId"] for s in listed) == sorted(s["segmentId"] for s in expected)


@pytest.mark.parametrize(
    ("kwargs", "said"),
    [
        ({"interval": 10_801}, "timeInterval"),
        ({"interval": 0}, "timeInterval"),
        ({"start": "2026-10-02T00:00:00"}, "segmentEndTime"),
        ({"zone": "Mars/Olympus"}, "timeZone"),
    ],
)
def test_invalid_bodies_are_400_in_the_errors_shape(emulator, kwargs, said):
    answer = post(emulator, **kwargs)
    assert answer.status_code == 400 and said in answer.json()["developerMessage"]
    assert answer.json()["generalMessage"] == "The supplied data is not valid"


def test_a_window_ending_within_five_minutes_of_now_is_refused(emulator):
    recent = (datetime.now(timezone.utc) - timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M:%S")
    answer = post(emulator, recent, 1800)
    assert answer.status_code == 400 and "5 minutes" in answer.json()["developerMessage"]


def test_unknown_rc_account_is_404_and_without_wem_access_403(emulator):
    assert post(emulator, rc="1").status_code == 404
    emulator.interactions.configure(wem_access=False)
    assert post(emulator).status_code == 403


def test_the_guide_shape_and_a_one_hour_maximum(ringcx_emulator):
    emulator = ringcx_emulator(
        **DATA, interactions={"shape": "guide", "max_interval": 3600, "per_minute": 0, "per_15_minutes": 0}
    )
    assert post(emulator, interval=3601).status_code == 400
    listed = [s for hour in range(0, 24) for s in post(emulator, f"2026-10-02 {hour:02d}:00:00", 3600).json()]
    assert listed and all(s["segmentID"] >= 2 and "segmentId" not in s for s in listed)
    assert all(isinstance(s["segmentParticipantId"], int) for s in listed)
    recorded = [s for s in listed if s["segmentRecordingURL"]]
    assert recorded and all(s["interactionRecordingLocation"] and s["segmentEvents"] for s in recorded)


def test_the_quota_is_three_a_minute_and_nine_per_fifteen_minutes_per_sub_account(ringcx_emulator):
    emulator = ringcx_emulator(**DATA)
    statuses = [post(emulator).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert post(emulator, account="15300002").status_code == 200


@pytest.mark.parametrize(
    ("answer", "body_starts"),
    [("empty", ""), ("html", "<!DOCTYPE html>"), ("object", '{"data"'), ("cut", "[{")],
)
def test_odd_answers_are_200_and_not_the_array_then_the_array_again(emulator, answer, body_starts):
    emulator.interactions.configure(answer=answer, answer_times=1)
    odd = post(emulator)
    assert odd.status_code == 200 and odd.text.startswith(body_starts)
    with pytest.raises(ValueError) if answer != "object" else pytest.raises(AssertionError):
        assert isinstance(odd.json(), list)
    assert isinstance(post(emulator).json(), list)


def test_the_accounts_list_names_the_rc_account_at_the_top_nested_or_not_at_all(emulator):
    def listed():
        return requests.get(
            emulator.url("/voice/api/v1/admin/accounts"), headers=PERMANENT, timeout=10
        ).json()[0]

    assert listed()["rcAccountId"] == RC_ACCOUNT_ID
    emulator.interactions.configure(rc_account_style="nested")
    assert "rcAccountId" not in listed() and listed()["mainAccount"]["rcAccountId"] == RC_ACCOUNT_ID
    emulator.interactions.configure(rc_account_style="absent")
    assert "rcAccountId" not in listed() and "mainAccount" not in listed()
