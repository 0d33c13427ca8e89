"""RingCX credentials: RingCentral JWT login with token exchange, RingCX username and password (legacy login
without a RingCentral app), a permanent API token, or a bearer token.

The JWT flow (vendor page "Obtaining a RingCX access token with a RingCentral login",
docs/authentication/auth-ringcentral.md in github.com/ringcentral/engage-voice-api-docs):

1. `POST {platform_url}/restapi/oauth/token` (HTTP Basic client id/secret, JWT bearer grant) -> platform token;
2. `POST {host}/api/auth/login/rc/accesstoken?includeRefresh=true` with `rcAccessToken` -> RingCX
   `accessToken` (a JWT living about 5 minutes), `refreshToken`, `adminId`, `mainAccountId`;
3. before expiry, `POST {host}/api/auth/token/refresh` with `refresh_token` -> a new pair; when the refresh
   is refused the connector starts over at step 1.

The legacy login (vendor page "Obtaining an Engage access token without a RingCentral login",
docs/authentication/auth-engage.md in github.com/ringcentral/engage-voice-api-docs) is
`POST {host}/api/auth/login/admin` with `username`, `password` and, for some accounts, `platformId`; it answers
the same token pair, renewed the same way. The page sends the fields in the query string (since March 2021);
its first version sent them as a form body. The query string is tried first; a 400 (a parameter the server did
not find) tries the form body once. A 401/403 is a wrong password: no second attempt.

The exchange endpoint accepts 5 requests per minute; every token request goes through a budget of that size,
so renewals wait instead of being refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import requests
from airbyte_cdk.sources.streams.call_rate import (
    HttpAPIBudget,
    LimiterSession,
    MovingWindowCallRatePolicy,
    Rate,
)
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdr_shared.errors import config_error
from cdr_shared.secrets import register_secret
from cdr_shared.tokens import (
    IssuedToken,
    ShortLivedTokenAuth,
    TokenRefused,
    jwt_lifetime_seconds,
    request_token,
)
from cdr_shared.urls import validate_base_url
from source_casper.config import DEFAULT_PLATFORM_URL

PROVIDER = "RingCX"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
RINGCX_TOKEN_LIFETIME = 300.0
TOKEN_REQUESTS_PER_MINUTE = 5
JWT_HINT = "credentials.client_id, credentials.client_secret and credentials.jwt"
LOGIN_HINT = "credentials.username, credentials.password and credentials.platform_id"
LEGACY_LOGIN_PATH = "/api/auth/login/admin"


def token_budget() -> HttpAPIBudget:
    """5 token requests per minute, the documented limit of the RingCX exchange endpoint.

    A 429 does not also empty the budget (the CDK's default): `request_token` already waits what the
    answer's `Retry-After` asks, within `check`'s budget under `check`, and an emptied budget would make the
    next attempt wait out a whole minute on top.
    """
    policy = MovingWindowCallRatePolicy(
        rates=[Rate(TOKEN_REQUESTS_PER_MINUTE, timedelta(minutes=1))], matchers=[]
    )
    return HttpAPIBudget(policies=[policy], status_codes_for_ratelimit_hit=[])


class RingCxTokenPairAuth(ShortLivedTokenAuth):
    """Bearer RingCX tokens from a login that answers a RingCX token pair, renewed ahead of expiry and on 401
    (the stream's error handler answers `REFRESH_TOKEN_THEN_RETRY`; every token request passes `budget`).

    A subclass logs in (`fetch_token`); renewal uses the refresh token, and logs in again when it is refused.
    """

    refresh_margin = 60.0
    default_lifetime = RINGCX_TOKEN_LIFETIME
    credential_hint = JWT_HINT

    def __init__(self, auth_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.auth_url = auth_url
        self._refresh_token: str | None = None
        self.admin_id: str | None = None
        self.budget = token_budget()
        self._session = LimiterSession(api_budget=self.budget)

    def renew_token(self, current: str | None) -> IssuedToken:
        if not self._refresh_token:
            return self.fetch_token()
        try:
            body = request_token(
                self._session,
                "POST",
                f"{self.auth_url}/api/auth/token/refresh",
                data={"refresh_token": self._refresh_token},
                provider=PROVIDER,
                credential_hint=self.credential_hint,
            )
        except AirbyteTracedException:
            # A refused or failing refresh (refresh token expired or already used): log in again from scratch.
            self._refresh_token = None
            return self.fetch_token()
        return self._issued(body)

    def _issued(self, body: Mapping[str, Any]) -> IssuedToken:
        token = body.get("accessToken")
        if not token:
            raise config_error(f"RingCX's login answer carried no accessToken; check {self.credential_hint}.")
        self._refresh_token = body.get("refreshToken") or None
        register_secret(self._refresh_token)
        if body.get("adminId") is not None:
            self.admin_id = str(body["adminId"])
        return IssuedToken(str(token), jwt_lifetime_seconds(str(token)))


class RingCxJwtAuth(RingCxTokenPairAuth):
    """RingCX tokens from a RingCentral JWT credential, through the platform token and the token exchange."""

    def __init__(
        self, auth_url: str, platform_url: str, client_id: str, client_secret: str, jwt: str, **kwargs: Any
    ) -> None:
        super().__init__(auth_url, **kwargs)
        self.platform_url = platform_url
        self._client = (client_id, client_secret)
        self._jwt = jwt

    def fetch_token(self) -> IssuedToken:
        platform = request_token(
            self._session,
            "POST",
            f"{self.platform_url}/restapi/oauth/token",
            auth=self._client,
            data={"grant_type": JWT_GRANT, "assertion": self._jwt},
            provider="RingCentral",
            credential_hint=JWT_HINT,
        )
        platform_token = platform.get("access_token")
        if not platform_token:
            raise config_error(f"RingCentral's token answer carried no access_token; check {JWT_HINT}.")
        register_secret(str(platform_token))
        register_secret(platform.get("refresh_token"))
        body = request_token(
            self._session,
            "POST",
            f"{self.auth_url}/api/auth/login/rc/accesstoken",
            params={"includeRefresh": "true"},
            data={"rcAccessToken": str(platform_token), "rcTokenType": "Bearer"},
            provider=PROVIDER,
            credential_hint=f"{JWT_HINT} (the RingCentral user must be a RingCX admin)",
        )
        return self._issued(body)


class RingCxLegacyLoginAuth(RingCxTokenPairAuth):
    """RingCX tokens from a RingCX admin's username and password (`/api/auth/login/admin`), no RingCentral app."""

    credential_hint = LOGIN_HINT

    def __init__(
        self, auth_url: str, username: str, password: str, platform_id: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(auth_url, **kwargs)
        self._fields = {"username": username, "password": password}
        if platform_id:
            self._fields["platformId"] = platform_id

    def fetch_token(self) -> IssuedToken:
        url = f"{self.auth_url}{LEGACY_LOGIN_PATH}"
        try:
            body = request_token(
                self._session, "POST", url, params=self._fields, provider=PROVIDER, credential_hint=LOGIN_HINT
            )
        except TokenRefused as refused:
            if refused.status_code != 400:
                raise
            # The page's first version sent the fields as a form body; servers that read only that answer 400.
            body = request_token(
                self._session, "POST", url, data=self._fields, provider=PROVIDER, credential_hint=LOGIN_HINT
            )
        return self._issued(body)


class StaticTokenAuth(requests.auth.AuthBase):
    """A token the user manages: a permanent API token (`X-Auth-Token`) or a bearer access token."""

    admin_id: str | None = None

    def __init__(self, header: str, value: str) -> None:
        register_secret(value)
        self._header = header
        self._value = value

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers[self._header] = self._value
        return request


def _required(credentials: Mapping[str, Any], field: str, auth_type: str) -> str:
    """`credentials.<field>` without surrounding blanks, or a config error naming it."""
    value = credentials.get(field)
    if not isinstance(value, str) or not value.strip():
        raise config_error(f"'credentials.{field}' is required when credentials.auth_type is '{auth_type}'.")
    return value.strip()


def authenticator_from_config(config: Mapping[str, Any], auth_url: str) -> requests.auth.AuthBase:
    """The request authenticator for the configured credential type, or a config error naming the field."""
    credentials = config.get("credentials") or {}
    auth_type = credentials.get("auth_type")
    if auth_type == "ringcentral_jwt":
        client_id, client_secret, jwt = (
            _required(credentials, field, auth_type) for field in ("client_id", "client_secret", "jwt")
        )
        register_secret(client_secret)
        register_secret(jwt)
        platform_url = validate_base_url(
            credentials.get("platform_url") or DEFAULT_PLATFORM_URL, field="credentials.platform_url"
        )
        return RingCxJwtAuth(auth_url, platform_url, client_id, client_secret, jwt)
    if auth_type == "legacy_login":
        username, password = (_required(credentials, field, auth_type) for field in ("username", "password"))
        register_secret(password)
        platform_id = str(credentials.get("platform_id") or "").strip() or None
        return RingCxLegacyLoginAuth(auth_url, username, password, platform_id)
    if auth_type == "api_token":
        return StaticTokenAuth("X-Auth-Token", _required(credentials, "api_token", auth_type))
    if auth_type == "access_token":
        return StaticTokenAuth("Authorization", f"Bearer {_required(credentials, 'access_token', auth_type)}")
    raise config_error(
        "'credentials.auth_type' must be 'ringcentral_jwt', 'legacy_login', 'api_token' or 'access_token'; "
        f"got '{auth_type}'."
    )


def credential_hint(config: Mapping[str, Any]) -> str:
    """Which fields to fix when RingCX refuses the credentials."""
    auth_type = (config.get("credentials") or {}).get("auth_type")
    if auth_type == "api_token":
        return "Check credentials.api_token (RingCX Admin > API access tokens: is it still enabled?)."
    if auth_type == "access_token":
        return "Check credentials.access_token: RingCX access tokens expire after about 5 minutes."
    if auth_type == "legacy_login":
        return f"Check {LOGIN_HINT}, and that the user is a RingCX admin with access to the reports and accounts."
    return (
        f"Check {JWT_HINT}, and that the RingCentral user is a RingCX admin with access to the reports "
        "and accounts configured."
    )
