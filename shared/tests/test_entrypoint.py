import json

from tests.example_spec import SPEC

from cdr_shared.entrypoint import FieldNamingEntrypoint, launch

TOKEN = {"auth_type": "api_token", "api_token": "canary-entrypoint-key-3b7f"}


def violation(config):
    try:
        FieldNamingEntrypoint.check_against_spec(SPEC, config)
    except Exception as error:  # noqa: BLE001
        return error.message
    return None


def test_a_value_out_of_range_names_its_field():
    message = violation(
        {
            "credentials": TOKEN,
            "start_date": "2024-01-01",
            "window_days": 31,
        }
    )
    assert message == "Config validation error: 'window_days' is greater than the maximum of 30."


def test_a_missing_nested_field_is_named_with_its_path():
    message = violation({"credentials": {"auth_type": "api_token"}, "start_date": "2024-01-01"})
    assert message == "Config validation error: 'credentials.api_token' is required."


def test_the_offending_value_is_never_repeated():
    message = violation({"credentials": {**TOKEN, "api_token": 12345678}, "start_date": "2024-01-01"})
    assert "'credentials.api_token'" in message and "12345678" not in message


def test_a_valid_config_passes():
    assert violation({"credentials": TOKEN, "start_date": "2024-01-01"}) is None


class SpecOnlySource:
    """Just enough of a source for `check` to reach config validation."""

    def spec(self, logger):
        return SPEC

    def read_config(self, path):
        with open(path) as handle:
            return json.load(handle)

    def configure(self, config, temp_dir):
        return config

    check_config_against_spec = True
    message_repository = None


def test_check_through_launch_reports_the_field(tmp_path, capsys):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"credentials": TOKEN, "start_date": "x", "window_days": 99}))
    launch(SpecOnlySource(), ["check", "--config", str(config)])
    status = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if "CONNECTION_STATUS" in line
    ]
    assert status[0]["connectionStatus"]["status"] == "FAILED"
    assert "'window_days' is greater than the maximum of 30" in status[0]["connectionStatus"]["message"]
