"""Running a connector's console script (`source_x.run.run`) in-process on a config file, and checking what a
config migration must do: one control message with the migrated config, the file rewritten, no secret
anywhere else; or, for a current config, nothing at all.

    run, path = run_console_script(run, "source-x", "check", tmp_path, OLD_CONFIG)
    assert_migrated(run, path, NEW_CONFIG, canaries=[SECRET])
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from unittest import mock

from cdr_shared.testing.bad_inputs import Run, catalog_of, run_command


def run_console_script(
    script: Callable[[], None],
    name: str,
    command: str,
    tmp_path: Path,
    config: Mapping[str, Any],
    stream: str | None = None,
) -> tuple[Run, Path]:
    """`name command --config <file>` (and `--catalog` selecting `stream` for `read`) through `script`,
    the connector's console entry point, with `sys.argv` as the console would set it."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    args = [command, "--config", str(path)]
    if command == "read":
        (tmp_path / "catalog.json").write_text(json.dumps(catalog_of(stream or "")), encoding="utf-8")
        args += ["--catalog", str(tmp_path / "catalog.json")]

    def console(arguments: list[str]) -> None:
        with mock.patch.object(sys, "argv", [name, *arguments]):
            script()

    stdout, stderr, code = run_command(console, args)
    return Run(command, stdout, stderr, code), path


def assert_migrated(run: Run, path: Path, expected: Mapping[str, Any], canaries: list[str]) -> None:
    """Exactly one CONNECTOR_CONFIG control message, holding `expected`; the file holds it too; no canary
    outside the control message; no traceback."""
    controls = run.control_messages()
    assert len(controls) == 1, f"{len(controls)} control messages:\n{run.stdout[-3000:]}"
    assert controls[0]["type"] == "CONNECTOR_CONFIG"
    assert controls[0]["connectorConfig"]["config"] == expected
    assert json.loads(path.read_text(encoding="utf-8")) == expected
    run.assert_no_canary(canaries)
    run.assert_no_traceback()


def assert_untouched(run: Run, path: Path, config: Mapping[str, Any]) -> None:
    """No control message, and the config file still holds `config` as written."""
    assert not run.control_messages(), run.stdout[-3000:]
    assert path.read_text(encoding="utf-8") == json.dumps(config)
