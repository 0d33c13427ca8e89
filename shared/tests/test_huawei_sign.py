"""The auth-v2 signer, pinned against values computed independently (`openssl dgst -sha256 -hmac`)."""

import datetime as dt
import json

import pytest
import requests

from cdr_shared.huawei_sign import (
    CONTENT_HEADERS_SIGNED,
    HOST_WITH_PORT,
    MILLISECONDS,
    AuthV2Signer,
    AuthV2Variant,
    canonical_request,
    format_timestamp,
    host_value,
    percent_encode,
)
from cdr_shared.secrets import scrub

AK = "AK-demo"
SK = "SK-demo-secret"
FIXED = dt.datetime(2024, 5, 1, 10, 0, 0, 250_000, tzinfo=dt.timezone.utc)

SEED_BODY = b'{"queryParam":{"ccId":1,"isCallin":"true","callId":"1000000000-0001"}}'
SEED_CANONICAL = (
    "POST\n"
    "/rest/cmsapp/v1/openapi/calldata/querycalldetailbyid\n"
    "host\n"
    "host:10.1.2.3%3A28443\n"
    "%7B%22queryParam%22%3A%7B%22ccId%22%3A1%2C%22isCallin%22%3A%22true%22%2C%22callId%22%3A%22"
    "1000000000-0001%22%7D%7D"
)
# The documented example request signed with `host` as `ip:port`, and as the address alone (Huawei's demo).
PORT_AUTHORIZATION = "auth-v2/AK-demo/2024-05-01T10:00:00Z/host/96ab58531fb17fe7565d19678aa82eb638fdb05874b972e72231befe065c6722"
DEMO_AUTHORIZATION = "auth-v2/AK-demo/2024-05-01T10:00:00Z/host/8ec33167290f64044d5758a50aa43ea94497eeb971a6f82839064a793db691bc"
DETAIL_URL = "https://10.1.2.3:28443/rest/cmsapp/v1/openapi/calldata/querycalldetailbyid"

NON_ASCII_BODY = '{"n":"Zü呼"}'.encode()
NON_ASCII_CANONICAL = (
    "POST\n/rest/x\n"
    "a=x%20y&b=1&name=Z%C3%BCrich\n"
    "content-length;content-type;host\n"
    "content-length:14\ncontent-type:application%2Fjson%3Bcharset%3DUTF-8\nhost:cms.example.com%3A8443\n"
    "%7B%22n%22%3A%22Z%C3%BC%E5%91%BC%22%7D"
)
NON_ASCII_AUTHORIZATION = (
    "auth-v2/AK-demo/2024-05-01T10:00:00.250Z/content-length;content-type;host/"
    "bd439213fac2a6702cd32375151afc2396076b03f0683d806788229c0a32f796"
)


def prepared(url: str, body: bytes | None = None, params=None, headers=None) -> requests.PreparedRequest:
    return requests.Request("POST", url, data=body, params=params, headers=headers).prepare()


def test_pct_keeps_unreserved_and_encodes_every_other_utf8_byte_upper_case():
    assert percent_encode("Az09-._~") == "Az09-._~"
    assert percent_encode("a b/c:ü") == "a%20b%2Fc%3A%C3%BC"
    assert percent_encode(b"\xff") == "%FF"


def test_timestamp_has_seconds_by_default_and_milliseconds_in_the_variant():
    assert format_timestamp(FIXED) == "2024-05-01T10:00:00Z"
    assert format_timestamp(FIXED, MILLISECONDS) == "2024-05-01T10:00:00.250Z"
    ist = FIXED.astimezone(dt.timezone(dt.timedelta(hours=5, minutes=30)))
    assert format_timestamp(ist) == "2024-05-01T10:00:00Z"


def test_canonical_request_of_the_seed_example_without_query():
    canonical = canonical_request(
        "post",
        "/rest/cmsapp/v1/openapi/calldata/querycalldetailbyid",
        [],
        {"host": "10.1.2.3:28443"},
        SEED_BODY,
    )
    assert canonical == SEED_CANONICAL


