"""Mapping HTTP answers to the suite's error contract, and backoff that honours `Retry-After`.

- transport faults (reset, timeout, truncated body), 5xx and bodies that cannot be parsed: retry with
  backoff, then `transient_error`;
- 429 (and provider "rate limited" bodies): wait and retry;
- 401/403: `config_error` telling which credential to fix, quoting the provider's message; a 401 on a
  request signed with a short-lived token (`tokens.ShortLivedTokenAuth`) first renews the token and retries
  (`token_rejected`);
- other 4xx: `config_error` quoting the provider's message (a parameter the user configured is wrong).
A connector subclasses `ProviderErrorHandler` to read its own HTTP-200 error bodies.

Every quoted provider body passes through `scrub` (registered secrets masked) and `mask_secret_values`
(secret-looking JSON keys masked) here, whatever the caller does.

`check` answers a person waiting at a form. The shared entry point runs `check` inside `check_budget()`,
and while it does every `ProviderErrorHandler` allows at most `CHECK_MAX_RETRIES` retries and
`CHECK_MAX_SECONDS` of retrying, and every `RetryAfterBackoff` waits at most `CHECK_MAX_WAIT_SECONDS`
(a `Retry-After` included): no connector change needed. Outside the entry point (a connector's own
probe), `bounded_for_check(handler)` caps a handler at
`CHECK_MAX_RETRIES` retries and `CHECK_MAX_SECONDS` of retrying, and `check_backoff()` caps every wait
(including a `Retry-After`), so a persistently failing provider gives a FAILED check, quoting what it
answered, well within a minute.
"""

from __future__ import annotations

import contextlib
import copy
import email.utils
import json
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy, ErrorHandler
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction

from cdr_shared.secrets import mask_secret_values, scrub

_SUCCESS = ErrorResolution(response_action=ResponseAction.SUCCESS)
_BODY_QUOTE_LIMIT = 300


def provider_message(response: requests.Response) -> str:
    """The provider's own words from an error body (JSON `message`/`error`/... or text), secrets masked."""
    text = ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("message", "error_description", "error", "msg", "detail", "resultDesc", "errors"):
            if body.get(key):
                value = body[key]
                text = value if isinstance(value, str) else json.dumps(value)
                break
        else:
            text = json.dumps(body)
    if not text:
        try:
            text = response.text
        except Exception:
            text = ""
    text = " ".join(text.split())
    if len(text) > _BODY_QUOTE_LIMIT:
        text = text[:_BODY_QUOTE_LIMIT] + "..."
    return mask_secret_values(scrub(text))


def json_body(response: requests.Response) -> Any:
    """The response's JSON, parsed once and kept on the response (the error handler and parser share it)."""
    cached = getattr(response, "_cdr_json", _MISSING)
    if cached is _MISSING:
        cached = response.json()
        response._cdr_json = cached  # type: ignore[attr-defined]
    return cached


_MISSING = object()


def retry(message: str) -> ErrorResolution:
    return ErrorResolution(ResponseAction.RETRY, FailureType.transient_error, message)


def unexpected(message: str) -> ErrorResolution:
    """An answer the connector does not understand: retried, and a `system_error` if it persists."""
    return ErrorResolution(ResponseAction.RETRY, FailureType.system_error, message)


def looks_truncated(response: requests.Response) -> bool:
    """Whether a body that failed to parse as JSON began as JSON (so it was cut off, not replaced)."""
    head = response.content[:64].lstrip()
    return head[:1] in (b"{", b"[")


def rate_limited(message: str) -> ErrorResolution:
    return ErrorResolution(ResponseAction.RATE_LIMITED, FailureType.transient_error, message)


def fail(failure_type: FailureType, message: str) -> ErrorResolution:
    return ErrorResolution(ResponseAction.FAIL, failure_type, message)


@dataclass
class RenewableTokenMark:
    """What a short-lived-token authenticator (`tokens.ShortLivedTokenAuth`) leaves on each request it signs:
    itself, and (set by `token_rejected`) the `Authorization` the provider first rejected for that request.
    A mutable object, so a test transport that wraps the request (requests-mock) still shares it."""

    authenticator: Any
    rejected_authorization: str | None = None


_SIGNER_MARK = "cdr_signed_by"


def mark_renewable(request: requests.PreparedRequest, authenticator: Any) -> None:
    """Record on `request` that `authenticator` signed it (kept when the CDK re-signs it for a retry)."""
    if getattr(request, _SIGNER_MARK, None) is None:
        setattr(request, _SIGNER_MARK, RenewableTokenMark(authenticator))


