"""The Ozonetel emulator plays the documented behaviour: messages, the 30-day rule, quotas, the 03:00 IST
migration, the 15-day history, tokens."""

from __future__ import annotations

import pytest
import requests

from integration_tests.emulators.ozonetel import (
    CALL_LOGS_PATH,
    DEFAULT_API_KEY,
    INFERRED,
    REPORTS_PATH,
    SUMMARY_PATH,
    TOKEN_PATH,
    UCID_PATH,
)

USER = "demo_user"
# 10 May 2024, 04:00 IST; the data set covers the 20 days before 10 May 00:00 IST.
AFTER = "2024-05-09T22:30:00+00:00"
BEFORE = "2024-05-09T19:30:00+00:00"  # 01:00 IST
END = "2024-05-09T18:30:00+00:00"


@pytest.fixture
def emulator(ozonetel_emulator):
    return ozonetel_emulator(calls=200, days=20, end=END, now=AFTER, time_scale=3600)


def logs(emulator, from_date, to_date, **extra):
    params = {
        "api_key": DEFAULT_API_KEY,
        "user_name": USER,
        "from_date": from_date,
        "to_date": to_date,
        **extra,
    }
    return requests.get(emulator.url(CALL_LOGS_PATH), params=params, timeout=10).json()


def by_ucid(emulator, ucid, report_type="historical", **overrides):
    params = {
        "userName": USER,
        "apiKey": DEFAULT_API_KEY,
        "ucid": ucid,
        "reportType": report_type,
        **overrides,
    }
    return requests.get(emulator.url(UCID_PATH), params=params, timeout=10).json()


def test_call_logs_answer_with_the_providers_messages(emulator):
    assert (
        logs(emulator, "2024-05-01 00:00:00", "2024-05-01 23:59:59", api_key="")["message"]
        == "Please provide API Key"
    )
    assert (
        logs(emulator, "2024-05-01 00:00:00", "2024-05-01 23:59:59", user_name="")["message"]
        == "Please provide UserName"
    )
    wrong = logs(emulator, "2024-05-01 00:00:00", "2024-05-01 23:59:59", api_key="wrong")
    assert wrong == {"status": "failure", "message": "no record found"}
    too_long = logs(emulator, "2024-04-01 00:00:00", "2024-05-01 00:00:01")
    assert too_long["message"] == "The Requested date should not be more than 30 days"
    month = logs(emulator, "2024-04-10 00:00:00", "2024-05-09 23:59:59")
    assert month["status"] == "success" and len(month["message"]) == len(emulator.ground_truth())


def test_the_hourly_quota_answers_max_limit_exceeded_with_http_200(emulator):
    answers = [logs(emulator, "2024-05-01", "2024-05-01") for _ in range(11)]
    assert all(a["status"] == "success" for a in answers[:10])
    assert answers[10] == {"status": "failure", "message": "Max Limit Exceeded"}
    emulator.clock.advance(1.1)  # one scaled hour
    assert logs(emulator, "2024-05-01", "2024-05-01")["status"] == "success"


def test_yesterday_is_invisible_while_migrating_and_historical_from_03_00(emulator):
    yesterday = ("2024-05-09 00:00:00", "2024-05-09 23:59:59")
    emulator.clock.set(BEFORE)
    assert logs(emulator, *yesterday)["message"] == "no record found"
    emulator.clock.set(AFTER)
    calls = logs(emulator, *yesterday)["message"]
    assert any(
        call["StartTime"] == "2024-05-09 23:58:30" and call["EndTime"].startswith("2024-05-10")
        for call in calls
    )


