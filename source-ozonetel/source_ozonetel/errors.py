"""Reading Ozonetel's answers: every legacy error, and most of the newer API's, is an HTTP 200 body.

Legacy APIs answer `{"status": "failure"|"error", "message": ...}`, the reports API `{"status": "false"|
"fail", "message": ...}`. The message decides: an empty result, a rate limit to wait out, a credential
or parameter the user must fix (named by its config field), a token to renew, or an unknown failure.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction

from cdr_shared.http_errors import (
    ProviderErrorHandler,
    fail,
    json_body,
    looks_truncated,
    provider_message,
    rate_limited,
    retry,
    token_rejected,
    unexpected,
)
from cdr_shared.secrets import scrub

PROVIDER = "Ozonetel"
FAILED_STATUSES = {"failure", "error", "false", "fail"}
AUTH_HINT = "Check credentials.user_name and credentials.api_key (CloudAgent admin login > API key)."
UCID_PAGE = "https://docs.ozonetel.com/reference/get_caservices-cdr-fetchcdrbyucid-php"
REPORTS_PAGE = "https://docs.ozonetel.com/reference/get_ca-reports-fetchcdrdetails"
# Request parameters that say which window or call an answer belongs to (never the key).
REQUEST_FIELDS = ("from_date", "to_date", "ucid", "reportType")

# Answers that mean "nothing here": an empty window or a call the store does not hold.
EMPTY_ANSWERS = ("no record found", "no data found", "ucid should be numeric only")
RATE_LIMIT_ANSWERS = ("max limit exceeded", "limit exceeded", "too many requests")
TOKEN_ANSWERS = ("token expired", "invalid token")
# Message fragment -> what the user must fix.
CONFIG_ANSWERS = (
    ("username or apikey is invalid", f"Ozonetel refused the credentials. {AUTH_HINT}"),
    ("missing username or apikey", f"Ozonetel did not accept the credentials. {AUTH_HINT}"),
    ("please provide api key", "credentials.api_key is required by Ozonetel: set the account's API key."),
    ("apikey should not be empty", "credentials.api_key is required by Ozonetel: set the account's API key."),
    (
        "please provide username",
        "credentials.user_name is required by Ozonetel: set the CloudAgent account name.",
    ),
    (
        "username should not be empty",
        "credentials.user_name is required by Ozonetel: set the CloudAgent account name.",
    ),
    (
        "invalid campaignname",
        "'campaign_name' is not a campaign of this account: correct it or leave it empty.",
    ),
    (
        "should not be more than 30 days",
        "'window_days' must keep each call-log request within 30 days; lower it to 30 or less.",
    ),
)


def answer_status(body: Any) -> str:
    return str(body.get("status", "")).strip().lower() if isinstance(body, Mapping) else ""


def answer_message(body: Any) -> str:
    if not isinstance(body, Mapping):
        return ""
    message = body.get("message")
    return message if isinstance(message, str) else ""


def is_empty_answer(body: Any) -> bool:
    """A body that says "no data": an empty window, or a UCID the store does not hold."""
    return any(fragment in answer_message(body).lower() for fragment in EMPTY_ANSWERS)


def quota_spent(response: requests.Response) -> bool:
    """Whether an answer says the account's quota is spent (the budget then pauses that endpoint)."""
    if response.status_code == 429:
        return True
    try:
        body = json_body(response)
    except ValueError:
        return False
    return any(fragment in answer_message(body).lower() for fragment in RATE_LIMIT_ANSWERS)


def requested(response: requests.Response) -> str:
    """Which window or call a request asked for, for messages: `from_date=... to_date=...`, `ucid=...`."""
    request = response.request
    asked = parse_qs(urlsplit(request.url or "").query) if request is not None else {}
    text = " ".join(f"{name}={asked[name][0]}" for name in REQUEST_FIELDS if asked.get(name))
    if not text and request is not None and request.body:
        try:
            body = json_body_of(request.body)
        except ValueError:
            body = {}
        text = " ".join(f"{name}={body[name]}" for name in ("fromDate", "toDate") if body.get(name))
    return scrub(text) or "the request"


def json_body_of(raw: bytes | str) -> Mapping[str, Any]:
    parsed = json.loads(raw)
    if not isinstance(parsed, Mapping):
        raise ValueError("not an object")
    return parsed


def quoted_body(body: Any) -> str:
    return scrub(json.dumps(body)[:200])


