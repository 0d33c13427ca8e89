"""`check`: prove the credentials with the cheapest request that still works, and answer within a minute.

The legacy CDR-by-UCID API is past both published deprecation dates
(https://docs.ozonetel.com/reference/get_caservices-cdr-fetchcdrbyucid-php), so it cannot be the only
proof. Probes, in order; a probe whose endpoint is gone or failing hands over to the next:

1. reports API, basic mode: `fetchCDRDetails` for one second of yesterday (1 of its 2 requests a minute);
2. CDR by UCID for UCID 1, which no call has: "No Data Found" proves the key (no quota that matters);
3. reports API, token mode: one token (of 10 an hour; it replaces any token a running sync holds) and
   one `fetchCDRDetails` request;
4. `getCallLogs` for yesterday: 1 of the 10 requests an hour. A list of calls proves the key; "no record
   found" does not, because Ozonetel gives it for a wrong key too, so `check` then passes with a warning.

A refusal of the credentials ends `check` as FAILED naming `user_name`/`api_key`.

A person waits at the form, so the chain as a whole has `CHECK_DEADLINE_SECONDS`: each request waits at
most `CONNECT_TIMEOUT_SECONDS` to connect and `READ_TIMEOUT_SECONDS` for an answer (never longer than the
time left), a transient answer (5xx, a dropped connection, a cut-off or non-JSON body) is asked once more,
a rate-limit answer ("Max Limit Exceeded", HTTP 429) is reported and never waited for, and no quota budget
is consulted (none of them could be exceeded by these few requests; a configured quota below 2 gets no
second attempt). Probes not reached in time are reported as not tried. The FAILED message quotes what
each endpoint answered.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pendulum
import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers import ErrorHandler
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ResponseAction
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdr_shared.dates import format_local
from cdr_shared.errors import config_error, transient_error
from cdr_shared.http_errors import json_body, provider_message
from cdr_shared.secrets import register_secret
from cdr_shared.windows import Window
from source_ozonetel.auth import ISSUE_PATH
from source_ozonetel.config import OzonetelConfig
from source_ozonetel.errors import OzonetelErrorHandler, retirement_sign
from source_ozonetel.streams import (
    CALL_LOGS_PATH,
    REPORTS_PATH,
    REQUEST_TIME_FORMAT,
    UCID_PATH,
    CallLogs,
)

PROBE_UCID = "1"  # numeric, and no call has it
CHECK_DEADLINE_SECONDS = 40.0
"""No request of the chain starts later than this after `check` began (each ends within its timeouts)."""
CONNECT_TIMEOUT_SECONDS = 5.0
READ_TIMEOUT_SECONDS = 15.0
ATTEMPTS = 2
RETRY_PAUSE_SECONDS = 2.0

Timeout = tuple[float, float]


@dataclass(frozen=True)
class Answer:
    """What one attempt of a probe showed: `proven`, `unproven`, `retry` (transient) or `failed`."""

    verdict: str
    said: str = ""


@dataclass(frozen=True)
class Probe:
    """One way to prove the credentials: `attempt(timeout)` sends its request(s) and reads the answer."""

    name: str
    attempt: Callable[[Timeout], Answer]
    attempts: int = ATTEMPTS


def check_credentials(
    config: OzonetelConfig,
    session: requests.Session,
    logger: logging.Logger,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Run the probes in order until one answers; raise a config error if the credentials are refused,
    a transient error (quoting every endpoint's answer) if none could answer within the deadline."""
    started = clock()

    def time_left() -> float:
        return CHECK_DEADLINE_SECONDS - (clock() - started)

    problems = []
    for probe in probes(config, session):
        if time_left() <= 0:
            problems.append(f"{probe.name}: not tried (check gives up after {CHECK_DEADLINE_SECONDS:.0f} s)")
            continue
        answer = run_probe(probe, time_left)
        if answer.verdict == "proven":
            logger.info(f"check: the credentials are proven by {probe.name}.")
            return
        if answer.verdict == "unproven":
            logger.warning(
                f"check: {probe.name} answered 'no record found', which Ozonetel also gives for a wrong "
                "credentials.api_key or credentials.user_name; the credentials could not be proven. The first sync will tell."
            )
            return
        problems.append(f"{probe.name}: {answer.said}")
        logger.info(
            f"check: {probe.name} could not prove the credentials ({answer.said}); trying the next way."
        )
    raise transient_error(
        "Ozonetel answered no credential check as documented. " + "; ".join(problems) + ". Try again later."
    )


def run_probe(probe: Probe, time_left: Callable[[], float]) -> Answer:
    """The probe's answer; a transient one is asked again while attempts and time are left."""
    answer = Answer("failed", "not tried")
    for attempt in range(1, probe.attempts + 1):
        left = time_left()
        if left <= 0:
            break
        answer = attempt_once(probe, (min(CONNECT_TIMEOUT_SECONDS, left), min(READ_TIMEOUT_SECONDS, left)))
        if answer.verdict != "retry":
            return answer
        if attempt < probe.attempts and time_left() > RETRY_PAUSE_SECONDS:
            time.sleep(RETRY_PAUSE_SECONDS)
    asked = " (asked twice)" if probe.attempts > 1 else ""
    return Answer("failed", f"{answer.said}{asked}")


