"""`ProviderHttpStream`: a CDK `HttpStream` that can also send a request of its own, in public.

A stream sometimes needs one request outside the page loop: a `check` probe, a detail lookup per parent
record, a streamed report that is re-read when it breaks off. The CDK's `HttpStream` keeps its client
private, so this base builds its own `HttpClient` (the CDK's public class) from the stream's declared
error handler, backoff, authenticator and budget, and offers it as `send()`: every request, whatever
sends it, passes the same retries, error mapping, rate budget and token renewal, and is counted once
(`requests_sent`, for the progress lines).
"""

from __future__ import annotations

import threading
from abc import ABC
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

import requests
from airbyte_cdk.sources.message import InMemoryMessageRepository
from airbyte_cdk.sources.streams.call_rate import APIBudget
from airbyte_cdk.sources.streams.http import HttpClient, HttpStream
from requests.auth import AuthBase

from cdr_shared.http_errors import request_timeout


class ProviderHttpStream(HttpStream, ABC):
    """An `HttpStream` with a public `send()` and `request_page()` over the CDK's `HttpClient`."""

    timeout_seconds: float | tuple[float, float] = (10.0, 120.0)
    """(connect, read) seconds of every request that does not set its own `timeout`: a provider that accepts
    the connection and never answers fails the request (retried as a transient fault) instead of holding
    the sync; `check` shortens it (`http_errors.request_timeout`)."""

    def __init__(self, authenticator: AuthBase | None = None, api_budget: APIBudget | None = None) -> None:
        super().__init__(authenticator=authenticator, api_budget=api_budget)
        self.authenticator = authenticator
        self.requests_sent = 0
        self._count_lock = threading.Lock()  # detail lookups may be sent from several threads
        self.error_handler = self.get_error_handler()
        self.api_budget = api_budget or APIBudget(policies=[])
        self.http_client = self.new_http_client()

    def new_http_client(self) -> HttpClient:
        """A client (with its own session) under this stream's error handler, backoff, authenticator and
        budget; the budget and authenticator are shared by every client of the stream."""
        return HttpClient(
            name=self.name,
            logger=self.logger,
            error_handler=self.error_handler,
            api_budget=self.api_budget,
            authenticator=self.authenticator,
            use_cache=False,
            backoff_strategy=self.get_backoff_strategy(),
            message_repository=InMemoryMessageRepository(),
        )

    def request_kwargs(self, **kwargs: Any) -> Mapping[str, Any]:
        """The `timeout` for the CDK's own page reads of this stream, as `send` sets it for its requests."""
        return {"timeout": request_timeout(self.timeout_seconds)}

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | str | None = None,
        headers: Mapping[str, Any] | None = None,
        request_kwargs: Mapping[str, Any] | None = None,
    ) -> requests.Response:
        """One request to `path` under `url_base` (or an absolute URL), through retries, errors and the budget.

        Counted in `requests_sent` once, however often it is retried."""
        url = urljoin(self.url_base, path)
        with self._count_lock:
            self.requests_sent += 1
        request_kwargs = {"timeout": request_timeout(self.timeout_seconds), **(request_kwargs or {})}
        _, response = self.http_client.send_request(
            http_method=method,
            url=url,
            request_kwargs=request_kwargs,
            headers=dict(headers or {}),
            params=dict(params or {}),
            json=json,
            data=data,
            dedupe_query_params=True,
            exit_on_rate_limit=self.exit_on_rate_limit,
        )
        return response

    def request_page(
        self, stream_slice: Mapping[str, Any] | None, next_page_token: Mapping[str, Any] | None = None
    ) -> requests.Response:
        """The request this stream declares (path, params, headers, body) for one slice and page."""
        declared = {"stream_state": {}, "stream_slice": stream_slice, "next_page_token": next_page_token}
        return self.send(
            self.http_method,
            self.path(**declared),
            params=self.request_params(**declared),
            json=self.request_body_json(**declared),
            data=self.request_body_data(**declared),
            headers=self.request_headers(**declared),
            request_kwargs=self.request_kwargs(**declared),
        )
