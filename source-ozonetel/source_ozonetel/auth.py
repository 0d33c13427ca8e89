"""Authentication to Ozonetel's newer reports API: the `apiKey` header, or a one-hour bearer token.

The legacy APIs take `user_name`/`api_key` in the query string instead (see `streams.py`).
A token comes from `POST /ca_apis/CAToken/generateToken`; it lives 60 minutes and a new one invalidates
every older one, so the connector asks for one at most once an hour and keeps using it until it expires.
"""

from __future__ import annotations

import requests

from cdr_shared.errors import config_error, transient_error
from cdr_shared.tokens import IssuedToken, ShortLivedTokenAuth, request_token
from source_ozonetel.errors import AUTH_HINT, PROVIDER

ISSUE_PATH = "/ca_apis/CAToken/generateToken"
TOKEN_LIFETIME_SECONDS = 3600.0


class OzonetelTokenAuth(ShortLivedTokenAuth):
    """Bearer tokens for the reports API, renewed only when they expire or are rejected."""

    # Renewing early would invalidate a token that still works and spend the hourly token budget.
    refresh_margin = 0.0

    def __init__(
        self, base_url: str, user_name: str, api_key: str, session: requests.Session, lifetime: float
    ) -> None:
        super().__init__()
        self.base_url = base_url
        self.user_name = user_name
        self._api_key = api_key
        self._session = session
        self.default_lifetime = lifetime

    def fetch_token(self) -> IssuedToken:
        body = request_token(
            self._session,
            "POST",
            f"{self.base_url}{ISSUE_PATH}",
            headers={"apiKey": self._api_key},
            json={"userName": self.user_name},
            provider=PROVIDER,
            credential_hint="credentials.user_name and credentials.api_key",
        )
        token = body.get("token")
        if isinstance(token, str) and token:
            return IssuedToken(token, self.default_lifetime)
        message = str(body.get("message") or "no token in the answer")
        if "invalid" in message.lower() or "missing" in message.lower():
            raise config_error(f"Ozonetel refused to issue a reports token ({message}). {AUTH_HINT}")
        raise transient_error(
            f"Ozonetel did not issue a reports token ({message}); try the sync again later."
        )
