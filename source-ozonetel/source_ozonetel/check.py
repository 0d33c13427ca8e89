"""`check`: prove the credentials with the cheapest request that still works.

The legacy CDR-by-UCID API is past both published deprecation dates
(https://docs.ozonetel.com/reference/get_caservices-cdr-fetchcdrbyucid-php), so it cannot be the only
proof. Probes, in order, each one request; a probe whose endpoint is gone or failing hands over to the next:

1. reports API, basic mode: `fetchCDRDetails` for one second of yesterday (1 of its 2 requests a minute);
2. CDR by UCID for UCID 1, which no call has: "No Data Found" proves the key (no quota that matters);
3. reports API, token mode: one token (of 10 an hour; it replaces any token a running sync holds) and
   one `fetchCDRDetails` request;
4. `getCallLogs` for yesterday: 1 of the 10 requests an hour. A list of calls proves the key; "no record
   found" does not, because Ozonetel gives it for a wrong key too, so `check` then passes with a warning.

A refusal of the credentials ends `check` as FAILED naming `user_name`/`api_key`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import pendulum
import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers import ErrorHandler
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ResponseAction
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdr_shared.dates import format_local
from cdr_shared.errors import config_error, transient_error
from cdr_shared.http_errors import json_body
from cdr_shared.windows import Window
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
PROBE_TIMEOUT = 60


@dataclass(frozen=True)
class Probe:
    """One request that may prove the credentials."""

    name: str
    send: Callable[[], requests.Response]
    handler: ErrorHandler
    proves: Callable[[requests.Response], bool] = lambda response: True
    legacy_ucid: bool = False


def check_credentials(
    config: OzonetelConfig,
    session: requests.Session,
    logger: logging.Logger,
    reports_auth: requests.auth.AuthBase | None = None,
) -> None:
    """Run the probes in order until one answers; raise a config error if the credentials are refused,
    a transient error if no endpoint could answer."""
    problems = []
    for probe in probes(config, session, reports_auth):
        outcome = run_probe(probe)
        if outcome is None:
            logger.info(f"check: the credentials are proven by {probe.name}.")
            return
        if outcome == "unproven":
            logger.warning(
                f"check: {probe.name} answered 'no record found', which Ozonetel also gives for a wrong "
                "'api_key' or 'user_name'; the credentials could not be proven. The first sync will tell."
            )
            return
        problems.append(f"{probe.name}: {outcome}")
        logger.info(f"check: {probe.name} could not prove the credentials ({outcome}); trying the next way.")
    raise transient_error(
        "Ozonetel answered no credential check as documented: " + "; ".join(problems) + ". Try again later."
    )


def run_probe(probe: Probe) -> str | None:
    """None when proven, "unproven" when the answer cannot tell, else why this probe could not answer."""
    try:
        response = probe.send()
    except requests.RequestException as error:
        return f"no answer ({type(error).__name__})"
    except AirbyteTracedException as error:
        if error.failure_type == FailureType.config_error:
            raise
        return error.message or "no answer"
    if probe.legacy_ucid:
        sign = retirement_sign(response)
        if sign is not None:
            return f"the endpoint looks retired ({sign})"
    resolution = probe.handler.interpret_response(response)
    if (
        resolution.response_action == ResponseAction.FAIL
        and resolution.failure_type == FailureType.config_error
    ):
        raise config_error(resolution.error_message or "Ozonetel refused the credentials.")
    if resolution.response_action != ResponseAction.SUCCESS:
        return resolution.error_message or f"HTTP {response.status_code}"
    return None if probe.proves(response) else "unproven"


def probes(
    config: OzonetelConfig, session: requests.Session, reports_auth: requests.auth.AuthBase | None
) -> list[Probe]:
    base = config.base_url
    yesterday = pendulum.now("UTC").in_timezone(config.tz).start_of("day").subtract(days=1)
    handler = OzonetelErrorHandler(max_time=0)
    reports_handler = OzonetelErrorHandler(max_time=0, records_key="details")
    one_second = format_local(yesterday, config.tz, REQUEST_TIME_FORMAT)
    reports_body = {"userName": config.user_name, "fromDate": one_second, "toDate": one_second}

    def reports(headers: dict[str, str], auth: requests.auth.AuthBase | None) -> requests.Response:
        return session.request(
            "GET",
            f"{base}/{REPORTS_PATH}",
            json=reports_body,
            headers=headers,
            auth=auth,
            timeout=PROBE_TIMEOUT,
        )

    def ucid() -> requests.Response:
        params = {
            "userName": config.user_name,
            "apiKey": config.api_key,
            "ucid": PROBE_UCID,
            "reportType": "historical",
        }
        return session.get(f"{base}/{UCID_PATH}", params=params, timeout=PROBE_TIMEOUT)

    def call_logs() -> requests.Response:
        day = Window(yesterday.in_timezone("UTC"), yesterday.add(days=1).in_timezone("UTC"))
        params = CallLogs(config).window_params(day)
        return session.get(f"{base}/{CALL_LOGS_PATH}", params=params, timeout=PROBE_TIMEOUT)

    def lists_calls(response: requests.Response) -> bool:
        message = json_body(response).get("message")
        return isinstance(message, list) and bool(message)

    found: list[Probe] = []
    if config.cdr_reports_mode == "basic":
        found.append(
            Probe("the reports API", lambda: reports({"apiKey": config.api_key}, None), reports_handler)
        )
    found.append(Probe("CDR by UCID", ucid, handler, legacy_ucid=True))
    if config.cdr_reports_mode == "token" and reports_auth is not None:
        found.append(Probe("the reports API (token)", lambda: reports({}, reports_auth), reports_handler))
    found.append(Probe("getCallLogs", call_logs, handler, proves=lists_calls))
    return found
