import pytest
from airbyte_cdk.models import FailureType, SyncMode
from airbyte_cdk.test.mock_http import HttpMocker, HttpResponse
from freezegun import freeze_time

from cdr_shared.testing.output import assert_failed, everything_printed
from cdr_shared.testing.state_suite import SavedStateSuite
from unit_tests import builders as ringcx
from unit_tests.builders import ACCOUNT, API_TOKEN, NOW, OTHER_ACCOUNT

# Frozen at 2024-05-10 05:00 in US/Arizona (UTC-7); start_date 2024-05-09: two local-day windows, which the
# report is asked for in UTC (Arizona midnight is 07:00 UTC).
DAY_1 = ("2024-05-09 07:00:00.0000", "2024-05-10 06:59:59.9999")
DAY_2 = ("2024-05-10 07:00:00.0000", "2024-05-10 11:59:59.9999")
SAVED_AT_DAY_2 = ringcx.state_at("2024-05-10T07:00:00+00:00")


def mock_days(http, *days_and_answers):
    """`ACCOUNT`'s directory, then its report of each day with the answer(s) given for it."""
    ringcx.mock_directory(http, ACCOUNT)
    for day, answers in days_and_answers:
        http.post(day_report(ACCOUNT, day), answers)


def day_report(account, day, base=1000, **kw):
    return ringcx.report_request(
        account, ringcx.report_body(account, *day, [base // 10 + 11, None], [base + 111, base + 222], **kw)
    )


@freeze_time(NOW)
def test_given_two_accounts_when_first_sync_then_one_report_per_account_and_local_day_and_state_after_each_day():
    with HttpMocker() as http:
        ringcx.mock_directory(http, ACCOUNT, OTHER_ACCOUNT)
        http.post(
            day_report(ACCOUNT, DAY_1),
            ringcx.report_answer(ringcx.row(1111, "101", "5/9/24 6:12 AM")),
        )
        http.post(
            day_report(OTHER_ACCOUNT, DAY_1, 2000),
            ringcx.report_answer(ringcx.row(2111, "201", "5/9/24 7:00 PM")),
        )
        http.post(
            day_report(ACCOUNT, DAY_2),
            ringcx.report_answer(ringcx.row(1222, "102", "5/10/24 1:00 AM", "IT TFN")),
        )
        http.post(day_report(OTHER_ACCOUNT, DAY_2, 2000), ringcx.report_answer())
        output = ringcx.run(ringcx.config(account_ids=[ACCOUNT, OTHER_ACCOUNT]))
    assert ringcx.uiis(output) == ["101", "201", "102"]
    # The cursor moves only once every account's report of a day was read.
    assert ringcx.cursor_values(output) == [
        "2024-05-10T07:00:00+00:00",
        "2024-05-10T07:00:00+00:00",
        "2024-05-10T12:00:00+00:00",
    ]


@freeze_time(NOW)
def test_records_carry_account_id_the_bare_uii_and_utc_times_derived_in_the_report_zone():
    with HttpMocker() as http:
        mock_days(
            http,
            (
                DAY_1,
                ringcx.report_answer(ringcx.row(1111, "202004250912250132110000003150", "5/9/24 1:12 PM")),
            ),
            (DAY_2, ringcx.report_answer()),
        )
        output = ringcx.run(ringcx.config())
    record = output.records[0].record.data
    assert record["account_id"] == ACCOUNT and record["uii"] == "202004250912250132110000003150"
    assert record["enqueue_time"] == "5/9/24 1:12 PM" and record["enqueue_at"] == "2024-05-09T13:12:00+00:00"
    assert record["enqueue_local"] == "2024-05-09T06:12:00-07:00"
    assert output.records[0].record.stream == "call_detail_report"


@freeze_time(NOW)
def test_given_state_when_incremental_then_only_lookback_and_newer_is_requested_in_local_day_windows():
    with HttpMocker() as http:
        mock_days(
            http,
            (("2024-05-10 06:00:00.0000", "2024-05-10 06:59:59.9999"), ringcx.report_answer()),
            (DAY_2, ringcx.report_answer(ringcx.row(1111, "7", "5/10/24 4:59 AM"))),
        )
        output = ringcx.run(ringcx.config(), state=SAVED_AT_DAY_2)
    assert ringcx.uiis(output) == ["7"]
    assert ringcx.cursor_values(output)[-1] == "2024-05-10T12:00:00+00:00"


@freeze_time(NOW)
def test_given_full_refresh_then_state_is_ignored_and_everything_from_start_date_is_read():
    with HttpMocker() as http:
        mock_days(
            http,
            (DAY_1, ringcx.report_answer(ringcx.row(1111, "1", "5/9/24 6:12 AM"))),
            (DAY_2, ringcx.report_answer()),
        )
        output = ringcx.run(ringcx.config(), state=SAVED_AT_DAY_2, sync_mode=SyncMode.full_refresh)
    assert ringcx.uiis(output) == ["1"]


@freeze_time(NOW)
def test_given_a_report_cut_off_mid_row_then_the_window_is_read_again_and_no_row_is_sent_twice(sleeps):
    rows = [ringcx.row(1111, str(n), "5/9/24 6:12 AM") for n in (1, 2, 3)]
    cut = ringcx.report_csv(*rows)[: -len(rows[2]) // 2]
    with HttpMocker() as http:
        mock_days(
            http,
            (DAY_1, [ringcx.csv_answer(cut), ringcx.report_answer(*rows)]),
            (DAY_2, ringcx.report_answer()),
        )
        output = ringcx.run(ringcx.config())
    assert ringcx.uiis(output) == ["1", "2", "3"]
    assert any("broke off after 2 row(s)" in m.log.message for m in output.logs)
    assert sleeps  # backed off before reading again


@freeze_time(NOW)
def test_given_the_reread_report_starts_differently_then_the_whole_window_is_sent_again_and_nothing_is_lost():
    rows = [ringcx.row(1111, str(n), "5/9/24 6:12 AM") for n in (1, 2, 3)]
    cut = ringcx.report_csv(*rows)[: -len(rows[2]) // 2]
    reordered = ringcx.report_csv(rows[1], rows[0], rows[2])
    with HttpMocker() as http:
        mock_days(
            http,
            (DAY_1, [ringcx.csv_answer(cut), ringcx.csv_answer(reordered), ringcx.csv_answer(reordered)]),
            (DAY_2, ringcx.report_answer()),
        )
        output = ringcx.run(ringcx.config())
    assert ringcx.uiis(output) == ["1", "2", "2", "1", "3"]
    assert any("does not start with the 2 rows already sent" in m.log.message for m in output.logs)


@freeze_time(NOW)
def test_given_a_report_that_keeps_breaking_off_then_transient_error_and_state_stays_before_that_window():
    cut = ringcx.report_csv(ringcx.row(1111, "1", "5/9/24 6:12 AM"))[:-20]
    with HttpMocker() as http:
        mock_days(http, (DAY_1, [ringcx.csv_answer(cut)] * 5))
        output = ringcx.run(ringcx.config(), expect_failure=True)
    assert_failed(output, FailureType.transient_error)
    message = output.errors[0].trace.error.message
    assert "could not be read completely" in message
    assert "window 2024-05-09T00:00:00-07:00 to 2024-05-10T00:00:00-07:00" in message
    assert ringcx.cursor_values(output) == []


@freeze_time(NOW)
def test_given_report_api_refuses_the_body_then_config_error_quoting_the_provider():
    with HttpMocker() as http:
        mock_days(
            http,
            (
                DAY_1,
                ringcx.json_answer(
                    {"status": 400, "error": "Bad Request", "message": "Invalid cloudProfileIds value: 1111"},
                    400,
                ),
            ),
        )
        output = ringcx.run(ringcx.config(), expect_failure=True)
    assert_failed(output, FailureType.config_error, "Invalid cloudProfileIds value: 1111")


@freeze_time(NOW)
def test_given_server_errors_then_retried_and_the_report_is_read():
    with HttpMocker() as http:
        mock_days(
            http,
            (
                DAY_1,
                [
                    ringcx.json_answer({"message": "Internal Server Error"}, 503),
                    ringcx.report_answer(ringcx.row(1111, "1", "5/9/24 6:12 AM")),
                ],
            ),
            (DAY_2, ringcx.report_answer()),
        )
        output = ringcx.run(ringcx.config())
    assert ringcx.uiis(output) == ["1"]


@freeze_time(NOW)
def test_given_revoked_api_token_then_config_error_naming_the_credential_without_echoing_it():
    with HttpMocker() as http:
        http.get(
            ringcx.accounts_request(),
            ringcx.json_answer({"status": 401, "message": "Invalid API token"}, 401),
        )
        output = ringcx.run(ringcx.config(), expect_failure=True)
    assert_failed(output, FailureType.config_error, "credentials.api_token", "Invalid API token")
    assert API_TOKEN not in everything_printed(output)


@freeze_time(NOW)
def test_given_an_account_without_profiles_then_no_report_is_requested_and_state_still_advances():
    with HttpMocker() as http:
        ringcx.mock_accounts(http)
        http.get(ringcx.users_request(), ringcx.json_answer(ringcx.ADMIN_USERS))
        http.get(ringcx.input_controls_request(ACCOUNT), ringcx.json_answer([]))
        output = ringcx.run(ringcx.config())
    assert ringcx.uiis(output) == []
    assert ringcx.cursor_values(output)[-1] == "2024-05-10T12:00:00+00:00"


@freeze_time(NOW)
def test_given_explicit_ids_then_they_are_sent_as_given_without_asking_input_controls():
    with HttpMocker() as http:
        body = ringcx.report_body(ACCOUNT, *DAY_1, [7, None], [70, 71])
        http.post(ringcx.report_request(ACCOUNT, body), ringcx.report_answer())
        http.post(
            ringcx.report_request(ACCOUNT, ringcx.report_body(ACCOUNT, *DAY_2, [7, None], [70, 71])),
            ringcx.report_answer(),
        )
        output = ringcx.run(ringcx.config(group_ids=[7, None], object_ids=[70, 71]))
    assert ringcx.uiis(output) == []


@freeze_time(NOW)
def test_given_group_by_destination_then_destinations_are_listed_and_sent_in_the_destination_lists():
    def destination_body(day):
        body = ringcx.report_body(ACCOUNT, *day, [], [])
        criteria = body["reportCriteria"]
        criteria.update(
            groupBy="DESTINATION", cloudDestinationGroupIds=[131, None], cloudDestinationIds=[1500, 1501]
        )
        return body

    header = "cloud_destination_id,destination_name,uii,enqueue_time"
    with HttpMocker() as http:
        ringcx.mock_accounts(http)
        http.get(ringcx.users_request(), ringcx.json_answer(ringcx.ADMIN_USERS))
        http.get(
            ringcx.input_controls_request(ACCOUNT, "CLOUD_DESTINATION"),
            ringcx.json_answer(
                {
                    "CLOUD_DESTINATION": [
                        {"groupId": 131, "children": [{"objId": 1500}]},
                        {"groupId": None, "children": [{"objId": 1501}]},
                    ]
                }
            ),
        )
        http.post(
            ringcx.report_request(ACCOUNT, destination_body(DAY_1)),
            ringcx.csv_answer(f"{header}\n1500,Agents,'9,5/9/24 6:12 AM\n"),
        )
        http.post(ringcx.report_request(ACCOUNT, destination_body(DAY_2)), ringcx.csv_answer(header + "\n"))
        output = ringcx.run(ringcx.config(group_by="DESTINATION"))
    record = output.records[0].record.data
    assert record["cloud_destination_id"] == 1500 and record["destination_name"] == "Agents"


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        (ringcx.csv_answer(""), "an empty body"),
        (
            HttpResponse("<html><body>Please wait</body></html>", headers={"Content-Type": "text/html"}),
            "HTML",
        ),
        (
            ringcx.csv_answer("Agent ID,Last Name,First Name\n1,Smith,John\n"),
            "header is not the Call Detail Report's",
        ),
    ],
)
@freeze_time(NOW)
def test_given_a_200_that_is_not_the_report_then_retried_and_the_sync_fails_naming_the_window(
    answer, problem
):
    with HttpMocker() as http:
        mock_days(http, (DAY_1, [answer] * 5))
        output = ringcx.run(ringcx.config(), expect_failure=True)
    error = output.errors[0].trace.error
    assert error.failure_type == FailureType.transient_error
    assert problem in error.message and f"account {ACCOUNT}" in error.message
    assert "window 2024-05-09T00:00:00-07:00 to 2024-05-10T00:00:00-07:00" in error.message
    assert output.records == [] and ringcx.cursor_values(output) == []


@freeze_time(NOW)
def test_given_an_empty_200_then_a_good_report_then_the_window_is_read_from_the_good_one():
    with HttpMocker() as http:
        mock_days(
            http,
            (
                DAY_1,
                [
                    ringcx.csv_answer(""),
                    ringcx.report_answer(ringcx.row(1111, "1", "5/9/24 1:12 PM")),
                ],
            ),
            (DAY_2, ringcx.report_answer()),
        )
        output = ringcx.run(ringcx.config())
    assert ringcx.uiis(output) == ["1"] and ringcx.cursor_values(output)[-1] == "2024-05-10T12:00:00+00:00"


@freeze_time(NOW)
def test_given_a_ragged_row_then_it_is_emitted_counted_in_a_warning_and_the_sync_goes_on():
    short = ringcx.row(1111, "2", "5/9/24 1:13 PM").rsplit(",", 6)[0]
    with HttpMocker() as http:
        mock_days(
            http,
            (
                DAY_1,
                ringcx.report_answer(
                    ringcx.row(1111, "1", "5/9/24 1:12 PM"), short, ringcx.row(1111, "3", "5/9/24 1:14 PM")
                ),
            ),
            (DAY_2, ringcx.report_answer()),
        )
        output = ringcx.run(ringcx.config())
    assert ringcx.uiis(output) == ["1", "2", "3"]
    assert any("1 row(s) of this window had more or fewer cells" in m.log.message for m in output.logs)
    assert ringcx.cursor_values(output)[-1] == "2024-05-10T12:00:00+00:00"


def test_calls_in_the_repeated_hour_of_a_fall_back_change_keep_their_own_utc_instants():
    # New York falls back at 2024-11-03 06:00 UTC: 1:30 AM local happens at 05:30 and again at 06:30 UTC.
    # The report is asked in UTC, so the two calls stay an hour apart, and their local values say which is which.
    # (Not frozen: freezegun's datetime breaks pendulum's fold handling; the range is in the past anyway.)
    day = ("2024-11-03 04:00:00.0000", "2024-11-03 11:59:59.9999")
    cfg = ringcx.config(timezone="America/New_York", start_date="2024-11-03", end_date="2024-11-03T12:00:00Z")
    with HttpMocker() as http:
        mock_days(
            http,
            (
                day,
                ringcx.report_answer(
                    ringcx.row(1111, "1", "11/3/24 5:30 AM"), ringcx.row(1111, "2", "11/3/24 6:30 AM")
                ),
            ),
        )
        output = ringcx.run(cfg)
    records = [m.record.data for m in output.records]
    assert [r["enqueue_at"] for r in records] == ["2024-11-03T05:30:00+00:00", "2024-11-03T06:30:00+00:00"]
    assert [r["enqueue_local"] for r in records] == ["2024-11-03T01:30:00-04:00", "2024-11-03T01:30:00-05:00"]


class TestSavedState(SavedStateSuite):
    builders = ringcx
    unparseable = "5/9/24 6:12 AM"
