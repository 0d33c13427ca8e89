"""Keeping secrets out of output: register runtime secrets with the CDK's filter, redact URLs, and mask
secret-looking values in what the CDK logs under `--debug` and in records.

The CDK masks registered values only. Under `--debug` it also logs every provider response body
(`airbyte_cdk.sources.streams.http.http_client`, "Receiving response", `extra={"body": ...}`), and a
provider may answer with secrets the config never held (RingCX account details carry `crmPwd`, `ftpPwd`,
`securityKey`). `install_debug_masking` puts a filter on the console handler that masks, in every log
record, the string value of any JSON key (or `key=value` pair) whose name contains `password`, `secret`,
`token` or `key` (case-insensitive), plus the names in `EXTRA_SECRET_NAMES`. `drop_secret_keys` removes
such keys from a record.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

from airbyte_cdk.utils.airbyte_secrets_utils import add_to_secrets, filter_secrets

REDACTED = "****"

SECRET_NAME_PARTS = ("password", "secret", "token", "key")
"""A key whose name contains one of these (any case) and whose value is a string is a secret."""

EXTRA_SECRET_NAMES = frozenset({"crmpwd", "ftppwd", "securitykey", "pwd", "passwd"})
"""Secret key names that do not contain one of `SECRET_NAME_PARTS` (lower case): RingCX's `crmPwd`, `ftpPwd`."""


def secret_forms(value: str) -> set[str]:
    """The ways `value` can appear in output: raw, trimmed, URL-encoded, JSON-escaped, base64.

    Base64 is matched only where the secret starts a base64 block (a token encoded alone); inside a
    Basic-auth `user:password` block it is not, so Basic headers must be registered whole (`register_secret`).
    """
    forms: set[str] = set()
    for text in {value, value.strip()}:
        if not text:
            continue
        escaped = json.dumps(text)[1:-1]
        # JSON-escaped once (a value in a message) and twice (a logged JSON body inside a log message).
        forms |= {text, quote(text, safe=""), quote_plus(text), escaped, json.dumps(escaped)[1:-1]}
        raw = text.encode()
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(raw).decode()
            forms |= {encoded, encoded.rstrip("=")}
    return {form for form in forms if form}


def register_secret(value: str | None) -> None:
    """Mask `value` (raw, trimmed, URL-encoded, JSON-escaped, base64) in everything the CDK prints from now on.

    Config fields marked `airbyte_secret` are registered by the entrypoint; tokens fetched at run time,
    and secrets sent in query strings (which appear URL-encoded), must be registered here.
    """
    if not value:
        return
    for form in sorted(secret_forms(str(value)), key=len, reverse=True):
        add_to_secrets(form)


def redact_url(url: str, secret_params: set[str]) -> str:
    """`url` with the values of the named query parameters replaced by `****`."""
    parts = urlsplit(url)
    query = [
        (k, REDACTED if k in secret_params else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query, safe="*"), parts.fragment))


def scrub(text: str) -> str:
    """`text` with every registered secret masked."""
    return filter_secrets(text)


def is_secret_name(name: str, extra_names: Iterable[str] = ()) -> bool:
    """Whether a key called `name` holds a secret (by the rule above, plus `extra_names`)."""
    lowered = name.lower()
    extras = EXTRA_SECRET_NAMES | {n.lower() for n in extra_names}
    return lowered in extras or any(part in lowered for part in SECRET_NAME_PARTS)


def _name_pattern() -> str:
    parts = "|".join(sorted({*SECRET_NAME_PARTS, *EXTRA_SECRET_NAMES}, key=len, reverse=True))
    return rf"[A-Za-z0-9_.\-]*(?:{parts})[A-Za-z0-9_.\-]*"


