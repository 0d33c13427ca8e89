"""Huawei CEC "C2" request signing (`auth-v2`, AK/SK), as a `requests` auth class.

CC-CMS, CC-FS and CC-iSales authenticate every request with an HMAC-SHA256 signature over the request
itself. The algorithm (Huawei's public call-center demo code, `SignInfo`,
github.com/Huawei/CloudIPCC_huaweicloud_hpsdemo; the vendor page "C2 Monitoring, System Outbound Call, CDR,
and Knowledge Base Interface Authentication", https://support.huaweicloud.com/api-ccfs-cec/cec_07_0003.html):

1. `ts`: now in UTC, `yyyy-MM-dd'T'HH:mm:ss'Z'`.
2. `signedHeaders`: the names of the signed headers, lower-cased, sorted, joined by `;` (always `host`).
   The demo signs and sends `host` as the server address **without** the port (`HpsRequest.setHeaders`
   and `SignInfo.genAuthString`, github.com/Huawei/CloudIPCC_huaweicloud_hpsdemo); some servers behind an
   NSLB may expect `ip:port` instead, so `AuthV2Variant.host_form` chooses (default: the demo's form).
3. `canonicalHeaders`: `pct(name) + ":" + pct(value)` for each signed header, sorted, joined by `\\n`.
4. `canonicalRequest`: `METHOD \\n URI \\n` + (only with a query string: sorted `pct(k)=pct(v)` joined by
   `&`, then `\\n`) + `signedHeaders \\n canonicalHeaders \\n` + (only with a body: `pct(body)`).
5. `prefix = auth-v2/{AK}/{ts}/{signedHeaders}`; `signingKey` = hex HMAC-SHA256(SK, prefix);
   `signature` = hex HMAC-SHA256(signingKey, canonicalRequest).
6. `Authorization: {prefix}/{signature}` (no scheme word).

`pct` keeps `A-Z a-z 0-9 - . _ ~` and writes every other UTF-8 byte as `%XX` (upper-case hex).

Third-party ports show variants (millisecond timestamps, signing `content-length;content-type;host`).
They are not verified against a real CC-CMS, so the documented form is the default and the variants
live in one place, `AuthV2Variant`, for a deployment that needs them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import requests

from cdr_shared.secrets import register_secret

AUTH_VERSION = "auth-v2"
SECONDS = "seconds"
MILLISECONDS = "milliseconds"
HOST_WITHOUT_PORT = "without_port"
"""`host` is the address alone (`10.1.2.3`), as Huawei's demo code signs and sends it."""
HOST_WITH_PORT = "with_port"
"""`host` is `address:port` as written in the URL (`10.1.2.3:28443`)."""
HOST_FORMS = (HOST_WITHOUT_PORT, HOST_WITH_PORT)
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


@dataclass(frozen=True)
class AuthV2Variant:
    """What a deployment expects: the timestamp's precision, the headers that are signed and the form of `host`."""

    timestamp_precision: str = SECONDS
    signed_headers: tuple[str, ...] = ("host",)
    host_form: str = HOST_WITHOUT_PORT

    def __post_init__(self) -> None:
        if self.timestamp_precision not in (SECONDS, MILLISECONDS):
            raise ValueError(f"timestamp_precision must be '{SECONDS}' or '{MILLISECONDS}'")
        if self.host_form not in HOST_FORMS:
            raise ValueError(f"host_form must be one of {HOST_FORMS}")
        if "host" not in {name.lower() for name in self.signed_headers}:
            raise ValueError("the signed headers must include 'host'")


DOCUMENTED = AuthV2Variant()
"""Seconds, `host` only, `host` without the port: the form of Huawei's own demo code, and the default."""
MILLISECOND_TIMESTAMPS = AuthV2Variant(timestamp_precision=MILLISECONDS)
CONTENT_HEADERS_SIGNED = AuthV2Variant(signed_headers=("content-length", "content-type", "host"))


def percent_encode(value: str | bytes) -> str:
    """`pct`: unreserved ASCII kept, every other UTF-8 byte as `%XX` (upper-case hex)."""
    data = value.encode("utf-8") if isinstance(value, str) else value
    return "".join(chr(byte) if byte in _UNRESERVED else f"%{byte:02X}" for byte in data)


