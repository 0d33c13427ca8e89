"""`calls`: Ozonetel records mapped into the shared call shape, from the vendor pages' samples; which
stream it maps from; no request of its own; its state."""

from __future__ import annotations

import logging
from typing import Any

import jsonschema
import pytest
from airbyte_cdk.test.mock_http import HttpMocker

from cdr_shared.calls import CALLS_SCHEMA
from source_ozonetel import SourceOzonetel
from source_ozonetel.records import shape_call_log, shape_report
from unit_tests import builders as ozonetel
from unit_tests.builders import AFTER_PUBLICATION, KEY, YESTERDAY

# The success sample of the CDR-by-UCID page, which shows the legacy call-record keys getCallLogs answers
# with too (https://docs.ozonetel.com/reference/get_caservices-cdr-fetchcdrbyucid-php), values as printed
# (masked digits included); getCallLogs records also carry the `UCID` asked about.
PAGE_SAMPLE = {
    "UCID": "2191620069327187",
    "monitorUCID": "2191620069327187",
    "UUI": "xxxxx",
    "Did": "xxxx",
    "CampaignName": "xxxxxx",
    "Location": "",
    "CallerID": "xxxxx",
    "PhoneName": "09xxxx46x9",
    "Skill": "None",
    "StartTime": "2021-02-09 10:33:53",
    "EndTime": "2021-02-09 10:38:50",
    "TimeToAnswer": "00:00:11",
    "CallDuration": "00:04:57",
    "Duration": "00:04:46",
    "FallBackRule": "AgentDial",
    "DialedNumber": "09xxxx679",
    "Type": "manual",
    "AgentID": "",
    "AgentPhoneNumber": "09xxxxxxx9",
    "AgentUniqueID": "None",
    "AgentName": "None",
    "Disposition": "",
    "HangupBy": "UserHangup",
    "Status": "Answered",
    "AudioFile": "https://s3.ap-xxxxxxxxxxxxxamazxxxxxxs.com/recxxxxxxxxgs.kxxxo.in/mahxxxx_txr/DIA03xxxxxxxxa208dd02xxxxxd2.mp3",
    "TransferType": "No Transfers",
    "TransferredTo": "",
    "Comments": "",
    "DialStatus": "answered",
    "Apikey": "KK7xxxxxxxxxx014c05b3efbaxxxxx1f70",
    "AgentStatus": "answered",
    "CustomerStatus": "answered",
    "UserName": "maxxxra_xxr",
    "CallerConfAudioFile": "",
    "ConfDuration": "00:00:00",
    "CampaignStatus": "OFFLINE",
    "DataUniqueId": "",
    "CallCompleted": "TRUE",
}


def calls_stream(config: dict[str, Any] | None = None) -> Any:
    streams = SourceOzonetel().streams(config or ozonetel.config())
    return next(stream for stream in streams if stream.name == "calls")


def mapped(record: dict[str, Any], stream: Any = None, shape: Any = shape_call_log) -> dict[str, Any]:
    call = (stream or calls_stream()).to_call(shape(record), {})
    assert call is not None
    out = call.as_record()
    jsonschema.validate(out, CALLS_SCHEMA)
    return out


def test_the_vendor_page_sample_maps_to_an_answered_outbound_call_with_what_the_page_says():
    assert mapped(PAGE_SAMPLE) == {
        "provider": "ozonetel",
        "account": ozonetel.USER,
        "call_id": "2191620069327187",
        "direction": "outbound",  # "manual": an agent dialled out
        "started_at": "2021-02-09T05:03:53+00:00",
        "answered_at": "2021-02-09T05:04:04+00:00",  # StartTime + TimeToAnswer
        "ended_at": "2021-02-09T05:08:50+00:00",
        "ring_seconds": 11,
        "queue_seconds": None,
        "talk_seconds": None,  # no TalkTime in this shape
        "duration_seconds": 297,  # = CallDuration 00:04:57
        "caller_number": "xxxx",  # outbound: the campaign's DID
        "called_number": "xxxxx",  # outbound: CallerID, the customer's number
        "agent_id": None,
        "agent_name": None,  # "None" in the sample
        "queue": "xxxxxx",
        "outcome": "answered",
        "hangup_by": None,  # the customer hung up; on an outbound call that is the called party
        "disposition": None,
        "recording_url": PAGE_SAMPLE["AudioFile"],
        "source_stream": "call_logs",
        "source_key": "2191620069327187",
    }


