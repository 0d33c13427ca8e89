"""Base-URL checks: TLS everywhere except loopback (where the emulators run)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from requests import PreparedRequest
from requests.exceptions import InvalidURL

from cdr_shared.errors import config_error

_LOOPBACK_NAMES = {"localhost"}


def is_loopback_host(host: str) -> bool:
    """Whether `host` is a loopback name or address (127.0.0.0/8, ::1, localhost)."""
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_base_url(url: str, field: str = "base_url") -> str:
    """`url` without a trailing slash, or a config error: it must be https:// unless the host is loopback."""
    text = str(url or "").strip()
    try:
        parts = urlsplit(text)
    except ValueError:  # brackets that hold no IPv6 address
        parts = urlsplit("")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise config_error(f"'{field}' must be a URL such as 'https://api.example.com'; got '{text}'.")
    try:
        PreparedRequest().prepare_url(text, None)  # as every request will; 'api acefone.in' fails there
    except InvalidURL:
        raise config_error(
            f"'{field}' is not a URL a request can be sent to: the host '{parts.hostname}' holds a space or "
            "another character no host name has."
        ) from None
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise config_error(
            f"'{field}' must use https:// (plain http is allowed only for loopback hosts such as 127.0.0.1); got '{text}'."
        )
    try:
        port = parts.port  # raises ValueError for a port that is not a number from 0 to 65535
    except ValueError:
        port = 0
    if port == 0:
        raise config_error(f"'{field}' has a port that is not a number from 1 to 65535; got '{text}'.")
    if parts.query or parts.fragment:
        raise config_error(f"'{field}' must not carry a query string or fragment; got '{text}'.")
    if parts.username or parts.password:
        raise config_error(f"'{field}' must not embed credentials; put them in the credentials fields.")
    return text.rstrip("/")