class OzonetelErrorHandler(ProviderErrorHandler):
    """Maps Ozonetel's HTTP-200 error bodies onto the suite's error contract.

    `records_key` is where the endpoint's answer lists its records (`message` for the legacy APIs,
    `details` for the reports API). A success answer whose list is missing or not a list is not what the
    pages document: it is retried and then reported, never read as an empty window.
    When the reports API says the bearer token expired or was replaced ("Token Expired", "Invalid Token"),
    the CDK renews it once and retries the request (`http_errors.token_rejected`).
    """

    def __init__(self, max_time: int, records_key: str = "message", single_record: bool = False) -> None:
        super().__init__(PROVIDER, AUTH_HINT, max_retries=8, max_time=max_time)
        self.records_key = records_key
        self.single_record = single_record

    def interpret_success_body(self, response: requests.Response) -> ErrorResolution:
        resolution = super().interpret_success_body(response)
        if resolution.response_action != ResponseAction.SUCCESS:
            return resolution
        body = json_body(response)
        if not isinstance(body, Mapping):
            return retry("Ozonetel answered with JSON that is not an object; retrying.")
        message = answer_message(body)
        lowered = message.lower()
        if any(fragment in lowered for fragment in RATE_LIMIT_ANSWERS):
            return rate_limited(
                f"Ozonetel says its rate limit is reached ({message}); waiting for the window to free."
            )
        if is_empty_answer(body):
            return resolution
        if answer_status(body) not in FAILED_STATUSES:
            return self.interpret_records_answer(response, body, resolution)
        if any(fragment in lowered for fragment in TOKEN_ANSWERS):
            refused = f"Ozonetel rejected the access token ({scrub(message)}). {AUTH_HINT}"
            renewal = token_rejected(response, PROVIDER, refused)
            if renewal is not None:
                return renewal
        for fragment, advice in CONFIG_ANSWERS:
            if fragment in lowered:
                return fail(FailureType.config_error, f"{advice} (Ozonetel said: {scrub(message)})")
        return fail(
            FailureType.system_error,
            f"Ozonetel answered with an error the connector does not know: {scrub(message)!r}.",
        )

    def interpret_records_answer(
        self, response: requests.Response, body: Mapping[str, Any], resolution: ErrorResolution
    ) -> ErrorResolution:
        """A non-error answer must list its records (with `single_record`, a lone record object will do):
        `{}`, `null`, a stray text or a list of non-objects is retried, then fails."""
        listed = body.get(self.records_key)
        if self.single_record and isinstance(listed, Mapping) and listed:
            return resolution
        if isinstance(listed, list) and (
            not self.single_record or all(isinstance(r, Mapping) for r in listed)
        ):
            return resolution
        return unexpected(
            f"Ozonetel answered {requested(response)} with status {body.get('status')!r} but no list of records "
            f"in '{self.records_key}' ({quoted_body(body)}); this is not a documented answer, so the window is "
            "not taken as empty."
        )


def retirement_sign(response: requests.Response) -> str | None:
    """What shows, in a CDR-by-UCID answer, that the endpoint is gone: a 404/410, an HTML (or other
    non-JSON) page, or a JSON answer without a `status`. None for an answer the page documents."""
    if response.status_code in (404, 410):
        return f"HTTP {response.status_code}: {provider_message(response)}"
    if not response.ok:
        return None
    try:
        body = json_body(response)
    except ValueError:
        return None if looks_truncated(response) else f"a page that is not JSON: {provider_message(response)}"
    if not answer_status(body):
        return f"an answer without a status: {quoted_body(body)}"
    return None


class UcidErrorHandler(OzonetelErrorHandler):
    """The CDR-by-UCID API is past its published deprecation dates (30 Nov 2024, then 30 April 2025:
    https://docs.ozonetel.com/reference/get_caservices-cdr-fetchcdrbyucid-php). A 404, an HTML page or a
    body without a status means it is gone: `call_details` stops at once, saying what to change."""

    def interpret_response(self, response: requests.Response | Exception | None) -> ErrorResolution:
        if isinstance(response, requests.Response):
            sign = retirement_sign(response)
            if sign is not None:
                return fail(FailureType.config_error, retired_message(sign))
        return super().interpret_response(response)


def retired_message(sign: str) -> str:
    return (
        f"Ozonetel's CDR-by-UCID API, deprecated by the vendor ({UCID_PAGE}), answered with {sign}. "
        "Turn off 'include_call_details': call_logs and cdr_reports do not use that API."
    )
