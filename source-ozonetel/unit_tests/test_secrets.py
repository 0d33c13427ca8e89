"""The API key travels in query strings: no URL, log line, exception or trace may show it."""

from urllib.parse import quote, quote_plus

from airbyte_cdk.models import FailureType
from airbyte_cdk.test.mock_http import HttpMocker

from cdr_shared.testing.output import assert_failed, everything_printed
from unit_tests import builders as ozonetel
from unit_tests.builders import AFTER_PUBLICATION, KEY, YESTERDAY

FORMS = (KEY, quote(KEY, safe=""), quote_plus(KEY))


def test_given_server_errors_until_retries_run_out_then_no_output_shows_the_key():
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(
            ozonetel.call_logs_request(*YESTERDAY),
            [ozonetel.answer({"message": "Internal Server Error"}, 500)] * 9,
        )
        output = ozonetel.run(ozonetel.config(), expect_failure=True)
    assert_failed(output, FailureType.transient_error)
    text = everything_printed(output)
    for form in FORMS:
        assert form not in text


def test_given_a_provider_error_quoting_the_request_then_no_output_shows_the_key():
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(
            ozonetel.call_logs_request(*YESTERDAY),
            ozonetel.answer({"status": "failure", "message": f"bad api_key={KEY}"}),
        )
        output = ozonetel.run(ozonetel.config(), expect_failure=True)
    text = everything_printed(output)
    assert "getCallLogs?api_key=" in text  # the failing request is described, URL and all...
    for form in FORMS:
        assert form not in text  # ...without the key in any form


def test_records_of_every_legacy_stream_never_carry_the_echoed_key():
    with ozonetel.clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(
            ozonetel.call_logs_request(*YESTERDAY),
            [
                ozonetel.success([ozonetel.call_log("111", ApiKey=KEY)]),
                ozonetel.success([ozonetel.call_log("111")]),
            ],
        )
        http.get(ozonetel.ucid_request("111"), ozonetel.success([ozonetel.ucid_record()]))
        output = ozonetel.run(ozonetel.config(include_call_details=True), "call_logs", "call_details")
    assert len(output.records) == 2
    for form in FORMS:
        assert form not in everything_printed(output)
