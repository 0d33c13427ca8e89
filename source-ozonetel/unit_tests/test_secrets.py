"""The API key travels in query strings: no URL, log line, exception or trace may show it."""

from urllib.parse import quote, quote_plus

from airbyte_cdk.models import FailureType
from airbyte_cdk.test.mock_http import HttpMocker

from unit_tests.conftest import (
    AFTER_PUBLICATION,
    KEY,
    all_output,
    answer,
    call_log,
    call_logs_request,
    clock_at,
    config,
    run,
    success,
    ucid_record,
    ucid_request,
)

YESTERDAY = ("2024-05-09 00:00:00", "2024-05-09 23:59:59")
FORMS = (KEY, quote(KEY, safe=""), quote_plus(KEY))


def test_given_server_errors_until_retries_run_out_then_no_output_shows_the_key():
    with clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(call_logs_request(*YESTERDAY), [answer({"message": "Internal Server Error"}, 500)] * 9)
        output = run(config(), failure=True)
    assert output.errors[0].trace.error.failure_type == FailureType.transient_error
    text = all_output(output)
    for form in FORMS:
        assert form not in text


def test_given_a_provider_error_quoting_the_request_then_no_output_shows_the_key():
    with clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(
            call_logs_request(*YESTERDAY), answer({"status": "failure", "message": f"bad api_key={KEY}"})
        )
        output = run(config(), failure=True)
    text = all_output(output)
    assert "getCallLogs?api_key=" in text  # the failing request is described, URL and all...
    for form in FORMS:
        assert form not in text  # ...without the key in any form


def test_records_of_every_legacy_stream_never_carry_the_echoed_key():
    with clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(
            call_logs_request(*YESTERDAY),
            [success([call_log("111", ApiKey=KEY)]), success([call_log("111")])],
        )
        http.get(ucid_request("111"), success([ucid_record()]))
        output = run(config(include_call_details=True), "call_logs", "call_details")
    assert len(output.records) == 2
    for form in FORMS:
        assert form not in all_output(output)
