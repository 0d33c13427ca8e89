"""`calls`: the Call Detail Report's rows in the unified shape, mapped from the vendor page's example rows,
read without a request of its own, with the report's windows and state contract."""

from __future__ import annotations

import datetime as dt
import logging

import jsonschema
from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.mock_http import HttpMocker
from freezegun import freeze_time

from cdr_shared.calls import CALLS_SCHEMA, CallRecord
from cdr_shared.testing.output import record_values, warnings
from cdr_shared.testing.state_builder import StateBuilder
from source_casper import SourceCasper
from source_casper.calls import RingCxCalls
from source_casper.report import REPORT_ZONE
from source_casper.report_csv import ReportRowParser
from unit_tests import builders as ringcx
from unit_tests.builders import ACCOUNT, NOW, OTHER_ACCOUNT

UTC = dt.timezone.utc
DAY_1 = ("2024-05-09 07:00:00.0000", "2024-05-10 06:59:59.9999")
DAY_2 = ("2024-05-10 07:00:00.0000", "2024-05-10 11:59:59.9999")
ABANDONED_ROW = (
    "1111,DTE,'202405091501000132110000000042,6025550143,8889918278,,,,,,,,0,5/9/24 3:01 PM,,38,"
    "ABANDON             ,Yes,0,ABANDONED,38,,,,,,,,,,,,,"
)


def calls_stream(config=None) -> RingCxCalls:
    streams = SourceCasper().streams(config or ringcx.config())
    return next(stream for stream in streams if stream.name == "calls")


def parsed(*rows: str) -> list[dict]:
    """Report rows as `call_detail_report` emits them (the report is asked in UTC)."""
    parser = ReportRowParser(REPORT_ZONE, {"account_id": ACCOUNT}, logging.getLogger("test"))
    return list(parser.records([ringcx.report_csv(*rows)]))


def mapped(*rows: str) -> list[CallRecord | None]:
    stream = calls_stream()
    return [stream.to_call(record, {}) for record in parsed(*rows)]


def test_the_vendor_example_rows_map_to_answered_inbound_calls_with_the_reported_durations():
    first, second, third = mapped(*ringcx.SEED_ROWS)
    started = dt.datetime(2020, 4, 20, 6, 12, tzinfo=UTC)
    assert first == CallRecord(
        provider="ringcx",
        account=ACCOUNT,
        call_id="202004250912250132110000003150",
        started_at=started,
        source_stream="call_detail_report",
        source_key=f"{ACCOUNT}|202004250912250132110000003150",
        direction="inbound",
        answered_at=started + dt.timedelta(seconds=5),
        ended_at=started + dt.timedelta(seconds=24),
        ring_seconds=None,
        queue_seconds=5,
        talk_seconds=19,
        duration_seconds=24,
        caller_number="2312866364",
        called_number="8889918278",
        agent_id=None,
        agent_name=None,
        queue="DTE",
        outcome="answered",
        hangup_by=None,
        disposition=None,
        recording_url=None,
    )
    assert (second.queue, second.talk_seconds, second.duration_seconds) == ("IT TFN", 48, 53)
    assert third.ended_at - third.started_at == dt.timedelta(seconds=301)
    for call in (first, second, third):
        jsonschema.validate(call.as_record(), CALLS_SCHEMA)


def test_an_abandoned_call_has_no_answer_time_and_ends_when_the_caller_left_the_queue():
    (call,) = mapped(ABANDONED_ROW)
    assert call.outcome == "abandoned" and call.answered_at is None and call.talk_seconds is None
    assert call.started_at == dt.datetime(2024, 5, 9, 15, 1, tzinfo=UTC)
    assert call.ended_at == call.started_at + dt.timedelta(seconds=38) and call.queue_seconds == 38


def test_a_recording_and_an_international_caller_are_carried_over():
    row = (
        ringcx.SEED_ROWS[0]
        .replace("2312866364", "+44 20 7946 0000")
        .replace(",24,,4546", ",24,https://recordings.example/r/1.wav,4546")
    )
    (call,) = mapped(row)
    assert call.caller_number == "+442079460000"
    assert call.recording_url == "https://recordings.example/r/1.wav"


def test_call_results_outside_the_table_are_other_and_warned_once_per_value(caplog):
    rows = [
        ringcx.SEED_ROWS[0].replace("CONNECTED", "SOMETHING_NEW"),
        ringcx.SEED_ROWS[1].replace("CONNECTED", "SOMETHING_NEW"),
        ringcx.SEED_ROWS[2].replace("CONNECTED", ""),
    ]
    stream = calls_stream()
    with caplog.at_level(logging.WARNING):
        calls = [stream.to_call(record, {}) for record in parsed(*rows)]
    assert [call.outcome for call in calls] == ["other", "other", None]
    assert calls[0].answered_at is None
    assert [r.message for r in caplog.records if "SOMETHING_NEW" in r.message] == [
        "calls: call_result 'SOMETHING_NEW' is not a value the connector maps: its calls have outcome "
        "'other' (logged once per sync; please report it)."
    ]


def test_a_row_without_an_enqueue_time_is_skipped_and_counted():
    stream = calls_stream()
    records = parsed(ringcx.SEED_ROWS[0].replace("4/20/20 6:12 AM,4/20/20 6:12 AM", "soon,"))
    assert stream.to_call(records[0], {}) is None
    assert stream.skipped == {"report row(s) without a uii or an enqueue time": 1}


