"""HTTP-200 answers that are not what the CC-CMS pages document: retried, then a failure naming the request.

Pages: https://support.huaweicloud.com/intl/en-us/api-cec/cec_07_0607.html (querycalls) and
https://support.huaweicloud.com/intl/en-us/api-cec/cec_07_2579.html (querycalldetailbyid).
"""

import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.test.mock_http import HttpMocker
from freezegun import freeze_time

from cdr_shared.testing.http_mock import answer
from cdr_shared.testing.output import assert_failed
from unit_tests import builders as cms
from unit_tests.builders import NOW, W1

CALLS_WITHOUT_DATA = {
    "no data list": {"resultCode": "0100000", "resultDesc": {"count": 3}},
    "resultDesc as text": {"resultCode": "0100000", "resultDesc": "success"},
    "data not a list": {"resultCode": "0100000", "resultDesc": {"data": None, "count": 0}},
}
NOT_JSON = {"html page": "<html><body>Login</body></html>", "empty body": ""}


def run(stream="call_list", expect_failure=False):
    return cms.run(cms.config(), stream, expect_failure=expect_failure)


@pytest.mark.parametrize(
    "body", [*CALLS_WITHOUT_DATA.values(), *NOT_JSON.values()], ids=[*CALLS_WITHOUT_DATA, *NOT_JSON]
)
@freeze_time(NOW)
def test_given_a_calls_answer_off_the_page_once_then_it_is_retried_and_nothing_is_lost(body):
    with HttpMocker() as http:
        http.post(cms.calls_request(*W1), [answer(body), cms.calls_page([cms.call("a")])])
        cms.mock_rest_empty(http)
        output = run()
    assert cms.ids(output) == ["a"]


@pytest.mark.parametrize(
    "body", [*CALLS_WITHOUT_DATA.values(), *NOT_JSON.values()], ids=[*CALLS_WITHOUT_DATA, *NOT_JSON]
)
@freeze_time(NOW)
def test_given_a_calls_answer_off_the_page_persists_then_the_sync_fails_naming_the_window_and_saves_no_state(
    body,
):
    with HttpMocker() as http:
        http.post(cms.calls_request(*W1), answer(body))
        output = run(expect_failure=True)
    error = output.errors[0].trace.error
    assert error.failure_type == FailureType.system_error
    assert (
        "querycalls (inbound, 2024-05-10T08:00:00+00:00 to 2024-05-10T09:59:59.999000+00:00" in error.message
    )
    assert output.records == [] and output.state_messages == []


@pytest.mark.parametrize(
    "body",
    [
        {"result": "0", "resultCode": "0100000"},
        {"resultCode": "0100000", "resultDesc": "success"},
        "",
        "<html/>",
    ],
    ids=["no detail object", "resultDesc as text", "empty body", "html page"],
)
@freeze_time(NOW)
def test_given_a_detail_answer_off_the_page_then_it_is_retried_then_fails_naming_the_call(body):
    with HttpMocker() as http:
        http.post(cms.calls_request(*W1), cms.calls_page([cms.call("a"), cms.call("b")]))
        http.post(cms.detail_request("a"), [answer(body), cms.detail_answer(cms.detail("a"))])
        http.post(cms.detail_request("b"), answer(body))
        output = run("call_details", expect_failure=True)
    assert cms.ids(output) == ["a"]
    assert_failed(output, FailureType.system_error, "querycalldetailbyid (call b)")


@freeze_time(NOW)
def test_given_only_the_old_resultDatas_object_then_the_detail_is_read():
    with HttpMocker() as http:
        http.post(cms.calls_request(*W1), cms.calls_page([cms.call("a")]))
        http.post(cms.detail_request("a"), cms.detail_answer(cms.detail("a"), layout="datas"))
        cms.mock_rest_empty(http)
        output = run("call_details")
    assert cms.ids(output) == ["a"] and output.records[0].record.data["agentId"] == 100
