import logging

import pytest
from airbyte_cdk.models import Status
from airbyte_cdk.test.mock_http import HttpMocker, HttpRequest
from freezegun import freeze_time

from source_huawei_cms import SourceHuaweiCms
from unit_tests.conftest import (
    JSON_UTF8,
    NOW,
    SECRET_KEY,
    calls_request,
    config,
    empty_page,
    error,
    result_code,
)

LOGGER = logging.getLogger("test")


def check(cfg):
    return SourceHuaweiCms().check(LOGGER, cfg)


def probe_request():
    return calls_request("2024-05-10T11:55:00Z", "2024-05-10T12:00:00Z", limit=1)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"base_url": None}, "base_url"),
        ({"base_url": "http://10.20.30.40:28443"}, "base_url"),
        ({"access_key": ""}, "credentials.access_key"),
        ({"access_key": "a/b"}, "credentials.access_key"),
        ({"secret_key": None}, "credentials.secret_key"),
        ({"cc_id": 0}, "cc_id"),
        ({"cc_id": 70000}, "cc_id"),
        ({"vdn": "21"}, "vdn"),
        ({"vdn": 5001}, "vdn"),
        ({"timezone": "China/Beijing"}, "timezone"),
        ({"start_date": "10/05/2024"}, "start_date"),
        ({"end_date": "2024-05-01"}, "end_date"),
        ({"window_minutes": 0}, "window_minutes"),
        ({"lookback_window_minutes": -1}, "lookback_window_minutes"),
        ({"include_call_details": "yes"}, "include_call_details"),
        ({"ca_certificate": "not a certificate"}, "ca_certificate"),
    ],
)
@freeze_time(NOW)
def test_given_bad_config_when_check_then_failed_naming_the_field(overrides, field):
    with HttpMocker():  # nothing may be sent for a config that is wrong on its face
        status = check(config(**overrides))
    assert status.status == Status.FAILED
    assert f"'{field}'" in status.message


@freeze_time(NOW)
def test_given_valid_keys_when_check_then_one_small_request_and_succeeded():
    with HttpMocker() as http:
        http.post(probe_request(), empty_page())
        status = check(config())
    assert status.status == Status.SUCCEEDED


@freeze_time(NOW)
def test_given_rejected_signature_when_check_then_failed_with_the_signature_hint_and_no_secret():
    with HttpMocker() as http:
        http.post(probe_request(), error(401, {"message": "Authentication failed"}))
        status = check(config())
    assert status.status == Status.FAILED
    assert "signature rejected: check access_key/secret_key and the host clock" in status.message
    assert SECRET_KEY not in status.message


@freeze_time(NOW)
def test_given_key_without_permission_for_the_vdn_when_check_then_failed_naming_cc_id_and_vdn():
    with HttpMocker() as http:
        http.post(probe_request(), result_code("0101003", "Insufficient permission."))
        status = check(config())
    assert status.status == Status.FAILED
    assert "permission" in status.message and "cc_id=7" in status.message and "vdn=21" in status.message


def probe_with_host(host: str) -> HttpRequest:
    sent = probe_request()
    return HttpRequest(sent._parsed_url.geturl(), headers={**JSON_UTF8, "Host": host}, body=sent._body)


@freeze_time(NOW)
def test_given_no_signed_host_then_host_is_signed_and_sent_without_the_port_as_huaweis_demo_does():
    with HttpMocker() as http:
        http.post(probe_with_host("10.20.30.40"), empty_page())
        status = check(config())
    assert status.status == Status.SUCCEEDED


@freeze_time(NOW)
def test_given_signed_host_with_port_then_host_is_signed_and_sent_as_ip_port():
    with HttpMocker() as http:
        http.post(probe_with_host("10.20.30.40:28443"), empty_page())
        status = check(config(signed_host="with_port"))
    assert status.status == Status.SUCCEEDED


@pytest.mark.parametrize(("current", "other"), [("without_port", "with_port"), ("with_port", "without_port")])
@freeze_time(NOW)
def test_given_401_then_the_message_hints_at_the_other_signed_host_form(current, other):
    with HttpMocker() as http:
        http.post(probe_request(), error(401, {"message": "Authentication failed"}))
        status = check(config(signed_host=current))
    assert status.status == Status.FAILED
    assert f"set 'signed_host' to '{other}' (now '{current}')" in status.message


@freeze_time(NOW)
def test_given_an_unknown_signed_host_then_check_fails_naming_the_field():
    with HttpMocker():
        status = check(config(signed_host="ip:port"))
    assert status.status == Status.FAILED and "'signed_host'" in status.message
