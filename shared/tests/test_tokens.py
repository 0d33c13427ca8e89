import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdr_shared import tokens
from cdr_shared.secrets import scrub
from cdr_shared.tokens import IssuedToken, ShortLivedTokenAuth, request_token


class CountingAuth(ShortLivedTokenAuth):
    refresh_margin = 10

    def __init__(self, clock, lifetime=100):
        super().__init__(monotonic=clock)
        self.issued = 0
        self.lifetime = lifetime

    def fetch_token(self):
        self.issued += 1
        return IssuedToken(f"token-{self.issued}", self.lifetime)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_token_is_cached_until_the_refresh_margin():
    clock = Clock()
    auth = CountingAuth(clock)
    assert auth.token() == "token-1"
    clock.now = 89
    assert auth.token() == "token-1"
    clock.now = 90
    assert auth.token() == "token-2"


def test_short_lifetimes_are_renewed_halfway():
    clock = Clock()
    auth = CountingAuth(clock, lifetime=4)
    auth.token()
    clock.now = 2
    assert auth.token() == "token-2"


def test_issued_tokens_are_masked_in_output():
    auth = CountingAuth(Clock())
    assert scrub(f"Bearer {auth.token()}") == "Bearer ****"


class FlakyAuthServer(BaseHTTPRequestHandler):
    """Answers 401 to any token but the newest one issued by the test's auth object."""

    accepted = ""
    seen: list = []

    def do_GET(self):
        sent = self.headers.get("Authorization", "")
        FlakyAuthServer.seen.append(sent)
        ok = sent == f"Bearer {FlakyAuthServer.accepted}"
        self.send_response(200 if ok else 401)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FlakyAuthServer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    FlakyAuthServer.seen = []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_a_401_renews_the_token_and_retries_once(server):
    auth = CountingAuth(Clock())
    FlakyAuthServer.accepted = "token-2"
    answer = requests.get(server, auth=auth, timeout=5)
    assert answer.status_code == 200
    assert FlakyAuthServer.seen == ["Bearer token-1", "Bearer token-2"]


def test_a_second_401_is_returned_to_the_caller(server):
    auth = CountingAuth(Clock())
    FlakyAuthServer.accepted = "never"
    answer = requests.get(server, auth=auth, timeout=5)
    assert answer.status_code == 401
    assert len(FlakyAuthServer.seen) == 2


class TokenEndpoint(BaseHTTPRequestHandler):
    answers: list = []
    retry_after: str | None = None

    def do_POST(self):
        status, body = TokenEndpoint.answers.pop(0)
        self.send_response(status)
        if TokenEndpoint.retry_after:
            self.send_header("Retry-After", TokenEndpoint.retry_after)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def token_endpoint(monkeypatch):
    monkeypatch.setattr(tokens, "TOKEN_RETRY_SCALE", 0.0)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), TokenEndpoint)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/token"
    httpd.shutdown()


def test_token_endpoint_transient_faults_are_retried(token_endpoint):
    TokenEndpoint.answers = [(503, b""), (200, b"not json"), (200, b'{"access_token": "t"}')]
    body = request_token(requests.Session(), "POST", token_endpoint, credential_hint="x", provider="Acme")
    assert body == {"access_token": "t"}


def test_token_endpoint_refusal_is_a_config_error_naming_the_credential(token_endpoint):
    TokenEndpoint.answers = [(401, b'{"message": "bad password"}')]
    with pytest.raises(AirbyteTracedException) as caught:
        request_token(
            requests.Session(),
            "POST",
            token_endpoint,
            credential_hint="credentials.password",
            provider="Acme",
        )
    assert caught.value.failure_type == FailureType.config_error
    assert "credentials.password" in caught.value.message and "bad password" in caught.value.message


def test_token_endpoint_that_keeps_failing_is_a_transient_error(token_endpoint):
    TokenEndpoint.answers = [(502, b"")] * tokens.TOKEN_REQUEST_ATTEMPTS
    with pytest.raises(AirbyteTracedException) as caught:
        request_token(requests.Session(), "POST", token_endpoint, credential_hint="x", provider="Acme")
    assert caught.value.failure_type == FailureType.transient_error


class TimingOutSession:
    """A session whose token endpoint never answers: each request times out; the timeouts asked are kept."""

    def __init__(self):
        self.timeouts = []

    def request(self, method, url, timeout=None, **kwargs):
        self.timeouts.append(timeout)
        raise requests.exceptions.ReadTimeout("no answer")


def test_in_check_a_silent_token_endpoint_gets_three_short_attempts_not_five_of_a_minute(monkeypatch):
    from cdr_shared.http_errors import CHECK_REQUEST_TIMEOUT_SECONDS, check_budget

    monkeypatch.setattr(tokens.time, "sleep", lambda seconds: None)
    session = TimingOutSession()
    with check_budget(), pytest.raises(AirbyteTracedException) as caught:
        request_token(session, "POST", "https://auth.example/login", credential_hint="x", provider="Acme")
    assert session.timeouts == [CHECK_REQUEST_TIMEOUT_SECONDS] * 3
    assert "ReadTimeout" in caught.value.message
    outside = TimingOutSession()
    with pytest.raises(AirbyteTracedException):
        request_token(outside, "POST", "https://auth.example/login", credential_hint="x", provider="Acme")
    assert outside.timeouts == [tokens.TOKEN_REQUEST_TIMEOUT] * tokens.TOKEN_REQUEST_ATTEMPTS


def test_in_check_retry_after_waits_are_capped_and_the_answer_is_quoted(token_endpoint, monkeypatch):
    from cdr_shared.http_errors import CHECK_MAX_WAIT_SECONDS, check_budget

    waits = []
    monkeypatch.setattr(tokens.time, "sleep", waits.append)
    TokenEndpoint.answers = [(429, b'{"message": "Too many requests"}')] * 3
    TokenEndpoint.retry_after = "60"
    try:
        with check_budget(), pytest.raises(AirbyteTracedException) as caught:
            request_token(requests.Session(), "POST", token_endpoint, credential_hint="x", provider="Acme")
    finally:
        TokenEndpoint.retry_after = None
    assert TokenEndpoint.answers == [] and waits == [CHECK_MAX_WAIT_SECONDS] * 2
    assert "HTTP 429: 'Too many requests'" in caught.value.message


def test_under_check_a_failing_token_endpoint_is_tried_three_times_and_the_answer_is_quoted(
    token_endpoint, monkeypatch
):
    from cdr_shared.http_errors import check_budget

    waits: list[float] = []
    monkeypatch.setattr(tokens.time, "sleep", waits.append)
    monkeypatch.setattr(tokens, "TOKEN_RETRY_SCALE", 1.0)
    TokenEndpoint.answers = [(status, b'{"message": "Rate limit exceeded"}') for status in (429, 429, 429)]
    with check_budget(), pytest.raises(AirbyteTracedException) as caught:
        request_token(requests.Session(), "POST", token_endpoint, credential_hint="x", provider="Acme")
    assert TokenEndpoint.answers == []  # three attempts, not TOKEN_REQUEST_ATTEMPTS
    assert "HTTP 429: 'Rate limit exceeded'" in caught.value.message
    assert len(waits) == 2 and all(wait <= 10 for wait in waits)
