import logging

import pytest
from airbyte_cdk.models import Status
from airbyte_cdk.test.mock_http import HttpMocker
from freezegun import freeze_time

from source_casper import SourceCasper
from unit_tests.conftest import (
    ACCOUNT,
    API_TOKEN,
    NOW,
    accounts_request,
    config,
    json_answer,
    jwt_credentials,
)

LOGGER = logging.getLogger("test")


def check(cfg):
    return SourceCasper().check(LOGGER, cfg)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"start_date": "2024-05-09", "end_date": "2024-05-01"}, "end_date"),
        ({"timezone": "Arizona/Phoenix"}, "timezone"),
        ({"base_url": "http://ringcx.ringcentral.com/voice"}, "base_url"),
        ({"start_date": "2024-13-45"}, "start_date"),
        ({"window_days": 60}, "window_days"),
        ({"group_by": "AGENT"}, "group_by"),
        ({"account_ids": ["ACME"]}, "account_ids"),
        ({"group_ids": [1, "x"], "object_ids": [2]}, "group_ids"),
        ({"group_ids": [1]}, "object_ids"),
        ({"object_ids": [None]}, "object_ids"),
        ({"user_id": "admin"}, "user_id"),
        ({"credentials": {"auth_type": "api_token"}}, "credentials.api_token"),
        ({"credentials": {"auth_type": "access_token"}}, "credentials.access_token"),
        ({"credentials": jwt_credentials(jwt="")}, "credentials.jwt"),
        (
            {"credentials": jwt_credentials(platform_url="http://platform.ringcentral.com")},
            "credentials.platform_url",
        ),
        ({"credentials": {"auth_type": "password"}}, "credentials.auth_type"),
    ],
)
@freeze_time(NOW)
def test_given_bad_config_when_check_then_failed_naming_the_field(overrides, field):
    with HttpMocker():  # no request may be sent for a config that is wrong on its face
        status = check(config(**overrides))
    assert status.status == Status.FAILED
    assert f"'{field}'" in status.message


@freeze_time(NOW)
def test_given_valid_token_and_visible_accounts_when_check_then_succeeded():
    with HttpMocker() as http:
        http.get(accounts_request(), json_answer([{"accountId": ACCOUNT}, {"accountId": "15300002"}]))
        status = check(config())
    assert status.status == Status.SUCCEEDED


@freeze_time(NOW)
def test_given_an_account_the_login_cannot_see_when_check_then_failed_listing_the_visible_ones():
    with HttpMocker() as http:
        http.get(accounts_request(), json_answer([{"accountId": "15300002"}]))
        status = check(config())
    assert status.status == Status.FAILED
    assert "'account_ids'" in status.message and ACCOUNT in status.message and "15300002" in status.message


@freeze_time(NOW)
def test_given_revoked_token_when_check_then_failed_naming_the_credential_without_echoing_it():
    with HttpMocker() as http:
        http.get(accounts_request(), json_answer({"status": 401, "message": "Invalid API token"}, 401))
        status = check(config())
    assert status.status == Status.FAILED
    assert "credentials.api_token" in status.message and "Invalid API token" in status.message
    assert API_TOKEN not in status.message


@freeze_time(NOW)
def test_given_a_base_url_without_voice_when_check_then_failed_pointing_at_base_url():
    with HttpMocker() as http:
        http.get(accounts_request(), json_answer({"page": "<html>"}))
        status = check(config())
    assert status.status == Status.FAILED and "'base_url'" in status.message


@freeze_time(NOW)
def test_given_an_unknown_account_when_read_then_one_config_error_naming_it_before_any_per_account_request():
    from airbyte_cdk.models import FailureType
    from airbyte_cdk.test.entrypoint_wrapper import ExpectedOutcome, read

    from unit_tests.conftest import catalog

    with HttpMocker() as http:  # only the accounts list is answered: no per-account request may follow
        http.get(accounts_request(), json_answer([{"accountId": "15300002"}]))
        output = read(
            SourceCasper(),
            config(account_ids=["15300002", "99999999"]),
            catalog("call_detail_report", "cloud_profiles"),
            None,
            expected_outcome=ExpectedOutcome.EXPECT_EXCEPTION,
        )
    errors = [m.trace.error for m in output.errors]
    assert errors and all(e.failure_type == FailureType.config_error for e in errors[:-1])
    assert "'account_ids'" in errors[0].message and "99999999" in errors[0].message
    assert "HTTP 400" not in " ".join(str(e.message) for e in errors)
    assert output.records == []