@freeze_time(NOW)
def test_given_both_streams_then_each_report_and_input_controls_is_asked_once_and_calls_mirror_the_rows():
    with HttpMocker() as http:
        ringcx.mock_directory(http, ACCOUNT, OTHER_ACCOUNT)
        reports = {
            (ACCOUNT, DAY_1): ringcx.report_answer(ringcx.row(1111, "101", "5/9/24 6:12 PM")),
            (OTHER_ACCOUNT, DAY_1): ringcx.report_answer(ringcx.row(2111, "201", "5/9/24 7:00 PM")),
            (ACCOUNT, DAY_2): ringcx.report_answer(ringcx.row(1222, "102", "5/10/24 8:00 AM", "IT TFN")),
            (OTHER_ACCOUNT, DAY_2): ringcx.report_answer(),
        }
        requests = [day_report(account, day) for account, day in reports]
        for request, answer in zip(requests, reports.values(), strict=True):
            http.post(request, answer)
        output = ringcx.run(
            ringcx.config(account_ids=[ACCOUNT, OTHER_ACCOUNT]), "calls", "call_detail_report"
        )
        for request in requests:
            http.assert_number_of_calls(request, 1)
    by_stream = {"calls": [], "call_detail_report": []}
    for message in output.records:
        by_stream[message.record.stream].append(message.record.data)
    assert [(c["account"], c["call_id"]) for c in by_stream["calls"]] == [
        (r["account_id"], r["uii"]) for r in by_stream["call_detail_report"]
    ]
    assert [c["source_key"] for c in by_stream["calls"]] == [
        f"{ACCOUNT}|101",
        f"{OTHER_ACCOUNT}|201",
        f"{ACCOUNT}|102",
    ]
    assert [c["started_at"] for c in by_stream["calls"]] == [
        r["enqueue_at"] for r in by_stream["call_detail_report"]
    ]
    assert states_of(output, "calls")[-1] == {"started_at": "2024-05-10T12:00:00+00:00"}


@freeze_time(NOW)
def test_given_calls_alone_then_the_report_is_read_for_it_but_not_emitted():
    with HttpMocker() as http:
        ringcx.mock_directory(http, ACCOUNT)
        http.post(day_report(ACCOUNT, DAY_1), ringcx.report_answer(*ringcx.SEED_ROWS[:1]))
        http.post(day_report(ACCOUNT, DAY_2), ringcx.report_answer())
        output = ringcx.run(ringcx.config(), "calls")
    assert {message.record.stream for message in output.records} == {"calls"}
    assert record_values(output, "call_id") == ["202004250912250132110000003150"]
    assert states_of(output, "call_detail_report") == []
    assert states_of(output, "calls") == [
        {"started_at": "2024-05-10T07:00:00+00:00"},
        {"started_at": "2024-05-10T12:00:00+00:00"},
    ]


@freeze_time(NOW)
def test_given_a_calls_state_then_only_its_lookback_and_newer_is_read_like_the_report():
    state = StateBuilder().with_cursor("calls", "started_at", "2024-05-10T07:00:00+00:00").build()
    with HttpMocker() as http:
        ringcx.mock_directory(http, ACCOUNT)
        http.post(
            day_report(ACCOUNT, ("2024-05-10 06:00:00.0000", "2024-05-10 06:59:59.9999")),
            ringcx.report_answer(),
        )
        http.post(day_report(ACCOUNT, DAY_2), ringcx.report_answer(ringcx.row(1111, "7", "5/10/24 9:59 AM")))
        output = ringcx.run(ringcx.config(), "calls", state=state)
    assert record_values(output, "call_id") == ["7"]
    assert states_of(output, "calls")[-1] == {"started_at": "2024-05-10T12:00:00+00:00"}
    assert warnings(output) == []


@freeze_time(NOW)
def test_given_full_refresh_then_calls_read_from_start_date_whatever_the_state():
    state = StateBuilder().with_cursor("calls", "started_at", "2024-05-10T07:00:00+00:00").build()
    with HttpMocker() as http:
        ringcx.mock_directory(http, ACCOUNT)
        http.post(day_report(ACCOUNT, DAY_1), ringcx.report_answer(ringcx.row(1111, "1", "5/9/24 6:12 PM")))
        http.post(day_report(ACCOUNT, DAY_2), ringcx.report_answer())
        output = ringcx.run(ringcx.config(), "calls", state=state, sync_mode=SyncMode.full_refresh)
    assert record_values(output, "call_id") == ["1"]


def test_calls_planned_minutes_after_the_report_end_where_the_report_ended_so_its_last_window_is_replayed():
    with freeze_time(NOW) as clock:
        calls = calls_stream(ringcx.config(start_date="2024-05-10"))
        report_windows = calls.parent.windowed_cursor.plan(incremental=True)
        clock.tick(dt.timedelta(minutes=20))  # the report took 20 minutes to read
        assert calls.windowed_cursor.plan(incremental=True) == report_windows
    assert report_windows[-1].end.isoformat() == "2024-05-10T12:00:00+00:00"


def test_calls_declare_the_shared_schema_key_and_cursor():
    stream = calls_stream()
    assert stream.get_json_schema() == CALLS_SCHEMA
    assert stream.primary_key == [["provider"], ["account"], ["call_id"]]
    assert stream.cursor_field == "started_at"


def day_report(account, day, base=None):
    base = base or (1000 if account == ACCOUNT else 2000)
    return ringcx.report_request(
        account, ringcx.report_body(account, *day, [base // 10 + 11, None], [base + 111, base + 222])
    )


def states_of(output, stream):
    return [
        message.state.stream.stream_state.__dict__
        for message in output.state_messages
        if message.state.stream.stream_descriptor.name == stream
    ]