def token_rejected(response: requests.Response, provider: str, refused: str) -> ErrorResolution | None:
    """How to answer a provider that rejected the token of `response`'s request; None if the request
    carries no renewable token (the caller then reports the credentials as refused).

    The first rejection of a request answers `REFRESH_TOKEN_THEN_RETRY`: the CDK renews the token once
    and retries through its retry path. A second rejection answers FAIL here, before the CDK would
    replace our message with its generic one: a config error saying `refused` (which names the
    credential fields) when a new token was refused too, a transient error quoting the renewal's
    failure when no new token could be obtained.
    """
    request = response.request
    mark = getattr(request, _SIGNER_MARK, None) if request is not None else None
    if not isinstance(mark, RenewableTokenMark):
        return None
    sent = request.headers.get("Authorization")
    if mark.rejected_authorization is None:
        mark.rejected_authorization = sent or ""
        return ErrorResolution(
            ResponseAction.REFRESH_TOKEN_THEN_RETRY,
            FailureType.transient_error,
            f"{provider} rejected the access token; renewing it and retrying.",
        )
    if sent != mark.rejected_authorization:
        return fail(FailureType.config_error, f"{refused} A newly issued access token was refused too.")
    problem = getattr(mark.authenticator, "renewal_problem", None) or "the renewal failed"
    return fail(
        FailureType.transient_error,
        f"{provider} rejected the access token and no new one could be obtained ({problem}); "
        "try the sync again later.",
    )


class ProviderErrorHandler(ErrorHandler):
    """The suite's error contract for one provider; `auth_hint` says which credential to fix on 401/403."""

    def __init__(self, provider: str, auth_hint: str, max_retries: int = 8, max_time: int = 1800) -> None:
        self.provider = provider
        self.auth_hint = auth_hint
        self._max_retries = max_retries
        self._max_time = max_time

    @property
    def max_retries(self) -> int | None:
        if in_check():
            return min(
                self._max_retries if self._max_retries is not None else CHECK_MAX_RETRIES, CHECK_MAX_RETRIES
            )
        return self._max_retries

    @property
    def max_time(self) -> int | None:
        if in_check():
            return min(self._max_time if self._max_time is not None else CHECK_MAX_SECONDS, CHECK_MAX_SECONDS)
        return self._max_time

    def interpret_response(self, response: requests.Response | Exception | None) -> ErrorResolution:
        count_check_answer(response)
        if isinstance(response, Exception):
            return retry(
                f"{self.provider} could not be reached or dropped the connection ({type(response).__name__})."
            )
        if response is None:
            return retry(f"{self.provider} gave no answer.")
        status = response.status_code
        if status == 429:
            said = provider_message(response)
            return rate_limited(
                f"{self.provider} rate limit reached (HTTP 429{': ' + said if said else ''}); waiting before retrying."
            )
        if status in (401, 403):
            refused = f"{self.provider} refused the credentials (HTTP {status}: {provider_message(response)}). {self.auth_hint}"
            renewal = token_rejected(response, self.provider, refused) if status == 401 else None
            return renewal or fail(FailureType.config_error, refused)
        if status >= 500 or status == 408:
            said = provider_message(response)
            quoted = f" ('{said}')" if said else ""
            return retry(f"{self.provider} answered HTTP {status}{quoted}; retrying.")
        if 400 <= status < 500:
            return self.interpret_client_error(response)
        return self.interpret_success_body(response)

    def interpret_client_error(self, response: requests.Response) -> ErrorResolution:
        """A 4xx other than auth and rate limit: a request parameter the user configured was refused."""
        return fail(
            FailureType.config_error,
            f"{self.provider} rejected the request (HTTP {response.status_code}: {provider_message(response)}). "
            "Check the connector's configuration.",
        )

    def interpret_success_body(self, response: requests.Response) -> ErrorResolution:
        """A 2xx answer: by default it must be JSON; subclasses read their provider's error bodies here."""
        try:
            json_body(response)
        except ValueError:
            return self.not_json(response)
        return _SUCCESS

    def not_json(self, response: requests.Response) -> ErrorResolution:
        """A body that should be JSON and is not: cut off in transit (transient) or something else entirely."""
        if looks_truncated(response):
            return retry(f"{self.provider} sent a JSON body that was cut off; retrying.")
        return unexpected(
            f"{self.provider} answered with a body that is not JSON: '{provider_message(response)}'."
        )


