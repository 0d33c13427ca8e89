import json

import pytest
import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ResponseAction

from cdr_shared.http_errors import ProviderErrorHandler, RetryAfterBackoff, json_body, provider_message

HANDLER = ProviderErrorHandler("Acme", "Check credentials.api_token.")


def response(status, body=b"", headers=None):
    r = requests.Response()
    r.status_code = status
    r._content = body if isinstance(body, bytes) else json.dumps(body).encode()
    r.headers.update(headers or {})
    return r


@pytest.mark.parametrize(
    ("status", "body", "action", "failure"),
    [
        (200, {"ok": 1}, ResponseAction.SUCCESS, None),
        (200, b'{"results": [', ResponseAction.RETRY, FailureType.transient_error),
        (200, b"<html>oops</html>", ResponseAction.RETRY, FailureType.system_error),
        (429, {"message": "Too many requests"}, ResponseAction.RATE_LIMITED, FailureType.transient_error),
        (500, b"", ResponseAction.RETRY, FailureType.transient_error),
        (503, b"", ResponseAction.RETRY, FailureType.transient_error),
        (401, {"message": "Unauthenticated"}, ResponseAction.FAIL, FailureType.config_error),
        (403, {"message": "Forbidden"}, ResponseAction.FAIL, FailureType.config_error),
        (422, {"message": "from_date is invalid"}, ResponseAction.FAIL, FailureType.config_error),
    ],
)
def test_answers_map_to_the_error_contract(status, body, action, failure):
    resolution = HANDLER.interpret_response(response(status, body))
    assert resolution.response_action == action
    if failure:
        assert resolution.failure_type == failure


def test_auth_refusal_names_the_credential_and_quotes_the_provider():
    message = HANDLER.interpret_response(response(401, {"message": "Token has expired"})).error_message
    assert "credentials.api_token" in message and "Token has expired" in message


def test_a_429_quotes_what_the_provider_answered():
    message = HANDLER.interpret_response(
        response(429, {"message": "Quota of 5 per minute used"})
    ).error_message
    assert "HTTP 429: Quota of 5 per minute used" in message
    assert "HTTP 429)" in HANDLER.interpret_response(response(429)).error_message


def test_cut_off_json_is_transient_but_an_unexpected_body_ends_as_a_system_error():
    cut = HANDLER.interpret_response(response(200, b'{"results": [{"id": 1'))
    html = HANDLER.interpret_response(response(200, b"<html><body>Maintenance</body></html>"))
    assert (cut.response_action, cut.failure_type) == (ResponseAction.RETRY, FailureType.transient_error)
    assert (html.response_action, html.failure_type) == (ResponseAction.RETRY, FailureType.system_error)
    assert "Maintenance" in html.error_message


def test_transport_faults_are_retried():
    resolution = HANDLER.interpret_response(requests.ConnectionError("reset"))
    assert resolution.response_action == ResponseAction.RETRY


def test_provider_message_falls_back_to_text_and_is_bounded():
    assert provider_message(response(502, b"<h1>Bad gateway</h1>" * 100)).endswith("...")


def test_json_body_is_parsed_once():
    r = response(200, {"a": 1})
    assert json_body(r) is json_body(r)


def test_backoff_honours_retry_after_then_grows_exponentially():
    backoff = RetryAfterBackoff(base=2, cap=10)
    assert backoff.backoff_time(response(429, b"", {"Retry-After": "7"}), 1) == 7
    assert [backoff.backoff_time(response(500), n) for n in (1, 2, 3, 4)] == [2, 4, 8, 10]


def test_in_check_request_timeouts_are_shortened():
    from cdr_shared.http_errors import CHECK_REQUEST_TIMEOUT_SECONDS, check_budget, request_timeout

    assert request_timeout((10.0, 120.0)) == (10.0, 120.0)
    with check_budget():
        assert request_timeout((10.0, 120.0)) == (10.0, CHECK_REQUEST_TIMEOUT_SECONDS)
        assert request_timeout(60) == CHECK_REQUEST_TIMEOUT_SECONDS
