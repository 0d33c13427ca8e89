"""`interaction_metadata`: requests, windows, shapes, odd answers and errors, against the vendor's documented
API (github.com/ringcentral/engage-voice-api-docs: docs/integration/reports.md and
specs/engage-voice_openapi3.json, `getInteractionMetadata`)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.test.mock_http import HttpMocker, HttpRequest, HttpResponse
from freezegun import freeze_time

from cdr_shared.testing.output import (
    StreamReader,
    assert_failed,
    everything_printed,
    stream_schema,
    warnings,
)
from cdr_shared.testing.state_builder import StreamCursor
from source_casper import SourceCasper
from unit_tests import builders as ringcx
from unit_tests.builders import ACCOUNT, BASE, NOW, OTHER_ACCOUNT

STREAM = "interaction_metadata"
CURSOR = StreamCursor(STREAM, "segment_end_at")
RC_ACCOUNT = "37439510"
# Frozen at 2024-05-10 12:00 UTC: the settled horizon is 11:45; from 06:00 that is a 3-hour window and the rest.
CONFIG = ringcx.config(start_date="2024-05-10T06:00:00Z")
FIRST = ("2024-05-10 06:00:00", 10800)
SECOND = ("2024-05-10 09:00:00", 9900)

# The reference's example segment (specs/engage-voice_openapi3.json, WEMInteractionSegmentMetaData2Array).
REFERENCE_SEGMENT = {
    "subAccountId": ACCOUNT,
    "dialogId": "s-v-93bd0e6f0f0a479ea8025fe8f8ec3e1d-1721690897808",
    "interactionId": "202407221928172035020000000572",
    "channelId": "2013770791",
    "channelType": "VOICE",
    "channelClass": "VOICE",
    "channelEndpointAddress": "7312066731",
    "contactEndpointAddress": "2013770791",
    "dialogOrigination": "INBOUND",
    "dialogStartTimeMs": "2024-05-10T07:24:40.000Z",
    "dialogEndTimeMs": "2024-05-10T07:24:47.000Z",
    "dialogDurationMs": 7000,
    "segmentId": "p-v-93bd0e6f0f0a479ea8025fe8f8ec3e1d-1721690897808-190dcc63d90ab",
    "segmentType": "AGENT",
    "segmentParticipantId": "449438",
    "segmentParticipantRcExtensionId": "985901004",
    "segmentStartTimeMs": "2024-05-10T07:24:40.000Z",
    "segmentEndTimeMs": "2024-05-10T07:24:47.000Z",
    "segmentDurationMs": 7000,
    "segmentAgentGroupId": "76873",
    "systemDisposition": "ANSWER",
    "agentDisposition": "Success",
    "agentNotes": "requeue to others",
    "hasRecording": True,
    "hasTranscript": True,
    "segmentEvents": [
        {
            "eventTimeMs": "2024-05-10T07:24:40.000Z",
            "clientEventTimeMs": "2024-05-10T07:24:40.000Z",
            "eventType": "REC_START",
        },
        {
            "eventTimeMs": "2024-05-10T07:24:47.000Z",
            "clientEventTimeMs": "2024-05-10T07:24:47.000Z",
            "eventType": "REC_STOP",
        },
    ],
}


def segment(number: int, **fields: Any) -> dict[str, Any]:
    return {**REFERENCE_SEGMENT, "segmentId": f"p-v-{number}", **fields}


def listed_accounts(*accounts: str, **fields: Any) -> list[dict[str, Any]]:
    return [{"accountId": account, "rcAccountId": RC_ACCOUNT, **fields} for account in accounts or (ACCOUNT,)]


def request(start: str, interval: int, account: str = ACCOUNT, rc_account: str = RC_ACCOUNT) -> HttpRequest:
    return HttpRequest(
        f"{BASE}/api/cx/integration/v1/accounts/{rc_account}/sub-accounts/{account}/interaction-metadata",
        body={"segmentEndTime": start, "timeInterval": interval, "timeZone": "UTC"},
    )


def segments(*items: Any) -> HttpResponse:
    return ringcx.json_answer(list(items))


def text(body: str, content_type: str = "application/json") -> HttpResponse:
    return HttpResponse(body=body, status_code=200, headers={"Content-Type": content_type})


read = StreamReader(SourceCasper, STREAM, incremental=frozenset({STREAM}))


def run(config: dict[str, Any] = CONFIG, **kwargs: Any):
    return read(config, **kwargs)


def mock_account(http: HttpMocker) -> None:
    """The accounts list: `ACCOUNT`, with its RingCentral account."""
    http.get(ringcx.accounts_request(), ringcx.json_answer(listed_accounts()))


def read_two_windows(first: Any, second: Any = None, config: dict[str, Any] = CONFIG):
    """A first sync of `CONFIG`'s two windows, answered with `first` and `second` (no segments)."""
    with HttpMocker() as http:
        mock_account(http)
        http.post(request(*FIRST), first)
        http.post(request(*SECOND), second or segments())
        return run(config)


