import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdr_shared.urls import validate_base_url


@pytest.mark.parametrize(
    "url",
    [
        "https://api.acefone.in",
        "https://api.acefone.in/",
        "http://127.0.0.1:8080",
        "http://localhost:1",
        "http://[::1]:9",
    ],
)
def test_https_and_loopback_http_are_accepted(url):
    assert not validate_base_url(url).endswith("/")


@pytest.mark.parametrize(
    "url",
    [
        "http://api.acefone.in",
        "http://10.0.0.5:8080",
        "ftp://api.acefone.in",
        "api.acefone.in",
        "",
        "https://u:p@h",
        "https://10.0.0.5:port",
        "https://10.0.0.5:99999",
        "https://10.0.0.5:0",
    ],
)
def test_plain_http_to_other_hosts_and_non_urls_are_config_errors_naming_the_field(url):
    with pytest.raises(AirbyteTracedException) as caught:
        validate_base_url(url, "base_url")
    assert caught.value.failure_type == FailureType.config_error
    assert "'base_url'" in caught.value.message


@pytest.mark.parametrize(
    "url", ["https://api acefone.in", "https://api.acefone.in\t.x", "https://[not-ipv6]", "https://[::1"]
)
def test_a_host_no_request_could_reach_is_a_config_error_naming_the_field(url):
    # `requests` would raise urllib3's LocationParseError (a traceback) when the first request is built.
    with pytest.raises(AirbyteTracedException) as caught:
        validate_base_url(url, "base_url")
    assert caught.value.failure_type == FailureType.config_error
    assert "'base_url'" in caught.value.message
