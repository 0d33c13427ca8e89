from airbyte_cdk.models import FailureType
from airbyte_cdk.test.entrypoint_wrapper import read
from airbyte_cdk.test.mock_http import HttpMocker
from freezegun import freeze_time

from cdr_shared.testing.output import assert_failed, everything_printed
from source_acefone import SourceAcefone
from source_acefone.auth import AcefoneLoginAuth
from unit_tests import builders as acefone
from unit_tests.builders import BASE, DAY_1, DAY_2, NOW

PASSWORD = "pw-canary-91c2"
LOGIN = {"auth_type": "login", "email": "ops@example.com", "password": PASSWORD}


def login_request():
    return acefone.login_request(PASSWORD, email="ops@example.com")


@freeze_time(NOW)
def test_given_login_credentials_when_read_then_one_login_and_the_token_is_sent_as_bearer():
    with HttpMocker() as http:
        http.post(login_request(), acefone.token_answer("tok-1"))
        http.get(acefone.records_with_token(DAY_1, "tok-1"), acefone.page([acefone.call("a")]))
        http.get(acefone.records_with_token(DAY_2, "tok-1"), acefone.page([]))
        output = read(SourceAcefone(), acefone.config(credentials=LOGIN), acefone.catalog())
    assert [m.record.data["id"] for m in output.records] == ["a"]


def mock_token_rejected_then_renewed(http, window, retried_answer):
    """The login's token `tok-1` is rejected on `window` as expired, `/v1/auth/refresh` renews it to `tok-2`,
    and the retried request gets `retried_answer`."""
    http.post(login_request(), acefone.token_answer("tok-1"))
    http.get(
        acefone.records_with_token(window, "tok-1"), acefone.error(401, {"message": "Token has expired"})
    )
    http.post(acefone.refresh_request("tok-1"), acefone.token_answer("tok-2"))
    http.get(acefone.records_with_token(window, "tok-2"), retried_answer)


@freeze_time(NOW)
def test_given_token_rejected_mid_sync_when_read_then_refreshed_once_and_the_page_retried():
    with HttpMocker() as http:
        http.get(acefone.records_with_token(DAY_1, "tok-1"), acefone.page([acefone.call("a")]))
        mock_token_rejected_then_renewed(http, DAY_2, acefone.page([acefone.call("b", date="2024-05-10")]))
        output = read(SourceAcefone(), acefone.config(credentials=LOGIN), acefone.catalog())
    assert [m.record.data["id"] for m in output.records] == ["a", "b"]


def test_given_token_close_to_expiry_when_next_request_then_renewed_through_refresh_before_it_is_sent():
    clock = [0.0]
    auth = AcefoneLoginAuth(BASE, "ops@example.com", PASSWORD, monotonic=lambda: clock[0])
    with HttpMocker() as http:
        http.post(login_request(), acefone.token_answer("tok-1", expires_in=3600))
        http.post(acefone.refresh_request("tok-1"), acefone.token_answer("tok-2"))
        assert auth.token() == "tok-1"
        clock[0] = 3299.0
        assert auth.token() == "tok-1"
        clock[0] = 3300.0
        assert auth.token() == "tok-2"


def test_given_refresh_refused_when_renewing_then_a_fresh_login_is_made():
    clock = [0.0]
    auth = AcefoneLoginAuth(BASE, "ops@example.com", PASSWORD, monotonic=lambda: clock[0])
    with HttpMocker() as http:
        http.post(login_request(), [acefone.token_answer("tok-1"), acefone.token_answer("tok-3")])
        http.post(acefone.refresh_request("tok-1"), acefone.error(401, {"message": "expired"}))
        auth.token()
        clock[0] = 4000.0
        assert auth.token() == "tok-3"


def read_failing():
    """A sync with the login credentials that is expected to fail."""
    return acefone.run(acefone.config(credentials=LOGIN), expect_failure=True)


def test_given_the_renewed_token_rejected_too_when_read_then_config_error_naming_the_login_fields():
    with freeze_time(NOW), HttpMocker() as http:
        mock_token_rejected_then_renewed(
            http, DAY_1, acefone.error(401, {"message": "Token has been revoked"})
        )
        output = read_failing()
    assert_failed(output, FailureType.config_error, "credentials.email and credentials.password", "revoked")
    assert not any(secret in everything_printed(output) for secret in ("tok-1", "tok-2", PASSWORD))


def test_given_wrong_password_when_read_then_config_error_naming_email_and_password_without_echo():
    with freeze_time(NOW), HttpMocker() as http:
        http.post(login_request(), acefone.error(401, {"message": "Invalid credentials"}))
        output = read_failing()
    trace = output.errors[0].trace.error
    assert trace.failure_type == FailureType.config_error
    assert "credentials.email and credentials.password" in trace.message
    assert PASSWORD not in everything_printed(output)
