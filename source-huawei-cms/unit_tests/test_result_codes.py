import json

import pytest
from airbyte_cdk.models import FailureType, SyncMode
from airbyte_cdk.test.entrypoint_wrapper import ExpectedOutcome, read
from airbyte_cdk.test.mock_http import HttpMocker
from freezegun import freeze_time

from cdr_shared.entrypoint import launch
from cdr_shared.testing.bad_inputs import catalog_of, run_command
from source_huawei_cms import SourceHuaweiCms
from unit_tests.conftest import (
    NOW,
    SECRET_KEY,
    call,
    calls_page,
    calls_request,
    catalog,
    config,
    detail,
    detail_answer,
    detail_request,
    empty_page,
    error,
    result_code,
)

W1 = ("2024-05-10T08:00:00Z", "2024-05-10T10:00:00Z")
W2 = ("2024-05-10T10:00:00Z", "2024-05-10T11:50:00Z")


def run(stream="calls", expect_failure=False):
    outcome = ExpectedOutcome.EXPECT_EXCEPTION if expect_failure else ExpectedOutcome.EXPECT_SUCCESS
    return read(
        SourceHuaweiCms(),
        config(),
        catalog(stream, sync_mode=SyncMode.incremental),
        None,
        expected_outcome=outcome,
    )


def failure(output):
    errors = output.errors
    assert errors, "the sync should have failed"
    return errors[0].trace.error


def everything_printed(output):
    return "\n".join(str(message) for message in output._messages)


@freeze_time(NOW)
def test_invalid_parameter_is_a_config_error_quoting_the_parameter():
    with HttpMocker() as http:
        http.post(
            calls_request(*W1),
            result_code("0100002", "Invalid parameter: beginDate cannot be earlier than 00:00:00"),
        )
        output = run(expect_failure=True)
    error = failure(output)
    assert error.failure_type == FailureType.config_error
    assert "0100002" in error.message and "beginDate cannot be earlier than 00:00:00" in error.message


@freeze_time(NOW)
def test_insufficient_permission_is_a_config_error():
    with HttpMocker() as http:
        http.post(calls_request(*W1), result_code("0101003", "Insufficient permission."))
        error = failure(run(expect_failure=True))
    assert error.failure_type == FailureType.config_error and "permission" in error.message


@pytest.mark.parametrize("code", ["0100001", "0100999"])
@freeze_time(NOW)
def test_call_failed_and_unknown_exception_are_retried_and_nothing_is_lost(code):
    with HttpMocker() as http:
        http.post(calls_request(*W1), [result_code(code, "Unknown exception."), calls_page([call("a")])])
        for window, inbound in ((W1, False), (W2, True), (W2, False)):
            http.post(calls_request(*window, inbound=inbound), empty_page())
        output = run()
    assert [m.record.data["callId"] for m in output.records] == ["a"]


@freeze_time(NOW)
def test_a_persistent_unknown_exception_ends_as_a_transient_error():
    with HttpMocker() as http:
        http.post(calls_request(*W1), result_code("0100999", "Unknown exception."))
        error = failure(run(expect_failure=True))
    assert error.failure_type == FailureType.transient_error


@freeze_time(NOW)
def test_an_undocumented_result_code_is_a_system_error_with_code_and_description():
    with HttpMocker() as http:
        http.post(calls_request(*W1), result_code("0100003", "The CTI version does not match."))
        error = failure(run(expect_failure=True))
    assert error.failure_type == FailureType.system_error
    assert "0100003" in error.message and "CTI version does not match" in error.message


@freeze_time(NOW)
def test_a_failure_description_that_is_an_object_is_quoted_with_secret_looking_values_masked(tmp_path):
    # Through the console entry point: the CDK also logs the failed answer's body and quotes it in the trace.
    described = {"reason": "session expired", "sessionToken": "canary-cms-token-5e1f", "sk": SECRET_KEY}
    (tmp_path / "config.json").write_text(json.dumps(config()))
    (tmp_path / "catalog.json").write_text(json.dumps(catalog_of("calls")))
    args = ["read", "--config", str(tmp_path / "config.json"), "--catalog", str(tmp_path / "catalog.json")]
    with HttpMocker() as http:
        http.post(calls_request(*W1), result_code("0100003", described))
        stdout, stderr, code = run_command(lambda a: launch(SourceHuaweiCms(), a), args)
    traces = [json.loads(line)["trace"] for line in stdout.splitlines() if line.startswith('{"type":"TRACE"')]
    errors = [trace["error"] for trace in traces if trace["type"] == "ERROR"]
    assert code == 1 and errors and "Response (body)" in stdout
    said = " ".join(error["message"] for error in errors)
    assert '"reason": "session expired"' in said and '"sessionToken": "****"' in said
    assert "canary-cms-token-5e1f" not in stdout + stderr and SECRET_KEY not in stdout + stderr


@freeze_time(NOW)
def test_http_401_is_the_signature_config_error_without_the_secret():
    with HttpMocker() as http:
        http.post(calls_request(*W1), error(401, {"message": "Authentication failed"}))
        output = run(expect_failure=True)
    error_ = failure(output)
    assert error_.failure_type == FailureType.config_error
    assert "signature rejected: check access_key/secret_key and the host clock" in error_.message
    assert SECRET_KEY not in everything_printed(output)


@freeze_time(NOW)
def test_5xx_and_non_json_answers_are_retried():
    with HttpMocker() as http:
        http.post(
            calls_request(*W1),
            [error(503, "busy"), error(200, "<html>proxy</html>"), calls_page([call("a")])],
        )
        for window, inbound in ((W1, False), (W2, True), (W2, False)):
            http.post(calls_request(*window, inbound=inbound), empty_page())
        output = run()
    assert [m.record.data["callId"] for m in output.records] == ["a"]


@freeze_time(NOW)
def test_detail_requests_follow_the_same_result_code_rules():
    with HttpMocker() as http:
        http.post(calls_request(*W1), calls_page([call("a")]))
        http.post(detail_request("a"), [result_code("0100001", "Call failed."), detail_answer(detail("a"))])
        for window, inbound in ((W1, False), (W2, True), (W2, False)):
            http.post(calls_request(*window, inbound=inbound), empty_page())
        output = run("call_details")
    assert [m.record.data["callId"] for m in output.records] == ["a"]
