import json

import jsonschema
from airbyte_cdk.test.entrypoint_wrapper import discover
from airbyte_cdk.test.mock_http import HttpMocker, HttpResponse
from freezegun import freeze_time

from cdr_shared.testing.output import stream_schema, warnings
from source_huawei_cms import SourceHuaweiCms
from unit_tests import builders as cms
from unit_tests.builders import NOW, W1, W2

SCHEMA = stream_schema("source_huawei_cms", "call_details")


def run(cfg):
    return cms.run(cfg, "call_details")


@freeze_time(NOW)
def test_each_listed_call_gets_one_detail_request_and_one_record_with_trimmed_keys_and_labels():
    with HttpMocker() as http:
        http.post(
            cms.calls_request(*W1), cms.calls_page([cms.call("c-1"), cms.call("c-2", "2024-05-10T09:00:00Z")])
        )
        http.post(cms.detail_request("c-1"), cms.detail_answer(cms.detail("c-1")))
        http.post(
            cms.detail_request("c-2"), cms.detail_answer(cms.detail("c-2", releaseCause=49, callType=6))
        )
        cms.mock_rest_empty(http)
        output = run(cms.config())
    first, second = (m.record.data for m in output.records)
    assert first["callId"] == "c-1" and first["agentId"] == 100 and "agentId " not in first
    assert first["direction"] == "inbound" and first["begin_at"] == "2024-05-10T08:30:00+00:00"
    assert first["call_type_label"] == "common incoming call" and first["release_cause_label"] == "normal"
    assert second["call_type_label"] == "internal call"
    assert second["release_cause_label"] == "caller released before answer"
    for record in (first, second):
        jsonschema.validate(record, SCHEMA)


@freeze_time(NOW)
def test_outbound_details_are_asked_with_is_callin_false_and_their_tenant_times_become_utc():
    predicted = cms.detail(
        "o-1", callType=43, beginTime="2024-05-10 16:30:00", endTime="2024-05-10 16:32:10", result="0900"
    )
    with HttpMocker() as http:
        http.post(cms.calls_request(*W1), cms.empty_page())
        http.post(cms.calls_request(*W1, inbound=False), cms.calls_page([cms.call("o-1", callType=43)]))
        http.post(cms.detail_request("o-1", inbound=False), cms.detail_answer(predicted))
        http.post(cms.calls_request(*W2), cms.empty_page())
        http.post(cms.calls_request(*W2, inbound=False), cms.empty_page())
        output = run(cms.config(timezone="Asia/Shanghai"))
    record = output.records[0].record.data
    assert record["direction"] == "outbound"
    assert record["beginTime"] == "2024-05-10 16:30:00"
    assert record["begin_time_utc"] == "2024-05-10T08:30:00+00:00"
    assert record["end_time_utc"] == "2024-05-10T08:32:10+00:00"
    assert record["call_type_label"] == "predicted outgoing call"
    jsonschema.validate(record, SCHEMA)


@freeze_time(NOW)
def test_detail_numbers_sent_as_text_become_integers_and_the_call_list_end_is_added():
    odd = cms.detail("c-1", **{"callTime": "30", "vdn": "21", "anonyCall": "yes", "busiResult": 7})
    with HttpMocker() as http:
        http.post(cms.calls_request(*W1), cms.calls_page([cms.call("c-1")]))
        http.post(cms.detail_request("c-1"), cms.detail_answer(odd))
        cms.mock_rest_empty(http)
        [record] = [m.record.data for m in run(cms.config()).records]
    jsonschema.validate(record, SCHEMA)
    assert (record["callTime"], record["vdn"], record["busiResult"]) == (30, 21, "7")
    assert record.get("anonyCall") is None and record["raw_values"] == {"anonyCall": "yes"}
    assert record["end_at"] == "2024-05-10T08:32:00+00:00"


@freeze_time(NOW)
def test_result_desc_is_read_first_and_result_datas_is_the_fallback_of_older_servers():
    with HttpMocker() as http:
        http.post(
            cms.calls_request(*W1), cms.calls_page([cms.call("new"), cms.call("old"), cms.call("both")])
        )
        http.post(cms.detail_request("new"), cms.detail_answer(cms.detail("new"), layout="desc"))
        http.post(cms.detail_request("old"), cms.detail_answer(cms.detail("old"), layout="datas"))
        both = {"result": "0", "resultCode": "0100000", "resultDesc": cms.detail("both", skillId=9)}
        both["resultDatas"] = cms.detail("both", skillId=1)
        http.post(cms.detail_request("both"), HttpResponse(json.dumps(both)))
        cms.mock_rest_empty(http)
        output = run(cms.config())
    records = {m.record.data["callId"]: m.record.data for m in output.records}
    assert set(records) == {"new", "old", "both"}
    assert records["both"]["skillId"] == 9


@freeze_time(NOW)
def test_a_call_without_detail_is_skipped_with_a_warning_naming_it():
    with HttpMocker() as http:
        http.post(cms.calls_request(*W1), cms.calls_page([cms.call("gone"), cms.call("kept")]))
        http.post(cms.detail_request("gone"), cms.detail_answer(None))
        http.post(cms.detail_request("kept"), cms.detail_answer(cms.detail("kept")))
        cms.mock_rest_empty(http)
        output = run(cms.config())
    assert cms.ids(output) == ["kept"]
    assert any("inbound call gone" in message for message in warnings(output))


@freeze_time(NOW)
def test_include_call_details_false_offers_neither_call_details_nor_calls():
    names = [
        s.name
        for s in discover(SourceHuaweiCms(), cms.config(include_call_details=False)).catalog.catalog.streams
    ]
    # `calls` maps the detail records, so it goes with them.
    assert names == ["call_list", "missed_calls", "call_traces"]
    names = [s.name for s in discover(SourceHuaweiCms(), cms.config()).catalog.catalog.streams]
    assert names == ["call_list", "call_details", "calls", "missed_calls", "call_traces"]
