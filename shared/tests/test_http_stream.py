"""`ProviderHttpStream`: every request carries a timeout, its own or the default, shortened in `check`."""

from collections.abc import Mapping
from typing import Any

import requests

from cdr_shared.http_errors import CHECK_REQUEST_TIMEOUT_SECONDS, check_budget
from cdr_shared.http_stream import ProviderHttpStream


class Probe(ProviderHttpStream):
    name = "probe"
    primary_key = None
    url_base = "https://provider.example.test/api/"

    def path(self, **kwargs: Any) -> str:
        return "ping"

    def parse_response(self, response: requests.Response, **kwargs: Any) -> list[Mapping[str, Any]]:
        return []

    def next_page_token(self, response: requests.Response) -> None:
        return None


def sent_timeouts(monkeypatch, stream: ProviderHttpStream, **request_kwargs: Any) -> list[Any]:
    seen: list[Any] = []

    def answer(session, request, **kwargs):
        seen.append(kwargs.get("timeout"))
        response = requests.Response()
        response.status_code, response._content, response.request = 200, b"{}", request
        return response

    monkeypatch.setattr(requests.Session, "send", answer)
    stream.send("GET", "ping", request_kwargs=request_kwargs or None)
    return seen


def test_a_request_without_its_own_timeout_gets_the_default(monkeypatch):
    assert sent_timeouts(monkeypatch, Probe()) == [(10.0, 120.0)]


def test_a_stream_may_declare_a_longer_timeout_and_a_request_its_own(monkeypatch):
    class SlowReport(Probe):
        timeout_seconds = (10.0, 300.0)

    assert sent_timeouts(monkeypatch, SlowReport()) == [(10.0, 300.0)]
    assert sent_timeouts(monkeypatch, Probe(), timeout=5) == [5]


def test_in_check_every_timeout_is_shortened(monkeypatch):
    with check_budget():
        assert sent_timeouts(monkeypatch, Probe()) == [
            (CHECK_REQUEST_TIMEOUT_SECONDS, CHECK_REQUEST_TIMEOUT_SECONDS)
        ]
    assert Probe().request_kwargs() == {"timeout": (10.0, 120.0)}