@freeze_time(NOW)
def test_given_first_sync_then_windows_of_three_hours_up_to_fifteen_minutes_ago_and_state_after_each():
    output = read_two_windows(segments(segment(1), segment(2)))
    assert [r.record.data["segment_id"] for r in output.records] == ["p-v-1", "p-v-2"]
    assert CURSOR.values(output) == ["2024-05-10T09:00:00+00:00", "2024-05-10T11:45:00+00:00"]


@freeze_time(NOW)
def test_a_reference_segment_keeps_its_fields_and_gains_keys_utc_times_and_its_recording_endpoint():
    output = read_two_windows(segments(REFERENCE_SEGMENT))
    record = output.records[0].record.data
    assert {k: record[k] for k in REFERENCE_SEGMENT if k != "segmentEvents"} == {
        k: v for k, v in REFERENCE_SEGMENT.items() if k != "segmentEvents"
    }
    assert record["account_id"] == ACCOUNT and record["dialog_id"] == REFERENCE_SEGMENT["dialogId"]
    assert record["segment_id"] == REFERENCE_SEGMENT["segmentId"]
    assert record["segment_end_at"] == "2024-05-10T07:24:47+00:00"
    assert record["dialog_start_at"] == record["segment_start_at"] == "2024-05-10T07:24:40+00:00"
    assert record["segmentEvents"][1]["event_at"] == "2024-05-10T07:24:47+00:00"
    assert record["recording_url"] == (
        f"{BASE}/api/cx/integration/v1/accounts/{RC_ACCOUNT}/sub-accounts/{ACCOUNT}/recordings/dialogs/"
        f"{REFERENCE_SEGMENT['dialogId']}/segments/{REFERENCE_SEGMENT['segmentId']}"
    )
    jsonschema.validate(record, stream_schema("source_casper", STREAM))


@freeze_time(NOW)
def test_a_guide_segment_keeps_its_recording_urls_without_secret_query_values_and_unknown_fields():
    guide = {
        "subAccountId": ACCOUNT,
        "dialogId": "d-1",
        "interactionId": "202405100724400132010000000001",
        "segmentID": 2,
        "segmentType": "AGENT",
        "segmentParticipantId": 1009,
        "dialogStartTimeMs": 1715325880000,
        "segmentEndTimeMs": "2024-05-10 07:30:00.500",
        "segmentDurationMs": "7000",
        "hasRecording": "maybe",
        "segmentRecordingURL": "https://c02-recordings.virtualacd.biz/api/v1/calls/recordings/?v=1&accountId=1"
        "&file=1/2.WAV&token=canary-recording-token-9e1",
        "interactionRecordingLocation": "https://c02-recordings.virtualacd.biz/whole.WAV",
        "queueName": "Billing",
    }
    output = read_two_windows(segments(guide))
    record = output.records[0].record.data
    assert record["segment_id"] == record["segmentID"] == "2" and record["segmentParticipantId"] == "1009"
    assert record["dialogStartTimeMs"] == "1715325880000"
    assert record["dialog_start_at"] == "2024-05-10T07:24:40+00:00"
    assert record["segment_end_at"] == "2024-05-10T07:30:00.500000+00:00"  # the guide: times are UTC
    assert record["segmentDurationMs"] == 7000 and record["queueName"] == "Billing"
    assert record.get("hasRecording") is None and record["raw_values"] == {"hasRecording": "maybe"}
    assert (
        record["segmentRecordingURL"].endswith("&file=1/2.WAV&token=****")
        and record["recording_url"] == record["segmentRecordingURL"]
    )
    assert record["interactionRecordingLocation"] == guide["interactionRecordingLocation"]
    assert "canary-recording-token-9e1" not in everything_printed(output)
    jsonschema.validate(record, stream_schema("source_casper", STREAM))


