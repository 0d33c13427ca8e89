import requests
from airbyte_cdk.models import FailureType, Status
from airbyte_cdk.sources.streams.http.exceptions import DefaultBackoffException
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdr_shared.check_status import attempts_of, failed_check_message, failed_status
from cdr_shared.http_errors import check_budget, count_check_answer
from cdr_shared.secrets import register_secret


def given_up(status: int, body: str, said: str) -> AirbyteTracedException:
    request = requests.Request("POST", "https://10.0.0.1/x").prepare()
    response = requests.Response()
    response.status_code, response._content, response.request = status, body.encode(), request
    try:  # raised as the CDK's HTTP client raises it: while handling the given-up backoff exception
        try:
            raise DefaultBackoffException(request=request, response=response, error_message=said)
        except DefaultBackoffException as cause:
            raise AirbyteTracedException(  # noqa: B904 - no `from`: the CDK leaves the cause as the context
                message=f"Exhausted available request attempts. Please see logs for more details. Exception: {said}",
                failure_type=FailureType.transient_error,
                exception=cause,
            )
    except AirbyteTracedException as error:
        return error


def test_given_up_retries_quote_the_last_answer_without_the_cdk_wrapper():
    error = given_up(500, "boom", "P answered HTTP 500 ('boom'); retrying.")
    message = failed_check_message("P", error, attempts=3)
    assert message.endswith("Last answer: P answered HTTP 500 ('boom').")
    assert "in 3 attempts" in message and "Exhausted" not in message


def test_a_persistent_429_quotes_the_providers_body_with_secrets_masked():
    register_secret("canary-check-status-77")
    error = given_up(429, '{"message": "slow down canary-check-status-77"}', "rate limit reached")
    message = failed_check_message("P", error)
    assert "P kept answering HTTP 429: 'slow down ****' (its rate limit)." in message
    assert "in up to 3 attempts" in message


def test_other_errors_keep_their_message_and_the_status_is_not_a_repr():
    error = AirbyteTracedException(message="'base_url' is wrong", failure_type=FailureType.config_error)
    assert failed_check_message("P", error) == "'base_url' is wrong"
    assert attempts_of(error) is None
    status = failed_status("'base_url' is wrong")
    assert status.status == Status.FAILED and status.message == "'base_url' is wrong"


def test_under_check_the_answers_to_the_given_up_request_are_counted():
    error = given_up(503, "busy", "P answered HTTP 503 ('busy'); retrying.")
    cause = error.__context__
    with check_budget():
        for _ in range(3):
            count_check_answer(cause.response)
        count_check_answer(requests.Response())  # an answer without its request counts for nothing
        assert attempts_of(error) == 3
        assert "in 3 attempts" in failed_check_message("P", error)
    assert attempts_of(error) is None  # outside check nothing is counted