# `"crmPwd": "v"` in JSON (escapes inside the value included).
_JSON_PAIR = re.compile(
    rf'(?P<head>"(?P<name>{_name_pattern()})"\s*:\s*")(?P<value>(?:[^"\\]|\\.)+)"', re.IGNORECASE
)
# The same inside a JSON string (`\"crmPwd\": \"v\"`), as when a logged body is serialized again.
_ESCAPED_JSON_PAIR = re.compile(
    rf'(?P<head>\\"(?P<name>{_name_pattern()})\\"\s*:\s*\\")(?P<value>(?:(?!\\").)+)\\"', re.IGNORECASE
)
# `'crmPwd': 'v'` (or `"v"`) in a Python repr of a parsed body, as the CDK logs a failed request's response.
_REPR_PAIR = re.compile(
    rf"""(?P<head>'(?P<name>{_name_pattern()})'\s*:\s*)(?P<value>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""",
    re.IGNORECASE,
)
# The same inside a repr of that text (`\'crmPwd\': \'v\'`), as in the repr of an exception.
_ESCAPED_REPR_PAIR = re.compile(
    rf"(?P<head>\\'(?P<name>{_name_pattern()})\\'\s*:\s*)(?P<value>\\'(?:(?!\\').)*\\')", re.IGNORECASE
)
# `password=v` in a query string or form body.
_FORM_PAIR = re.compile(
    rf"(?P<head>(?<![A-Za-z0-9_])(?P<name>{_name_pattern()})=)(?P<value>[^&\s\"'\\]+)", re.IGNORECASE
)


def mask_secret_values(text: str) -> str:
    """`text` with the string value of every secret-looking key masked (JSON pairs and `key=value` pairs)."""
    if not text:
        return text
    text = _JSON_PAIR.sub(lambda m: f'{m.group("head")}{REDACTED}"', text)
    text = _ESCAPED_JSON_PAIR.sub(lambda m: f'{m.group("head")}{REDACTED}\\"', text)
    text = _REPR_PAIR.sub(
        lambda m: f"{m.group('head')}{m.group('value')[0]}{REDACTED}{m.group('value')[0]}", text
    )
    text = _ESCAPED_REPR_PAIR.sub(lambda m: f"{m.group('head')}\\'{REDACTED}\\'", text)
    return _FORM_PAIR.sub(lambda m: f"{m.group('head')}{REDACTED}", text)


def drop_secret_keys(record: Any, extra_names: Iterable[str] = ()) -> Any:
    """`record` without any key (at any depth) that `is_secret_name` and whose value is a string."""
    extras = tuple(extra_names)
    if isinstance(record, Mapping):
        return {
            key: drop_secret_keys(value, extras)
            for key, value in record.items()
            if not (isinstance(value, str) and is_secret_name(str(key), extras))
        }
    if isinstance(record, list):
        return [drop_secret_keys(item, extras) for item in record]
    return record


class SecretValueFilter(logging.Filter):
    """Masks secret-looking values in a log record's message, arguments and extras (`body`, `headers`...)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_secret_values(record.msg)
        if record.args:
            if isinstance(record.args, tuple):
                record.args = tuple(mask_secret_values(a) if isinstance(a, str) else a for a in record.args)
        for name in ("body", "request_body", "url"):
            value = getattr(record, name, None)
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            if isinstance(value, str):
                setattr(record, name, mask_secret_values(value))
        headers = getattr(record, "headers", None)
        if isinstance(headers, Mapping):
            record.headers = {
                k: (REDACTED if is_secret_name(str(k)) or str(k).lower() == "authorization" else v)
                for k, v in headers.items()
            }
        return True


def install_debug_masking(logger: logging.Logger | None = None) -> SecretValueFilter:
    """Put a `SecretValueFilter` on every handler of `logger` (the root logger: the CDK's console), once."""
    target = logger or logging.getLogger()
    installed = SecretValueFilter()
    for handler in target.handlers:
        if not any(isinstance(f, SecretValueFilter) for f in handler.filters):
            handler.addFilter(installed)
    return installed