def test_cdr_by_ucid_picks_the_store_by_the_calls_day(emulator):
    emulator.clock.set("2024-05-09T18:00:00+00:00")  # 23:30 IST on the 9th
    today_call = next(
        c for c in emulator.visible_calls() if c.log_record["StartTime"].startswith("2024-05-09")
    )
    assert by_ucid(emulator, today_call.ucid, "currentday")["message"][0]["monitorUCID"] == today_call.ucid
    assert (
        by_ucid(emulator, today_call.ucid, "historical")["message"]
        == f"No Data Found with UCID {today_call.ucid}"
    )
    emulator.clock.set(BEFORE)
    assert by_ucid(emulator, today_call.ucid, "historical")["message"].startswith("No Data Found")
    emulator.clock.set(AFTER)
    assert by_ucid(emulator, today_call.ucid, "historical")["message"][0]["Apikey"] == DEFAULT_API_KEY


def test_cdr_by_ucid_errors_are_the_vendor_pages(emulator):
    assert by_ucid(emulator, "abc")["message"] == "ucid should be numeric only"
    assert by_ucid(emulator, "1", "weekly")["message"] == "Invalid reportType"
    assert by_ucid(emulator, "1", apiKey="x") == {
        "status": "error",
        "message": "userName or apiKey is Invalid",
    }
    assert by_ucid(emulator, "1", userName="")["message"] == "userName should not be empty"
    old = emulator.dataset.all()[0]  # 20 days old: outside the 15-day history
    assert by_ucid(emulator, old.ucid)["message"] == f"No Data Found with UCID {old.ucid}"


def test_reports_api_serves_one_day_of_the_last_15_in_basic_and_token_mode(emulator):
    body = {"userName": USER, "fromDate": "2024-05-08 00:00:00", "toDate": "2024-05-08 23:59:59"}
    basic = requests.get(
        emulator.url(REPORTS_PATH), json=body, headers={"apiKey": DEFAULT_API_KEY}, timeout=10
    )
    assert basic.json()["status"] == "true" and all(
        r["CallDate"] == "2024-05-08" for r in basic.json()["details"]
    )
    token = requests.post(
        emulator.url(TOKEN_PATH), json={"userName": USER}, headers={"apiKey": DEFAULT_API_KEY}, timeout=10
    )
    first = token.json()["token"]
    bearer = {"Authorization": f"Bearer {first}"}
    assert (
        requests.get(emulator.url(REPORTS_PATH), json=body, headers=bearer, timeout=10).json()["status"]
        == "true"
    )
    requests.post(
        emulator.url(TOKEN_PATH), json={"userName": USER}, headers={"apiKey": DEFAULT_API_KEY}, timeout=10
    )
    emulator.clock.advance(60)
    replaced = requests.get(emulator.url(REPORTS_PATH), json=body, headers=bearer, timeout=10).json()
    assert replaced["status"] == "false"  # a new token invalidated the first
    old = {**body, "fromDate": "2024-04-20 00:00:00", "toDate": "2024-04-20 23:59:59"}
    answer = requests.get(
        emulator.url(REPORTS_PATH), json=old, headers={"apiKey": DEFAULT_API_KEY}, timeout=10
    )
    assert answer.json()["status"] == "fail"


def test_reports_quota_is_two_per_minute_then_http_429(ozonetel_emulator):
    # Unscaled: a quota minute of 1/60 s (time_scale=3600) can pass between two requests on a loaded machine.
    emulator = ozonetel_emulator(calls=200, days=20, end=END, now=AFTER, time_scale=1)
    body = {"userName": USER, "fromDate": "2024-05-08 00:00:00", "toDate": "2024-05-08 23:59:59"}
    codes = [
        requests.get(
            emulator.url(REPORTS_PATH), json=body, headers={"apiKey": DEFAULT_API_KEY}, timeout=10
        ).status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]
    emulator.clock.advance(61)
    again = requests.get(
        emulator.url(REPORTS_PATH), json=body, headers={"apiKey": DEFAULT_API_KEY}, timeout=10
    )
    assert again.status_code == 200  # the quota frees a minute later


