"""Request and response builders for the CDK's `HttpMocker` (`airbyte_cdk.test.mock_http`).

A connector's `unit_tests/builders.py` names its endpoints once (`records_request(from_date, to_date)`)
on top of these, so a test reads as the provider's API table: given this request, this answer::

    RequestBuilder(f"{BASE}/v1/call/records").with_query_params(page="1").with_bearer("tok-1").build()
    RequestBuilder.of(records_request(*DAY_1)).with_bearer("tok-2").build()   # the same request, another token
    answer({"message": "Unauthenticated"}, status=401)                        # a JSON body
    answer("<html>proxy</html>")                                              # a text body, sent as it is

Builders are immutable: every `with_*` returns a new one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from airbyte_cdk.test.mock_http import HttpRequest, HttpResponse


@dataclass(frozen=True)
class RequestBuilder:
    """An `HttpRequest` to match: URL, query parameters, headers (a subset must match) and body."""

    url: str
    query_params: Mapping[str, Any] | str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str | bytes | Mapping[str, Any] | None = None

    @classmethod
    def of(cls, request: HttpRequest) -> RequestBuilder:
        """A builder holding `request` as it is, to add headers to (the CDK's request has no copy API)."""
        return cls(request._parsed_url.geturl(), None, dict(request._headers), request._body)

    def with_query_params(self, **params: Any) -> RequestBuilder:
        """Query parameters added to those already set (values as the provider receives them: strings)."""
        current = dict(self.query_params) if isinstance(self.query_params, Mapping) else {}
        return replace(self, query_params={**current, **params})

    def with_headers(self, **headers: str) -> RequestBuilder:
        """Headers the request must carry (others may be sent too)."""
        return replace(self, headers={**self.headers, **headers})

    def with_header(self, name: str, value: str) -> RequestBuilder:
        """One header, for names that are not Python identifiers (`Content-Type`)."""
        return replace(self, headers={**self.headers, name: value})

    def with_bearer(self, token: str) -> RequestBuilder:
        """The request must carry `Authorization: Bearer <token>`."""
        return self.with_header("Authorization", f"Bearer {token}")

    def with_json_body(self, body: Mapping[str, Any]) -> RequestBuilder:
        """A JSON body, compared as an object (key order and spacing do not matter)."""
        return replace(self, body=body)

    def with_body(self, body: str | bytes) -> RequestBuilder:
        """A body compared byte for byte."""
        return replace(self, body=body)

    def build(self) -> HttpRequest:
        return HttpRequest(
            self.url, query_params=self.query_params or None, headers=dict(self.headers), body=self.body
        )


@dataclass(frozen=True)
class ResponseBuilder:
    """An `HttpResponse` to answer with: a body (text as it is, anything else as JSON), status, headers."""

    body: Any = None
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)

    def with_status(self, status: int) -> ResponseBuilder:
        return replace(self, status=status)

    def with_header(self, name: str, value: str) -> ResponseBuilder:
        return replace(self, headers={**self.headers, name: value})

    def with_retry_after(self, seconds: int) -> ResponseBuilder:
        return self.with_header("Retry-After", str(seconds))

    def with_body(self, body: Any) -> ResponseBuilder:
        return replace(self, body=body)

    def build(self) -> HttpResponse:
        text = self.body if isinstance(self.body, str) else json.dumps(self.body)
        return HttpResponse(text, status_code=self.status, headers=dict(self.headers))


def answer(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> HttpResponse:
    """An answer with `body`: a `str` as it is (HTML, CSV, a body cut off), anything else as JSON."""
    return ResponseBuilder(body, status, dict(headers or {})).build()
