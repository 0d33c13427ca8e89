import contextlib
import json
import logging
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
import requests
from airbyte_cdk.logger import AirbyteLogFormatter
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.call_rate import HttpAPIBudget, LimiterSession
from airbyte_cdk.sources.streams.http import rate_limiting
from airbyte_cdk.sources.streams.http.http_client import HttpClient
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdr_shared import tokens
from cdr_shared.http_errors import ProviderErrorHandler, RetryAfterBackoff
from cdr_shared.rate_budget import PatientAPIBudget, Quota
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


class Answering(BaseHTTPRequestHandler):
    """A local test server's handler: `answer` writes one response; nothing is logged."""

    def answer(self, status, body, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serving(handler):
    """`handler` on 127.0.0.1 at a free port, for the block; yields its base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


class TokenEndpoint(Answering):
    answers: list = []
    retry_after: str | None = None

    def do_POST(self):
        status, body = TokenEndpoint.answers.pop(0)
        retry_after = [("Retry-After", TokenEndpoint.retry_after)] if TokenEndpoint.retry_after else []
        self.answer(status, body, retry_after)


@pytest.fixture
def token_endpoint(monkeypatch):
    monkeypatch.setattr(tokens, "TOKEN_RETRY_SCALE", 0.0)
    with serving(TokenEndpoint) as base:
        yield f"{base}/token"


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


# ------------------------------------------------------------ renewal through the CDK's HTTP client


class Provider(Answering):
    """A token endpoint (`POST /token`, answers from `token_answers` or a new `tok-N`) and an API (`GET /data`)
    that accepts only the newest token issued (or none at all when `accept` is False)."""

    issued: list = []
    token_answers: list = []
    accept = True
    api_seen: list = []
    both_in_flight: threading.Barrier | None = None

    def do_POST(self):
        if Provider.token_answers:
            status, body = Provider.token_answers.pop(0)
        else:
            Provider.issued.append(f"tok-{len(Provider.issued) + 1}")
            status, body = 200, json.dumps({"access_token": Provider.issued[-1]}).encode()
        self.answer(status, body)

    def do_GET(self):
        sent = self.headers.get("Authorization", "")
        Provider.api_seen.append(sent)
        if Provider.both_in_flight is not None and sent == "Bearer tok-1":
            Provider.both_in_flight.wait(timeout=10)
        ok = Provider.accept and bool(Provider.issued) and sent == f"Bearer {Provider.issued[-1]}"
        self.answer(200 if ok else 401, b"{}" if ok else b'{"message": "Jwt is expired"}')


@pytest.fixture
def provider(monkeypatch):
    monkeypatch.setattr(tokens, "TOKEN_RETRY_SCALE", 0.0)
    monkeypatch.setattr(rate_limiting.time, "sleep", lambda seconds: None)
    Provider.issued, Provider.token_answers, Provider.api_seen = [], [], []
    Provider.accept, Provider.both_in_flight = True, None
    with serving(Provider) as base:
        yield base


class CountingBudget(HttpAPIBudget):
    """A budget without limits that records the path of every request it lets through."""

    def __init__(self):
        super().__init__(policies=[])
        self.paths = []

    def acquire_call(self, request, block=True, timeout=None):
        self.paths.append(urlsplit(request.url).path)


class LoginAuth(ShortLivedTokenAuth):
    """Logs in at the provider's token endpoint through `session` (which carries the stream's budget)."""

    def __init__(self, base, session):
        super().__init__()
        self.base = base
        self.session = session

    def fetch_token(self):
        body = request_token(
            self.session,
            "POST",
            f"{self.base}/token",
            credential_hint="credentials.password",
            provider="Acme",
        )
        return IssuedToken(body["access_token"], 3600)


class Sync:
    """A CDK HTTP client as a stream has one: the shared error handler, `budget`, and a `LoginAuth` whose token
    session is a `LimiterSession` on the same budget."""

    def __init__(self, base, budget):
        self.base = base
        self.auth = LoginAuth(base, LimiterSession(api_budget=budget))
        self.http = HttpClient(
            "data",
            logging.getLogger("airbyte"),
            error_handler=ProviderErrorHandler("Acme", "Check credentials.password.", max_retries=3),
            api_budget=budget,
            authenticator=self.auth,
            backoff_strategy=RetryAfterBackoff(base=0.01),
        )

    def get(self):
        return self.http.send_request("GET", f"{self.base}/data", request_kwargs={"timeout": 10})[1]


def test_given_a_rejected_token_then_it_is_renewed_once_and_the_request_retried_all_within_the_budget(
    provider,
):
    budget = CountingBudget()
    sync = Sync(provider, budget)
    sync.auth.token()
    Provider.issued.append("tok-2")  # issued to someone else: the API now rejects the connector's tok-1
    assert sync.get().status_code == 200
    assert Provider.api_seen == ["Bearer tok-1", "Bearer tok-3"]
    assert budget.paths == ["/token", "/data", "/token", "/data"]


def test_given_a_new_token_rejected_too_then_a_config_error_names_the_credential_field(provider, caplog):
    budget = CountingBudget()
    sync = Sync(provider, budget)
    Provider.accept = False
    with caplog.at_level(logging.DEBUG), pytest.raises(AirbyteTracedException) as caught:
        sync.get()
    shown = caught.value.as_airbyte_message().trace.error
    assert shown.failure_type == FailureType.config_error
    assert "credentials.password" in shown.message and "Jwt is expired" in shown.message
    assert Provider.api_seen == ["Bearer tok-1", "Bearer tok-2"]
    assert budget.paths == ["/token", "/data", "/token", "/data"]
    formatter = AirbyteLogFormatter()
    output = [formatter.format(record) for record in caplog.records] + [str(caught.value.internal_message)]
    assert output and not any(token in line for line in output for token in Provider.issued)


def test_given_a_token_endpoint_that_keeps_failing_on_renewal_then_a_transient_error_quotes_it(provider):
    budget = CountingBudget()
    sync = Sync(provider, budget)
    sync.auth.token()
    Provider.accept = False  # the token is rejected, and the endpoint fails every renewal
    Provider.token_answers = [(503, b'{"message": "down for maintenance"}')] * tokens.TOKEN_REQUEST_ATTEMPTS
    with pytest.raises(AirbyteTracedException) as caught:
        sync.get()
    assert caught.value.failure_type == FailureType.transient_error
    assert (
        "down for maintenance" in caught.value.message and "try the sync again later" in caught.value.message
    )
    assert Provider.token_answers == [] and len(Provider.api_seen) == 2
    assert budget.paths == ["/token", "/data", *["/token"] * tokens.TOKEN_REQUEST_ATTEMPTS, "/data"]


ONE_TOKEN_AN_HOUR = [Quota("token", 1, timedelta(hours=1), r"/token$")]


def test_given_a_renewal_the_budget_refuses_then_no_token_request_is_made_and_the_error_is_transient(
    provider,
):
    budget = PatientAPIBudget(
        ONE_TOKEN_AN_HOUR, provider="Acme", max_wait_seconds=0, max_wait_field="max_wait"
    )
    sync = Sync(provider, budget)
    sync.auth.token()  # the hour's one token
    Provider.issued.append("tok-2")  # ...is already replaced: the API rejects it
    with pytest.raises(AirbyteTracedException) as caught:
        sync.get()
    assert caught.value.failure_type == FailureType.transient_error
    assert "max_wait" in caught.value.message
    assert Provider.issued == ["tok-1", "tok-2"]  # no third token requested


def test_given_a_failing_token_endpoint_and_one_token_an_hour_then_retries_do_not_wait_for_the_quota(
    provider, monkeypatch
):
    naps = []
    monkeypatch.setattr("cdr_shared.rate_budget.time.sleep", naps.append)
    budget = PatientAPIBudget(
        ONE_TOKEN_AN_HOUR, provider="Acme", max_wait_seconds=7200, max_wait_field="max_wait"
    )
    Provider.token_answers = [(502, b"")]
    session = LimiterSession(api_budget=budget)
    with pytest.raises(AirbyteTracedException) as caught:
        request_token(session, "POST", f"{provider}/token", credential_hint="x", provider="Acme")
    assert caught.value.failure_type == FailureType.transient_error
    assert "HTTP 502" in caught.value.message and "1 per 1 h" in caught.value.message
    assert all(nap == 0 for nap in naps) and Provider.token_answers == []


def test_given_two_requests_rejected_together_then_the_token_is_renewed_once(provider):
    budget = CountingBudget()
    sync = Sync(provider, budget)
    sync.auth.token()
    Provider.issued.append(
        "tok-2"
    )  # the held tok-1 was replaced elsewhere; the connector will renew to tok-3
    Provider.both_in_flight = threading.Barrier(2)
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(sync.get().status_code)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert answers == [200, 200]
    assert Provider.issued == ["tok-1", "tok-2", "tok-3"]
    assert budget.paths.count("/token") == 2


def test_a_thread_whose_token_was_already_replaced_does_not_renew_it_again():
    auth = CountingAuth(Clock())
    first, second = (requests.Request("GET", "https://api.example/").prepare() for _ in range(2))
    signed = threading.Thread(target=auth, args=(second,))
    auth(first)
    signed.start()
    signed.join()
    assert auth.get_auth_header() == {"Authorization": "Bearer token-1"}

    def rejected_on_another_thread():
        auth.refresh_and_set_access_token()

    renewer = threading.Thread(target=rejected_on_another_thread)
    renewer.start()
    renewer.join()
    assert auth.issued == 2
    auth.refresh_and_set_access_token()  # this thread's request carried token-1, already replaced
    assert auth.issued == 2 and auth.get_auth_header() == {"Authorization": "Bearer token-2"}
