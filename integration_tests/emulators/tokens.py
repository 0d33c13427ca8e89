"""Short-lived bearer tokens as providers issue them (login, token exchange, refresh).

`TokenIssuer` keeps every token it issued with its expiry on the emulator's `VirtualClock`; lifetimes and
refresh grace periods are divided by the clock's `time_scale`. An emulator decides what the wire looks
like (JSON field names, error bodies); the issuer only answers "is this token valid, expired, revoked or
unknown" and performs refreshes. `jwt_shaped_token` mints values that look like the JWTs real providers
return (clients must treat them as opaque); `opaque_token` mints random strings.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import json
import math
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass

from .clock import VirtualClock

TokenMinter = Callable[[str, float, float], str]
"""(subject, issued_at, expires_at) -> token value."""


class TokenState(enum.Enum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


@dataclass
class IssuedToken:
    """One token the emulator handed out."""

    value: str
    subject: str
    issued_at: float
    expires_at: float
    revoked: bool = False

    def seconds_left(self, now: float) -> int:
        """Whole seconds until expiry (at least 1 while valid), as an `expires_in` field reports it."""
        return max(1, math.ceil(self.expires_at - now))


def opaque_token(subject: str, issued_at: float, expires_at: float) -> str:
    """A random URL-safe token."""
    return secrets.token_urlsafe(32)


_JWT_SIGNING_KEY = b"emulator-signing-key"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwt_shaped_token(subject: str, issued_at: float, expires_at: float) -> str:
    """A JWT (HS256) with sub/iat/nbf/exp/jti claims, signed with a fixed emulator key."""
    header = {"typ": "JWT", "alg": "HS256"}
    claims = {
        "sub": subject,
        "iat": int(issued_at),
        "nbf": int(issued_at),
        "exp": int(math.ceil(expires_at)),
        "jti": secrets.token_hex(8),
    }
    signing_input = ".".join(
        _b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
    )
    signature = hmac.new(_JWT_SIGNING_KEY, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(signature)}"


class TokenIssuer:
    """Issues, checks, refreshes and revokes short-lived tokens on a virtual clock."""

    def __init__(
        self,
        clock: VirtualClock,
        lifetime_seconds: float,
        refresh_grace_seconds: float = 0.0,
        mint: TokenMinter = opaque_token,
    ) -> None:
        if not lifetime_seconds > 0:
            raise ValueError(f"token lifetime must be positive, got {lifetime_seconds}")
        self.clock = clock
        self.lifetime_seconds = float(lifetime_seconds)
        self.refresh_grace_seconds = float(refresh_grace_seconds)
        self._mint = mint
        self._tokens: dict[str, IssuedToken] = {}
        self._lock = threading.Lock()

    def issue(self, subject: str) -> IssuedToken:
        """A new token for `subject`, valid for the scaled lifetime from now."""
        now = self.clock.timestamp()
        expires_at = now + self.clock.scaled(self.lifetime_seconds)
        token = IssuedToken(self._mint(subject, now, expires_at), subject, now, expires_at)
        with self._lock:
            self._tokens[token.value] = token
        return token

    def state_of(self, value: str) -> TokenState:
        with self._lock:
            token = self._tokens.get(value)
        if token is None:
            return TokenState.UNKNOWN
        if token.revoked:
            return TokenState.REVOKED
        if self.clock.timestamp() >= token.expires_at:
            return TokenState.EXPIRED
        return TokenState.VALID

    def refresh(self, value: str) -> IssuedToken | None:
        """Revoke a token that is valid or expired less than the scaled grace period ago, and issue its
        successor; None for a token that cannot be refreshed (unknown, revoked, or expired too long ago)."""
        now = self.clock.timestamp()
        grace = self.clock.scaled(self.refresh_grace_seconds)
        with self._lock:
            old = self._tokens.get(value)
            if old is None or old.revoked or now >= old.expires_at + grace:
                return None
            old.revoked = True
        return self.issue(old.subject)

    def revoke(self, value: str) -> None:
        with self._lock:
            token = self._tokens.get(value)
            if token is not None:
                token.revoked = True

    def revoke_subject(self, subject: str) -> None:
        """Revoke every token of `subject` (for providers where a new token invalidates older ones)."""
        with self._lock:
            for token in self._tokens.values():
                if token.subject == subject:
                    token.revoked = True

    def seconds_left(self, token: IssuedToken) -> int:
        return token.seconds_left(self.clock.timestamp())
