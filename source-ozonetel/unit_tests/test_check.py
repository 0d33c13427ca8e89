import logging
from urllib.parse import quote, quote_plus

import pytest
from airbyte_cdk.models import Status
from airbyte_cdk.test.mock_http import HttpMocker

from source_ozonetel import SourceOzonetel
from unit_tests.conftest import AFTER_PUBLICATION, KEY, answer, clock_at, config, ucid_request

LOGGER = logging.getLogger("test")


def check(cfg):
    return SourceOzonetel().check(LOGGER, cfg)


def test_check_proves_the_key_with_a_probe_ucid_and_spends_no_call_log_request():
    with clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(ucid_request("1"), answer({"status": "success", "message": "No Data Found with UCID 1"}))
        status = check(config())
    assert status.status == Status.SUCCEEDED


def test_check_fails_naming_the_credentials_when_ozonetel_refuses_them():
    with clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(ucid_request("1"), answer({"status": "error", "message": "userName or apiKey is Invalid"}))
        status = check(config())
    assert status.status == Status.FAILED
    assert "'user_name'" in status.message and "'api_key'" in status.message
    for form in (KEY, quote(KEY, safe=""), quote_plus(KEY)):
        assert form not in status.message


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"end_date": "2024-01-01"}, "end_date"),
        ({"start_date": "09/05/2024"}, "start_date"),
        ({"base_url": "http://in1-ccaas-api.ozonetel.com"}, "base_url"),
        ({"user_name": "  "}, "credentials.user_name"),
        ({"api_key": ""}, "credentials.api_key"),
        ({"window_days": 31}, "window_days"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"include_call_details": "yes"}, "include_call_details"),
        ({"cdr_reports": {"auth_type": "oauth"}}, "cdr_reports.auth_type"),
        ({"advanced": {"max_rate_limit_wait_minutes": 0}}, "advanced.max_rate_limit_wait_minutes"),
        ({"advanced": {"call_logs_requests_per_hour": "ten"}}, "advanced.call_logs_requests_per_hour"),
    ],
)
def test_check_fails_naming_the_field_before_any_request(overrides, field):
    with clock_at(AFTER_PUBLICATION), HttpMocker():
        status = check(config(**overrides))
    assert status.status == Status.FAILED
    assert f"'{field}'" in status.message
