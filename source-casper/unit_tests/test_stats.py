"""`queue_stats` and `agent_stats`: the aggregate reports agg-queue-stats and agg-agent-extended-stats."""

import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.test.mock_http import HttpMocker, HttpRequest, HttpResponse
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from freezegun import freeze_time

from cdr_shared.testing.output import StreamReader, assert_failed, everything_printed
from cdr_shared.testing.state_builder import StreamCursor
from source_casper import SourceCasper
from source_casper.stats import stats_settings
from unit_tests import builders as ringcx
from unit_tests.builders import ACCOUNT, API_TOKEN, BASE, NOW

RC_ACCOUNT = "37439510"
INTEGRATION = f"{BASE}/api/cx/integration/v1/accounts/{RC_ACCOUNT}/sub-accounts/{ACCOUNT}"
QUEUE = StreamCursor("queue_stats", "interval_start_at")
run = StreamReader(SourceCasper, "queue_stats", incremental=frozenset({"queue_stats", "agent_stats"}))
# Frozen at 12:00 UTC: the settled horizon is 11:45, so the last whole 30-minute interval ends at 11:30.
START = "2024-05-10T06:00:00+00:00"
FIRST = ("2024-05-10 06:00:00", "2024-05-10 09:00:00")
SECOND = ("2024-05-10 09:00:00", "2024-05-10 11:30:00")


def stats_config(**fields):
    return ringcx.config(start_date=START, **fields)


def mock_accounts(http, account=None):
    """The accounts list, the account carrying its RingCentral account ID as the spec's Account model nests it."""
    listed = account or {
        "accountId": ACCOUNT,
        "mainAccount": {"mainAccountId": "15300000", "rcAccountId": RC_ACCOUNT},
    }
    http.get(ringcx.accounts_request(), ringcx.json_answer([listed]))


def failed_sync(*posts, account=None):
    """A statistics sync expected to fail: the accounts list, then each (request, answers) of `posts`."""
    with HttpMocker() as http:
        mock_accounts(http, account)
        for request, answers in posts:
            http.post(request, answers)
        return run(stats_config(), expect_failure=True)


def stats_request(window, report="agg-queue-stats", interval=1800):
    body = {"startDate": window[0], "endDate": window[1], "timeInterval": interval, "timeZone": "UTC"}
    return HttpRequest(f"{INTEGRATION}/{report}", body=body)


def queue_row(start, queue=5686, **fields):
    """One interval of one queue, as the spec's example writes it (dateTimeFrom month first)."""
    return {
        "interval": 30,
        "dateTimeFrom": start,
        "queue": queue,
        "queueName": "Queue",
        "offdDirectIxnCnt": 3,
        "answIxnCnt": 3,
        "abandIxnCnt": 0,
        "talkingIxnDur": 90,
        **fields,
    }


def data(output):
    return [message.record.data for message in output.records]


@freeze_time(NOW)
def test_given_first_sync_then_windows_of_whole_intervals_up_to_the_settled_horizon_and_state_after_each():
    with HttpMocker() as http:
        mock_accounts(http)
        http.post(
            stats_request(FIRST),
            ringcx.json_answer([queue_row("05-10-2024T06:00:00"), queue_row("05-10-2024T08:30:00", 5688)]),
        )
        http.post(
            stats_request(SECOND), ringcx.json_answer([queue_row("05-10-2024T11:00:00", completedContacts=7)])
        )
        output = run(stats_config())
    records = data(output)
    assert [(r["interval_start_at"], r["queue"]) for r in records] == [
        ("2024-05-10T06:00:00+00:00", 5686),
        ("2024-05-10T08:30:00+00:00", 5688),
        ("2024-05-10T11:00:00+00:00", 5686),
    ]
    assert records[0]["interval_end_at"] == "2024-05-10T06:30:00+00:00"
    assert records[0]["account_id"] == ACCOUNT and records[0]["rc_account_id"] == RC_ACCOUNT
    assert records[0]["dateTimeFrom"] == "05-10-2024T06:00:00" and records[0]["offdDirectIxnCnt"] == 3
    assert records[2]["completedContacts"] == 7  # fields beyond the page's table are kept
    assert [value for value in QUEUE.values(output) if value] == [
        "2024-05-10T09:00:00+00:00",
        "2024-05-10T11:30:00+00:00",
    ]