def test_tokens_expire_after_a_scaled_hour(emulator):
    token = emulator.issue_token()
    emulator.clock.advance(1.1)
    body = {"userName": USER, "fromDate": "2024-05-08 00:00:00", "toDate": "2024-05-08 23:59:59"}
    answer = requests.get(
        emulator.url(REPORTS_PATH), json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert answer.json() == {"status": "false", "message": "Token Expired", "data": None}


def test_ground_truth_holds_the_boundary_calls(emulator):
    starts = {record["StartTime"][11:] for record in emulator.ground_truth()}
    assert {"00:00:00", "23:59:59", "02:59:59", "23:58:30"} <= starts


# ------------------------------------------------------------------------- variants (issue 9)


def reports(emulator, day, headers=None):
    body = {"userName": USER, "fromDate": f"{day} 00:00:00", "toDate": f"{day} 23:59:59"}
    headers = headers if headers is not None else {"apiKey": DEFAULT_API_KEY}
    return requests.get(emulator.url(REPORTS_PATH), json=body, headers=headers, timeout=10)


@pytest.mark.parametrize(
    ("variant", "status", "content_type"),
    [("404", 404, "text/html"), ("html", 200, "text/html"), ("unknown", 200, "application/json")],
)
def test_the_retired_ucid_api_answers_404_html_or_an_unknown_body(
    ozonetel_emulator, variant, status, content_type
):
    emulator = ozonetel_emulator(calls=50, days=5, end=END, now=AFTER, ucid_api=variant)
    answer = requests.get(emulator.url(UCID_PATH), params={"ucid": "1"}, timeout=10)
    assert answer.status_code == status and answer.headers["Content-Type"].startswith(content_type)
    if variant == "unknown":
        assert "status" not in answer.json()
    assert logs(emulator, "2024-05-09 00:00:00", "2024-05-09 23:59:59")["status"] == "success"


def test_the_spaced_ucid_shape_carries_the_current_pages_keys(ozonetel_emulator):
    emulator = ozonetel_emulator(calls=50, days=5, end=END, now=AFTER, ucid_shape="spaced")
    call = emulator.ground_truth()[-3]
    record = by_ucid(emulator, call["UCID"])["message"][0]
    for key in ("Start Time", "Time to Answer", "Wrapup Time", "Audio Download", "Caller Id", "Hangup By"):
        assert key in record
    assert record["Start Time"] == call["StartTime"] and record["UCID"] == call["UCID"]


@pytest.mark.parametrize(
    ("kind", "message"), [("object", {}), ("null", None), ("string", "Request processed")]
)
def test_odd_success_answers_are_played_count_times_then_the_real_answer(emulator, kind, message):
    requests.post(
        emulator.url("/__control/odd_answers"),
        json={"kind": kind, "count": 2, "path": CALL_LOGS_PATH},
        timeout=10,
    )
    day = ("2024-05-09 00:00:00", "2024-05-09 23:59:59")
    assert logs(emulator, *day) == {"status": "success", "message": message}
    assert logs(emulator, *day) == {"status": "success", "message": message}
    assert isinstance(logs(emulator, *day)["message"], list)


def test_the_reporting_zone_moves_every_time_and_day(ozonetel_emulator):
    dubai = ozonetel_emulator(
        calls=50,
        days=5,
        end="2024-05-09T20:00:00+00:00",
        timezone="Asia/Dubai",
        now="2024-05-10T00:00:00+00:00",
    )
    calls = dubai.ground_truth()
    assert any(c["StartTime"].endswith("00:00:00") for c in calls)  # the midnight boundary call, Dubai time
    day = logs(dubai, "2024-05-09 00:00:00", "2024-05-09 23:59:59")["message"]
    assert {c["UCID"] for c in day} == {c["UCID"] for c in calls if c["StartTime"].startswith("2024-05-09")}


def test_reports_variants_old_days_as_empty_lists_401_refusals_and_production_columns(ozonetel_emulator):
    emulator = ozonetel_emulator(
        calls=200,
        days=20,
        end=END,
        now=AFTER,
        reports_history_days=14,
        reports_old_days="empty",
        reports_refusal_status=401,
        reports_columns="production",
        reports_per_minute=0,
    )
    assert reports(emulator, "2024-04-25").json() == {"status": "true", "details": []}
    served = reports(emulator, "2024-04-26").json()["details"]
    assert served and {
        "CallFlow",
        "QueueTime",
        "DialCount",
        "VideoRecordingURL",
        "WrapUpStartTime",
        "WrapUpEndTime",
    } <= set(served[0])
    refused = reports(emulator, "2024-04-26", headers={"apiKey": "wrong"})
    assert refused.status_code == 401
    assert refused.json() == {"status": "false", "message": "Missing userName or apiKey"}


def test_an_html_maintenance_page_with_http_200_answers_every_endpoint_count_times(emulator):
    emulator.odd_answers("html", 4)
    day = {"userName": USER, "fromDate": "2024-05-08 00:00:00", "toDate": "2024-05-08 23:59:59"}
    key = {"apiKey": DEFAULT_API_KEY}
    answers = [
        requests.get(
            emulator.url(CALL_LOGS_PATH), params={"api_key": DEFAULT_API_KEY, "user_name": USER}, timeout=10
        ),
        requests.get(emulator.url(UCID_PATH), timeout=10),
        requests.get(emulator.url(REPORTS_PATH), json=day, headers=key, timeout=10),
        requests.post(emulator.url(TOKEN_PATH), json={"userName": USER}, headers=key, timeout=10),
    ]
    for answer in answers:
        assert answer.status_code == 200 and answer.text.startswith("<!DOCTYPE html>")
    after = requests.get(emulator.url(REPORTS_PATH), json=day, headers=key, timeout=10)
    assert after.json()["status"] == "true"


# ------------------------------------------------- Agent State Summary (issue 15), the page's shapes


def summary(emulator, day, headers=None, method="GET", **extra):
    body = {"userName": USER, "fromDate": f"{day} 00:00:00", "toDate": f"{day} 23:59:59", **extra}
    headers = headers if headers is not None else {"apiKey": DEFAULT_API_KEY}
    return requests.request(method, emulator.url(SUMMARY_PATH), json=body, headers=headers, timeout=10)


def test_summary_answers_one_record_per_agent_day_and_mode_agreeing_with_the_calls(emulator):
    answer = summary(emulator, "2024-05-08").json()
    assert answer["status"] == "success"
    records = answer["message"]
    assert records and {r["CallDate"] for r in records} == {"2024-05-08"}
    truth = [r for r in emulator.ground_truth_summary() if r["CallDate"] == "2024-05-08"]
    assert records == truth
    assert summary(emulator, "2024-05-08", method="POST").json()["message"] == truth  # both methods
    calls = [c.report_record for c in emulator.visible_calls() if c.report_record["CallDate"] == "2024-05-08"]
    for record in records:
        mine = [c for c in calls if c["AgentName"] == record["AgentName"]]
        mode = "Inbound" if record["ModeType"] == "Inbound" else "Progressive"
        mine = [c for c in mine if (c["Type"] == "InBound") == (mode == "Inbound")]
        busy = sum(seconds(c["TalkTime"]) + seconds(c["HoldDuration"]) for c in mine)
        assert seconds(record["TotalBusyTime"]) == busy
        parts = ("TotalBusyTime", "TotalDialTime", "TotalIdleTime", "TotalPauseTime", "TotalWrapupTime")
        assert seconds(record["TotalLoginDuration"]) == sum(seconds(record[p]) for p in parts)
        assert isinstance(record["AgentIncrID"], int)


def seconds(text):
    hours, minutes, secs = (int(part) for part in text.split(":"))
    return hours * 3600 + minutes * 60 + secs


def test_summary_filters_and_the_pages_error_messages(ozonetel_emulator):
    emulator = ozonetel_emulator(calls=200, days=20, end=END, now=AFTER, summary_per_minute=0)
    agents = summary(emulator, "2024-05-08", agentId="priya,nobody").json()["message"]
    assert agents and {r["AgentName"] for r in agents} == {"Priya Sharma"}
    modes = summary(emulator, "2024-05-08", modeType="progressive").json()["message"]
    assert modes and {r["ModeType"] for r in modes} == {"Progressive"}
    errors = {
        "wrong key": summary(emulator, "2024-05-08", headers={"apiKey": "wrong"}),
        "no key": summary(emulator, "2024-05-08", headers={}),
        "no user": summary(emulator, "2024-05-08", userName=""),
        "bad date": summary(emulator, "2024-05-08", fromDate="08/05/2024"),
        "reversed": summary(emulator, "2024-05-08", fromDate="2024-05-09 00:00:00"),
        "31 days": summary(emulator, "2024-05-08", fromDate="2024-04-07 00:00:00"),
        "modes": summary(emulator, "2024-05-08", modeType="telepathy"),
        "agents": summary(emulator, "2024-05-08", agentId="nobody"),
    }
    said = {name: answer.json() for name, answer in errors.items()}
    assert {name: body["status"] for name, body in said.items()} == dict.fromkeys(said, "error")
    assert {name: body["message"] for name, body in said.items()} == {
        "wrong key": "userName or apiKey is Invalid",
        "no key": "apiKey should not be empty",
        "no user": "userName should not be empty",
        "bad date": "From and To Date should be in yyyy-mm-dd HH:mm:ss Format",
        "reversed": "From Date Should not be Greater than To Date",
        "31 days": "Difference Between From and To Date should not be Greater than 30 Days",
        "modes": "Mode Type is Invalid",
        "agents": "agentId is Invalid",
    }


def test_summary_of_a_day_without_agents_migrating_or_out_of_reach(ozonetel_emulator):
    emulator = ozonetel_emulator(calls=200, days=20, end=END, now=BEFORE, time_scale=3600)
    # 01:00 IST: yesterday (9 May) is migrating, so there is nothing to summarise yet.
    assert summary(emulator, "2024-05-09").json() == {"status": "error", "message": "No Data Found"}
    emulator.clock.set(AFTER)
    assert summary(emulator, "2024-05-09").json()["status"] == "success"
    assert summary(emulator, "2024-04-20").json()["status"] == "error"  # beyond the reach: an error...
    empty = ozonetel_emulator(calls=200, days=20, end=END, now=AFTER, reports_old_days="empty")
    # ...or, as production answers the reports API's old days, no data at all.
    assert summary(empty, "2024-04-20").json() == {"status": "error", "message": "No Data Found"}
    assert min(r["CallDate"] for r in empty.ground_truth_summary()) == "2024-04-25"


def test_summary_in_the_pages_sample_shape_a_lone_object(ozonetel_emulator):
    emulator = ozonetel_emulator(calls=0, days=20, end=END, now=AFTER, summary_shape="object")
    emulator.add_calls(1, at="2024-05-08T06:30:00+00:00")
    answer = summary(emulator, "2024-05-08").json()
    assert isinstance(answer["message"], dict) and answer["message"] == emulator.ground_truth_summary()[0]


def test_summary_token_mode_and_its_quota_of_five_a_minute_apart_from_the_cdr_reports_quota(
    ozonetel_emulator,
):
    emulator = ozonetel_emulator(calls=200, days=20, end=END, now=AFTER, time_scale=1)
    token = emulator.issue_token()
    bearer = {"Authorization": f"Bearer {token}"}
    codes = [summary(emulator, "2024-05-08", headers=bearer).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    assert summary(emulator, "2024-05-08").json()["message"] == INFERRED["reports_rate"]
    assert reports(emulator, "2024-05-08").status_code == 200  # fetchCDRDetails counts its own
    emulator.clock.advance(61)
    assert summary(emulator, "2024-05-08", headers=bearer).json()["status"] == "success"
    emulator.clock.advance(3600)
    assert summary(emulator, "2024-05-08", headers=bearer).json()["message"] == "Token Expired"
