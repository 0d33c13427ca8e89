"""A 0.2 config (credentials at the top level, `cdr_reports.auth_mode`) keeps working: the console script
migrates it once, tells the platform, and runs on it; a current config is left as it is."""

from __future__ import annotations

import json

from airbyte_cdk.test.mock_http import HttpMocker, HttpRequest

from cdr_shared.testing.config_migration import assert_migrated, assert_untouched, run_console_script
from source_ozonetel.config import parse_config
from source_ozonetel.run import run
from unit_tests.builders import AFTER_PUBLICATION, KEY, REPORTS_URL, USER, answer, clock_at

OLD = {
    "user_name": USER,
    "api_key": KEY,
    "start_date": "2024-05-09",
    "cdr_reports": {"auth_mode": "basic"},
}
NEW = {
    "start_date": "2024-05-09",
    "cdr_reports": {"auth_type": "basic"},
    "credentials": {"auth_type": "api_key", "user_name": USER, "api_key": KEY},
}
# In basic mode, check proves the key with one one-second request to the reports API.
REPORTS_PROBE = HttpRequest(
    REPORTS_URL,
    body=json.dumps({"userName": USER, "fromDate": "2024-05-09 00:00:00", "toDate": "2024-05-09 00:00:00"}),
)


def check(tmp_path, config):
    with clock_at(AFTER_PUBLICATION), HttpMocker() as http:
        http.get(REPORTS_PROBE, answer({"details": []}))
        return run_console_script(run, "source-ozonetel", "check", tmp_path, config)


def test_given_a_0_2_config_when_check_then_migrated_once_and_the_check_succeeds_on_it(tmp_path):
    result, path = check(tmp_path, OLD)
    assert result.statuses()[-1]["status"] == "SUCCEEDED", result.stdout[-2000:]
    assert_migrated(result, path, NEW, canaries=[KEY])
    # The rewritten file is current: the next run has nothing to migrate.
    again, path = check(tmp_path, NEW)
    assert_untouched(again, path, NEW)


def test_given_a_current_config_when_check_then_no_control_message_and_the_file_untouched(tmp_path):
    result, path = check(tmp_path, NEW)
    assert result.statuses()[-1]["status"] == "SUCCEEDED", result.stdout[-2000:]
    assert_untouched(result, path, NEW)


def test_a_0_2_config_parses_to_the_same_model_as_its_migrated_form():
    with clock_at(AFTER_PUBLICATION):
        assert parse_config(OLD) == parse_config(NEW)
