import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.test.mock_http import HttpMocker
from freezegun import freeze_time

from cdr_shared.testing.bad_inputs import catalog_of
from cdr_shared.testing.console import run_entry_point
from cdr_shared.testing.output import assert_failed, everything_printed
from source_huawei_cms import SourceHuaweiCms
from unit_tests import builders as cms
from unit_tests.builders import NOW, SECRET_KEY, W1


def run(stream="call_list", expect_failure=False):
    return cms.run(cms.config(), stream, expect_failure=expect_failure)


# A resultCode that persists on the first window: how the sync fails and what its message must quote.
# Codes: https://support.huaweicloud.com/intl/en-us/api-cec/cec_07_0607.html
PERSISTENT_CODES = {
    "invalid parameter: config error quoting it": (
        ("0100002", "Invalid parameter: beginDate cannot be earlier than 00:00:00"),
        FailureType.config_error,
        ("0100002", "beginDate cannot be earlier than 00:00:00"),
    ),
    "insufficient permission: config error": (
        ("0101003", "Insufficient permission."),
        FailureType.config_error,
        ("permission",),
    ),
    "unknown exception: transient error": (
        ("0100999", "Unknown exception."),
        FailureType.transient_error,
        (),
    ),
    "CTI version mismatch, no rule of its own: system error quoting code and description": (
        ("0100003", "The CTI version does not match."),
        FailureType.system_error,
        ("0100003", "CTI version does not match"),
    ),
}


@pytest.mark.parametrize(
    ("code", "failure_type", "quoted"), list(PERSISTENT_CODES.values()), ids=list(PERSISTENT_CODES)
)
@freeze_time(NOW)
def test_given_a_result_code_that_persists_then_the_sync_fails_as_the_code_means(code, failure_type, quoted):
    with HttpMocker() as http:
        http.post(cms.calls_request(*W1), cms.result_code(*code))
        output = run(expect_failure=True)
    assert_failed(output, failure_type, *quoted)


@pytest.mark.parametrize("code", ["0100001", "0100999"])
@freeze_time(NOW)
def test_call_failed_and_unknown_exception_are_retried_and_nothing_is_lost(code):
    with HttpMocker() as http:
        http.post(
            cms.calls_request(*W1),
            [cms.result_code(code, "Unknown exception."), cms.calls_page([cms.call("a")])],
        )
        cms.mock_rest_empty(http)
        output = run()
    assert cms.ids(output) == ["a"]


@freeze_time(NOW)
def test_a_failure_description_that_is_an_object_is_quoted_with_secret_looking_values_masked():
    # Through the console entry point: the CDK also logs the failed answer's body and quotes it in the trace.
    described = {"reason": "session expired", "sessionToken": "canary-cms-token-5e1f", "sk": SECRET_KEY}
    with HttpMocker() as http:
        http.post(cms.calls_request(*W1), cms.result_code("0100003", described))
        run = run_entry_point(SourceHuaweiCms, "read", cms.config(), catalog=catalog_of("call_list"))
    assert run.returncode == 1 and run.errors and "Response (body)" in run.stdout
    said = " ".join(error["message"] for error in run.errors)
    assert '"reason": "session expired"' in said and '"sessionToken": "****"' in said
    assert "canary-cms-token-5e1f" not in run.output and SECRET_KEY not in run.output


@freeze_time(NOW)
def test_http_401_is_the_signature_config_error_without_the_secret():
    with HttpMocker() as http:
        http.post(cms.calls_request(*W1), cms.error(401, {"message": "Authentication failed"}))
        output = run(expect_failure=True)
    assert_failed(
        output,
        FailureType.config_error,
        "signature rejected: check credentials.access_key/credentials.secret_key and the host clock",
    )
    assert SECRET_KEY not in everything_printed(output)


@freeze_time(NOW)
def test_5xx_and_non_json_answers_are_retried():
    with HttpMocker() as http:
        http.post(
            cms.calls_request(*W1),
            [cms.error(503, "busy"), cms.error(200, "<html>proxy</html>"), cms.calls_page([cms.call("a")])],
        )
        cms.mock_rest_empty(http)
        output = run()
    assert cms.ids(output) == ["a"]


@freeze_time(NOW)
def test_detail_requests_follow_the_same_result_code_rules():
    with HttpMocker() as http:
        http.post(cms.calls_request(*W1), cms.calls_page([cms.call("a")]))
        http.post(
            cms.detail_request("a"),
            [cms.result_code("0100001", "Call failed."), cms.detail_answer(cms.detail("a"))],
        )
        cms.mock_rest_empty(http)
        output = run("call_details")
    assert cms.ids(output) == ["a"]
