"""Short-lived bearer tokens: fetch, cache, refresh ahead of expiry, and refresh once on a 401.

`ShortLivedTokenAuth` is a `requests` auth class, so the CDK's HTTP client uses it like any other:
every request gets a fresh-enough token, and a 401 answer is retried once, transparently, with a new
token (the way `requests`' digest auth re-sends). A second 401 reaches the stream's error handler,
which reports a config error naming the credential.
"""

from __future__ import annotations

import base64
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
    provider_message,
    request_timeout,
    retry_after_seconds,
)
from cdr_shared.secrets import register_secret

_RETRIED_MARK = "_cdr_token_retried"
TOKEN_REQUEST_TIMEOUT = 60
TOKEN_REQUEST_ATTEMPTS = 5


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
    """Caches a token and renews it `refresh_margin` seconds before expiry; renews once on 401."""

    refresh_margin: float = 60.0
    default_lifetime: float = 300.0

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at: float = 0.0
        self.renewals = 0

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
                self._store(self.renew_token(self._token) if self._token else self.fetch_token())
            return self._token  # type: ignore[return-value]

    def invalidate(self, rejected: str | None = None) -> None:
        """Forget the cached token (if it is still `rejected`), so the next request renews it."""
        with self._lock:
            if rejected is None or rejected == self._token:
                self._renew_at = 0.0

    def _store(self, issued: IssuedToken) -> None:
        register_secret(issued.value)
        lifetime = issued.expires_in if issued.expires_in and issued.expires_in > 0 else self.default_lifetime
        margin = min(self.refresh_margin, lifetime / 2)
        self._token = issued.value
        self._renew_at = self._monotonic() + lifetime - margin
        self.renewals += 1

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.update(self.auth_headers(self.token()))
        hooks = request.hooks.setdefault("response", [])
        if self._retry_once_on_401 not in hooks:
            request.register_hook("response", self._retry_once_on_401)
        return request

    def _retry_once_on_401(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        if response.status_code != 401 or getattr(response.request, _RETRIED_MARK, False):
            return response
        sent = response.request.headers.get("Authorization", "")
        self.invalidate(sent.split(" ", 1)[-1] if sent else None)
        response.content  # noqa: B018 - drain the body so the connection can be reused
        response.close()
        retry = response.request.copy()
        setattr(retry, _RETRIED_MARK, True)
        retry.headers.update(self.auth_headers(self.token()))
        second = response.connection.send(retry, **kwargs)
        second.history.append(response)
        second.request = retry
        return second


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
    """
    last_problem = ""
    started = time.monotonic()
    for attempt in range(1, TOKEN_REQUEST_ATTEMPTS + 1):
        try:
            response = session.request(method, url, timeout=request_timeout(TOKEN_REQUEST_TIMEOUT), **kwargs)
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
