import json
import logging

import jsonschema
import pendulum
import pytest
import requests
from airbyte_cdk.test.mock_http import HttpMocker, HttpResponse
from freezegun import freeze_time

from cdr_shared.testing.output import stream_schema, warnings
from source_huawei_cms.config import parse_config
from source_huawei_cms.streams import CallList
from unit_tests import builders as cms
from unit_tests.builders import NOW, W1, W2

SCHEMA = stream_schema("source_huawei_cms", "call_list")


def keys(output):
    return [(m.record.data["callId"], m.record.data["direction"]) for m in output.records]


@freeze_time(NOW)
def test_given_first_sync_then_each_window_is_queried_inbound_then_outbound_in_epoch_millis():
    with HttpMocker() as http:
        http.post(cms.calls_request(*W1, inbound=True), cms.calls_page([cms.call("1715330000-1")]))
        http.post(
            cms.calls_request(*W1, inbound=False), cms.calls_page([cms.call("1715330000-1", callType=7)])
        )
        http.post(
            cms.calls_request(*W2, inbound=True),
            cms.calls_page([cms.call("1715338000-9", "2024-05-10T10:00:00Z")]),
        )
        cms.mock_empty(http, (W2, False))
        output = cms.run(cms.config())
    # The same id in both directions is two calls: the primary key is the id plus the direction.
    assert keys(output) == [
        ("1715330000-1", "inbound"),
        ("1715330000-1", "outbound"),
        ("1715338000-9", "inbound"),
    ]


@freeze_time(NOW)
def test_given_count_beyond_the_page_then_offset_advances_by_the_calls_received_until_count_is_reached():
    first = [cms.call(f"a-{i}") for i in range(100)]
    with HttpMocker() as http:
        http.post(cms.calls_request(*W1), cms.calls_page(first, count=230))
        # A server that pages shorter than `limit` must not make the connector skip calls.
        http.post(
            cms.calls_request(*W1, offset=100),
            cms.calls_page([cms.call(f"b-{i}") for i in range(60)], count=230),
        )
        http.post(
            cms.calls_request(*W1, offset=160),
            cms.calls_page([cms.call(f"c-{i}") for i in range(70)], count=230),
        )
        cms.mock_rest_empty(http)
        output = cms.run(cms.config())
    assert len(output.records) == 230


# The pages of the first window, each (offset asked, calls listed, count stated): calls `a` and `b` are read
# once each, and no further page is asked (HttpMocker fails a request nobody mocked).
PAGINGS = {
    "an empty page before count is reached: paging stops": [(0, ["a", "b"], 5), (2, [], 5)],
    "a call repeated by shifted pages: it is emitted once": [(0, ["a", "b"], 3), (2, ["b"], 3)],
}


@pytest.mark.parametrize("pages", list(PAGINGS.values()), ids=list(PAGINGS))
@freeze_time(NOW)
def test_given_pages_that_end_early_or_overlap_then_each_call_is_read_once(pages):
    with HttpMocker() as http:
        for offset, calls, count in pages:
            http.post(
                cms.calls_request(*W1, offset=offset),
                cms.calls_page([cms.call(c) for c in calls], count=count),
            )
        cms.mock_rest_empty(http)
        output = cms.run(cms.config())
    assert keys(output) == [("a", "inbound"), ("b", "inbound")]


@freeze_time(NOW)
def test_given_data_and_count_beside_result_code_then_they_are_read_too():
    with HttpMocker() as http:
        http.post(cms.calls_request(*W1), cms.calls_page([cms.call("a")], layout="flat"))
        cms.mock_rest_empty(http)
        output = cms.run(cms.config())
    assert keys(output) == [("a", "inbound")]


