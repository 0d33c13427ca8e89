import logging

import pytest
from airbyte_cdk.models import Status
from airbyte_cdk.test.mock_http import HttpMocker
from freezegun import freeze_time

from source_acefone import SourceAcefone
from unit_tests.conftest import BASE, NOW, TOKEN, config, error, page, records_request

LOGGER = logging.getLogger("test")


def check(cfg):
    return SourceAcefone().check(LOGGER, cfg)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"start_date": "2024-05-09", "end_date": "2024-05-01"}, "end_date"),
        ({"timezone": "India/Mumbai"}, "timezone"),
        ({"base_url": "http://api.acefone.in"}, "base_url"),
        ({"start_date": "09/05/2024"}, "start_date"),
        ({"credentials": {"auth_type": "api_token"}}, "credentials.api_token"),
        ({"credentials": {"auth_type": "login", "email": "a@b.c"}}, "credentials.email"),
        ({"credentials": {"auth_type": "oauth"}}, "credentials.auth_type"),
        ({"page_size": 0}, "page_size"),
        ({"window_days": 60}, "window_days"),
        ({"filters": {"duration": 30}}, "filters.duration"),
        ({"filters": {"agents": ["alice"]}}, "filters.agents"),
        ({"filters": {"call_type": "x"}}, "filters.call_type"),
    ],
)
@freeze_time(NOW)
def test_given_bad_config_when_check_then_failed_naming_the_field(overrides, field):
    with HttpMocker():  # no request may be sent for a config that is wrong on its face
        status = check(config(**overrides))
    assert status.status == Status.FAILED
    assert f"'{field}'" in status.message


@freeze_time(NOW)
def test_given_valid_token_when_check_then_one_request_and_succeeded():
    with HttpMocker() as http:
        http.get(records_request("2024-05-09 17:30:00", "2024-05-10 17:30:00", limit=1), page([]))
        status = check(config())
    assert status.status == Status.SUCCEEDED


@freeze_time(NOW)
def test_given_revoked_token_when_check_then_failed_naming_the_credential_without_echoing_it():
    with HttpMocker() as http:
        http.get(
            records_request("2024-05-09 17:30:00", "2024-05-10 17:30:00", limit=1),
            error(401, {"success": False, "message": "Unauthenticated"}),
        )
        status = check(config())
    assert status.status == Status.FAILED
    assert "credentials.api_token" in status.message and "Unauthenticated" in status.message
    assert TOKEN not in status.message


@freeze_time(NOW)
def test_given_provider_keeps_failing_when_check_then_failed_after_a_few_retries_only():
    with HttpMocker() as http:
        http.get(
            records_request("2024-05-09 17:30:00", "2024-05-10 17:30:00", limit=1), [error(503, "down")] * 3
        )
        status = check(config())
    assert status.status == Status.FAILED
    assert "503" in status.message


@freeze_time(NOW)
def test_given_provider_keeps_answering_429_when_check_then_failed_quoting_its_answer():
    too_many = error(429, {"message": "Too many requests"}, headers={"Retry-After": "3600"})
    with HttpMocker() as http:
        http.get(records_request("2024-05-09 17:30:00", "2024-05-10 17:30:00", limit=1), [too_many] * 3)
        status = check(config())
    assert status.status == Status.FAILED
    assert "HTTP 429: 'Too many requests'" in status.message


@freeze_time(NOW)
def test_given_uk_login_with_a_blank_email_beside_it_when_refused_then_the_login_id_is_named():
    from airbyte_cdk.test.mock_http import HttpRequest

    credentials = {"auth_type": "login", "email": "  ", "login_id": "ops-uk", "password": "pw"}
    with HttpMocker() as http:
        http.post(
            HttpRequest(f"{BASE}/v1/auth/login", body={"login_id": "ops-uk", "password": "pw"}),
            error(401, {"success": False, "message": "Invalid login id or password"}),
        )
        status = check(config(credentials=credentials))
    assert status.status == Status.FAILED
    assert "credentials.login_id" in status.message and "credentials.email" not in status.message
