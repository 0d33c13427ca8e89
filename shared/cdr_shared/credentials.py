"""Checks of credential values as users paste them, made before anything is sent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cdr_shared.errors import config_error


def chosen_credentials(
    config: Mapping[str, Any], auth_types: tuple[str, ...], what: str
) -> Mapping[str, Any]:
    """The config's `credentials` object, whose `auth_type` must be one of `auth_types`; else a config error
    naming the field (`what` says what the credentials are, for the message when they are missing)."""
    credentials = config.get("credentials")
    if not isinstance(credentials, Mapping):
        raise config_error(f"'credentials' is required: {what}.")
    if credentials.get("auth_type") not in auth_types:
        raise config_error(
            f"'credentials.auth_type' must be one of {', '.join(auth_types)}; got '{credentials.get('auth_type')}'."
        )
    return credentials


def header_safe(value: str, field: str) -> str:
    """`value` if it can be sent in an HTTP header as issued: printable ASCII with no space or line break.

    A token copied with a line break or a space inside (a `Bearer ` prefix, two lines of a web page), or with
    an invisible character (zero-width or non-breaking space), is refused here with a config error naming
    `field`: sent, it would be refused by the provider or crash the HTTP client while the header is built.
    The message never quotes the value. Surrounding whitespace is the entry point's to trim, not an error.
    """
    if value.isascii() and value.isprintable() and not any(char.isspace() for char in value):
        return value
    prefix = value.split(" ", 1)[0].lower()
    hint = (
        f" Paste the token alone, without the '{prefix.title()}' prefix."
        if prefix in ("bearer", "token")
        else ""
    )
    raise config_error(
        f"'{field}' holds a space, a line break or a character that is not printable ASCII inside it, so it "
        f"cannot be sent as issued; copy it again, whole and on one line.{hint}"
    )