def attempt_once(probe: Probe, timeout: Timeout) -> Answer:
    try:
        return probe.attempt(timeout)
    except requests.Timeout:
        return Answer("failed", f"no answer within {timeout[1]:.0f} s")
    except requests.RequestException as error:
        return Answer("retry", f"the connection failed ({type(error).__name__})")
    except AirbyteTracedException as error:
        if error.failure_type == FailureType.config_error:
            raise
        return Answer("failed", error.message or "no answer")


def answered(response: requests.Response) -> str:
    """What the provider answered, quoted (secrets masked): `HTTP 200 'Max Limit Exceeded'`."""
    said = provider_message(response)
    return (
        f"HTTP {response.status_code} '{said}'" if said else f"HTTP {response.status_code} with an empty body"
    )


def interpret(
    response: requests.Response,
    handler: ErrorHandler,
    proves: Callable[[requests.Response], bool] = lambda response: True,
) -> Answer:
    """One answer read the way the streams read it; a refusal of the credentials raises a config error."""
    resolution = handler.interpret_response(response)
    action = resolution.response_action
    if action == ResponseAction.FAIL and resolution.failure_type == FailureType.config_error:
        raise config_error(resolution.error_message or "Ozonetel refused the credentials.")
    if action == ResponseAction.SUCCESS:
        return Answer("proven" if proves(response) else "unproven")
    if action == ResponseAction.RATE_LIMITED:
        return Answer(
            "failed",
            f"{answered(response)}: its rate limit is reached (requests by other clients of the account count "
            "too); check does not wait for it",
        )
    if action == ResponseAction.RETRY:
        return Answer("retry", answered(response))
    return Answer("failed", resolution.error_message or answered(response))


def issued_token(response: requests.Response) -> str | None:
    """The token of a generateToken answer, or None."""
    try:
        body = json_body(response)
    except ValueError:
        return None
    token = body.get("token") if isinstance(body, Mapping) else None
    return token if isinstance(token, str) and token else None


def probes(config: OzonetelConfig, session: requests.Session) -> list[Probe]:
    base = config.base_url
    limits = config.limits
    yesterday = pendulum.now("UTC").in_timezone(config.tz).start_of("day").subtract(days=1)
    handler = OzonetelErrorHandler(max_time=0)
    reports_handler = OzonetelErrorHandler(max_time=0, records_key="details")
    one_second = format_local(yesterday, config.tz, REQUEST_TIME_FORMAT)
    reports_body = {"userName": config.user_name, "fromDate": one_second, "toDate": one_second}

    def reports(headers: dict[str, str], timeout: Timeout) -> Answer:
        response = session.request(
            "GET", f"{base}/{REPORTS_PATH}", json=reports_body, headers=headers, timeout=timeout
        )
        return interpret(response, reports_handler)

    def ucid(timeout: Timeout) -> Answer:
        params = {
            "userName": config.user_name,
            "apiKey": config.api_key,
            "ucid": PROBE_UCID,
            "reportType": "historical",
        }
        response = session.get(f"{base}/{UCID_PATH}", params=params, timeout=timeout)
        sign = retirement_sign(response)
        if sign is not None:
            return Answer("failed", f"the endpoint looks retired ({sign})")
        return interpret(response, handler)

    def token_then_reports(timeout: Timeout) -> Answer:
        response = session.post(
            f"{base}{ISSUE_PATH}",
            headers={"apiKey": config.api_key},
            json={"userName": config.user_name},
            timeout=timeout,
        )
        token = issued_token(response)
        if token is None:
            answer = interpret(response, handler)
            if answer.verdict in ("proven", "unproven"):  # a success answer without a token
                return Answer("retry", f"the token endpoint answered {answered(response)} without a token")
            return Answer(answer.verdict, f"the token endpoint: {answer.said}")
        register_secret(token)
        return reports({"Authorization": f"Bearer {token}"}, timeout)

    def call_logs(timeout: Timeout) -> Answer:
        day = Window(yesterday.in_timezone("UTC"), yesterday.add(days=1).in_timezone("UTC"))
        params = CallLogs(config).window_params(day)
        response = session.get(f"{base}/{CALL_LOGS_PATH}", params=params, timeout=timeout)
        return interpret(response, handler, proves=lists_calls)

    def lists_calls(response: requests.Response) -> bool:
        message = json_body(response).get("message")
        return isinstance(message, list) and bool(message)

    found: list[Probe] = []
    if config.cdr_reports_mode == "basic":
        found.append(
            Probe(
                "the reports API",
                lambda timeout: reports({"apiKey": config.api_key}, timeout),
                min(ATTEMPTS, limits.cdr_reports_per_minute),
            )
        )
    found.append(Probe("CDR by UCID", ucid, min(ATTEMPTS, limits.call_details_per_minute)))
    if config.cdr_reports_mode == "token":
        # One token an hour at most: a new one invalidates the previous one (see auth.py).
        found.append(Probe("the reports API (token)", token_then_reports, 1))
    found.append(Probe("getCallLogs", call_logs, min(ATTEMPTS, limits.call_logs_per_hour)))
    return found