def test_canonical_request_without_body_ends_after_the_headers_line():
    assert canonical_request("GET", "/a", [], {"host": "h:1"}, b"") == "GET\n/a\nhost\nhost:h%3A1\n"


def test_signer_signs_and_sends_host_without_the_port_by_default_as_huaweis_demo_does():
    request = prepared(DETAIL_URL, SEED_BODY)
    AuthV2Signer(AK, SK, clock=lambda: FIXED)(request)
    assert request.headers["Host"] == "10.1.2.3"
    assert request.headers["Authorization"] == DEMO_AUTHORIZATION


def test_signer_signs_and_sends_host_with_the_port_in_that_variant():
    request = prepared(DETAIL_URL, SEED_BODY)
    AuthV2Signer(AK, SK, AuthV2Variant(host_form=HOST_WITH_PORT), clock=lambda: FIXED)(request)
    assert request.headers["Host"] == "10.1.2.3:28443"
    assert request.headers["Authorization"] == PORT_AUTHORIZATION


@pytest.mark.parametrize(
    ("url", "without_port", "with_port"),
    [
        ("https://cms.example.com:8443/p", "cms.example.com", "cms.example.com:8443"),
        ("https://10.1.2.3/p", "10.1.2.3", "10.1.2.3"),
        ("https://user:pw@10.1.2.3:28443/p", "10.1.2.3", "10.1.2.3:28443"),
        ("https://[fd00::5]:28443/p", "[fd00::5]", "[fd00::5]:28443"),
    ],
)
def test_host_value_in_both_forms(url, without_port, with_port):
    assert host_value(url) == without_port
    assert host_value(url, HOST_WITH_PORT) == with_port


def test_unknown_host_form_is_refused():
    with pytest.raises(ValueError, match="host_form"):
        AuthV2Variant(host_form="ip:port")


def test_signer_signs_non_ascii_body_and_query_bytes_as_sent_with_the_content_headers_variant():
    variant = AuthV2Variant(
        timestamp_precision=MILLISECONDS,
        signed_headers=CONTENT_HEADERS_SIGNED.signed_headers,
        host_form=HOST_WITH_PORT,
    )
    request = prepared(
        "https://cms.example.com:8443/rest/x",
        NON_ASCII_BODY,
        params=[("b", "1"), ("name", "Zürich"), ("a", "x y")],
        headers={"Content-Type": "application/json;charset=UTF-8"},
    )
    AuthV2Signer(AK, SK, variant, clock=lambda: FIXED)(request)
    assert request.headers["Authorization"] == NON_ASCII_AUTHORIZATION
    assert request.headers["Content-Length"] == "14"


def test_a_retry_is_signed_again_with_a_fresh_timestamp():
    times = iter([FIXED, FIXED + dt.timedelta(seconds=5)])
    signer = AuthV2Signer(AK, SK, clock=lambda: next(times))
    request = prepared("https://10.1.2.3:28443/p", b"{}")
    first = signer(request).headers["Authorization"]
    second = signer(request).headers["Authorization"]
    assert first != second and "/2024-05-01T10:00:05Z/" in second
    assert request.headers["Authorization"].count("auth-v2") == 1


def test_the_signature_depends_on_every_byte_of_the_body():
    def sign(body: bytes) -> str:
        return AuthV2Signer(AK, SK, clock=lambda: FIXED)(prepared("https://h:1/p", body)).headers[
            "Authorization"
        ]

    assert sign(json.dumps({"a": 1}).encode()) != sign(json.dumps({"a": 1}, separators=(",", ":")).encode())


def test_variant_without_host_is_refused():
    with pytest.raises(ValueError, match="host"):
        AuthV2Variant(signed_headers=("content-type",))


def test_the_secret_key_is_masked_in_output():
    AuthV2Signer(AK, "sk-canary-9b1e")
    assert "sk-canary-9b1e" not in scrub("secret is sk-canary-9b1e")