def retry_after_seconds(response: requests.Response) -> float | None:
    """The wait a `Retry-After` header asks for (seconds or an HTTP date), or None."""
    header = response.headers.get("Retry-After")
    if not header:
        return None
    header = header.strip()
    if header.replace(".", "", 1).isdigit():
        return float(header)
    parsed = email.utils.parsedate_to_datetime(header) if header else None
    if parsed is None:
        return None
    return max(0.0, parsed.timestamp() - time.time())


class RetryAfterBackoff(BackoffStrategy):
    """Wait what `Retry-After` asks (capped at `max_wait`), else exponentially from `base` up to `cap` seconds."""

    def __init__(self, base: float = 2.0, cap: float = 60.0, max_wait: float = 3600.0) -> None:
        self.base = base
        self.cap = cap
        self.max_wait = max_wait

    def backoff_time(
        self, response_or_exception: requests.Response | requests.RequestException | None, attempt_count: int
    ) -> float | None:
        wait = min(self.base * (2 ** max(attempt_count - 1, 0)), self.cap)
        if isinstance(response_or_exception, requests.Response):
            asked = retry_after_seconds(response_or_exception)
            if asked is not None:
                wait = min(max(asked, 0.1), self.max_wait)
        return min(wait, CHECK_MAX_WAIT_SECONDS) if in_check() else wait


_CHECKING: ContextVar[bool] = ContextVar("cdr_shared_checking", default=False)
_CHECK_ANSWERS: ContextVar[dict[requests.PreparedRequest, int] | None] = ContextVar(
    "cdr_shared_check_answers", default=None
)


@contextlib.contextmanager
def check_budget() -> Iterator[None]:
    """Within the block, shared handlers and backoffs keep to `check`'s budget (see the module docstring)."""
    token, answers = _CHECKING.set(True), _CHECK_ANSWERS.set({})
    try:
        yield
    finally:
        _CHECK_ANSWERS.reset(answers)
        _CHECKING.reset(token)


def count_check_answer(response: requests.Response | Exception | None) -> None:
    """Under `check`, count one more answer (or transport fault) to the request it answers."""
    answers, request = _CHECK_ANSWERS.get(), getattr(response, "request", None)
    if answers is not None and request is not None:
        answers[request] = answers.get(request, 0) + 1


def check_answers(request: requests.PreparedRequest | None) -> int | None:
    """How many answers `request` had under the running `check` (None outside `check` or if unknown)."""
    answers = _CHECK_ANSWERS.get()
    return answers.get(request) if answers is not None and request is not None else None


def in_check() -> bool:
    """Whether the running command is `check` under the shared entry point (`check_budget`)."""
    return _CHECKING.get()


CHECK_MAX_RETRIES = 2
"""Retries a `check` request gets: enough for a blip, not for an outage."""

CHECK_MAX_SECONDS = 30
"""Time a `check` request may spend retrying (the CDK's `max_time`); requests' own timeouts come on top."""

CHECK_MAX_WAIT_SECONDS = 10.0
"""The longest single wait between `check` attempts, whatever `Retry-After` asks."""


def bounded_for_check(
    handler: ProviderErrorHandler, max_retries: int = CHECK_MAX_RETRIES, max_seconds: int = CHECK_MAX_SECONDS
) -> ProviderErrorHandler:
    """A copy of `handler` (any subclass, same interpretation) that gives up within `check`'s budget."""
    bounded = copy.copy(handler)
    bounded._max_retries = min(
        handler.max_retries if handler.max_retries is not None else max_retries, max_retries
    )
    bounded._max_time = min(handler.max_time if handler.max_time is not None else max_seconds, max_seconds)
    return bounded


def check_backoff(base: float = 1.0) -> RetryAfterBackoff:
    """The backoff for `check`: exponential from `base`, and no wait (not even `Retry-After`) over 10 s."""
    return RetryAfterBackoff(base=base, cap=CHECK_MAX_WAIT_SECONDS, max_wait=CHECK_MAX_WAIT_SECONDS)


CHECK_REQUEST_TIMEOUT_SECONDS = 10.0
"""How long one `check` request may wait to connect or for an answer: three of them, and the waits
between, stay within a minute against a host that accepts connections and never answers."""


def request_timeout(sync_timeout: float | tuple[float, float]) -> float | tuple[float, float]:
    """The `timeout` for a request: `sync_timeout`, shortened to `CHECK_REQUEST_TIMEOUT_SECONDS` in `check`."""
    if not in_check():
        return sync_timeout
    if isinstance(sync_timeout, tuple):
        return tuple(min(part, CHECK_REQUEST_TIMEOUT_SECONDS) for part in sync_timeout)  # type: ignore[return-value]
    return min(sync_timeout, CHECK_REQUEST_TIMEOUT_SECONDS)
