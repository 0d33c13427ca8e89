"""`check` of CC-CMS: the shared check suite (`cdr_shared.testing.check_suite`) with CC-CMS's table, and
the signed `Host` forms of Huawei's demo."""

from freezegun import freeze_time

from cdr_shared.testing import check_suite as suite
from cdr_shared.testing.check_suite import BadConfig, CheckCase, FaultAnswer, PersistentFault, post
from cdr_shared.testing.http_mock import RequestBuilder
from source_huawei_cms import SourceHuaweiCms, streams
from source_huawei_cms.config import parse_config
from unit_tests import builders as cms
from unit_tests.builders import NOW, SECRET_KEY, HuaweiCmsConfig

PROBE = cms.calls_request("2024-05-10T11:55:00Z", "2024-05-10T12:00:00Z", limit=1)
REJECTED = cms.error(401, {"message": "Authentication failed"})


def probe_with_host(host: str):
    return RequestBuilder.of(PROBE).with_header("Host", host).build()


def other_signed_host_hinted(current: str, other: str) -> CheckCase:
    return CheckCase(
        f"401 with signed_host {current}",
        [post(PROBE, REJECTED)],
        succeeds=False,
        says=(f"set 'signed_host' to '{other}' (now '{current}')",),
        config=cms.config(signed_host=current),
    )


class TestCheck(suite.CheckSuite):
    source = SourceHuaweiCms
    config_builder = HuaweiCmsConfig()
    now = NOW
    secrets = (SECRET_KEY,)
    bad_configs = [
        BadConfig("base_url", {"base_url": None}),
        BadConfig("base_url", {"base_url": "http://10.20.30.40:28443"}),
        BadConfig("credentials.access_key", {"access_key": ""}),
        BadConfig("credentials.access_key", {"access_key": "a/b"}),
        BadConfig("credentials.secret_key", {"secret_key": None}),
        BadConfig("cc_id", {"cc_id": 0}),
        BadConfig("cc_id", {"cc_id": 70000}),
        BadConfig("vdn", {"vdn": "21"}),
        BadConfig("vdn", {"vdn": 5001}),
        BadConfig("timezone", {"timezone": "China/Beijing"}),
        BadConfig("start_date", {"start_date": "10/05/2024"}),
        BadConfig("end_date", {"end_date": "2024-05-01"}),
        BadConfig("window_minutes", {"window_minutes": 0}),
        BadConfig("lookback_window_minutes", {"lookback_window_minutes": -1}),
        BadConfig("include_call_details", {"include_call_details": "yes"}),
        BadConfig("ca_certificate", {"ca_certificate": "not a certificate"}),
        BadConfig("signed_host", {"signed_host": "ip:port"}),
    ]
    cases = [
        CheckCase("valid keys", [post(PROBE, cms.empty_page())], succeeds=True),
        CheckCase(
            "rejected signature",
            [post(PROBE, REJECTED)],
            succeeds=False,
            says=(
                "signature rejected: check credentials.access_key/credentials.secret_key and the host clock",
            ),
        ),
        CheckCase(
            "no permission for the VDN",
            [post(PROBE, cms.result_code("0101003", "Insufficient permission."))],
            succeeds=False,
            says=("permission", "cc_id=7", "vdn=21"),
        ),
        # No `signed_host`: the host is signed and sent without the port, as Huawei's demo does.
        CheckCase(
            "host signed without port",
            [post(probe_with_host("10.20.30.40"), cms.empty_page())],
            succeeds=True,
        ),
        CheckCase(
            "host signed with port",
            [post(probe_with_host("10.20.30.40:28443"), cms.empty_page())],
            succeeds=True,
            config=cms.config(signed_host="with_port"),
        ),
        other_signed_host_hinted("without_port", "with_port"),
        other_signed_host_hinted("with_port", "without_port"),
    ]
    fault_message_starts = "CC-CMS gave no usable answer to the check request in 3 attempts"
    persistent_faults = [
        PersistentFault(
            "503", suite.SERVICE_UNAVAILABLE, ends="CC-CMS answered HTTP 503 ('Service Unavailable')."
        ),
        PersistentFault(
            "html200",
            suite.LOGIN_PAGE,
            ends="with HTTP 200 and '<html><title>Single sign-on</title></html>', not JSON.",
        ),
        PersistentFault(
            "429",
            suite.RATE_LIMITED_FOR_AN_HOUR,
            ends="CC-CMS kept answering HTTP 429: 'Too Many Requests' (its rate limit).",
        ),
        PersistentFault(
            "timeout",
            suite.READ_TIMEOUT,
            ends="CC-CMS could not be reached or dropped the connection (ReadTimeout).",
        ),
        PersistentFault(
            "0100999",
            FaultAnswer(200, '{"resultCode": "0100999", "resultDesc": "Unknown exception."}'),
            ends="resultCode 0100999 (unknown exception: Unknown exception.).",
        ),
    ]
    check_request_timeout = streams.CHECK_REQUEST_TIMEOUT_SECONDS


def test_a_sync_keeps_the_long_request_timeout():
    with freeze_time(NOW):
        calls = streams.CallList(parse_config(cms.config()))
    assert (
        calls.request_kwargs()["timeout"]
        == streams.REQUEST_TIMEOUT_SECONDS
        > streams.CHECK_REQUEST_TIMEOUT_SECONDS
    )
