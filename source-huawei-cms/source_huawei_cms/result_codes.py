"""How CC-CMS answers are judged: HTTP status, TLS failures and the `resultCode` of HTTP-200 bodies.

- HTTP 401: the signature was refused (wrong AK/SK, or a host clock more than 15 minutes off).
- TLS handshake or certificate failure: a config error pointing at `ca_certificate`.
- `resultCode` `0100000` is success. `0100002` (invalid parameter) and `0101003` (insufficient
  permission) are config errors quoting CC-CMS's description; `0100001` (call failed) and `0100999`
  (unknown exception) are retried, then reported as transient; any other code is a system error
  carrying the code and description.
- Everything else follows the suite's contract (`cdr_shared.http_errors`): 429 waits, 5xx and transport
  faults retry, a body that is not JSON retries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction

from cdr_shared.http_errors import ProviderErrorHandler, fail, json_body, provider_message, retry
from cdr_shared.secrets import scrub
from cdr_shared.tls import is_tls_failure

PROVIDER = "CC-CMS"
SUCCESS = "0100000"
INVALID_PARAMETER = "0100002"
NO_PERMISSION = "0101003"
RETRYABLE = {"0100001": "call failed", "0100999": "unknown exception"}
SIGNATURE_REJECTED = "signature rejected: check access_key/secret_key and the host clock"
AUTH_HINT = "Check access_key and secret_key, and that this host's clock is within 15 minutes of CC-CMS's."


def result_description(body: Mapping[str, Any]) -> str:
    """CC-CMS's own words for a failure (`resultDesc`, or `message`), secrets masked, kept short."""
    text = body.get("resultDesc") or body.get("message") or body.get("result") or ""
    text = " ".join(str(text).split())
    return scrub(text[:300] + ("..." if len(text) > 300 else ""))


class CmsErrorHandler(ProviderErrorHandler):
    """The suite's error contract plus CC-CMS's signature, TLS and `resultCode` rules."""

    def __init__(self, cc_id: int, vdn: int) -> None:
        super().__init__(PROVIDER, AUTH_HINT)
        self.cc_id = cc_id
        self.vdn = vdn

    def interpret_response(self, response: requests.Response | Exception | None) -> ErrorResolution:
        if isinstance(response, Exception) and is_tls_failure(response):
            return fail(
                FailureType.config_error,
                f"The TLS connection to CC-CMS failed ({_tls_reason(response)}). If CC-CMS (or the NSLB) presents "
                "a certificate from a private certificate authority, paste that CA's PEM certificate into "
                "'ca_certificate'; check too that base_url names the host the certificate was issued for.",
            )
        if isinstance(response, requests.Response) and response.status_code == 401:
            return fail(
                FailureType.config_error,
                f"CC-CMS {SIGNATURE_REJECTED} (HTTP 401: {provider_message(response)}).",
            )
        return super().interpret_response(response)

    def interpret_success_body(self, response: requests.Response) -> ErrorResolution:
        resolution = super().interpret_success_body(response)
        if resolution.response_action != ResponseAction.SUCCESS:
            return resolution
        body = json_body(response)
        if not isinstance(body, Mapping) or "resultCode" not in body:
            return retry("CC-CMS answered with JSON that carries no resultCode (a proxy's page?); retrying.")
        code = str(body.get("resultCode")).strip()
        if code == SUCCESS:
            return resolution
        description = result_description(body)
        if code == INVALID_PARAMETER:
            return fail(
                FailureType.config_error,
                f"CC-CMS refused a request parameter (resultCode {code}: {description}). Check cc_id, vdn and "
                "the sync period (CC-CMS accepts only periods since 00:00 yesterday in the tenant's 'timezone').",
            )
        if code == NO_PERMISSION:
            return fail(
                FailureType.config_error,
                f"CC-CMS says the access key has insufficient permission (resultCode {code}: {description}). "
                f"Check that access_key may query call center cc_id={self.cc_id} and vdn={self.vdn}.",
            )
        if code in RETRYABLE:
            return retry(f"CC-CMS answered resultCode {code} ({RETRYABLE[code]}: {description}); retrying.")
        return fail(FailureType.system_error, f"CC-CMS answered resultCode {code}: {description}.")


def _tls_reason(error: Exception) -> str:
    """The certificate check's own reason ("certificate verify failed: ..."), or a generic one."""
    text = str(error)
    marker = "certificate verify failed"
    if marker in text:
        return text[text.index(marker) :].split(" (_ssl", 1)[0].rstrip("')\"")
    return "handshake failed"
