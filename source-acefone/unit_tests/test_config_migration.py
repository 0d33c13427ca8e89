"""Acefone's 0.2 spec already had today's credentials shape (`credentials`, selected by `auth_type`): the
console script migrates nothing, prints no control message and leaves the config file as it is."""

from __future__ import annotations

from airbyte_cdk.test.mock_http import HttpMocker
from freezegun import freeze_time

from cdr_shared.testing.config_migration import assert_untouched, run_console_script
from source_acefone.run import run
from unit_tests.test_bad_inputs import GOOD, NOW, TOKEN, empty_page, probe


@freeze_time(NOW)
def test_given_a_0_2_config_when_check_through_the_console_script_then_it_runs_as_it_is(tmp_path):
    with HttpMocker() as http:
        http.get(probe(f"Bearer {TOKEN}"), empty_page(1))
        result, path = run_console_script(run, "source-acefone", "check", tmp_path, GOOD)
    assert result.statuses()[-1]["status"] == "SUCCEEDED", result.stdout[-2000:]
    assert_untouched(result, path, GOOD)
    result.assert_no_canary([TOKEN])
