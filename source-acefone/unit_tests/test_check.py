"""`check` of Acefone: the shared check suite (`cdr_shared.testing.check_suite`) with Acefone's table."""

from cdr_shared.testing import check_suite as suite
from cdr_shared.testing.check_suite import BadConfig, CheckCase, PersistentFault, get, post
from source_acefone import SourceAcefone
from unit_tests import builders as acefone
from unit_tests.builders import NOW, TOKEN, AcefoneConfig

# The one-record probe of the last day (frozen at 17:30 IST).
PROBE = acefone.records_request("2024-05-09 17:30:00", "2024-05-10 17:30:00", limit=1)
UK_LOGIN = AcefoneConfig().with_login(email="  ", login_id="ops-uk", password="pw-canary-5a2d")


class TestCheck(suite.CheckSuite):
    source = SourceAcefone
    config_builder = AcefoneConfig()
    now = NOW
    secrets = (TOKEN, "pw-canary-5a2d")
    bad_configs = [
        BadConfig("end_date", {"start_date": "2024-05-09", "end_date": "2024-05-01"}),
        BadConfig("timezone", {"timezone": "India/Mumbai"}),
        BadConfig("base_url", {"base_url": "http://api.acefone.in"}),
        BadConfig("start_date", {"start_date": "09/05/2024"}),
        BadConfig("credentials.api_token", {"credentials": {"auth_type": "api_token"}}),
        BadConfig("credentials.email", {"credentials": {"auth_type": "login", "email": "a@b.c"}}),
        BadConfig("credentials.auth_type", {"credentials": {"auth_type": "oauth"}}),
        BadConfig("page_size", {"page_size": 0}),
        BadConfig("window_days", {"window_days": 60}),
        BadConfig("filters.duration", {"filters": {"duration": 30}}),
        BadConfig("filters.agents", {"filters": {"agents": ["alice"]}}),
        BadConfig("filters.call_type", {"filters": {"call_type": "x"}}),
    ]
    cases = [
        CheckCase("valid token", [get(PROBE, acefone.page([]))], succeeds=True),
        CheckCase(
            "revoked token",
            [get(PROBE, acefone.error(401, {"success": False, "message": "Unauthenticated"}))],
            succeeds=False,
            says=("credentials.api_token", "Unauthenticated"),
        ),
        CheckCase(
            "provider down", [get(PROBE, [acefone.error(503, "down")] * 3)], succeeds=False, says=("503",)
        ),
        CheckCase(
            "rate limited",
            [get(PROBE, [acefone.error(429, {"message": "Too many requests"}, {"Retry-After": "3600"})] * 3)],
            succeeds=False,
            says=("HTTP 429: 'Too many requests'",),
        ),
        CheckCase(
            "UK login refused beside a blank email",
            [
                post(
                    acefone.login_request("pw-canary-5a2d", login_id="ops-uk"),
                    acefone.error(401, {"success": False, "message": "Invalid login id or password"}),
                )
            ],
            succeeds=False,
            says=("credentials.login_id",),
            never_says=("credentials.email",),
            config=UK_LOGIN.build(),
        ),
    ]
    persistent_faults = [
        PersistentFault(
            "503", suite.SERVICE_UNAVAILABLE, says="Acefone answered HTTP 503 ('Service Unavailable')"
        ),
        PersistentFault(
            "429",
            suite.RATE_LIMITED_FOR_AN_HOUR,
            says="Acefone kept answering HTTP 429: 'Too Many Requests' (its rate limit).",
        ),
        PersistentFault(
            "html200",
            suite.LOGIN_PAGE,
            says="with '<html><title>Single sign-on</title></html>', not a JSON call-records page",
        ),
        PersistentFault(
            "timeout",
            suite.READ_TIMEOUT,
            says="Acefone could not be reached or dropped the connection (ReadTimeout).",
        ),
    ]
