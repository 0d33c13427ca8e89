"""Keeping secrets out of output: register runtime secrets with the CDK's filter, redact URLs."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

from airbyte_cdk.utils.airbyte_secrets_utils import add_to_secrets, filter_secrets

REDACTED = "****"


def register_secret(value: str | None) -> None:
    """Mask `value` (and its URL-encoded forms) in everything the CDK prints from now on.

    Config fields marked `airbyte_secret` are registered by the entrypoint; tokens fetched at run time,
    and secrets sent in query strings (which appear URL-encoded), must be registered here.
    """
    if not value:
        return
    for form in {str(value), quote(str(value), safe=""), quote_plus(str(value))}:
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