def format_timestamp(instant: dt.datetime, precision: str = SECONDS) -> str:
    """The `ts` of the prefix: UTC, `2024-05-01T10:00:00Z` (or `...10:00:00.123Z` with milliseconds)."""
    utc = instant.astimezone(dt.timezone.utc)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if precision == MILLISECONDS:
        text += f".{utc.microsecond // 1000:03d}"
    return text + "Z"


def signed_header_names(names: Iterable[str]) -> str:
    """`signedHeaders`: lower-cased, sorted, joined by `;`."""
    return ";".join(sorted({name.lower() for name in names}))


def canonical_request(
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    headers: Mapping[str, str],
    body: bytes,
) -> str:
    """The text that is signed; `headers` are exactly the signed headers (name -> value as sent)."""
    lines = [method.upper(), path]
    encoded_query = sorted({f"{percent_encode(k)}={percent_encode(v)}" for k, v in query})
    if encoded_query:
        lines.append("&".join(encoded_query))
    lines.append(signed_header_names(headers))
    lines.append(
        "\n".join(sorted(f"{percent_encode(k.lower())}:{percent_encode(v)}" for k, v in headers.items()))
    )
    return "\n".join(lines) + "\n" + (percent_encode(body) if body else "")


def signing_prefix(access_key: str, timestamp: str, headers: Iterable[str]) -> str:
    """`auth-v2/{AK}/{ts}/{signedHeaders}`."""
    return f"{AUTH_VERSION}/{access_key}/{timestamp}/{signed_header_names(headers)}"


def _hmac_hex(key: str, message: str) -> str:
    return hmac.new(key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def signature(secret_key: str, prefix: str, canonical: str) -> str:
    """Lower-case hex HMAC-SHA256 of the canonical request, keyed with the hex signing key."""
    return _hmac_hex(_hmac_hex(secret_key, prefix), canonical)


def authorization_value(secret_key: str, prefix: str, canonical: str) -> str:
    """The `Authorization` header value: `{prefix}/{signature}`."""
    return f"{prefix}/{signature(secret_key, prefix, canonical)}"


def host_as_sent(url: str) -> str:
    """`url`'s `host[:port]` exactly as written (no credentials)."""
    netloc = urlsplit(url).netloc
    return netloc.rsplit("@", 1)[-1]


def host_without_port(url: str) -> str:
    """`url`'s host as written, without any port (`[::1]` keeps its brackets)."""
    host = host_as_sent(url)
    if host.startswith("["):
        return host[: host.index("]") + 1] if "]" in host else host
    return host.split(":", 1)[0]


def host_value(url: str, host_form: str = HOST_WITHOUT_PORT) -> str:
    """The `Host` header signed and sent for `url` in `host_form`."""
    return host_as_sent(url) if host_form == HOST_WITH_PORT else host_without_port(url)


def _body_bytes(body: bytes | str | None) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, bytes):
        return body
    raise TypeError("auth-v2 signs a body that is fully known in advance; streamed bodies cannot be signed")


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class AuthV2Signer(requests.auth.AuthBase):
    """Signs each request (and each retry, with a fresh timestamp) with `Authorization: auth-v2/...`.

    It sets the `Host` header itself (in the variant's `host_form`), so the value signed is the value
    sent; with `content-length`
    among the signed headers it signs the length of the body actually sent.
    """

    def __init__(
        self,
        access_key: str,
        secret_key: str,
        variant: AuthV2Variant = DOCUMENTED,
        clock: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        register_secret(secret_key)
        self.access_key = access_key
        self._secret_key = secret_key
        self.variant = variant
        self.clock = clock

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        url = request.url or ""
        parts = urlsplit(url)
        body = _body_bytes(request.body)
        request.headers["Host"] = host_value(url, self.variant.host_form)
        if body and "content-length" in self.variant.signed_headers:
            request.headers["Content-Length"] = str(len(body))
        signed = {name.lower(): str(request.headers.get(name, "")) for name in self.variant.signed_headers}
        timestamp = format_timestamp(self.clock(), self.variant.timestamp_precision)
        prefix = signing_prefix(self.access_key, timestamp, signed)
        canonical = canonical_request(
            request.method or "GET",
            parts.path or "/",
            parse_qsl(parts.query, keep_blank_values=True),
            signed,
            body,
        )
        request.headers["Authorization"] = authorization_value(self._secret_key, prefix, canonical)
        return request
