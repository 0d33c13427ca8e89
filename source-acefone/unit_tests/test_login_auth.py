import json

from airbyte_cdk.models import FailureType
from airbyte_cdk.test.entrypoint_wrapper import ExpectedOutcome, read
from airbyte_cdk.test.mock_http import HttpMocker, HttpRequest, HttpResponse
from freezegun import freeze_time

from source_acefone import SourceAcefone
from source_acefone.auth import AcefoneLoginAuth
from unit_tests.conftest import BASE, NOW, call, catalog, config, error, page, records_request

PASSWORD = "pw-canary-91c2"
LOGIN = {"auth_type": "login", "email": "ops@example.com", "password": PASSWORD}
DAY_1 = ("2024-05-09 00:00:00", "2024-05-09 23:59:59")
DAY_2 = ("2024-05-10 00:00:00", "2024-05-10 17:29:59")


def login_request():
    return HttpRequest(f"{BASE}/v1/auth/login", body={"email": "ops@example.com", "password": PASSWORD})


def token_answer(token, expires_in=3600):
    return HttpResponse(json.dumps({"access_token": token, "token_type": "bearer", "expires_in": expires_in}))


def with_bearer(request_, token):
    request_._headers = {"Authorization": f"Bearer {token}"}
    return request_


@freeze_time(NOW)
def test_given_login_credentials_when_read_then_one_login_and_the_token_is_sent_as_bearer():
    with HttpMocker() as http:
        http.post(login_request(), token_answer("tok-1"))
        http.get(with_bearer(records_request(*DAY_1), "tok-1"), page([call("a")]))
        http.get(with_bearer(records_request(*DAY_2), "tok-1"), page([]))
        output = read(SourceAcefone(), config(credentials=LOGIN), catalog())
    assert [m.record.data["id"] for m in output.records] == ["a"]


@freeze_time(NOW)
def test_given_token_rejected_mid_sync_when_read_then_refreshed_once_and_the_page_retried():
    with HttpMocker() as http:
        http.post(login_request(), token_answer("tok-1"))
        http.get(with_bearer(records_request(*DAY_1), "tok-1"), page([call("a")]))
        http.get(with_bearer(records_request(*DAY_2), "tok-1"), error(401, {"message": "Token has expired"}))
        http.post(with_bearer(HttpRequest(f"{BASE}/v1/auth/refresh"), "tok-1"), token_answer("tok-2"))
        http.get(with_bearer(records_request(*DAY_2), "tok-2"), page([call("b", date="2024-05-10")]))
        output = read(SourceAcefone(), config(credentials=LOGIN), catalog())
    assert [m.record.data["id"] for m in output.records] == ["a", "b"]


def test_given_token_close_to_expiry_when_next_request_then_renewed_through_refresh_before_it_is_sent():
    clock = [0.0]
    auth = AcefoneLoginAuth(BASE, "ops@example.com", PASSWORD, monotonic=lambda: clock[0])
    with HttpMocker() as http:
        http.post(login_request(), token_answer("tok-1", expires_in=3600))
        http.post(with_bearer(HttpRequest(f"{BASE}/v1/auth/refresh"), "tok-1"), token_answer("tok-2"))
        assert auth.token() == "tok-1"
        clock[0] = 3299.0
        assert auth.token() == "tok-1"
        clock[0] = 3300.0
        assert auth.token() == "tok-2"


def test_given_refresh_refused_when_renewing_then_a_fresh_login_is_made():
    clock = [0.0]
    auth = AcefoneLoginAuth(BASE, "ops@example.com", PASSWORD, monotonic=lambda: clock[0])
    with HttpMocker() as http:
        http.post(login_request(), [token_answer("tok-1"), token_answer("tok-3")])
        http.post(
            with_bearer(HttpRequest(f"{BASE}/v1/auth/refresh"), "tok-1"), error(401, {"message": "expired"})
        )
        auth.token()
        clock[0] = 4000.0
        assert auth.token() == "tok-3"


def read_failing():
    """A sync with the login credentials that is expected to fail."""
    return read(
        SourceAcefone(),
        config(credentials=LOGIN),
        catalog(),
        expected_outcome=ExpectedOutcome.EXPECT_EXCEPTION,
    )


def test_given_the_renewed_token_rejected_too_when_read_then_config_error_naming_the_login_fields():
    with freeze_time(NOW), HttpMocker() as http:
        http.post(login_request(), token_answer("tok-1"))
        http.get(with_bearer(records_request(*DAY_1), "tok-1"), error(401, {"message": "Token has expired"}))
        http.post(with_bearer(HttpRequest(f"{BASE}/v1/auth/refresh"), "tok-1"), token_answer("tok-2"))
        http.get(
            with_bearer(records_request(*DAY_1), "tok-2"), error(401, {"message": "Token has been revoked"})
        )
        output = read_failing()
    trace = output.errors[0].trace.error
    assert trace.failure_type == FailureType.config_error
    assert "credentials.email and credentials.password" in trace.message and "revoked" in trace.message
    assert not any(
        secret in "\n".join(str(m) for m in output._messages) for secret in ("tok-1", "tok-2", PASSWORD)
    )


def test_given_wrong_password_when_read_then_config_error_naming_email_and_password_without_echo():
    with freeze_time(NOW), HttpMocker() as http:
        http.post(login_request(), error(401, {"message": "Invalid credentials"}))
        output = read_failing()
    trace = output.errors[0].trace.error
    assert trace.failure_type == FailureType.config_error
    assert "credentials.email and credentials.password" in trace.message
    assert PASSWORD not in "\n".join(str(m) for m in output._messages)