@freeze_time(NOW)
def test_given_state_when_incremental_then_only_the_lookback_and_newer_is_asked():
    state = CURSOR.state_at("2024-05-10T10:00:00+00:00")
    with HttpMocker() as http:
        mock_account(http)
        http.post(request("2024-05-10 09:00:00", 9900), segments(segment(1)))
        output = run(state=state)
    assert len(output.records) == 1 and CURSOR.values(output) == ["2024-05-10T11:45:00+00:00"]


@freeze_time(NOW)
def test_every_sub_account_is_a_partition_and_the_cursor_moves_after_the_last():
    with HttpMocker() as http:
        http.get(ringcx.accounts_request(), ringcx.json_answer(listed_accounts(ACCOUNT, OTHER_ACCOUNT)))
        http.post(request(*FIRST), segments(segment(1)))
        http.post(request(*FIRST, account=OTHER_ACCOUNT), segments(segment(2, subAccountId=OTHER_ACCOUNT)))
        http.post(request(*SECOND), segments())
        http.post(request(*SECOND, account=OTHER_ACCOUNT), segments())
        output = run(ringcx.config(start_date="2024-05-10T06:00:00Z", account_ids=[]))
    assert [r.record.data["account_id"] for r in output.records] == [ACCOUNT, OTHER_ACCOUNT]
    assert [v for v in CURSOR.values(output) if v] == [
        "2024-05-10T09:00:00+00:00",
        "2024-05-10T09:00:00+00:00",
        "2024-05-10T11:45:00+00:00",
        "2024-05-10T11:45:00+00:00",
    ][: len([v for v in CURSOR.values(output) if v])]
    assert CURSOR.values(output)[-1] == "2024-05-10T11:45:00+00:00"


@freeze_time(NOW)
def test_the_rc_account_comes_from_the_config_or_the_nested_main_account_and_is_required():
    with HttpMocker() as http:
        http.get(
            ringcx.accounts_request(),
            ringcx.json_answer([{"accountId": ACCOUNT, "mainAccount": {"rcAccountId": "555"}}]),
        )
        http.post(request(*FIRST, rc_account="555"), segments())
        http.post(request(*SECOND, rc_account="555"), segments())
        run()
    with HttpMocker() as http:
        mock_account(http)
        http.post(request(*FIRST, rc_account="777"), segments())
        http.post(request(*SECOND, rc_account="777"), segments())
        run(ringcx.config(start_date="2024-05-10T06:00:00Z", rc_account_id="777"))
    with HttpMocker() as http:
        http.get(ringcx.accounts_request(), ringcx.json_answer([{"accountId": ACCOUNT}]))
        output = run(expect_failure=True)
    assert_failed(output, FailureType.config_error, "rc_account_id", ACCOUNT)