@freeze_time(NOW)
def test_given_state_when_incremental_then_lookback_from_the_state_on_interval_boundaries():
    with HttpMocker() as http:
        mock_accounts(http)
        # 10:30 - 45 minutes = 09:45, taken down to the start of its interval
        http.post(stats_request(("2024-05-10 09:30:00", "2024-05-10 11:30:00")), ringcx.json_answer([]))
        output = run(
            stats_config(lookback_window_minutes=45), state=QUEUE.state_at("2024-05-10T10:30:00+00:00")
        )
    assert data(output) == []
    assert [value for value in QUEUE.values(output) if value][-1] == "2024-05-10T11:30:00+00:00"


@freeze_time(NOW)
def test_given_fifteen_minute_intervals_then_time_interval_is_sent_in_seconds():
    with HttpMocker() as http:
        mock_accounts(http)
        http.post(stats_request(FIRST, interval=900), ringcx.json_answer([]))
        http.post(
            stats_request(("2024-05-10 09:00:00", "2024-05-10 11:45:00"), interval=900),
            ringcx.json_answer([]),
        )
        run(stats_config(stats_interval_minutes=15))


@freeze_time(NOW)
def test_given_seconds_refused_with_400_then_the_same_window_is_asked_in_minutes_for_the_rest_of_the_sync():
    with HttpMocker() as http:
        mock_accounts(http)
        refused = ringcx.json_answer({"generalMessage": "The supplied data is not valid"}, 400)
        http.post(stats_request(FIRST), refused)
        http.post(stats_request(FIRST, interval=30), ringcx.json_answer([queue_row("05-10-2024T06:00:00")]))
        http.post(stats_request(SECOND, interval=30), ringcx.json_answer([]))
        output = run(stats_config())
    assert len(output.records) == 1


@freeze_time(NOW)
def test_given_400_in_both_units_then_config_error_naming_the_interval_field():
    refused = ringcx.json_answer({"generalMessage": "The supplied data is not valid"}, 400)
    output = failed_sync((stats_request(FIRST), refused), (stats_request(FIRST, interval=30), refused))
    assert_failed(output, FailureType.config_error, "stats_interval_minutes")


@pytest.mark.parametrize(
    "answer",
    [
        HttpResponse("", 200),
        HttpResponse("<html><body>Down for maintenance</body></html>", 200, {"Content-Type": "text/html"}),
        HttpResponse('{"records": []}', 200),
        HttpResponse('[{"interval": 30, "dateTimeFrom": "05-10-2024T06:00:00", "queue": 5686}, {"inter', 200),
    ],
    ids=["empty", "html", "object", "cut-off"],
)
@freeze_time(NOW)
def test_given_200_that_is_not_the_documented_list_then_retried_and_the_failure_names_the_window(answer):
    output = failed_sync((stats_request(FIRST), [answer] * 5))
    assert_failed(output, FailureType.transient_error, f"account {ACCOUNT}, window 2024-05-09T23:00:00-07:00")
    assert not [value for value in QUEUE.values(output) if value]


@freeze_time(NOW)
def test_given_an_empty_body_once_then_the_window_is_read_again():
    with HttpMocker() as http:
        mock_accounts(http)
        http.post(
            stats_request(FIRST),
            [HttpResponse("", 200), ringcx.json_answer([queue_row("05-10-2024T07:00:00")])],
        )
        http.post(stats_request(SECOND), ringcx.json_answer([]))
        output = run(stats_config())
    assert [r["interval_start_at"] for r in data(output)] == ["2024-05-10T07:00:00+00:00"]


