"""Short-lived bearer tokens: fetch, cache, renew ahead of expiry, and renew once when the API rejects one.

`ShortLivedTokenAuth` is a `requests` auth class that also offers the CDK's token-refresh interface
(`refresh_and_set_access_token`, `get_auth_header`). A stream's error handler answers a rejected token
(a 401, or a provider's "token expired" body) with `ResponseAction.REFRESH_TOKEN_THEN_RETRY`
(`http_errors.token_rejected`); the CDK's HTTP client then renews the token once for that request and
retries it through its normal path, so the retry, like the renewal's own request (the token session is
a `LimiterSession` on the stream's budget where the provider has one), passes the rate budget, the
backoff and the error handler. A second rejection of the same request ends as a config error naming the
credential fields; a renewal that failed ends as a transient error quoting why.
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdr_shared.errors import transient_error
from cdr_shared.http_errors import (
    CHECK_MAX_RETRIES,
    CHECK_MAX_SECONDS,
    CHECK_MAX_WAIT_SECONDS,
    in_check,
    mark_renewable,
    provider_message,
    request_timeout,
    retry_after_seconds,
)
from cdr_shared.rate_budget import QuotaWouldWait, quota_patience
from cdr_shared.secrets import register_secret

TOKEN_REQUEST_TIMEOUT = 60
TOKEN_REQUEST_ATTEMPTS = 5
TOKEN_RETRY_QUOTA_WAIT_SECONDS = 60.0
"""The longest a retried token request waits for its quota: a provider allowing one token an hour
(Ozonetel) would otherwise hold a sync for an hour behind a token endpoint that keeps failing."""


class TokenRefused(AirbyteTracedException):
    """A token endpoint refused the request (400/401/403): a config error that keeps the HTTP status."""

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message=message, internal_message=message, failure_type=FailureType.config_error)
        self.status_code = status_code


@dataclass(frozen=True)
class IssuedToken:
    """A token and its lifetime in seconds (None: the provider did not say)."""

    value: str
    expires_in: float | None


class ShortLivedTokenAuth(requests.auth.AuthBase, ABC):
    """Caches a token and renews it `refresh_margin` seconds before expiry, or when the CDK asks
    (`refresh_and_set_access_token`, after the error handler answered `REFRESH_TOKEN_THEN_RETRY`)."""

    refresh_margin: float = 60.0
    default_lifetime: float = 300.0

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at: float = 0.0
        self._signed = threading.local()
        self.renewals = 0
        self.renewal_problem: str | None = None
        """Why the last renewal failed (None after a success): the error handler quotes it."""

    @abstractmethod
    def fetch_token(self) -> IssuedToken:
        """Obtain a brand-new token from the provider (login or exchange)."""

    def renew_token(self, current: str | None) -> IssuedToken:
        """Obtain a replacement for `current`; providers with a refresh endpoint override this."""
        return self.fetch_token()

    def auth_headers(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def token(self) -> str:
        """A token valid for at least `refresh_margin` more seconds."""
        with self._lock:
            if self._token is None or self._monotonic() >= self._renew_at:
                self._renew()
            return self._token  # type: ignore[return-value]

    def get_auth_header(self) -> Mapping[str, str]:
        """The headers the next request will carry, without renewing anything. The CDK compares them with a
        rejected request's to tell whether the token was already replaced since that request was sent."""
        with self._lock:
            return self.auth_headers(self._token) if self._token else {}

    def refresh_and_set_access_token(self) -> None:
        """Renew now: the API rejected the token this thread's last request carried.

        The CDK calls this once per rejected request. When several requests carrying the same token are
        rejected together, only the first renews: the others find the token already replaced (by the
        token this thread signed with) and retry with the new one, so a provider whose new token revokes
        the previous one is not made to issue two.
        """
        signed = getattr(self._signed, "token", None)
        with self._lock:
            if self._token is not None and signed is not None and signed != self._token:
                return
            self._renew()

    def _renew(self) -> None:
        """Replace the cached token (the lock is held); a failure is kept in `renewal_problem` and raised."""
        try:
            issued = self.renew_token(self._token) if self._token else self.fetch_token()
        except Exception as error:
            self.renewal_problem = getattr(error, "message", None) or str(error) or type(error).__name__
            raise
        self.renewal_problem = None
        register_secret(issued.value)
        lifetime = issued.expires_in if issued.expires_in and issued.expires_in > 0 else self.default_lifetime
        margin = min(self.refresh_margin, lifetime / 2)
        self._token = issued.value
        self._renew_at = self._monotonic() + lifetime - margin
        self.renewals += 1

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        token = self.token()
        self._signed.token = token
        request.headers.update(self.auth_headers(token))
        # Lets the stream's error handler answer a rejection with a renewal (`http_errors.token_rejected`).
        mark_renewable(request, self)
        return request


