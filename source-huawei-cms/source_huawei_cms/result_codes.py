"""How CC-CMS answers are judged: HTTP status, TLS failures and the `resultCode` of HTTP-200 bodies.

- HTTP 401: the signature was refused (wrong AK/SK, or a host clock more than 15 minutes off).
- TLS handshake or certificate failure: a config error pointing at `ca_certificate`.
- `resultCode` `0100000` is success (`returnCode` `0` for `queryMissedCalls`, see `answers.py`). `0100002` (invalid parameter) and `0101003` (insufficient
  permission) are config errors quoting CC-CMS's description; `0100001` (call failed) and `0100999`
  (unknown exception) are retried, then reported as transient; any other code is a system error
  carrying the code and description.
- A success code whose answer lacks what the page documents (`answers.py`), an empty body or a page that
  is not JSON (HTML from a proxy) is retried and then fails naming the request: never "no calls".
- Everything else follows the suite's contract (`cdr_shared.http_errors`): 429 waits, 5xx and transport
  faults retry.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction

from cdr_shared.http_errors import (
    ProviderErrorHandler,
    fail,
    json_body,
    looks_truncated,
    provider_message,
    retry,
    unexpected,
)
from cdr_shared.huawei_sign import HOST_WITH_PORT, HOST_WITHOUT_PORT
from cdr_shared.secrets import mask_secret_values, scrub
from cdr_shared.tls import is_tls_failure
from source_huawei_cms.answers import request_name, result_code, undocumented_success

PROVIDER = "CC-CMS"
INVALID_PARAMETER = "0100002"
NO_PERMISSION = "0101003"
RETRYABLE = {"0100001": "call failed", "0100999": "unknown exception"}
SIGNATURE_REJECTED = (
    "signature rejected: check credentials.access_key/credentials.secret_key and the host clock"
)
AUTH_HINT = "Check credentials.access_key and credentials.secret_key, and that this host's clock is within 15 minutes of CC-CMS's."
SIGNED_HOST_FIELD = "signed_host"


def signed_host_hint(signed_host: str) -> str:
    """What to try when keys and clock are right: the other form of the signed `host`."""
    other = HOST_WITH_PORT if signed_host == HOST_WITHOUT_PORT else HOST_WITHOUT_PORT
    return (
        f"If keys and clock are right, the server may expect the signed host in the other form: set "
        f"'{SIGNED_HOST_FIELD}' to '{other}' (now '{signed_host}')."
    )


def result_description(body: Mapping[str, Any]) -> str:
    """CC-CMS's own words for a failure (`resultDesc`, or `message`), secrets masked, kept short.

    A description that is an object is quoted as JSON, so secret-looking keys in it are masked too.
    """
    said = body.get("resultDesc") or body.get("returnDesc") or body.get("message") or body.get("result") or ""
    text = said if isinstance(said, str) else json.dumps(said, ensure_ascii=False)
    text = mask_secret_values(scrub(" ".join(text.split())))
    return text[:300] + ("..." if len(text) > 300 else "")


class CmsErrorHandler(ProviderErrorHandler):
    """The suite's error contract plus CC-CMS's signature, TLS and `resultCode` rules."""

    def __init__(self, cc_id: int, vdn: int, signed_host: str = HOST_WITHOUT_PORT) -> None:
        super().__init__(PROVIDER, AUTH_HINT)
        self.cc_id = cc_id
        self.vdn = vdn
        self.signed_host = signed_host

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
                f"CC-CMS {SIGNATURE_REJECTED} (HTTP 401: {provider_message(response)}). "
                + signed_host_hint(self.signed_host),
            )
        return super().interpret_response(response)

    def interpret_success_body(self, response: requests.Response) -> ErrorResolution:
        resolution = super().interpret_success_body(response)
        if resolution.response_action != ResponseAction.SUCCESS:
            return resolution
        body = json_body(response)
        code, success = result_code(response, body) if isinstance(body, Mapping) else (None, False)
        if code is None:
            return unexpected(
                f"CC-CMS answered {request_name(response)} with JSON that carries no resultCode (a proxy's page?)."
            )
        if success:
            missing = undocumented_success(response, body)
            if missing is None:
                return resolution
            return unexpected(
                f"CC-CMS answered {request_name(response)} with resultCode {code} but {missing}, which its "
                "documentation does not allow; it is not taken as an empty answer."
            )
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

    def not_json(self, response: requests.Response) -> ErrorResolution:
        """An empty body or a page (HTML from a proxy) instead of JSON: never taken as an empty answer."""
        if looks_truncated(response):
            return retry(f"CC-CMS sent a JSON body to {request_name(response)} that was cut off; retrying.")
        what = f"'{provider_message(response)}'" if response.content.strip() else "an empty body"
        return unexpected(f"CC-CMS answered {request_name(response)} with HTTP 200 and {what}, not JSON.")


def _tls_reason(error: Exception) -> str:
    """The certificate check's own reason ("certificate verify failed: ..."), or a generic one."""
    text = str(error)
    marker = "certificate verify failed"
    if marker in text:
        return text[text.index(marker) :].split(" (_ssl", 1)[0].rstrip("')\"")
    return "handshake failed"
