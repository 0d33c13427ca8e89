"""Custom certificate authorities for on-premise hosts: a PEM from the config, checked, as a CA bundle file.

On-premise platforms (Huawei CC-CMS behind an NSLB, for instance) often present certificates issued by
the customer's own CA. The user pastes that CA's PEM certificate into the config; `requests` needs a
file, so the PEM is written, together with the public roots `requests` trusts anyway, to a private
temporary file that is removed when the process ends. There is deliberately no way to switch
verification off.
"""

from __future__ import annotations

import atexit
import os
import re
import ssl
import tempfile

import requests
import requests.certs

from cdr_shared.errors import config_error

_PEM_BEGIN = "-----BEGIN CERTIFICATE-----"
_PEM_BLOCK = re.compile(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", re.DOTALL)


def check_ca_pem(pem: str, field: str = "ca_certificate") -> str:
    """The PEM certificate blocks of `pem`, or a config error naming `field` when it holds no usable one.

    Only the `BEGIN`/`END CERTIFICATE` blocks are kept: a paste from `openssl x509 -text` or a bundle file
    with `subject=` headings (in any language) still works.
    """
    text = str(pem or "").strip()
    if _PEM_BEGIN not in text:
        raise config_error(
            f"'{field}' must be a PEM certificate starting with '{_PEM_BEGIN}'; paste the CA certificate's text."
        )
    blocks = _PEM_BLOCK.findall(text)
    if not blocks:
        raise config_error(
            f"'{field}' is not a complete PEM certificate: '-----END CERTIFICATE-----' is missing."
        )
    text = "\n".join(blocks)
    if not text.isascii():
        raise config_error(
            f"'{field}' is not a valid PEM certificate (a certificate block holds non-ASCII text)."
        )
    try:
        ssl.create_default_context().load_verify_locations(cadata=text)
    except (ssl.SSLError, ValueError, TypeError) as error:
        raise config_error(
            f"'{field}' is not a valid PEM certificate ({error.__class__.__name__})."
        ) from error
    return text


def ca_bundle_file(pem: str, field: str = "ca_certificate") -> str:
    """Path of a bundle trusting the CA in `pem` as well as the usual public roots (removed at exit)."""
    text = check_ca_pem(pem, field)
    with open(requests.certs.where(), encoding="ascii") as public_roots:
        bundle = public_roots.read()
    handle, path = tempfile.mkstemp(prefix="cdr-ca-", suffix=".pem")
    with os.fdopen(handle, "w", encoding="ascii") as out:
        out.write(text + "\n" + bundle)
    atexit.register(_remove, path)
    return path


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def is_tls_failure(error: BaseException) -> bool:
    """Whether a transport error is a failed TLS handshake or certificate check (not a network fault)."""
    return isinstance(error, requests.exceptions.SSLError)
