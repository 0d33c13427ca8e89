import base64
import json

import pytest
import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.call_rate import CallRateLimitHit
from airbyte_cdk.test.entrypoint_wrapper import ExpectedOutcome, read
from airbyte_cdk.test.mock_http import HttpMocker, HttpRequest
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_casper import SourceCasper
from source_casper import auth as auth_module
from source_casper.auth import RingCxJwtAuth, StaticTokenAuth, authenticator_from_config
from unit_tests.builders import (
    API,
    CLIENT_SECRET,
    JWT,
    PLATFORM,
    accounts_request,
    catalog,
    config,
    form,
    json_answer,
    jwt_credentials,
)

RINGCX = "https://ringcx.ringcentral.com"
BASIC = "Basic " + base64.b64encode(f"app-client-id:{CLIENT_SECRET}".encode()).decode()


def ringcx_token(number: int, lifetime: int = 300) -> str:
    """A RingCX access token as the exchange issues it: a JWT whose claims say how long it lives."""

    def part(value) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return (
        f"{part({'alg': 'HS256'})}.{part({'iat': 1000, 'exp': 1000 + lifetime, 'jti': number})}.sig{number}"
    )


def platform_request() -> HttpRequest:
    body = form(grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer", assertion=JWT)
    return HttpRequest(f"{PLATFORM}/restapi/oauth/token", headers={"Authorization": BASIC}, body=body)


def exchange_request(platform_token: str = "rc-platform-token-1") -> HttpRequest:
    return HttpRequest(
        f"{RINGCX}/api/auth/login/rc/accesstoken",
        query_params={"includeRefresh": "true"},
        body=form(rcAccessToken=platform_token, rcTokenType="Bearer"),
    )


def refresh_request(refresh_token: str) -> HttpRequest:
    return HttpRequest(f"{RINGCX}/api/auth/token/refresh", body=form(refresh_token=refresh_token))


def exchanged(number: int, lifetime: int = 300):
    return json_answer(
        {
            "accessToken": ringcx_token(number, lifetime),
            "refreshToken": f"refresh-{number}",
            "tokenType": "Bearer",
            "adminId": 1111,
            "mainAccountId": "15300000",
            "agentDetails": [],
        }
    )


def given_login(http, number: int = 1, lifetime: int = 300) -> None:
    http.post(
        platform_request(),
        json_answer({"access_token": "rc-platform-token-1", "token_type": "bearer", "expires_in": 3600}),
    )
    http.post(exchange_request(), exchanged(number, lifetime))


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def jwt_auth(clock: Clock) -> RingCxJwtAuth:
    return RingCxJwtAuth(RINGCX, PLATFORM, "app-client-id", CLIENT_SECRET, JWT, monotonic=clock)


def test_jwt_login_gets_a_platform_token_then_exchanges_it_and_remembers_the_admin():
    with HttpMocker() as http:
        given_login(http)
        auth = jwt_auth(Clock())
        assert auth.token() == ringcx_token(1)
    assert auth.admin_id == "1111"


def test_token_is_renewed_with_the_refresh_token_a_minute_before_its_five_minutes_end():
    clock = Clock()
    with HttpMocker() as http:
        given_login(http)
        http.post(refresh_request("refresh-1"), exchanged(2))
        auth = jwt_auth(clock)
        first = auth.token()
        clock.now = 239
        assert auth.token() == first
        clock.now = 240
        assert auth.token() == ringcx_token(2)


def test_short_tokens_are_renewed_halfway_through_their_life_read_from_the_jwt():
    clock = Clock()
    with HttpMocker() as http:
        given_login(http, lifetime=4)
        http.post(refresh_request("refresh-1"), exchanged(2, lifetime=4))
        auth = jwt_auth(clock)
        auth.token()
        clock.now = 2
        assert auth.token() == ringcx_token(2, lifetime=4)


def test_a_refused_refresh_falls_back_to_a_new_login():
    clock = Clock()
    with HttpMocker() as http:
        http.post(platform_request(), json_answer({"access_token": "rc-platform-token-1"}))
        http.post(exchange_request(), [exchanged(1), exchanged(3)])
        http.post(refresh_request("refresh-1"), json_answer({"message": "Invalid refresh token"}, 401))
        auth = jwt_auth(clock)
        auth.token()
        clock.now = 1000
        assert auth.token() == ringcx_token(3)


def test_a_wrong_jwt_is_a_config_error_naming_the_jwt_fields_without_echoing_secrets():
    with HttpMocker() as http:
        http.post(
            platform_request(),
            json_answer({"error": "invalid_grant", "error_description": "Invalid token"}, 400),
        )
        with pytest.raises(AirbyteTracedException) as raised:
            jwt_auth(Clock()).token()
    assert raised.value.failure_type == FailureType.config_error
    assert "credentials.jwt" in raised.value.message and "Invalid token" in raised.value.message
    assert JWT not in raised.value.message and CLIENT_SECRET not in raised.value.message


def test_token_requests_share_a_budget_of_five_per_minute():
    auth = jwt_auth(Clock())
    request = requests.Request("POST", f"{RINGCX}/api/auth/token/refresh").prepare()
    for _ in range(5):
        auth.budget.acquire_call(request, block=False)
    with pytest.raises(CallRateLimitHit):
        auth.budget.acquire_call(request, block=False)


def run_accounts(cfg, expect_failure=False):
    outcome = ExpectedOutcome.EXPECT_EXCEPTION if expect_failure else ExpectedOutcome.EXPECT_SUCCESS
    return read(SourceCasper(), cfg, catalog("accounts"), None, expected_outcome=outcome)


def test_given_jwt_is_expired_on_an_api_call_then_the_token_is_renewed_and_the_call_retried_once():
    with HttpMocker() as http:
        given_login(http)
        http.post(refresh_request("refresh-1"), exchanged(2))
        http.get(
            HttpRequest(f"{API}/accounts"),
            [
                json_answer({"status": 401, "message": "Jwt is expired"}, 401),
                json_answer([{"accountId": "15300001"}]),
            ],
        )
        output = run_accounts(config(credentials=jwt_credentials()))
    assert [m.record.data["accountId"] for m in output.records] == ["15300001"]


def test_given_a_second_401_after_renewal_then_config_error_naming_the_credentials():
    expired = json_answer({"status": 401, "message": "Jwt is expired"}, 401)
    with HttpMocker() as http:
        given_login(http)
        http.post(refresh_request("refresh-1"), exchanged(2))
        http.get(accounts_request(), [expired, expired])
        output = run_accounts(config(credentials=jwt_credentials()), expect_failure=True)
    error = output.errors[0].trace.error
    assert error.failure_type == FailureType.config_error
    assert "credentials.client_id" in error.message and "Jwt is expired" in error.message


def test_given_the_token_endpoints_keep_failing_on_renewal_then_a_transient_error_quotes_them(
    sleeps, monkeypatch
):
    # Room for every retry at once: with sleeps recorded, a full budget could not be waited out.
    monkeypatch.setattr(auth_module, "TOKEN_REQUESTS_PER_MINUTE", 50)
    unavailable = json_answer({"message": "Service Unavailable"}, 503)
    with HttpMocker() as http:
        http.post(
            platform_request(),
            [json_answer({"access_token": "rc-platform-token-1", "expires_in": 3600}), unavailable],
        )
        http.post(exchange_request(), exchanged(1))
        http.post(refresh_request("refresh-1"), unavailable)
        http.get(accounts_request(), json_answer({"status": 401, "message": "Jwt is expired"}, 401))
        output = run_accounts(config(credentials=jwt_credentials()), expect_failure=True)
    error = output.errors[0].trace.error
    assert error.failure_type == FailureType.transient_error
    assert "RingCentral token endpoint kept failing (HTTP 503: 'Service Unavailable')" in error.message
    assert sum(sleeps) < 60


def test_a_renewal_draws_from_the_token_budget():
    auth = jwt_auth(Clock())
    drawn = []
    auth.budget.acquire_call = lambda request, **kwargs: drawn.append(request.url)
    with HttpMocker() as http:
        given_login(http)
        http.post(refresh_request("refresh-1"), exchanged(2))
        auth.token()
        auth.refresh_and_set_access_token()
    assert drawn == [
        f"{PLATFORM}/restapi/oauth/token",
        f"{RINGCX}/api/auth/login/rc/accesstoken?includeRefresh=true",
        f"{RINGCX}/api/auth/token/refresh",
    ]
    assert auth.get_auth_header() == {"Authorization": f"Bearer {ringcx_token(2)}"}


def test_a_403_is_a_config_error_naming_the_credentials():
    with HttpMocker() as http:
        given_login(http)
        http.get(accounts_request(), json_answer({"status": 403, "message": "Access is denied"}, 403))
        output = run_accounts(config(credentials=jwt_credentials()), expect_failure=True)
    assert output.errors[0].trace.error.failure_type == FailureType.config_error
    assert "Access is denied" in output.errors[0].trace.error.message


def test_permanent_api_tokens_go_in_x_auth_token_and_access_tokens_as_bearer():
    prepared = requests.Request("GET", f"{API}/accounts").prepare()
    api = authenticator_from_config(
        {"credentials": {"auth_type": "api_token", "api_token": "aws80:abc"}}, RINGCX
    )
    assert isinstance(api, StaticTokenAuth) and api(prepared.copy()).headers["X-Auth-Token"] == "aws80:abc"
    bearer = authenticator_from_config(
        {"credentials": {"auth_type": "access_token", "access_token": "eyJ"}}, RINGCX
    )
    assert bearer(prepared.copy()).headers["Authorization"] == "Bearer eyJ"


# ------------------------------------------------------------------ legacy login (no RingCentral app)

PASSWORD = "canary-p@ss word-9e1"
LOGIN_FIELDS = {"username": "admin@example.com", "password": PASSWORD, "platformId": "NA1"}


def legacy_credentials(**overrides):
    return {
        "auth_type": "legacy_login",
        "username": "admin@example.com",
        "password": PASSWORD,
        "platform_id": "NA1",
        **overrides,
    }


def login_in_query() -> HttpRequest:
    return HttpRequest(f"{RINGCX}/api/auth/login/admin", query_params=LOGIN_FIELDS)


def test_given_legacy_login_then_the_admin_logs_in_with_username_and_password_and_syncs():
    with HttpMocker() as http:
        http.post(login_in_query(), exchanged(1))
        http.get(accounts_request(), json_answer([{"accountId": "15300001"}]))
        output = run_accounts(config(credentials=legacy_credentials()))
    assert [m.record.data["accountId"] for m in output.records] == ["15300001"]
    assert PASSWORD not in str(output._messages)


def test_given_legacy_login_then_the_token_is_renewed_with_its_refresh_token():
    clock = Clock()
    with HttpMocker() as http:
        http.post(login_in_query(), exchanged(1))
        http.post(refresh_request("refresh-1"), exchanged(2))
        auth = authenticator_from_config({"credentials": legacy_credentials()}, RINGCX)
        auth._monotonic = clock
        auth.token()
        clock.now = 240
        assert auth.token() == ringcx_token(2) and auth.admin_id == "1111"


def test_given_a_server_that_reads_only_a_form_body_then_the_login_is_sent_as_a_form_once_more():
    with HttpMocker() as http:
        refused = json_answer({"message": "Required request parameter 'username' is not present"}, 400)
        http.post(login_in_query(), refused)
        http.post(HttpRequest(f"{RINGCX}/api/auth/login/admin", body=form(**LOGIN_FIELDS)), exchanged(1))
        auth = authenticator_from_config({"credentials": legacy_credentials()}, RINGCX)
        assert auth.token() == ringcx_token(1)


def test_a_wrong_password_is_a_config_error_naming_the_login_fields_and_is_not_tried_twice():
    with HttpMocker() as http:
        http.post(login_in_query(), json_answer({"message": "Bad credentials"}, 401))
        output = run_accounts(config(credentials=legacy_credentials()), expect_failure=True)
    error = output.errors[0].trace.error
    assert error.failure_type == FailureType.config_error
    assert "credentials.password" in error.message and "Bad credentials" in error.message
    assert PASSWORD not in str(output._messages)


def test_legacy_login_needs_username_and_password():
    with pytest.raises(AirbyteTracedException, match="credentials.password"):
        authenticator_from_config({"credentials": {"auth_type": "legacy_login", "username": "a"}}, RINGCX)