def test_an_inbound_call_log_maps_numbers_talk_time_and_who_hung_up():
    record = ozonetel.call_log(
        "7001", Type="InBound", CallerID="+919812345678", HangupBy="UserHangup", Disposition="Resolved"
    )
    call = mapped(record)
    assert call["direction"] == "inbound"
    assert (call["caller_number"], call["called_number"]) == ("+919812345678", "918047190000")
    assert (call["talk_seconds"], call["ring_seconds"], call["duration_seconds"]) == (270, 11, 297)
    assert (call["agent_id"], call["agent_name"], call["queue"]) == (
        "priya",
        "Priya Sharma",
        "Inbound_918047190000",
    )
    assert (call["hangup_by"], call["disposition"], call["outcome"]) == ("caller", "Resolved", "answered")


@pytest.mark.parametrize(
    "fields, outcome",
    [
        ({"Type": "InBound", "HangupBy": "UserHangup", "DialStatus": "not_answered"}, "abandoned"),
        ({"Type": "InBound", "HangupBy": "AgentHangup", "DialStatus": "not_answered"}, "missed"),
        ({"Type": "InBound", "HangupBy": "", "DialStatus": ""}, "missed"),
        ({"Type": "Progressive", "DialStatus": "not_answered"}, "missed"),
        ({"Type": "Progressive", "DialStatus": "Busy"}, "busy"),
        ({"Type": "Progressive", "DialStatus": "exception", "CustomerStatus": "Busy"}, "failed"),
        ({"Type": "Preview", "DialStatus": "", "CustomerStatus": "InvalidNumber"}, "failed"),
        ({"Type": "Manual", "DialStatus": "", "CustomerStatus": "NoResponse"}, "missed"),
        ({"Type": "Predictive", "DialStatus": "", "CustomerStatus": "SubcriberAbsent"}, "failed"),
    ],
)
def test_an_unanswered_call_gets_its_outcome_from_the_documented_dial_statuses(fields, outcome):
    call = mapped(ozonetel.call_log("7002", Status="NotAnswered", TimeToAnswer="", **fields))
    assert call["outcome"] == outcome
    assert call["answered_at"] is None and call["ring_seconds"] is None


@pytest.mark.parametrize(
    "call_type, hangup, expected",
    [
        ("InBound", "UserHangup", "caller"),
        ("InBound", "AgentHangup", "agent"),
        ("Progressive", "AgentHangup", "agent"),
        ("Progressive", "UserHangup", None),
        ("InBound", "", None),
    ],
)
def test_hangup_by_says_the_party_only_where_the_shared_values_can(call_type, hangup, expected):
    assert mapped(ozonetel.call_log("7003", Type=call_type, HangupBy=hangup))["hangup_by"] == expected


def test_values_the_tables_do_not_hold_map_to_null_or_other_and_are_logged_once(caplog):
    stream = calls_stream()
    odd = {"Type": "Chat", "Status": "Transferred", "HangupBy": "NetworkDrop"}
    with caplog.at_level(logging.WARNING):
        calls = [mapped(ozonetel.call_log(ucid, **odd), stream) for ucid in ("1", "2", "3")]
    assert {(c["direction"], c["outcome"], c["hangup_by"]) for c in calls} == {(None, "other", None)}
    unknown = [
        r.getMessage() for r in caplog.records if "is not a value the connector maps" in r.getMessage()
    ]
    assert len(unknown) == 3 and all(any(v in m for m in unknown) for v in odd.values())


def test_a_reports_record_maps_its_pickup_time_queue_time_and_exact_17_digit_ucid():
    config = ozonetel.config.with_cdr_reports("basic").build()
    record = {
        **ozonetel.report_record(31733467784618213, start="23:59:50", end="00:02:10"),
        "Type": "InBound",
        "PickupTime": "00:00:05",
        "TimeToAnswer": "00:00:15",
        "QueueTime": "00:00:09",
        "CallerID": "+919812345678",
        "DID": "918047190000",
        "HangupBy": "AgentHangup",
        "CallAudio": "https://recordings.example/r.mp3",
    }
    call = mapped(record, calls_stream(config), shape_report)
    assert call["call_id"] == call["source_key"] == "31733467784618213"
    assert call["source_stream"] == "cdr_reports"
    assert call["started_at"] == "2024-05-09T18:29:50+00:00"
    assert call["answered_at"] == "2024-05-09T18:30:05+00:00"  # PickupTime, after midnight: the next day
    assert call["ended_at"] == "2024-05-09T18:32:10+00:00"
    assert (call["ring_seconds"], call["queue_seconds"], call["talk_seconds"]) == (15, 9, 56)
    assert call["duration_seconds"] == 140
    assert (call["caller_number"], call["called_number"]) == ("+919812345678", "918047190000")
    assert call["recording_url"] == "https://recordings.example/r.mp3"


