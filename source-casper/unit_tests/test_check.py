"""`check` of RingCX: the shared check suite (`cdr_shared.testing.check_suite`) with RingCX's table, and
the unknown-account refusal of `read`."""

from airbyte_cdk.models import FailureType
from airbyte_cdk.test.mock_http import HttpMocker
from freezegun import freeze_time

from cdr_shared.testing import check_suite as suite
from cdr_shared.testing.check_suite import BadConfig, CheckCase, PersistentFault, get
from unit_tests import builders as ringcx
from unit_tests.builders import ACCOUNT, API_TOKEN, NOW, OTHER_ACCOUNT, RingCxConfig

ACCOUNTS = ringcx.accounts_request()


class TestCheck(suite.CheckSuite):
    source = ringcx.SourceCasper
    config_builder = RingCxConfig()
    now = NOW
    secrets = (API_TOKEN,)
    bad_configs = [
        BadConfig("end_date", {"start_date": "2024-05-09", "end_date": "2024-05-01"}),
        BadConfig("timezone", {"timezone": "Arizona/Phoenix"}),
        BadConfig("base_url", {"base_url": "http://ringcx.ringcentral.com/voice"}),
        BadConfig("start_date", {"start_date": "2024-13-45"}),
        BadConfig("window_days", {"window_days": 60}),
        BadConfig("group_by", {"group_by": "AGENT"}),
        BadConfig("account_ids", {"account_ids": ["ACME"]}),
        BadConfig("group_ids", {"group_ids": [1, "x"], "object_ids": [2]}),
        BadConfig("object_ids", {"group_ids": [1]}),
        BadConfig("object_ids", {"object_ids": [None]}),
        BadConfig("user_id", {"user_id": "admin"}),
        BadConfig("credentials.api_token", {"credentials": {"auth_type": "api_token"}}),
        BadConfig("credentials.access_token", {"credentials": {"auth_type": "access_token"}}),
        BadConfig("credentials.jwt", {"credentials": ringcx.jwt_credentials(jwt="")}),
        BadConfig(
            "credentials.platform_url",
            {"credentials": ringcx.jwt_credentials(platform_url="http://platform.ringcentral.com")},
        ),
        BadConfig("credentials.auth_type", {"credentials": {"auth_type": "password"}}),
    ]
    cases = [
        CheckCase(
            "valid token and visible accounts",
            [get(ACCOUNTS, ringcx.json_answer([{"accountId": ACCOUNT}, {"accountId": OTHER_ACCOUNT}]))],
            succeeds=True,
        ),
        CheckCase(
            "an account the login cannot see",
            [get(ACCOUNTS, ringcx.json_answer([{"accountId": OTHER_ACCOUNT}]))],
            succeeds=False,
            says=("'account_ids'", ACCOUNT, OTHER_ACCOUNT),
        ),
        CheckCase(
            "revoked token",
            [get(ACCOUNTS, ringcx.json_answer({"status": 401, "message": "Invalid API token"}, 401))],
            succeeds=False,
            says=("credentials.api_token", "Invalid API token"),
        ),
        CheckCase(
            "a base_url without /voice",
            [get(ACCOUNTS, ringcx.json_answer({"page": "<html>"}))],
            succeeds=False,
            says=("'base_url'",),
        ),
    ]
    persistent_faults = [
        PersistentFault(
            "503", suite.SERVICE_UNAVAILABLE, says="RingCX answered HTTP 503 ('Service Unavailable')"
        ),
        PersistentFault(
            "429",
            suite.RATE_LIMITED_FOR_AN_HOUR,
            says="RingCX kept answering HTTP 429: 'Too Many Requests' (its rate limit).",
        ),
        PersistentFault(
            "html200",
            suite.LOGIN_PAGE,
            says="RingCX answered with a body that is not JSON: '<html><title>Single sign-on</title></html>'.",
        ),
        PersistentFault(
            "timeout",
            suite.READ_TIMEOUT,
            says="RingCX could not be reached or dropped the connection (ReadTimeout).",
        ),
    ]


@freeze_time(NOW)
def test_given_an_unknown_account_when_read_then_one_config_error_naming_it_before_any_per_account_request():
    with HttpMocker() as http:  # only the accounts list is answered: no per-account request may follow
        http.get(ACCOUNTS, ringcx.json_answer([{"accountId": OTHER_ACCOUNT}]))
        output = ringcx.run(
            ringcx.config(account_ids=[OTHER_ACCOUNT, "99999999"]),
            "call_detail_report",
            "cloud_profiles",
            expect_failure=True,
        )
    errors = [m.trace.error for m in output.errors]
    assert errors and all(e.failure_type == FailureType.config_error for e in errors[:-1])
    assert "'account_ids'" in errors[0].message and "99999999" in errors[0].message
    assert "HTTP 400" not in " ".join(str(e.message) for e in errors)
    assert output.records == []
