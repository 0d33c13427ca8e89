"""Acefone credentials: a portal API token, or a portal login (e-mail or UK login ID) with one-hour tokens.

The login body is `{"email", "password"}` on Indian and Servetel accounts (docs.acefone.in) and
`{"login_id", "password"}` on UK portals (https://api-docs.acefone.co.uk/reference/getting-started).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
from airbyte_cdk.sources.streams.http.requests_native_auth import TokenAuthenticator

from cdr_shared.credentials import header_safe
from cdr_shared.errors import config_error
from cdr_shared.secrets import register_secret
from cdr_shared.tokens import IssuedToken, ShortLivedTokenAuth, request_token

PROVIDER = "Acefone"


class AcefoneLoginAuth(ShortLivedTokenAuth):
    """`POST /v1/auth/login` for a token; `POST /v1/auth/refresh` to renew it, falling back to a new login.

    `login_field` is the body key of the login name: `email`, or `login_id` on UK portals.
    """

    refresh_margin = 300.0
    default_lifetime = 3600.0

    def __init__(
        self, base_url: str, login: str, password: str, login_field: str = "email", **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url
        self.login = login
        self.login_field = login_field
        self._password = password
        self._session = requests.Session()

    def fetch_token(self) -> IssuedToken:
        body = request_token(
            self._session,
            "POST",
            f"{self.base_url}/v1/auth/login",
            json={self.login_field: self.login, "password": self._password},
            provider=PROVIDER,
            credential_hint=f"credentials.{self.login_field} and credentials.password",
        )
        return _issued(body, self.login_field)

    def renew_token(self, current: str | None) -> IssuedToken:
        if not current:
            return self.fetch_token()
        try:
            response = self._session.post(
                f"{self.base_url}/v1/auth/refresh", headers={"Authorization": f"Bearer {current}"}, timeout=60
            )
            refreshed = _issued(response.json(), self.login_field) if response.ok else None
        except (requests.RequestException, ValueError):
            refreshed = None
        # A refused or failed refresh costs nothing more than a fresh login.
        return refreshed or self.fetch_token()


def _issued(body: Mapping[str, Any], login_field: str) -> IssuedToken:
    token = body.get("access_token") if isinstance(body, Mapping) else None
    if not token:
        raise config_error(
            f"Acefone's login answer carried no access_token; check credentials.{login_field} and "
            "credentials.password."
        )
    expires_in = body.get("expires_in")
    return IssuedToken(str(token), float(expires_in) if isinstance(expires_in, (int, float)) else None)


def authenticator_from_config(config: Mapping[str, Any], base_url: str) -> requests.auth.AuthBase:
    """The request authenticator for the configured credential type, or a config error naming the field."""
    credentials = config.get("credentials") or {}
    auth_type = credentials.get("auth_type")
    if auth_type == "api_token":
        token = _text(credentials, "api_token")
        if not token:
            raise config_error(
                "'credentials.api_token' is required when credentials.auth_type is 'api_token'."
            )
        register_secret(token)
        return TokenAuthenticator(token=header_safe(token, "credentials.api_token"))
    if auth_type == "login":
        login_field = _login_field(credentials)
        password = _text(credentials, "password")
        if not password:
            raise config_error(
                f"'credentials.{login_field}' and 'credentials.password' are required when "
                "credentials.auth_type is 'login'."
            )
        register_secret(password)
        return AcefoneLoginAuth(base_url, _text(credentials, login_field), password, login_field)
    raise config_error(f"'credentials.auth_type' must be 'api_token' or 'login'; got '{auth_type}'.")


def _login_field(credentials: Mapping[str, Any]) -> str:
    """`email` or `login_id`, whichever of the two the login credentials set (exactly one)."""
    given = [name for name in ("email", "login_id") if _text(credentials, name)]
    if len(given) != 1:
        raise config_error(
            "Login credentials need exactly one of 'credentials.email' (acefone.in, servetel.in portals) "
            "and 'credentials.login_id' (UK portals)" + ("; both are set." if given else ".")
        )
    return given[0]


def _text(credentials: Mapping[str, Any], name: str) -> str:
    """A credential field as text without surrounding whitespace ('' when unset)."""
    value = credentials.get(name)
    return str(value).strip() if value is not None else ""


def credential_hint(config: Mapping[str, Any]) -> str:
    """Which fields to fix when Acefone refuses the credentials."""
    credentials = config.get("credentials") or {}
    if credentials.get("auth_type") == "login":
        name = "login_id" if _text(credentials, "login_id") and not _text(credentials, "email") else "email"
        return f"Check credentials.{name} and credentials.password."
    return "Check credentials.api_token (generate a new token in the Acefone portal if it was revoked)."
