from airbyte_cdk.test.mock_http import HttpMocker
from freezegun import freeze_time

from cdr_shared.testing.output import warnings
from cdr_shared.testing.state_suite import SavedStateSuite
from unit_tests import builders as cms
from unit_tests.builders import NOW, W1, W2

# Frozen at 2024-05-10 12:00 UTC: CC-CMS holds calls since 2024-05-09 00:00 UTC.
HELD_SINCE = "2024-05-09T00:00:00Z"


@freeze_time(NOW)
def test_state_moves_to_a_window_end_only_after_both_directions_of_the_window_were_read():
    with HttpMocker() as http:
        http.post(cms.calls_request(*W1, inbound=True), cms.calls_page([cms.call("a")]))
        http.post(cms.calls_request(*W1, inbound=False), cms.calls_page([cms.call("b", callType=7)]))
        http.post(cms.calls_request(*W2, inbound=True), cms.empty_page())
        http.post(cms.calls_request(*W2, inbound=False), cms.empty_page())
        output = cms.run(cms.config())
    assert cms.states(output) == [
        None,
        "2024-05-10T10:00:00+00:00",
        "2024-05-10T10:00:00+00:00",
        "2024-05-10T11:50:00+00:00",
    ]


@freeze_time(NOW)
def test_given_state_then_the_sync_starts_a_lookback_before_it():
    resumed = ("2024-05-10T10:30:00Z", "2024-05-10T11:50:00Z")
    with HttpMocker() as http:
        http.post(
            cms.calls_request(*resumed, inbound=True),
            cms.calls_page([cms.call("late", "2024-05-10T10:45:00Z")]),
        )
        http.post(cms.calls_request(*resumed, inbound=False), cms.empty_page())
        output = cms.run(cms.config(), state=cms.state_at("2024-05-10T11:00:00+00:00"))
    assert cms.ids(output) == ["late"]
    assert cms.states(output)[-1] == "2024-05-10T11:50:00+00:00"


@freeze_time(NOW)
def test_given_a_sync_that_failed_in_the_second_window_then_resuming_from_its_last_state_loses_nothing():
    with HttpMocker() as http:
        http.post(cms.calls_request(*W1, inbound=True), cms.calls_page([cms.call("a")]))
        http.post(cms.calls_request(*W1, inbound=False), cms.empty_page())
        http.post(cms.calls_request(*W2, inbound=True), cms.error(401, {"message": "Authentication failed"}))
        failed = cms.run(cms.config(), expect_failure=True)
    last_state = cms.states(failed)[-1]
    assert last_state == "2024-05-10T10:00:00+00:00"
    resumed = ("2024-05-10T09:30:00Z", "2024-05-10T11:30:00Z")
    with HttpMocker() as http:
        http.post(
            cms.calls_request(*resumed, inbound=True),
            cms.calls_page([cms.call("a"), cms.call("b", "2024-05-10T10:20:00Z")]),
        )
        http.post(cms.calls_request(*resumed, inbound=False), cms.empty_page())
        http.post(
            cms.calls_request("2024-05-10T11:30:00Z", "2024-05-10T11:50:00Z", inbound=True), cms.empty_page()
        )
        http.post(
            cms.calls_request("2024-05-10T11:30:00Z", "2024-05-10T11:50:00Z", inbound=False), cms.empty_page()
        )
        output = cms.run(cms.config(), state=cms.state_at(last_state))
    assert cms.ids(output) == ["a", "b"]


@freeze_time(NOW)
def test_given_start_date_before_retention_then_clamped_with_a_warning_naming_the_lost_period():
    held = (HELD_SINCE, "2024-05-10T11:50:00Z")
    with HttpMocker() as http:
        http.post(cms.calls_request(*held, inbound=True), cms.calls_page([cms.call("a", HELD_SINCE)]))
        http.post(cms.calls_request(*held, inbound=False), cms.empty_page())
        output = cms.run(cms.config(start_date="2024-05-05", window_minutes=2880))
    assert cms.ids(output) == ["a"]
    assert any(
        "from 2024-05-05T00:00:00+00:00 to 2024-05-09T00:00:00+00:00 can no longer be fetched" in warning
        for warning in warnings(output)
    )


@freeze_time(NOW)
def test_given_state_older_than_retention_in_the_tenant_zone_then_clamped_to_its_midnight_with_a_warning():
    # Shanghai is UTC+8: at 12:00 UTC it is 20:00 on 10 May, so CC-CMS holds since 9 May 00:00 +08:00.
    held = ("2024-05-08T16:00:00Z", "2024-05-10T11:50:00Z")
    with HttpMocker() as http:
        http.post(cms.calls_request(*held, inbound=True), cms.empty_page())
        http.post(cms.calls_request(*held, inbound=False), cms.empty_page())
        output = cms.run(
            cms.config(start_date="2024-05-01", timezone="Asia/Shanghai", window_minutes=2880),
            state=cms.state_at("2024-05-07T00:00:00+00:00"),
        )
    assert any(
        "from 2024-05-06T23:30:00+00:00 to 2024-05-08T16:00:00+00:00" in warning
        for warning in warnings(output)
    )
    assert cms.states(output)[-1] == "2024-05-10T11:50:00+00:00"


@freeze_time(NOW)
def test_given_end_date_entirely_past_retention_then_no_request_and_a_warning():
    with HttpMocker():
        output = cms.run(cms.config(start_date="2024-05-01", end_date="2024-05-03"))
    assert output.records == []
    assert any(
        "from 2024-05-01T00:00:00+00:00 to 2024-05-04T00:00:00+00:00" in warning
        for warning in warnings(output)
    )


@freeze_time(NOW)
def test_call_details_keep_their_own_state():
    with HttpMocker() as http:
        for window in (W1, W2):
            http.post(cms.calls_request(*window, inbound=True), cms.empty_page())
            http.post(cms.calls_request(*window, inbound=False), cms.empty_page())
        output = cms.run(cms.config(), "call_details")
    assert output.state_messages[-1].state.stream.stream_descriptor.name == "call_details"
    assert cms.states(output)[-1] == "2024-05-10T11:50:00+00:00"


class TestSavedState(SavedStateSuite):
    builders = cms
    future = "2024-06-01T00:00:00+00:00"
    unparseable = "yesterday"