@freeze_time(NOW)
def test_interval_start_day_first_or_iso_is_read_and_intervals_outside_the_window_are_left_to_their_window():
    with HttpMocker() as http:
        mock_accounts(http)
        http.post(
            stats_request(FIRST),
            ringcx.json_answer(
                [
                    queue_row("10-05-2024T07:00:00"),  # day first: only that reading lies in the window
                    queue_row("2024-05-10T07:30:00"),
                    queue_row("05-10-2024T09:00:00"),  # the next window's first interval (an inclusive end)
                ]
            ),
        )
        http.post(stats_request(SECOND), ringcx.json_answer([]))
        output = run(stats_config())
    assert [r["interval_start_at"] for r in data(output)] == [
        "2024-05-10T07:00:00+00:00",
        "2024-05-10T07:30:00+00:00",
    ]


@freeze_time(NOW)
def test_given_intervals_of_another_length_than_asked_then_the_answer_is_not_taken():
    output = failed_sync(
        (stats_request(FIRST), [ringcx.json_answer([queue_row("05-10-2024T06:00:00", interval=60)])] * 5)
    )
    assert_failed(output, FailureType.transient_error, "intervals of 60 minutes where 30 were asked")


@freeze_time(NOW)
def test_given_403_then_config_error_naming_wem_access():
    output = failed_sync(
        (stats_request(FIRST), ringcx.json_answer({"generalMessage": "Access is denied."}, 403))
    )
    assert_failed(output, FailureType.config_error, "WEM Access")


@freeze_time(NOW)
def test_rc_account_id_from_the_account_top_level_or_the_config():
    with HttpMocker() as http:
        mock_accounts(http, {"accountId": ACCOUNT, "rcAccountId": "999"})
        path = f"{BASE}/api/cx/integration/v1/accounts/999/sub-accounts/{ACCOUNT}/agg-queue-stats"
        http.post(HttpRequest(path), ringcx.json_answer([]))
        run(stats_config())
    with HttpMocker() as http:
        mock_accounts(http, {"accountId": ACCOUNT})
        http.post(stats_request(FIRST), ringcx.json_answer([]))
        http.post(stats_request(SECOND), ringcx.json_answer([]))
        run(stats_config(rc_account_id=RC_ACCOUNT))


@freeze_time(NOW)
def test_given_no_rc_account_id_anywhere_then_config_error_naming_the_field():
    output = failed_sync(account={"accountId": ACCOUNT})
    assert_failed(output, FailureType.config_error, "'rc_account_id'")


@freeze_time(NOW)
def test_agent_stats_carry_agent_and_queue_and_no_secret_is_printed():
    with HttpMocker() as http:
        mock_accounts(http)
        agent = {
            "interval": 30,
            "dateTimeFrom": "05-10-2024T06:30:00",
            "agentId": 10693,
            "agentName": "Neringa Norkute",
            "queue": 5688,
            "queueName": "Neringa queue 2",
            "talkingIxnDur": 137,
            "wrapUpDur": 5,
            "answIxnCnt": 2,
            "transferOutIxnCnt": 0,
        }
        http.post(stats_request(FIRST, "agg-agent-extended-stats"), ringcx.json_answer([agent]))
        http.post(stats_request(SECOND, "agg-agent-extended-stats"), ringcx.json_answer([]))
        output = run(stats_config(), "agent_stats")
    record = data(output)[0]
    assert {k: record[k] for k in ("agentId", "queue", "interval_start_at")} == {
        "agentId": 10693,
        "queue": 5688,
        "interval_start_at": "2024-05-10T06:30:00+00:00",
    }
    assert API_TOKEN not in everything_printed(output)


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"stats_interval_minutes": 20}, "stats_interval_minutes"),
        ({"stats_start_date": "next tuesday"}, "stats_start_date"),
    ],
)
def test_given_bad_statistics_fields_then_a_config_error_names_the_field(fields, named):
    with pytest.raises(AirbyteTracedException) as raised:
        stats_settings({**ringcx.config(), **fields})
    assert raised.value.failure_type == FailureType.config_error and named in raised.value.message


@freeze_time(NOW)
def test_given_a_later_stats_start_date_then_the_statistics_start_there():
    with HttpMocker() as http:
        mock_accounts(http)
        http.post(stats_request(SECOND), ringcx.json_answer([]))
        output = run(stats_config(stats_start_date="2024-05-10T09:00:00Z"))
    assert [value for value in QUEUE.values(output) if value] == ["2024-05-10T11:30:00+00:00"]
