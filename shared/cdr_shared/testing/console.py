"""Running a connector the way Airbyte runs it: `source-x spec|check|discover|read` with JSON files.

`run_console_script("source-acefone", "read", config, catalog=..., state=...)` writes the files, runs the
installed console script of this virtual environment as a subprocess, and parses stdout into Airbyte
messages (plain dicts), keeping the raw text for secret scans. `run_entry_point(SourceX, "check", config)`
does the same in-process through `cdr_shared.entrypoint.launch`, so `HttpMocker` or a patched transport
answers the requests.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent


@dataclass
class ConsoleRun:
    """What one connector command printed, and its exit code."""

    returncode: int
    stdout: str
    stderr: str
    messages: list[dict[str, Any]]

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("type") == kind]

    @property
    def records(self) -> list[dict[str, Any]]:
        return [m["record"]["data"] for m in self.of_type("RECORD")]

    def records_of(self, stream: str) -> list[dict[str, Any]]:
        return [m["record"]["data"] for m in self.of_type("RECORD") if m["record"]["stream"] == stream]

    @property
    def states(self) -> list[dict[str, Any]]:
        return [m["state"] for m in self.of_type("STATE")]

    @property
    def statuses(self) -> list[dict[str, Any]]:
        return [m["connectionStatus"] for m in self.of_type("CONNECTION_STATUS")]

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [m["trace"]["error"] for m in self.of_type("TRACE") if m["trace"].get("type") == "ERROR"]

    @property
    def logs(self) -> list[str]:
        return [m["log"]["message"] for m in self.of_type("LOG")]

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def parse_messages(stdout: str) -> list[dict[str, Any]]:
    """The JSON lines of `stdout` (Airbyte messages); other lines are skipped."""
    messages = []
    for line in stdout.splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if isinstance(message, dict):
            messages.append(message)
    return messages


@contextmanager
def command_files(
    command: str,
    config: Mapping[str, Any] | None,
    catalog: Mapping[str, Any] | None = None,
    state: list[dict[str, Any]] | None = None,
    extra_args: tuple[str, ...] = (),
) -> Iterator[list[str]]:
    """`[command, --config <file>, --catalog <file>, --state <file>, *extra_args]`, files written to a temporary folder."""
    with tempfile.TemporaryDirectory() as folder:
        args = [command]
        for flag, content in (("--config", config), ("--catalog", catalog), ("--state", state)):
            if content is not None:
                path = Path(folder) / f"{flag.strip('-')}.json"
                path.write_text(json.dumps(content))
                args += [flag, str(path)]
        yield args + list(extra_args)


def run_console_script(
    name: str,
    command: str,
    config: Mapping[str, Any] | None = None,
    *,
    catalog: Mapping[str, Any] | None = None,
    state: list[dict[str, Any]] | None = None,
    timeout: float = 600,
    env: dict[str, str] | None = None,
    extra_args: tuple[str, ...] = (),
) -> ConsoleRun:
    """Run `<name> <command>` with the given config, catalog and state files (and `extra_args`, e.g. `--debug`)."""
    with command_files(command, config, catalog, state, extra_args) as args:
        started, cpu = time.monotonic(), _children_cpu()
        done = subprocess.run(
            [str(BIN / name), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            check=False,
        )
    _log_run(name, command, time.monotonic() - started, _children_cpu() - cpu)
    return ConsoleRun(done.returncode, done.stdout, done.stderr, parse_messages(done.stdout))


# What differs between two emulators serving the same data: where they listen, the throwaway CA of a TLS one.
_EMULATOR_SPECIFIC = re.compile(
    r"https?://127\.0\.0\.1:\d+|-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", re.DOTALL
)
_DISCOVERED: dict[str, ConsoleRun] = {}


def discover_once(name: str, config: Mapping[str, Any], *, env: dict[str, str] | None = None) -> ConsoleRun:
    """`run_console_script(name, "discover", config, env=env)`, run once per test process for configs that
    differ only in the emulator's URL or CA certificate, for tests that need a catalog, not a discover.

    A connector discovers its streams from the config alone (no request is made), so the answer for an
    emulator on another port is the same catalog; each start of a console script costs seconds of CPU.
    Tests of `discover` itself (its output, its secrets) call `run_console_script`. Only a successful
    discover is kept.
    """
    key = _EMULATOR_SPECIFIC.sub("<emulator>", json.dumps([name, config, env or {}], sort_keys=True))
    if key not in _DISCOVERED:
        run = run_console_script(name, "discover", config, env=env)
        if run.returncode != 0 or not run.of_type("CATALOG"):
            return run
        _DISCOVERED[key] = run
    return _DISCOVERED[key]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _log_run(name: str, command: str, seconds: float, cpu_seconds: float) -> None:
    """With `CDR_E2E_RUN_LOG` set, one JSON line per console-script run appended to that file (the test,
    wall and CPU seconds): how many starts a test layer pays, and what they cost, is its run time."""
    log = os.environ.get("CDR_E2E_RUN_LOG")
    if log:
        line = {
            "test": os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0],
            "connector": name,
            "command": command,
            "seconds": round(seconds, 3),
            "cpu": round(cpu_seconds, 3),
        }
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")


def run_entry_point(
    source_factory: Callable[[], Any],
    command: str,
    config: Mapping[str, Any] | None = None,
    *,
    catalog: Mapping[str, Any] | None = None,
    state: list[dict[str, Any]] | None = None,
    extra_args: tuple[str, ...] = (),
) -> ConsoleRun:
    """`run_console_script`, in-process: `cdr_shared.entrypoint.launch(source_factory(), args)`."""
    from cdr_shared.entrypoint import launch
    from cdr_shared.testing.bad_inputs import run_command

    with command_files(command, config, catalog, state, extra_args) as args:
        stdout, stderr, code = run_command(lambda argv: launch(source_factory(), argv), args)
    return ConsoleRun(code, stdout, stderr, parse_messages(stdout))


def configured_catalog(
    discovered: ConsoleRun, sync_mode: str = "incremental", streams: list[str] | None = None
) -> dict[str, Any]:
    """A configured catalog for the discovered streams (incremental where a stream supports it)."""
    configured = []
    for stream in discovered.of_type("CATALOG")[0]["catalog"]["streams"]:
        if streams is not None and stream["name"] not in streams:
            continue
        incremental = sync_mode == "incremental" and "incremental" in stream["supported_sync_modes"]
        entry = {
            "stream": stream,
            "sync_mode": "incremental" if incremental else "full_refresh",
            "destination_sync_mode": "append_dedup" if stream.get("source_defined_primary_key") else "append",
        }
        if incremental:
            entry["cursor_field"] = stream.get("default_cursor_field", [])
        if stream.get("source_defined_primary_key"):
            entry["primary_key"] = stream["source_defined_primary_key"]
        configured.append(entry)
    return {"streams": configured}


def state_messages_as_input(states: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """State messages as the `--state` file expects them (the latest per stream)."""
    latest: dict[str, dict[str, Any]] = {}
    for state in states:
        latest[state["stream"]["stream_descriptor"]["name"]] = {"type": "STREAM", "stream": state["stream"]}
    return list(latest.values())
