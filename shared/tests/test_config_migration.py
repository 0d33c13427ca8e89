"""Config migrations (`cdr_shared.config_migration`) and the one config model per run."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import pytest
from airbyte_cdk.models import ConnectorSpecification, SyncMode
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import Stream

from cdr_shared.config_migration import (
    ConfigModelSource,
    MoveIntoObject,
    RenameKey,
    apply_migrations,
    migrate_config_file,
)
from cdr_shared.entrypoint import FieldNamingEntrypoint, launch
from cdr_shared.errors import config_error
from cdr_shared.testing.bad_inputs import Run, catalog_of, run_command

SECRET = "canary-migration-key-7d21"
MOVE = MoveIntoObject("credentials", ("login", "key"), ("auth_type", "key"))
RENAME = RenameKey("reports", "mode", "auth_type")
OLD = {"login": "ops", "key": SECRET, "reports": {"mode": "on"}, "start_date": "2024-05-01"}
NEW = {"reports": {"auth_type": "on"}, "start_date": "2024-05-01"} | {
    "credentials": {"auth_type": "key", "login": "ops", "key": SECRET}
}
SPEC = {
    "type": "object",
    "required": ["credentials", "start_date"],
    "properties": {
        "credentials": {"type": "object", "properties": {"key": {"type": "string", "airbyte_secret": True}}},
        "start_date": {"type": "string"},
    },
}


def test_given_a_0_2_config_then_the_moves_give_the_current_shape_and_say_what_moved():
    migrated, applied = apply_migrations(OLD, (MOVE, RENAME))
    assert migrated == NEW
    assert applied == [
        "moved 'login', 'key' into 'credentials' (auth_type 'key')",
        "renamed 'reports.mode' to 'reports.auth_type'",
    ]
    assert OLD["key"] == SECRET and "credentials" not in OLD  # the input is not changed


def test_given_a_current_config_then_no_migration_applies_and_it_is_returned_as_it_is():
    migrated, applied = apply_migrations(NEW, (MOVE, RENAME))
    assert migrated is NEW and applied == []


def test_given_both_shapes_then_the_credentials_object_wins_and_no_stale_secret_stays_at_the_top():
    both = {**NEW, "key": "stale-top-level-key"}
    migrated, _ = apply_migrations(both, (MOVE,))
    assert migrated["credentials"]["key"] == SECRET and "key" not in migrated


def test_given_credentials_that_are_not_an_object_then_the_config_is_left_for_validation_to_name():
    odd = {**OLD, "credentials": "a pasted token"}
    assert apply_migrations(odd, (MOVE,)) == (odd, [])


class Source(ConfigModelSource, AbstractSource):
    """A source with the 0.2 moves above and a parser that counts its calls."""

    config_migrations = (MOVE, RENAME)
    parsed: list[Mapping[str, Any]] = []

    @staticmethod
    def parse_config(config: Mapping[str, Any]) -> dict[str, Any]:
        Source.parsed.append(config)
        if not config.get("credentials", {}).get("login"):
            raise config_error("'credentials.login' is required.")
        return dict(config)

    def spec(self, logger: Any) -> ConnectorSpecification:
        return ConnectorSpecification(connectionSpecification=SPEC)

    def check_connection(self, logger: Any, config: Mapping[str, Any]) -> tuple[bool, Any]:
        self.parsed_config(config)
        return True, None

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        return [Calls(self.parsed_config(config))]


class Calls(Stream):
    primary_key = "id"

    def get_json_schema(self) -> Mapping[str, Any]:
        return {"type": "object", "properties": {"id": {"type": "integer"}, "user": {"type": "string"}}}

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config

    def read_records(self, sync_mode: SyncMode, **kwargs: Any) -> Iterable[Mapping[str, Any]]:
        yield {"id": 1, "user": self.config["credentials"]["login"]}


def run_launch(tmp_path, command: str, config: Any) -> tuple[Run, Any]:
    path = tmp_path / "config.json"
    path.write_text(config if isinstance(config, str) else json.dumps(config))
    args = [command, "--config", str(path)]
    if command == "read":
        (tmp_path / "catalog.json").write_text(json.dumps(catalog_of("calls", sync_mode="full_refresh")))
        args += ["--catalog", str(tmp_path / "catalog.json")]
    stdout, stderr, code = run_command(lambda a: launch(Source(), a), args)
    return Run(command, stdout, stderr, code), path


@pytest.fixture(autouse=True)
def fresh_parse_count():
    Source.parsed = []


@pytest.mark.parametrize("command", ["check", "discover", "read"])
def test_given_a_0_2_config_then_the_file_is_rewritten_and_one_control_message_tells_the_platform(
    tmp_path, command
):
    run, path = run_launch(tmp_path, command, OLD)
    assert run.exit_code == 0, run.stdout[-2000:]
    controls = run.control_messages()
    assert len(controls) == 1 and controls[0]["type"] == "CONNECTOR_CONFIG"
    assert controls[0]["connectorConfig"]["config"] == NEW == json.loads(path.read_text())
    # The moves are logged by name; the secret is only where the platform must read it.
    logs = [m["log"]["message"] for m in run.messages if m.get("type") == "LOG"]
    assert any("moved 'login', 'key' into 'credentials'" in line for line in logs)
    run.assert_no_canary([SECRET])
    assert run.stdout.count(SECRET) == 1


def test_given_the_migrated_file_then_the_next_run_finds_nothing_to_migrate(tmp_path):
    run_launch(tmp_path, "check", OLD)
    again, path = run_launch(tmp_path, "check", json.loads((tmp_path / "config.json").read_text()))
    assert again.control_messages() == [] and json.loads(path.read_text()) == NEW


def test_given_a_current_config_then_no_control_message_and_the_file_is_not_written(tmp_path):
    text = json.dumps(NEW, indent=3)
    run, path = run_launch(tmp_path, "read", text)
    assert run.exit_code == 0, run.stdout[-2000:]
    assert run.control_messages() == [] and path.read_text() == text
    assert SECRET not in run.stdout


@pytest.mark.parametrize("text", ["{not json", "[1, 2]"])
def test_given_a_config_file_that_is_no_object_then_the_entry_point_names_it_and_nothing_is_migrated(
    tmp_path, text
):
    run, path = run_launch(tmp_path, "check", text)
    assert run.control_messages() == [] and path.read_text() == text
    run.assert_refused("--config")


def test_given_a_config_file_that_cannot_be_written_then_a_warning_and_still_the_control_message(tmp_path):
    class ReadOnly:
        config_migrations = (MOVE,)

        @staticmethod
        def write_config(config: Any, path: str) -> None:
            raise PermissionError(13, "Permission denied")

    path = tmp_path / "config.json"
    path.write_text(json.dumps(OLD))
    lines = [json.loads(line) for line in migrate_config_file(ReadOnly(), str(path))]
    assert [line["type"] for line in lines] == ["LOG", "LOG", "CONTROL"]
    assert "could not be written back" in lines[1]["log"]["message"]
    assert json.loads(path.read_text()) == OLD


def test_a_read_parses_and_checks_the_config_against_the_spec_once(tmp_path, monkeypatch):
    checks: list[Any] = []
    real = FieldNamingEntrypoint.check_against_spec
    monkeypatch.setattr(
        FieldNamingEntrypoint,
        "check_against_spec",
        staticmethod(lambda spec, config: (checks.append(config), real(spec, config))),
    )
    run, _ = run_launch(tmp_path, "read", NEW)
    assert run.exit_code == 0, run.stdout[-2000:]
    assert [m["record"]["data"] for m in run.messages if m.get("type") == "RECORD"] == [
        {"id": 1, "user": "ops"}
    ]
    assert len(Source.parsed) == 1 and len(checks) == 1


def test_a_config_error_of_the_model_is_raised_on_every_call_not_cached_as_a_model():
    source = Source()
    bad = {**NEW, "credentials": {"auth_type": "key", "login": "", "key": SECRET}}
    for _ in range(2):
        with pytest.raises(Exception, match="credentials.login"):
            source.parsed_config(bad)
    assert source.parsed_config(NEW) is source.parsed_config(dict(NEW))
