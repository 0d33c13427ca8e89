"""Reading Ozonetel's answers: every legacy error, and most of the newer API's, is an HTTP 200 body.

Legacy APIs answer `{"status": "failure"|"error", "message": ...}`, the reports API `{"status": "false"|
"fail", "message": ...}`. The message decides: an empty result, a rate limit to wait out, a credential
or parameter the user must fix (named by its config field), a token to renew, or an unknown failure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction

from cdr_shared.http_errors import ProviderErrorHandler, fail, json_body, rate_limited, retry
from cdr_shared.secrets import scrub

PROVIDER = "Ozonetel"
FAILED_STATUSES = {"failure", "error", "false", "fail"}
AUTH_HINT = "Check 'user_name' and 'api_key' (CloudAgent admin login > API key)."

# Answers that mean "nothing here": an empty window or a call the store does not hold.
EMPTY_ANSWERS = ("no record found", "no data found", "ucid should be numeric only")
RATE_LIMIT_ANSWERS = ("max limit exceeded", "limit exceeded", "too many requests")
TOKEN_ANSWERS = ("token expired", "invalid token")
# Message fragment -> what the user must fix.
CONFIG_ANSWERS = (
    ("username or apikey is invalid", f"Ozonetel refused the credentials. {AUTH_HINT}"),
    ("missing username or apikey", f"Ozonetel did not accept the credentials. {AUTH_HINT}"),
    ("please provide api key", "'api_key' is required by Ozonetel: set the account's API key."),
    ("apikey should not be empty", "'api_key' is required by Ozonetel: set the account's API key."),
    ("please provide username", "'user_name' is required by Ozonetel: set the CloudAgent account name."),
    ("username should not be empty", "'user_name' is required by Ozonetel: set the CloudAgent account name."),
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


class OzonetelErrorHandler(ProviderErrorHandler):
    """Maps Ozonetel's HTTP-200 error bodies onto the suite's error contract.

    `on_token_rejected` is called when the reports API says the bearer token expired or was replaced;
    the request is then retried with a new token.
    """

    def __init__(
        self, max_time: int, on_token_rejected: Callable[[requests.Response], None] | None = None
    ) -> None:
        super().__init__(PROVIDER, AUTH_HINT, max_retries=8, max_time=max_time)
        self.on_token_rejected = on_token_rejected

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
        if answer_status(body) not in FAILED_STATUSES:
            return resolution
        if is_empty_answer(body):
            return resolution
        if any(fragment in lowered for fragment in TOKEN_ANSWERS) and self.on_token_rejected is not None:
            self.on_token_rejected(response)
            return retry(f"Ozonetel rejected the access token ({message}); retrying with a new one.")
        for fragment, advice in CONFIG_ANSWERS:
            if fragment in lowered:
                return fail(FailureType.config_error, f"{advice} (Ozonetel said: {scrub(message)})")
        return fail(
            FailureType.system_error,
            f"Ozonetel answered with an error the connector does not know: {scrub(message)!r}.",
        )
