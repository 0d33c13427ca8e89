"""The CC-CMS emulator plays the documented behaviour: signatures, retention, paging, result codes, TLS."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import requests

from cdr_shared.huawei_sign import (
    CONTENT_HEADERS_SIGNED,
    HOST_FORMS,
    MILLISECONDS,
    AuthV2Signer,
    AuthV2Variant,
)
from integration_tests.emulators.huawei_cms import (
    CALL_DETAIL_PATH,
    CALL_TRACE_PATH,
    DEFAULT_ACCESS_KEY,
    DEFAULT_SECRET_KEY,
    MISSED_CALLS_PATH,
    ODD_ANSWERS,
    QUERY_CALLS_PATH,
    HuaweiCmsEmulator,
)
from integration_tests.emulators.testing import emulator_process

JSON_UTF8 = {"Content-Type": "application/json;charset=UTF-8"}


def signer(
    secret: str = DEFAULT_SECRET_KEY, variant: AuthV2Variant | None = None, **kwargs: Any
) -> AuthV2Signer:
    return AuthV2Signer(DEFAULT_ACCESS_KEY, secret, variant or AuthV2Variant(), **kwargs)


def post(emulator: HuaweiCmsEmulator, path: str, body: dict[str, Any], auth=None) -> requests.Response:
    return requests.post(
        emulator.url(path),
        json=body,
        headers=JSON_UTF8,
        auth=auth or signer(),
        verify=emulator.ca_file or True,
        timeout=10,
    )


def held_period(emulator: HuaweiCmsEmulator) -> tuple[int, int]:
    start = int(emulator.earliest_held().timestamp() * 1000)
    return start, int(emulator.clock.now().timestamp() * 1000)


def query(emulator: HuaweiCmsEmulator, inbound: bool = True, **overrides: Any) -> dict[str, Any]:
    begin, end = held_period(emulator)
    body = {
        "ccId": 1,
        "vdn": 1,
        "isCallIn": "true" if inbound else "false",
        "beginDate": begin,
        "endDate": end,
    }
    body.update({"limit": 100, "offset": 0, **overrides})
    return {key: value for key, value in body.items() if value is not None}


def all_calls(emulator: HuaweiCmsEmulator, inbound: bool) -> list[dict[str, Any]]:
    calls, offset = [], 0
    while True:
        answer = post(emulator, QUERY_CALLS_PATH, query(emulator, inbound, offset=offset)).json()
        page = answer["resultDesc"]["data"]
        calls += page
        offset += len(page)
        if not page or offset >= answer["resultDesc"]["count"]:
            return calls


# ------------------------------------------------------------------------------------------ signatures


def test_correctly_signed_requests_are_answered(huawei_cms_emulator):
    emulator = huawei_cms_emulator(calls=50)
    answer = post(emulator, QUERY_CALLS_PATH, query(emulator))
    assert answer.status_code == 200 and answer.json()["resultCode"] == "0100000"


@pytest.mark.parametrize(
    ("auth", "reason"),
    [
        (signer("wrong-secret"), "signature mismatch"),
        (AuthV2Signer("unknown-ak", DEFAULT_SECRET_KEY), "unknown access key"),
        (signer(variant=AuthV2Variant(timestamp_precision=MILLISECONDS)), "accepted format"),
        (signer(clock=lambda: dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=16)), "15 minutes"),
    ],
)
def test_badly_signed_requests_get_401_saying_why(huawei_cms_emulator, auth, reason):
    emulator = huawei_cms_emulator(calls=10)
    answer = post(emulator, QUERY_CALLS_PATH, query(emulator), auth=auth)
    assert answer.status_code == 401 and reason in answer.json()["message"]


def test_a_body_changed_after_signing_is_refused(huawei_cms_emulator):
    emulator = huawei_cms_emulator(calls=10)
    prepared = requests.Request(
        "POST", emulator.url(QUERY_CALLS_PATH), json=query(emulator), headers=JSON_UTF8
    )
    request = signer()(prepared.prepare())
    request.body = request.body.replace(b'"limit": 100', b'"limit": 99')
    request.headers["Content-Length"] = str(len(request.body))
    assert requests.Session().send(request, timeout=10).status_code == 401


def test_variants_are_accepted_when_the_emulator_is_set_to_them(huawei_cms_emulator):
    emulator = huawei_cms_emulator(
        calls=10, timestamp_mode="either", signed_headers=("content-length", "content-type", "host")
    )
    documented = post(emulator, QUERY_CALLS_PATH, query(emulator))
    assert documented.status_code == 401 and "must be signed" in documented.json()["message"]
    variant = AuthV2Variant(MILLISECONDS, CONTENT_HEADERS_SIGNED.signed_headers)
    assert post(emulator, QUERY_CALLS_PATH, query(emulator), auth=signer(variant=variant)).status_code == 200


def test_a_server_clock_16_minutes_ahead_refuses_the_signature(huawei_cms_emulator):
    emulator = huawei_cms_emulator(calls=10)
    emulator.clock.advance(16 * 60)
    assert post(emulator, QUERY_CALLS_PATH, query(emulator)).status_code == 401


@pytest.mark.parametrize(
    ("host_form", "accepted", "refused"),
    [("without_port", "without_port", "with_port"), ("with_port", "with_port", "without_port")],
)
def test_a_demanded_host_form_accepts_only_that_form(huawei_cms_emulator, host_form, accepted, refused):
    emulator = huawei_cms_emulator(calls=10, host_form=host_form)
    good = post(
        emulator, QUERY_CALLS_PATH, query(emulator), auth=signer(variant=AuthV2Variant(host_form=accepted))
    )
    assert good.status_code == 200
    bad = post(
        emulator, QUERY_CALLS_PATH, query(emulator), auth=signer(variant=AuthV2Variant(host_form=refused))
    )
    assert bad.status_code == 401 and "signed host" in bad.json()["message"]


def test_any_host_form_accepts_both(huawei_cms_emulator):
    emulator = huawei_cms_emulator(calls=10)
    for form in HOST_FORMS:
        auth = signer(variant=AuthV2Variant(host_form=form))
        assert post(emulator, QUERY_CALLS_PATH, query(emulator), auth=auth).status_code == 200


# ----------------------------------------------------------------------------------- query rules


def test_paging_with_limit_and_offset_returns_every_held_call_once(huawei_cms_emulator):
    emulator = huawei_cms_emulator(calls=800)
    truth = emulator.ground_truth()
    for inbound in (True, False):
        listed = all_calls(emulator, inbound)
        expected = [entry["call"] for entry in truth if entry["isCallIn"] is inbound]
        assert listed == expected and len(listed) > 100


def test_retention_and_period_rules_answer_0100002_naming_the_parameter(huawei_cms_emulator):
    emulator = huawei_cms_emulator(calls=10)
    begin, end = held_period(emulator)
    too_old = post(emulator, QUERY_CALLS_PATH, query(emulator, beginDate=begin - 1)).json()
    assert too_old["resultCode"] == "0100002" and "beginDate" in too_old["resultDesc"]
    too_late = post(emulator, QUERY_CALLS_PATH, query(emulator, endDate=end + 2 * 86_400_000)).json()
    assert too_late["resultCode"] == "0100002" and "endDate" in too_late["resultDesc"]
    reversed_period = post(emulator, QUERY_CALLS_PATH, query(emulator, beginDate=end, endDate=begin)).json()
    assert reversed_period["resultCode"] == "0100002"
    for name, value in (("limit", 101), ("isCallIn", True), ("ccId", None), ("offset", -1)):
        answer = post(emulator, QUERY_CALLS_PATH, query(emulator, **{name: value})).json()
        assert answer["resultCode"] == "0100002" and name in answer["resultDesc"], name


def test_another_tenant_is_refused_with_insufficient_permission(huawei_cms_emulator):
    emulator = huawei_cms_emulator(calls=10, vdn=3)
    assert post(emulator, QUERY_CALLS_PATH, query(emulator, vdn=4)).json()["resultCode"] == "0101003"


def test_calls_past_retention_are_never_listed_but_exist_in_the_data_set(huawei_cms_emulator):
    emulator = huawei_cms_emulator(calls=300)
    expired = {(entry["call"]["callId"], entry["isCallIn"]) for entry in emulator.expired_calls()}
    listed = {(call["callId"], inbound) for inbound in (True, False) for call in all_calls(emulator, inbound)}
    assert expired and not expired & listed


def test_a_smaller_max_limit_pages_shorter(huawei_cms_emulator):
    emulator = huawei_cms_emulator(calls=100, max_limit=7)
    answer = post(emulator, QUERY_CALLS_PATH, query(emulator)).json()["resultDesc"]
    assert len(answer["data"]) == 7 and answer["count"] > 7


def test_flat_layout_puts_data_and_count_beside_the_result_code(huawei_cms_emulator):
    emulator = huawei_cms_emulator(calls=30, layout="flat")
    answer = post(emulator, QUERY_CALLS_PATH, query(emulator)).json()
    assert answer["resultCode"] == "0100000" and isinstance(answer["data"], list) and "count" in answer


def test_a_server_that_ignores_offset_answers_every_page_from_the_first_call(huawei_cms_emulator):
    emulator = huawei_cms_emulator(calls=800, paging="ignores_offset")
    first = post(emulator, QUERY_CALLS_PATH, query(emulator)).json()["resultDesc"]
    later = post(emulator, QUERY_CALLS_PATH, query(emulator, offset=100)).json()["resultDesc"]
    assert first["count"] > 100 and len(first["data"]) == 100 and later == first


def test_count_omitted_leaves_count_out_of_the_answer(huawei_cms_emulator):
    emulator = huawei_cms_emulator(calls=30, count="omitted")
    answer = post(emulator, QUERY_CALLS_PATH, query(emulator)).json()["resultDesc"]
    assert "count" not in answer and answer["data"]


@pytest.mark.parametrize("path", [QUERY_CALLS_PATH, CALL_DETAIL_PATH])
def test_odd_200_answers_are_served_once_each_in_order_then_normal_answers(huawei_cms_emulator, path):
    emulator = huawei_cms_emulator(calls=10)
    body = (
        query(emulator)
        if path == QUERY_CALLS_PATH
        else {"queryParam": {"ccId": 1, "isCallin": "true", "callId": "x"}}
    )
    control = requests.post(
        emulator.url("/__control/odd_answers"), json={"queue": list(ODD_ANSWERS), "path": path}, timeout=10
    )
    assert control.json() == {"queued": len(ODD_ANSWERS)}
    answers = [post(emulator, path, body) for _ in range(len(ODD_ANSWERS) + 1)]
    assert all(answer.status_code == 200 for answer in answers)
    no_data, text_desc, html, empty, normal = answers
    assert no_data.json()["resultCode"] == "0100000" and "data" not in no_data.json().get("resultDesc", {})
    assert "resultDatas" not in no_data.json()
    assert text_desc.json()["resultDesc"] == "success"
    assert html.headers["Content-Type"].startswith("text/html") and "<html>" in html.text
    assert empty.content == b""
    assert "resultDesc" in normal.json() and emulator.odd_answers_served == list(ODD_ANSWERS)


# ---------------------------------------------------------------------------------------- details


def test_detail_by_call_id_answers_both_objects_like_the_page_including_the_agent_id_quirk(
    huawei_cms_emulator,
):
    emulator = huawei_cms_emulator(calls=200)
    truth = emulator.ground_truth()
    quirky = 0
    for entry in truth[:40]:
        body = {"queryParam": {"ccId": 1, "isCallin": "true" if entry["isCallIn"] else "false"}}
        body["queryParam"]["callId"] = entry["call"]["callId"]
        answer = post(emulator, CALL_DETAIL_PATH, body).json()
        assert answer["resultCode"] == "0100000" and answer["result"] == "0"
        assert answer["resultDesc"] == answer["resultDatas"] == entry["detail"]
        quirky += "agentId " in answer["resultDesc"]
    assert 0 < quirky < 40


def test_detail_of_an_unknown_call_is_success_with_empty_objects(huawei_cms_emulator):
    emulator = huawei_cms_emulator(calls=10, detail_layout="desc")
    body = {"queryParam": {"ccId": 1, "isCallin": "true", "callId": "no-such-call"}}
    assert post(emulator, CALL_DETAIL_PATH, body).json() == {
        "result": "0",
        "resultCode": "0100000",
        "resultDesc": {},
    }


def test_detail_request_misnamed_direction_is_an_invalid_parameter(huawei_cms_emulator):
    emulator = huawei_cms_emulator(calls=10)
    body = {"queryParam": {"ccId": 1, "isCallIn": "true", "callId": "x"}}
    answer = post(emulator, CALL_DETAIL_PATH, body).json()
    assert answer["resultCode"] == "0100002" and "isCallin" in answer["resultDesc"]


# ------------------------------------------------------------------------------------------ faults


def test_injected_result_codes_are_answered_once_each_in_order(huawei_cms_emulator):
    emulator = huawei_cms_emulator(calls=10)
    requests.post(
        emulator.url("/__control/result_codes"),
        json={"queue": ["0100999", "0100001"], "path": QUERY_CALLS_PATH},
        timeout=10,
    )
    codes = [post(emulator, QUERY_CALLS_PATH, query(emulator)).json()["resultCode"] for _ in range(3)]
    assert codes == ["0100999", "0100001", "0100000"]


def test_generic_faults_apply_and_expired_token_is_a_stale_signature(huawei_cms_emulator):
    emulator = huawei_cms_emulator(calls=10)
    emulator.inject(["503", "expired_token"], QUERY_CALLS_PATH)
    assert post(emulator, QUERY_CALLS_PATH, query(emulator)).status_code == 503
    assert post(emulator, QUERY_CALLS_PATH, query(emulator)).status_code == 401
    assert emulator.stats()["faults"] == {"503": 1, "expired_token": 1}


# --------------------------------------------------------------------------------------------- TLS


def test_https_with_a_throwaway_ca_is_trusted_only_with_that_ca(huawei_cms_emulator):
    emulator = huawei_cms_emulator(calls=10, tls=True)
    assert emulator.base_url.startswith("https://127.0.0.1:")
    assert Path(emulator.ca_file).read_text() == emulator.ca_certificate_pem
    with pytest.raises(requests.exceptions.SSLError):
        requests.post(emulator.url(QUERY_CALLS_PATH), json=query(emulator), auth=signer(), timeout=10)
    assert post(emulator, QUERY_CALLS_PATH, query(emulator)).status_code == 200


def test_command_line_serves_https_and_writes_the_ca_where_asked(tmp_path):
    ca_file = tmp_path / "ca.pem"
    with emulator_process("huawei-cms", "--tls", "--ca-file", str(ca_file), "--calls", "20") as (_, url):
        assert url.startswith("https://")
        truth = requests.get(f"{url}/__control/ground_truth", verify=str(ca_file), timeout=10).json()
    assert truth and {"isCallIn", "call", "detail", "missed", "legs"} == set(truth[0])
    assert json.dumps(truth)  # plain JSON, ready for a test to compare against


# ------------------------------------------------------------------------------------- extra fields


def test_extra_fields_are_in_every_call_and_detail_and_in_the_ground_truth(huawei_cms_emulator):
    extra = {"agentPassword": "canary-extra-pw", "recordKey": "rk-1"}
    emulator = huawei_cms_emulator(calls=30, extra_fields=extra)
    calls = all_calls(emulator, inbound=True)
    assert calls and all(call.items() >= extra.items() for call in calls)
    detail = post(
        emulator,
        CALL_DETAIL_PATH,
        {"queryParam": {"ccId": 1, "isCallin": "true", "callId": calls[0]["callId"]}},
    ).json()
    assert detail["resultDesc"].items() >= extra.items() and detail["resultDatas"].items() >= extra.items()
    assert all(entry["call"].items() >= extra.items() for entry in emulator.ground_truth())


def test_extra_fields_from_the_command_line(huawei_cms_emulator):
    parser = argparse.ArgumentParser()
    HuaweiCmsEmulator.add_arguments(parser)
    options = HuaweiCmsEmulator.options_from_arguments(
        parser.parse_args(["--extra-field", "sessionToken=t=1"])
    )
    assert options["extra_fields"] == {"sessionToken": "t=1"}


# ------------------------------------------------------------------------ missed calls and call tracks


def utc_text(millis: int) -> str:
    return dt.datetime.fromtimestamp(millis / 1000, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def missed_query(emulator: HuaweiCmsEmulator, **overrides: Any) -> dict[str, Any]:
    begin, end = held_period(emulator)
    body = {"vdn": 1, "offset": 0, "limit": 5000, "beginTime": utc_text(begin), "endTime": utc_text(end)}
    return {key: value for key, value in {**body, **overrides}.items() if value is not None}


def test_missed_calls_are_the_unanswered_inbound_calls_of_the_ground_truth_paged_by_offset(
    huawei_cms_emulator,
):
    emulator = huawei_cms_emulator(calls=200)
    truth = [e["missed"] for e in emulator.ground_truth() if e["missed"] is not None]
    assert truth and all(
        e["isCallIn"] and not e["call"]["ackBegin"]
        for e in emulator.ground_truth()
        if e["missed"] is not None
    )
    everything = post(emulator, MISSED_CALLS_PATH, missed_query(emulator)).json()
    assert everything["returnCode"] == "0" and everything["total"] == len(truth)
    assert everything["missedCalls"] == truth
    second = post(emulator, MISSED_CALLS_PATH, missed_query(emulator, offset=2, limit=3)).json()
    assert second["missedCalls"] == truth[2:5] and second["total"] == len(truth)


def test_missed_calls_select_on_wait_begin_inclusive_to_the_second(huawei_cms_emulator):
    emulator = huawei_cms_emulator(calls=200)
    target = next(e["missed"] for e in emulator.ground_truth() if e["missed"] is not None)
    second = utc_text(target["waitBegin"])
    answer = post(
        emulator, MISSED_CALLS_PATH, missed_query(emulator, beginTime=second, endTime=second)
    ).json()
    assert target in answer["missedCalls"]


def test_missed_calls_can_send_their_times_as_utc_text(huawei_cms_emulator):
    emulator = huawei_cms_emulator(calls=100, missed_time_form="text")
    [first, *_] = post(emulator, MISSED_CALLS_PATH, missed_query(emulator)).json()["missedCalls"]
    dt.datetime.strptime(first["waitBegin"], "%Y-%m-%d %H:%M:%S")


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"limit": 5001}, "0100002"),
        ({"offset": None}, "0100002"),
        ({"beginTime": "yesterday"}, "0100002"),
        ({"vdn": 2}, "0101003"),
    ],
)
def test_missed_calls_refuse_bad_input_with_a_return_code(huawei_cms_emulator, overrides, code):
    emulator = huawei_cms_emulator(calls=10)
    answer = post(emulator, MISSED_CALLS_PATH, missed_query(emulator, **overrides)).json()
    assert answer["returnCode"] == code and answer["returnDesc"] and "missedCalls" not in answer


def test_injected_codes_answer_missed_calls_in_their_own_keys(huawei_cms_emulator):
    emulator = huawei_cms_emulator(calls=10)
    emulator.inject_result_codes(["0100999"], MISSED_CALLS_PATH)
    assert post(emulator, MISSED_CALLS_PATH, missed_query(emulator)).json()["returnCode"] == "0100999"
    assert post(emulator, MISSED_CALLS_PATH, missed_query(emulator)).json()["returnCode"] == "0"


def test_a_call_track_lists_the_legs_of_the_ground_truth_numbered_to_minus_one(huawei_cms_emulator):
    emulator = huawei_cms_emulator(calls=60)
    for entry in emulator.ground_truth()[:10]:
        call = entry["call"]
        body = {"ccId": 1, "vdn": 1, "callId": call["callId"], "logDate": call["logDate"]}
        answer = post(emulator, CALL_TRACE_PATH, body).json()
        assert answer["resultCode"] == "0100000" and answer["resultDesc"] == entry["legs"]
        assert [leg["callIdNum"] for leg in entry["legs"]][-1] == -1
        assert "releaseCause" in entry["legs"][-1]


def test_a_call_track_of_an_unknown_call_is_empty_and_bad_input_is_refused(huawei_cms_emulator):
    emulator = huawei_cms_emulator(calls=10)
    unknown = post(emulator, CALL_TRACE_PATH, {"ccId": 1, "vdn": 1, "callId": "nope", "logDate": 1}).json()
    assert unknown == {"resultCode": "0100000", "resultDesc": []}
    missing = post(emulator, CALL_TRACE_PATH, {"ccId": 1, "vdn": 1, "callId": "x"}).json()
    assert missing["resultCode"] == "0100002" and "logDate" in missing["resultDesc"]


def test_a_reused_call_id_is_traced_by_its_log_date(huawei_cms_emulator):
    emulator = huawei_cms_emulator(calls=600)
    entries = emulator.ground_truth()
    ids = [e["call"]["callId"] for e in entries]
    shared = [e for e in entries if ids.count(e["call"]["callId"]) > 1]
    assert shared, "the data set must reuse an id for this test"
    for entry in shared:
        body = {"ccId": 1, "vdn": 1, "callId": entry["call"]["callId"], "logDate": entry["call"]["logDate"]}
        assert post(emulator, CALL_TRACE_PATH, body).json()["resultDesc"] == entry["legs"]
