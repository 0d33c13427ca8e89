"""A 0.2 config (the AK/SK pair at the top level) keeps working: the console script migrates it once, tells
the platform, and signs with it; a current config is left as it is."""

from __future__ import annotations

from freezegun import freeze_time

from cdr_shared.testing.config_migration import assert_migrated, assert_untouched, run_console_script
from source_huawei_cms.config import parse_config
from source_huawei_cms.run import run
from unit_tests.test_bad_inputs import ACCESS_KEY, BASE, NOW, OLD, SECRET, signature_checking_cms


def check(tmp_path, config):
    with freeze_time(NOW, tick=True), signature_checking_cms(SECRET) as outcomes:
        result, path = run_console_script(run, "source-huawei-cms", "check", tmp_path, config)
    assert outcomes == ["signed"], result.stdout[-2000:]
    assert result.statuses()[-1]["status"] == "SUCCEEDED", result.stdout[-2000:]
    return result, path


def test_given_a_0_2_config_when_check_then_migrated_once_and_the_check_signs_with_it(tmp_path):
    result, path = check(tmp_path, OLD.build())
    expected = BASE.build()
    assert expected["credentials"] == {"auth_type": "ak_sk", "access_key": ACCESS_KEY, "secret_key": SECRET}
    assert_migrated(result, path, expected, canaries=[SECRET])
    again, path = check(tmp_path, expected)
    assert_untouched(again, path, expected)


def test_given_a_current_config_when_check_then_no_control_message_and_the_file_untouched(tmp_path):
    result, path = check(tmp_path, BASE.build())
    assert_untouched(result, path, BASE.build())


def test_a_0_2_config_parses_to_the_same_model_as_its_migrated_form():
    with freeze_time(NOW):
        assert parse_config(OLD.build()) == parse_config(BASE.build())
