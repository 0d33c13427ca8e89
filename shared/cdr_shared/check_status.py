"""What a FAILED `check` says when the provider kept failing: what it answered, not the CDK's wrapper text.

The CDK reports given-up retries as "Exhausted available request attempts. Please see logs for more
details. Exception: ...; retrying." (and a persistent 429 as just "API rate limit exceeded."), and
`AbstractSource.check` puts the `repr` of the message in the status. `failed_check_message` turns such an
error into one sentence quoting the provider's last answer (secrets masked by `provider_message`), and
`failed_status` builds the status without the `repr` quotes.
"""

from __future__ import annotations

import requests
from airbyte_cdk.models import AirbyteConnectionStatus, Status
from airbyte_cdk.sources.streams.http.exceptions import BaseBackoffException
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdr_shared.http_errors import CHECK_MAX_RETRIES, check_answers, provider_message

_RETRYING = ("; retrying.", " retrying.", "; waiting before retrying.")


def given_up_cause(error: BaseException) -> BaseBackoffException | None:
    """The backoff exception behind an error the CDK raised when it gave up retrying, if it is one.

    The CDK raises its "Exhausted available request attempts" error while handling the backoff exception,
    so that exception is the error's context.
    """
    if isinstance(error, BaseBackoffException):
        return error
    cause = error.__cause__ or error.__context__
    return cause if isinstance(cause, BaseBackoffException) else None


def failed_check_message(provider: str, error: AirbyteTracedException, attempts: int | None = None) -> str:
    """`error.message`, or for given-up retries: what the provider answered on the last attempt.

    `attempts` is how many requests were made; by default as counted under the running `check`.
    """
    cause = given_up_cause(error)
    attempts = attempts if attempts is not None else attempts_of(error)
    if cause is None:
        return error.message or str(error)
    said = str(cause).strip()
    for ending in _RETRYING:
        if said.endswith(ending):
            said = said[: -len(ending)] + "."
            break
    response = cause.response
    if isinstance(response, requests.Response) and response.status_code == 429:
        body = provider_message(response)
        said = f"{provider} kept answering HTTP 429" + (f": '{body}'" if body else "") + " (its rate limit)."
    tried = f"in {attempts} attempts" if attempts else f"in up to {CHECK_MAX_RETRIES + 1} attempts"
    return (
        f"{provider} gave no usable answer to the check request {tried} "
        f"(a check gives up within a minute; a sync retries for longer). Last answer: {said}"
    )


def attempts_of(error: BaseException) -> int | None:
    """How many answers the request given up on had under the running `check` (None if unknown)."""
    cause = given_up_cause(error)
    return check_answers(cause.request) if cause is not None else None


def failed_status(message: str) -> AirbyteConnectionStatus:
    """A FAILED status carrying `message` as it is (the CDK's `check` would print its `repr`)."""
    return AirbyteConnectionStatus(status=Status.FAILED, message=message)