@freeze_time(NOW)
def test_records_keep_provider_fields_and_gain_utc_instants_labels_and_validate_against_the_schema():
    unanswered = cms.call(
        "x",
        "2024-05-10T09:59:59.999Z",
        **{"agentId ": 0, "ackBegin": 0, "callBegin": 0, "callType": "43", "releaseCause": 47},
    )
    with HttpMocker() as http:
        http.post(cms.calls_request(*W1), cms.calls_page([cms.call("a"), unanswered]))
        cms.mock_rest_empty(http)
        output = cms.run(cms.config())
    answered, missed = (m.record.data for m in output.records)
    assert answered["waitBegin"] == 1715329800000 and answered["callType"] == 0
    assert answered["begin_at"] == "2024-05-10T08:30:00+00:00"
    assert answered["end_at"] == "2024-05-10T08:32:00+00:00"
    assert answered["logged_at"] == "2024-05-10T08:32:05+00:00"
    assert answered["call_type_label"] == "common incoming call"
    assert answered["release_cause_label"] == "normal"
    assert missed["begin_at"] == "2024-05-10T09:59:59.999000+00:00"
    assert missed["agentId"] == 0 and "agentId " not in missed
    assert missed["call_type_label"] == "predicted outgoing call" and missed["release_cause_label"] == "busy"
    for record in (answered, missed):
        jsonschema.validate(record, SCHEMA)


@freeze_time(NOW)
def test_numbers_sent_as_text_become_integers_and_a_value_that_is_no_number_is_kept_in_raw_values():
    odd = cms.call(
        "1715330000-3",
        **{
            "waitBegin": "1715329800000",
            "callType": "43",
            "agentId ": "A-9",
            "skillId": "",
            "callerNo": 13800000000,
        },
    )
    with HttpMocker() as http:
        http.post(cms.calls_request(*W1), cms.calls_page([odd]))
        cms.mock_rest_empty(http)
        record = cms.run(cms.config()).records[0].record.data
    jsonschema.validate(record, SCHEMA)
    assert (record["waitBegin"], record["callType"], record["callerNo"]) == (1715329800000, 43, "13800000000")
    assert record.get("agentId") is None and record.get("skillId") is None
    # An empty text loses nothing; "A-9" would be lost as null, so its text is kept.
    assert record["raw_values"] == {"agentId": "A-9"}
    assert record["begin_at"] == "2024-05-10T08:30:00+00:00"


@freeze_time(NOW)
def test_codes_outside_the_documented_tables_get_no_label_but_keep_their_value():
    with HttpMocker() as http:
        http.post(cms.calls_request(*W1), cms.calls_page([cms.call("a", callType=99, releaseCause=1234)]))
        cms.mock_rest_empty(http)
        record = cms.run(cms.config()).records[0].record.data
    # The CDK leaves null values out of the serialized record.
    assert record["callType"] == 99 and record.get("call_type_label") is None
    assert record["releaseCause"] == 1234 and record.get("release_cause_label") is None


def spread(prefix: str, count: int, start: str) -> list[dict]:
    """`count` calls a second apart from `start`."""
    first = pendulum.parse(start)
    return [cms.call(f"{prefix}-{i}", first.add(seconds=i).isoformat()) for i in range(count)]


def page_without_count(calls: list[dict]) -> HttpResponse:
    return HttpResponse(json.dumps({"resultCode": "0100000", "resultDesc": {"data": calls}}))


@freeze_time(NOW)
def test_given_a_server_that_ignores_offset_then_the_window_is_split_until_every_part_fits_and_nothing_is_lost():
    early, late = spread("e", 100, "2024-05-10T08:00:00Z"), spread("l", 50, "2024-05-10T09:00:00Z")
    with HttpMocker() as http:
        # Every offset gets the first page: the connector must notice, not loop, and read the halves.
        http.post(cms.calls_request(*W1), cms.calls_page(early, count=150))
        http.post(cms.calls_request(*W1, offset=100), cms.calls_page(early, count=150))
        http.post(cms.calls_request("2024-05-10T08:00:00Z", "2024-05-10T09:00:00Z"), cms.calls_page(early))
        http.post(cms.calls_request("2024-05-10T09:00:00Z", "2024-05-10T10:00:00Z"), cms.calls_page(late))
        cms.mock_rest_empty(http)
        output = cms.run(cms.config())
    assert output.errors == [] and output.state_messages, "every window must end cleanly"
    assert sorted(keys(output)) == sorted((c["callId"], "inbound") for c in early + late)
    assert any("ignores 'offset'" in line and "nothing is lost" in line for line in warnings(output))


