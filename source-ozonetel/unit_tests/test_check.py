"""`check` of Ozonetel: the shared check suite (`cdr_shared.testing.check_suite`) with Ozonetel's table:
the UCID probe, its fallback through getCallLogs once the UCID API is retired, and the reports API."""

import logging

from airbyte_cdk.models import Status
from airbyte_cdk.test.mock_http import HttpMocker

from cdr_shared.testing import check_suite as suite
from cdr_shared.testing.check_suite import BadConfig, CheckCase, PersistentFault, get
from unit_tests import builders as ozonetel
from unit_tests.builders import AFTER_PUBLICATION, KEY, RETIRED_ANSWERS, YESTERDAY, OzonetelConfig

PROBE = ozonetel.ucid_request("1")
NO_DATA = ozonetel.answer({"status": "success", "message": "No Data Found with UCID 1"})
REFUSED = ozonetel.answer({"status": "error", "message": "userName or apiKey is Invalid"})
BASIC_REPORTS = OzonetelConfig().with_cdr_reports("basic").build()


def retired_ucid_api(kind: str) -> CheckCase:
    return CheckCase(
        f"UCID API retired ({kind}): proven through getCallLogs",
        [
            get(PROBE, RETIRED_ANSWERS[kind]),
            get(ozonetel.call_logs_request(*YESTERDAY), ozonetel.success([ozonetel.call_log("111")])),
        ],
        succeeds=True,
    )


class TestCheck(suite.CheckSuite):
    source = ozonetel.SourceOzonetel
    config_builder = OzonetelConfig()
    now = AFTER_PUBLICATION
    secrets = (KEY,)
    bad_configs = [
        BadConfig("end_date", {"end_date": "2024-01-01"}),
        BadConfig("start_date", {"start_date": "09/05/2024"}),
        BadConfig("base_url", {"base_url": "http://in1-ccaas-api.ozonetel.com"}),
        BadConfig("credentials.user_name", {"user_name": "  "}),
        BadConfig("credentials.api_key", {"api_key": ""}),
        BadConfig("window_days", {"window_days": 31}),
        BadConfig("timezone", {"timezone": "Mars/Olympus_Mons"}),
        BadConfig("include_call_details", {"include_call_details": "yes"}),
        BadConfig("cdr_reports.auth_type", {"cdr_reports": {"auth_type": "oauth"}}),
        BadConfig("advanced.max_rate_limit_wait_minutes", {"advanced": {"max_rate_limit_wait_minutes": 0}}),
        BadConfig(
            "advanced.call_logs_requests_per_hour", {"advanced": {"call_logs_requests_per_hour": "ten"}}
        ),
        BadConfig("advanced.settle_margin_minutes", {"advanced": {"settle_margin_minutes": 5}}),
    ]
    cases = [
        # The probe UCID proves the key and spends no call-log request (HttpMocker answers nothing else).
        CheckCase("key proven by a probe UCID", [get(PROBE, NO_DATA)], succeeds=True),
        CheckCase(
            "credentials refused",
            [get(PROBE, REFUSED)],
            succeeds=False,
            says=("credentials.user_name", "credentials.api_key"),
        ),
        *(retired_ucid_api(kind) for kind in RETIRED_ANSWERS),
        CheckCase(
            "basic reports: the reports API alone proves the key",
            [get(ozonetel.reports_probe(), ozonetel.answer({"details": []}))],
            succeeds=True,
            config=BASIC_REPORTS,
        ),
        CheckCase(
            "reports API answers 401 missing credentials",
            [
                get(
                    ozonetel.reports_probe(),
                    ozonetel.answer({"status": "false", "message": "Missing userName or apiKey"}, status=401),
                )
            ],
            succeeds=False,
            says=("credentials.user_name", "credentials.api_key"),
            config=BASIC_REPORTS,
        ),
    ]
    # Both probes (CDR by UCID, then getCallLogs) are tried before check gives up: each is asked twice when
    # it answers 5xx or HTML, once (no wait) when it is rate limited or silent, a retired-looking UCID API once.
    fault_message_starts = "Ozonetel answered no credential check as documented. CDR by UCID: "
    persistent_faults = [
        PersistentFault(
            "503",
            suite.SERVICE_UNAVAILABLE,
            ends="getCallLogs: HTTP 503 'Service Unavailable' (asked twice). Try again later.",
            attempts=4,
        ),
        PersistentFault(
            "429",
            suite.RATE_LIMITED_FOR_AN_HOUR,
            says="HTTP 429 'Too Many Requests': its rate limit is reached",
            ends="check does not wait for it. Try again later.",
            attempts=2,
            waits=False,
        ),
        PersistentFault(
            "html200",
            suite.LOGIN_PAGE,
            says="the endpoint looks retired (a page that is not JSON: <html><title>Single sign-on</title></html>)",
            ends="getCallLogs: HTTP 200 '<html><title>Single sign-on</title></html>' (asked twice). Try again later.",
        ),
        PersistentFault(
            "timeout",
            suite.READ_TIMEOUT,
            ends="CDR by UCID: no answer within 15 s; getCallLogs: no answer within 15 s. Try again later.",
            attempts=2,
            waits=False,
        ),
    ]

    def clock(self):
        return ozonetel.clock_at(self.now)

    def fault_clock(self):
        return ozonetel.clock_at(self.now)


def test_given_the_ucid_api_is_retired_and_no_calls_yesterday_then_check_passes_with_a_warning(caplog):
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(PROBE, RETIRED_ANSWERS["404"])
        http.get(
            ozonetel.call_logs_request(*YESTERDAY),
            ozonetel.answer({"status": "failure", "message": "no record found"}),
        )
        with caplog.at_level(logging.WARNING):
            status = TestCheck().check(ozonetel.config())
    assert status.status == Status.SUCCEEDED
    assert "could not be proven" in caplog.text