def request_token(
    session: requests.Session,
    method: str,
    url: str,
    *,
    credential_hint: str,
    provider: str,
    **kwargs: Any,
) -> Mapping[str, Any]:
    """Call a token endpoint and return its JSON, retrying transient faults.

    400/401/403 are config errors naming the credential (`credential_hint`), raised as `TokenRefused` (which
    carries the status, for callers that try another documented request shape); 429, 5xx and transport
    faults are retried with backoff and become a transient error, quoting the last answer, when they persist.
    Under `check` (`http_errors.check_budget`) it keeps to check's budget: at most `CHECK_MAX_RETRIES`
    retries, no wait (not even `Retry-After`) over `CHECK_MAX_WAIT_SECONDS`, and a shorter request timeout.
    A retry waits at most `TOKEN_RETRY_QUOTA_WAIT_SECONDS` for the session's quota (`rate_budget`): when the
    failed attempts spent a quota that frees up only later, the transient error says so at once.
    """
    last_problem = ""
    started = time.monotonic()
    for attempt in range(1, TOKEN_REQUEST_ATTEMPTS + 1):
        patience = quota_patience(TOKEN_RETRY_QUOTA_WAIT_SECONDS) if attempt > 1 else contextlib.nullcontext()
        try:
            with patience:
                response = session.request(
                    method, url, timeout=request_timeout(TOKEN_REQUEST_TIMEOUT), **kwargs
                )
        except QuotaWouldWait as wait:
            raise transient_error(
                f"{provider} token endpoint kept failing ({last_problem}), and {wait}; "
                "not waiting for it: try the sync again later."
            ) from None
        except requests.RequestException as error:
            last_problem = type(error).__name__
        else:
            if response.status_code in (400, 401, 403):
                raise TokenRefused(
                    f"{provider} refused to issue an access token (HTTP {response.status_code}: "
                    f"{provider_message(response)}). Check {credential_hint}.",
                    response.status_code,
                )
            if response.ok:
                try:
                    body = response.json()
                except ValueError:
                    last_problem = f"a body that is not JSON: '{provider_message(response)}'"
                else:
                    if isinstance(body, Mapping):
                        return body
                    last_problem = "an unexpected token answer"
            else:
                said = provider_message(response)
                last_problem = f"HTTP {response.status_code}" + (f": '{said}'" if said else "")
                wait = retry_after_seconds(response)
                if wait is not None and _may_retry(attempt, started):
                    time.sleep(_token_wait(min(wait, 60.0)))
                    continue
        if not _may_retry(attempt, started):
            break
        time.sleep(_token_wait(min(2.0 * 2 ** (attempt - 1), 30.0) * TOKEN_RETRY_SCALE))
    raise transient_error(
        f"{provider} token endpoint kept failing ({last_problem}); try the sync again later."
    )


TOKEN_RETRY_SCALE = 1.0
"""Multiplies the token endpoint's backoff; unit tests set it to 0."""


def _may_retry(attempt: int, started: float) -> bool:
    """Whether another token request may follow attempt `attempt`; in `check`, within its retry budget."""
    if in_check():
        return attempt <= CHECK_MAX_RETRIES and time.monotonic() - started < CHECK_MAX_SECONDS
    return attempt < TOKEN_REQUEST_ATTEMPTS


def _token_wait(seconds: float) -> float:
    """A wait before the next token request; in `check`, at most `CHECK_MAX_WAIT_SECONDS`."""
    return min(seconds, CHECK_MAX_WAIT_SECONDS) if in_check() else seconds


def jwt_lifetime_seconds(token: str) -> float | None:
    """How long a JWT-shaped token lives (`exp - iat` of its claims), or None if it is not a readable JWT.

    The claims are read without verifying the signature: they only schedule a renewal, and `exp - iat`
    stays right when this machine's clock differs from the issuer's.
    """
    parts = str(token).split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    except (ValueError, UnicodeError):
        return None
    if not isinstance(claims, Mapping):
        return None
    issued, expires = claims.get("iat"), claims.get("exp")
    if not all(
        isinstance(value, (int, float)) and not isinstance(value, bool) for value in (issued, expires)
    ):
        return None
    lifetime = float(expires) - float(issued)
    return lifetime if lifetime > 0 else None