def test_a_record_without_a_start_time_is_skipped_and_counted():
    stream = calls_stream()
    assert stream.to_call(shape_call_log(ozonetel.call_log("7004", StartTime="")), {}) is None
    assert stream.skipped == {"record(s) without a UCID or a start time": 1}


# ---------------------------------------------------------------------------------- the parent


def test_without_the_reports_api_calls_maps_from_call_logs_and_with_it_from_cdr_reports():
    assert calls_stream().parent.name == "call_logs"
    assert calls_stream(ozonetel.config.with_cdr_reports("basic").build()).parent.name == "cdr_reports"
    assert calls_stream(ozonetel.config.with_cdr_reports("token").build()).parent.name == "cdr_reports"


def read_yesterday(*streams: str, calls_per_request: int) -> Any:
    """One sync of yesterday reading `streams`: the one getCallLogs request is asked `calls_per_request`
    times (HttpMocker fails the test on any request not declared here)."""
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        request = ozonetel.call_logs_request(*YESTERDAY)
        http.get(request, ozonetel.success([ozonetel.call_log("111"), ozonetel.call_log("222")]))
        output = ozonetel.run(ozonetel.config(), *streams)
        http.assert_number_of_calls(request, calls_per_request)
    assert not output.errors
    return output


def test_calls_and_call_logs_together_cost_the_requests_of_call_logs_alone():
    read_yesterday("call_logs", calls_per_request=1)
    together = read_yesterday("calls", "call_logs", calls_per_request=1)
    only = read_yesterday("calls", calls_per_request=1)
    assert sorted(m.record.stream for m in together.records) == ["call_logs"] * 2 + ["calls"] * 2
    assert [m.record.data["call_id"] for m in only.records] == ["111", "222"]
    assert all(m.record.data["source_stream"] == "call_logs" for m in only.records)


def read_two_report_days(*streams: str) -> Any:
    """One sync of two days of the reports API reading `streams`; each day is asked exactly once."""
    config = ozonetel.config.with_cdr_reports("basic")(start_date="2024-05-08")
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        requests = []
        for day, ucid in (("2024-05-08", 11), ("2024-05-09", 22)):
            request = ozonetel.reports_request(day, headers={"apiKey": KEY})
            answer = {"status": "true", "details": [ozonetel.report_record(ucid, day=day)]}
            http.get(request, ozonetel.answer(answer))
            requests.append(request)
        output = ozonetel.run(config, *streams)
        for request in requests:
            http.assert_number_of_calls(request, 1)
    assert not output.errors
    return output


def test_calls_and_cdr_reports_together_cost_the_requests_of_cdr_reports_alone():
    read_two_report_days("cdr_reports")
    together = read_two_report_days("cdr_reports", "calls")
    only = read_two_report_days("calls")
    assert sorted(m.record.stream for m in together.records) == ["calls"] * 2 + ["cdr_reports"] * 2
    assert [m.record.data["call_id"] for m in only.records] == ["11", "22"]


def test_calls_keeps_its_own_state_per_window_and_reads_incrementally_from_it():
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(
            ozonetel.call_logs_request("2024-05-09 00:00:00", "2024-05-09 23:59:59"),
            ozonetel.success([ozonetel.call_log("111")]),
        )
        output = ozonetel.run(
            ozonetel.config(start_date="2024-05-01"),
            "calls",
            state=ozonetel.state_at("2024-05-08T18:30:00+00:00", "calls"),
        )
    assert [m.record.data["call_id"] for m in output.records] == ["111"]
    assert ozonetel.states(output)[-1] == "2024-05-09T18:30:00+00:00"
    assert all(m.state.stream.stream_descriptor.name == "calls" for m in output.state_messages)


def test_calls_from_the_reports_api_keep_its_history_and_report_older_days_as_not_read():
    config = ozonetel.config.with_cdr_reports("basic")(start_date="2024-04-20")
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        for day in [f"2024-04-{d}" for d in range(26, 31)] + [f"2024-05-{d:02d}" for d in range(1, 10)]:
            http.get(ozonetel.reports_request(day), ozonetel.answer({"details": []}))
        output = ozonetel.run(config, "calls")
    assert output.is_in_logs(
        "calls: Ozonetel serves only .* the calls from 2024-04-19T18:30:00\\+00:00 to "
        "2024-04-25T18:30:00\\+00:00 cannot be read"
    )
    assert ozonetel.states(output)[-1] == "2024-05-09T18:30:00+00:00"