@freeze_time(NOW)
def test_given_no_count_and_a_page_that_repeats_the_previous_one_then_paging_ends_and_the_halves_are_read():
    early, late = spread("e", 20, "2024-05-10T08:10:00Z"), spread("l", 20, "2024-05-10T09:10:00Z")
    with HttpMocker() as http:
        http.post(cms.calls_request(*W1), page_without_count(early + late))
        http.post(cms.calls_request(*W1, offset=40), page_without_count(early + late))
        http.post(
            cms.calls_request("2024-05-10T08:00:00Z", "2024-05-10T09:00:00Z"), page_without_count(early)
        )
        http.post(cms.calls_request("2024-05-10T09:00:00Z", "2024-05-10T10:00:00Z"), page_without_count(late))
        cms.mock_rest_empty(http)
        output = cms.run(cms.config())
    assert output.errors == [] and output.state_messages, "every window must end cleanly"
    assert sorted(keys(output)) == sorted((c["callId"], "inbound") for c in early + late)


@freeze_time(NOW)
def test_given_no_count_then_paging_goes_on_past_short_pages_until_an_empty_one():
    with HttpMocker() as http:
        # A server that caps pages below `limit` and sends no count: a short page is not the end.
        http.post(cms.calls_request(*W1), page_without_count(spread("a", 50, "2024-05-10T08:00:00Z")))
        http.post(
            cms.calls_request(*W1, offset=50), page_without_count(spread("b", 30, "2024-05-10T08:30:00Z"))
        )
        http.post(cms.calls_request(*W1, offset=80), page_without_count([]))
        cms.mock_rest_empty(http)
        output = cms.run(cms.config())
    assert len(output.records) == 80


class OffsetIgnoringServer:
    """`querycalls` of a server that ignores `offset`: the first `cap` calls of the period, `count` optional."""

    def __init__(self, calls: list[dict], cap: int = 100, with_count: bool = True) -> None:
        self.calls, self.cap, self.with_count = calls, cap, with_count
        self.requests = 0

    def send_request(self, http_method, url, **kwargs):
        self.requests += 1
        body = kwargs["json"]
        inside = [c for c in self.calls if body["beginDate"] <= c["waitBegin"] <= body["endDate"]]
        page: dict = {"data": inside[: min(self.cap, body["limit"])]}
        if self.with_count:
            page["count"] = len(inside)
        response = requests.Response()
        response.status_code, response._content = (
            200,
            json.dumps({"resultCode": "0100000", "resultDesc": page}).encode(),
        )
        return None, response


def read_window_from(server: OffsetIgnoringServer, caplog) -> list[str]:
    stream = CallList(parse_config(cms.config()))
    stream.http_client = server
    window = {"direction": "inbound", "window_start": W1[0], "window_end": W1[1]}
    with caplog.at_level(logging.WARNING):
        return [record["callId"] for record in stream.read_slice(window)]


@pytest.mark.parametrize(("cap", "with_count"), [(100, True), (100, False), (40, False)])
@freeze_time(NOW)
def test_given_a_server_ignoring_offset_with_many_calls_then_splitting_recovers_every_call(
    cap, with_count, caplog
):
    calls = [cms.call(f"c-{i}", pendulum.parse(W1[0]).add(seconds=20 * i).isoformat()) for i in range(350)]
    server = OffsetIgnoringServer(calls, cap, with_count)
    read = read_window_from(server, caplog)
    assert sorted(read) == sorted(c["callId"] for c in calls) and len(read) == len(set(read))
    assert "ignores 'offset'" in caplog.text and "DATA MAY BE MISSING" not in caplog.text
    assert server.requests < 100


@freeze_time(NOW)
def test_given_more_calls_in_one_second_than_a_page_then_the_rest_is_read_and_the_gap_reported_loudly(caplog):
    crowded = [cms.call(f"x-{i}", "2024-05-10T09:00:00Z") for i in range(150)]
    others = [cms.call(f"o-{i}", pendulum.parse(W1[0]).add(minutes=i).isoformat()) for i in range(0, 120, 7)]
    read = read_window_from(OffsetIgnoringServer(others + crowded), caplog)
    assert {c["callId"] for c in others} <= set(read) and len(read) == len(others) + 100
    assert "DATA MAY BE MISSING" in caplog.text and "2024-05-10T09:00:00" in caplog.text
