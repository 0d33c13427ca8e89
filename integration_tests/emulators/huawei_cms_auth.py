"""How the CC-CMS emulator checks `auth-v2` (AK/SK) signatures.

Written from the algorithm in Huawei's public call-center demo (`SignInfo`,
github.com/Huawei/CloudIPCC_huaweicloud_hpsdemo), independently of the
connector suite's signer, so the emulator is a real check of it rather than a copy:

    Authorization: auth-v2/{AK}/{ts}/{signedHeaders}/{signature}

The emulator rebuilds the canonical request from what arrived on the wire (method, raw path, query,
the signed headers' values, the raw body bytes), signs it with the secret key of `AK` and compares.
It refuses (the caller answers HTTP 401) when the header is malformed, the access key unknown, the
timestamp in a format the emulator is not set to accept or more than `max_skew_seconds` away from the
virtual clock, a required header is not signed, or the signature differs.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import Message
from urllib.parse import parse_qsl

TIMESTAMP_FORMATS = {
    "seconds": "%Y-%m-%dT%H:%M:%SZ",
    "milliseconds": "%Y-%m-%dT%H:%M:%S.%fZ",
}
TIMESTAMP_MODES = ("seconds", "milliseconds", "either")
_SAFE = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


class SignatureRejected(Exception):
    """Why a request's signature was refused (shown in the 401 body and the emulator's log)."""


def pct(data: bytes | str) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return "".join(chr(b) if b in _SAFE else f"%{b:02X}" for b in raw)


def hmac_sha256_hex(key: str, text: str) -> str:
    return hmac.new(key.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def canonical_text(
    method: str, raw_path: str, raw_query: str, headers: Mapping[str, str], body: bytes
) -> str:
    """The canonical request of the algorithm, from the request as received."""
    out = method + "\n" + raw_path + "\n"
    pairs = parse_qsl(raw_query, keep_blank_values=True)
    if pairs:
        out += "&".join(sorted({pct(key) + "=" + pct(value) for key, value in pairs})) + "\n"
    names = sorted(headers)
    out += ";".join(names) + "\n"
    out += "\n".join(sorted(pct(name) + ":" + pct(headers[name]) for name in names)) + "\n"
    if body:
        out += pct(body)
    return out


@dataclass(frozen=True)
class SignatureChecker:
    """The emulator's signature policy: known keys, accepted timestamps, required headers, skew."""

    keys: Mapping[str, str]
    timestamp_mode: str = "seconds"
    required_headers: frozenset[str] = frozenset({"host"})
    max_skew_seconds: float = 15 * 60

    def __post_init__(self) -> None:
        if self.timestamp_mode not in TIMESTAMP_MODES:
            raise ValueError(f"timestamp_mode must be one of {TIMESTAMP_MODES}, got {self.timestamp_mode!r}")

    def verify(
        self,
        method: str,
        raw_path: str,
        raw_query: str,
        headers: Message,
        body: bytes,
        now: datetime,
    ) -> str:
        """The access key of a correctly signed request; SignatureRejected otherwise."""
        authorization = (headers.get("Authorization") or "").strip()
        if not authorization:
            raise SignatureRejected("no Authorization header")
        prefix, _, signature = authorization.rpartition("/")
        parts = prefix.rsplit("/", 2)
        if len(parts) != 3:
            raise SignatureRejected("Authorization is not auth-v2/{AK}/{ts}/{signedHeaders}/{signature}")
        version_and_key, timestamp, signed_names = parts
        version, _, access_key = version_and_key.partition("/")
        if version != "auth-v2" or not access_key or not timestamp or not signed_names or not signature:
            raise SignatureRejected("Authorization is not auth-v2/{AK}/{ts}/{signedHeaders}/{signature}")
        secret_key = self.keys.get(access_key)
        if secret_key is None:
            raise SignatureRejected("unknown access key")
        self._check_timestamp(timestamp, now)
        names = signed_names.split(";")
        if names != sorted(set(names)) or any(name != name.lower() for name in names):
            raise SignatureRejected("signedHeaders must be lower-case, sorted and unique")
        missing = self.required_headers - set(names)
        if missing:
            raise SignatureRejected(f"header(s) {', '.join(sorted(missing))} must be signed")
        values = {}
        for name in names:
            value = headers.get(name)
            if value is None:
                raise SignatureRejected(f"signed header {name} was not sent")
            values[name] = value
        canonical = canonical_text(method, raw_path, raw_query, values, body)
        expected = hmac_sha256_hex(hmac_sha256_hex(secret_key, prefix), canonical)
        if not hmac.compare_digest(expected, signature):
            raise SignatureRejected("signature mismatch")
        return access_key

    def _check_timestamp(self, text: str, now: datetime) -> None:
        modes = ("seconds", "milliseconds") if self.timestamp_mode == "either" else (self.timestamp_mode,)
        for mode in modes:
            try:
                signed_at = datetime.strptime(text, TIMESTAMP_FORMATS[mode]).replace(tzinfo=timezone.utc)
            except ValueError:
                continue
            if mode == "milliseconds" and len(text.rsplit(".", 1)[-1]) != 4:
                continue  # exactly three digits and the Z
            if abs((now - signed_at).total_seconds()) > self.max_skew_seconds:
                raise SignatureRejected(
                    f"timestamp {text} is more than {self.max_skew_seconds / 60:g} minutes away from server time"
                )
            return
        raise SignatureRejected(f"timestamp {text!r} is not in the accepted format ({self.timestamp_mode})")