@freeze_time(NOW)
def test_a_200_that_is_not_the_array_is_read_again_and_a_body_cut_off_emits_nothing_twice():
    full = json.dumps([segment(1), segment(2), segment(3)])
    with HttpMocker() as http:
        mock_account(http)
        http.post(
            request(*FIRST),
            [
                text(""),
                text("<html><body>Down for maintenance</body></html>", "text/html"),
                text('{"generalMessage": "later"}'),
                text(full[: len(full) // 2 + 40]),
                text(full),
            ],
        )
        http.post(request(*SECOND), segments())
        output = run()
    assert [r.record.data["segment_id"] for r in output.records] == ["p-v-1", "p-v-2", "p-v-3"]
    told = "\n".join(warnings(output))
    assert "an empty body" in told and "an HTML page" in told and "a JSON object" in told
    assert "broke off" in told


@freeze_time(NOW)
def test_a_window_never_answered_with_the_array_fails_naming_account_and_window_and_keeps_no_state():
    with HttpMocker() as http:
        mock_account(http)
        http.post(request(*FIRST), [text("")] * 5)
        output = run(expect_failure=True)
    assert_failed(output, FailureType.transient_error, ACCOUNT, "2024-05-10T", "empty body")
    assert not [v for v in CURSOR.values(output) if v]


@freeze_time(NOW)
def test_a_server_that_takes_one_hour_at_most_is_asked_in_one_hour_pieces():
    refused = ringcx.json_answer(
        {
            "generalMessage": "The supplied data is not valid",
            "developerMessage": "timeInterval must be <= 3600",
        },
        status=400,
    )
    with HttpMocker() as http:
        mock_account(http)
        http.post(request(*FIRST), refused)
        http.post(request("2024-05-10 06:00:00", 3600), segments(segment(1)))
        http.post(request("2024-05-10 07:00:00", 3600), segments(segment(2)))
        http.post(request("2024-05-10 08:00:00", 3600), segments())
        for hour, interval in (("09", 3600), ("10", 3600), ("11", 2700)):
            http.post(request(f"2024-05-10 {hour}:00:00", interval), segments())
        output = run()
    assert [r.record.data["segment_id"] for r in output.records] == ["p-v-1", "p-v-2"]
    assert CURSOR.values(output) == ["2024-05-10T09:00:00+00:00", "2024-05-10T11:45:00+00:00"]


@freeze_time(NOW)
def test_403_says_the_sub_account_needs_wem_access():
    with HttpMocker() as http:
        mock_account(http)
        http.post(
            request(*FIRST),
            ringcx.json_answer({"generalMessage": "You do not have permission to access this resource"}, 403),
        )
        output = run(expect_failure=True)
    assert_failed(output, FailureType.config_error, "WEM Access", "interaction_metadata")


@freeze_time(NOW)
def test_requests_are_spaced_to_keep_nine_per_fifteen_minutes(sleeps):
    with HttpMocker() as http:
        mock_account(http)
        http.post(request(*FIRST), segments())
        http.post(request(*SECOND), segments())
        run()
    assert any(100 <= wait <= 105 for wait in sleeps), sleeps


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"rc_account_id": "RC-1"}, "RC-1"),
        ({"advanced": {"max_rate_limit_wait_minutes": 0}}, "0"),
        ({"advanced": {"rate_limit_time_scale": -1}}, "-1"),
        ({"advanced": "fast"}, "fast"),
    ],
)
def test_a_wrong_new_field_is_a_config_error_quoting_it_before_any_request(fields, named):
    with HttpMocker():
        output = run(ringcx.config(**fields), expect_failure=True)
    assert_failed(output, FailureType.config_error, named)


@freeze_time(NOW)
def test_a_long_wait_for_the_quota_stops_the_sync_naming_the_setting(sleeps):
    config = ringcx.config(start_date="2024-05-10T06:00:00Z", advanced={"max_rate_limit_wait_minutes": 1})
    with HttpMocker() as http:
        mock_account(http)
        http.post(request(*FIRST), ringcx.json_answer({"message": "Too Many Requests"}, 429))
        output = run(config, expect_failure=True)
    assert_failed(output, FailureType.transient_error, "advanced.max_rate_limit_wait_minutes")
