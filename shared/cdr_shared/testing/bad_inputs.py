"""A table-driven harness for bad inputs: every bad config, state or catalog is refused clearly.

Each case runs the connector's real entry point (`cdr_shared.entrypoint.launch`, in-process, with stdout,
stderr and the exit code captured) and `Run.assert_refused` checks what issue 10 asks of every bad input:

- a FAILED `check` status, or a `config_error` trace, whose message names the field or stream;
- no Python traceback anywhere in stdout or stderr;
- no HTTP request made (`requests` is blocked and counted for the run; `LoopbackCounter` is also a
  loopback server to use as `base_url` that counts any connection made to it);
- no canary (a secret of the test config) in stdout or stderr: raw, trimmed, URL-encoded, JSON-escaped
  or base64 (`cdr_shared.secrets.secret_forms`).

Usage, in a connector's `unit_tests/test_bad_inputs.py`::

    from cdr_shared.testing.bad_inputs import BadInput, ConfigBuilder, LoopbackCounter, run_connector

    CANARY = "canary-token-5d1e"
    BASE = ConfigBuilder({"credentials": {"auth_type": "api_token", "api_token": CANARY},
                          "start_date": "2024-05-01"})
    CASES = [
        BadInput("end before start", "end_date", config=BASE.set("end_date", "2024-04-01")),
        BadInput("no token", "credentials.api_token", config=BASE.drop("credentials.api_token")),
        BadInput("state not a date", "call_records", command="read", state=state_of("call_records", {...})),
        BadInput("config not JSON", "--config", config_text="{oops"),
    ]

    @pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
    def test_bad_input_is_refused(case, tmp_path):
        run = run_connector(SourceX, case, tmp_path, default_config=BASE.build(),
                            default_catalog=catalog_of("call_records"))
        run.assert_refused(case.names, canaries=[CANARY])

Rows that differ only in one field's value come from `bad_values(BASE, "window_days", 0, 31, "30")` (one
row per value; `ABSENT` drops the field).

`command` is `check` (default), `discover` or `read`; for `read` a catalog (`catalog_of`) is written
unless the case gives its own (`catalog=` an object, or `catalog_text=` raw file text); `state=` is
written to `--state` when given (`state_of` builds one per-stream state message). `*_text=` gives a file's
raw text (bad JSON); `MISSING` as a `*_text` passes a path that does not exist.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import socket
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import requests
from airbyte_cdk.utils.airbyte_secrets_utils import update_secrets

from cdr_shared.secrets import secret_forms
from cdr_shared.testing.config_builder import ConfigBuilder as ConfigBuilder  # re-exported: the tables use it

MISSING = object()
"""As a `*_text` of a `BadInput`: the file argument names a path that does not exist."""

ABSENT = object()
"""As a value given to `bad_values`: the field is left out of the config."""

_UNSET = object()
TRACEBACK_MARKERS = ("Traceback (most recent call last)", 'File "/')


def bad_values(
    config: ConfigBuilder,
    path: str,
    *values: Any,
    names: str | None = None,
    command: str = "check",
    base: Mapping[str, Any] | None = None,
) -> list[BadInput]:
    """One `BadInput` per value: `config`'s base (or `base`) with `path` set to it (`ABSENT`: dropped),
    refused naming `names` (default: `path`). The row's id is the command, the path and the value."""
    rows = []
    for value in values:
        shown = "absent" if value is ABSENT else repr(value)
        built = config.drop(path, base) if value is ABSENT else config.set(path, value, base)
        rows.append(BadInput(f"{command} {path}={shown}", names or path, command=command, config=built))
    return rows


def catalog_of(
    stream: str, sync_mode: str = "incremental", cursor_field: list[str] | None = None
) -> dict[str, Any]:
    """A configured catalog selecting one stream (the stream's JSON schema is not needed by the source)."""
    configured: dict[str, Any] = {
        "stream": {
            "name": stream,
            "json_schema": {},
            "supported_sync_modes": ["full_refresh", "incremental"],
        },
        "sync_mode": sync_mode,
        "destination_sync_mode": "append",
    }
    if cursor_field is not None:
        configured["cursor_field"] = cursor_field
    return {"streams": [configured]}


def state_of(stream: str, stream_state: Any) -> list[dict[str, Any]]:
    """A `--state` file's content: one per-stream state message for `stream`."""
    return [
        {
            "type": "STREAM",
            "stream": {"stream_descriptor": {"name": stream}, "stream_state": stream_state},
        }
    ]


@dataclass(frozen=True)
class BadInput:
    """One row of a bad-input table: what to run, and the field or stream the refusal must name."""

    id: str
    names: str
    command: str = "check"
    config: Mapping[str, Any] | None = None
    state: Any = _UNSET
    catalog: Any = _UNSET
    config_text: Any = None
    state_text: Any = None
    catalog_text: Any = None
    extra_args: tuple[str, ...] = ()


UNREADABLE_CATALOGS = (
    BadInput("catalog not JSON", "--catalog", command="read", catalog_text="nope"),
    BadInput("catalog an array", "--catalog", command="read", catalog_text="[]"),
    BadInput("catalog streams not a list", "--catalog", command="read", catalog_text='{"streams": 1}'),
    BadInput(
        "catalog stream without name",
        "--catalog",
        command="read",
        catalog_text='{"streams": [{"stream": {}}]}',
    ),
    BadInput("catalog missing", "--catalog", command="read", catalog_text=MISSING),
)
"""Catalog files no connector can read, whatever its streams: every connector's table includes them."""


@dataclass
class Run:
    """What one run printed, how it ended, and which HTTP requests it tried."""

    command: str
    stdout: str
    stderr: str
    exit_code: int
    requests: list[str] = field(default_factory=list)

    @property
    def messages(self) -> list[dict[str, Any]]:
        parsed = []
        for line in self.stdout.splitlines():
            line = line.strip()
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    parsed.append(json.loads(line))
        return parsed

    def control_messages(self) -> list[dict[str, Any]]:
        """The CONNECTOR_CONFIG control messages (a config migration's), as printed."""
        return [m["control"] for m in self.messages if m.get("type") == "CONTROL"]

    def statuses(self) -> list[dict[str, Any]]:
        return [m["connectionStatus"] for m in self.messages if m.get("type") == "CONNECTION_STATUS"]

    def errors(self) -> list[dict[str, Any]]:
        return [
            m["trace"]["error"]
            for m in self.messages
            if m.get("type") == "TRACE" and (m.get("trace") or {}).get("type") == "ERROR"
        ]

    def refusal(self) -> str:
        """The user-facing message of the refusal: the FAILED status, else the config-error trace."""
        failed = [s for s in self.statuses() if s.get("status") == "FAILED"]
        if failed:
            return str(failed[-1].get("message") or "")
        config_errors = [e for e in self.errors() if e.get("failure_type") == "config_error"]
        assert config_errors, (
            f"{self.command}: neither a FAILED status nor a config_error trace:\n{self.stdout[-3000:]}"
        )
        return " ".join(
            str(e.get("message") or "") + " " + str(e.get("internal_message") or "") for e in config_errors
        )

    def assert_no_traceback(self) -> None:
        for name, text in (("stdout", self.stdout), ("stderr", self.stderr)):
            for marker in TRACEBACK_MARKERS:
                assert marker not in text, f"{self.command}: a traceback in {name}:\n{text[-3000:]}"

    def assert_no_canary(self, canaries: list[str]) -> None:
        """No form of a canary in stdout or stderr, but in a control message: a config migration's message
        carries the whole config, secrets included, by design (the platform stores it; the CDK's own secret
        scan skips CONTROL messages too)."""
        stdout = "\n".join(
            line for line in self.stdout.splitlines() if not line.startswith('{"type":"CONTROL"')
        )
        for canary in canaries:
            for form in secret_forms(canary):
                for name, text in (("stdout", stdout), ("stderr", self.stderr)):
                    assert form not in text, (
                        f"{self.command}: the secret {canary!r} appears in {name} as {form!r}"
                    )

    def assert_refused(self, names: str, canaries: list[str] = (), allow_requests: bool = False) -> None:  # type: ignore[assignment]
        """Refused with a message naming `names` (in quotes), no traceback, no request, no canary."""
        message = self.refusal()
        assert f"'{names}'" in message or f"'{names}'".replace("'", '"') in message, (
            f"{self.command}: the refusal does not name '{names}': {message!r}"
        )
        if not self.statuses() or self.statuses()[-1].get("status") != "FAILED":
            assert self.exit_code != 0, (
                f"{self.command}: a config error trace, but exit code {self.exit_code}"
            )
        self.assert_no_traceback()
        if not allow_requests:
            assert not self.requests, f"{self.command}: HTTP request(s) made for a bad input: {self.requests}"
        self.assert_no_canary(list(canaries))


class _Blocked(requests.exceptions.ConnectionError):
    """Raised for any HTTP request a bad-input run tries: such a run must make none."""


@contextlib.contextmanager
def record_requests(block: bool = True) -> Iterator[list[str]]:
    """Every HTTP request `requests` tries in the block (method and URL); blocked unless `block=False`."""
    seen: list[str] = []
    real_send = requests.adapters.HTTPAdapter.send

    def send(adapter: Any, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        seen.append(f"{request.method} {request.url}")
        if block:
            raise _Blocked("blocked by the bad-input harness")
        return real_send(adapter, request, *args, **kwargs)

    with mock.patch.object(requests.adapters.HTTPAdapter, "send", send):
        yield seen


def _write(tmp_path: Path, name: str, value: Any, text: Any) -> str:
    path = tmp_path / name
    if text is MISSING:
        return str(tmp_path / f"missing-{name}")
    path.write_text(text if text is not None else json.dumps(value), encoding="utf-8")
    return str(path)


def run_command(launch: Callable[[list[str]], None], args: list[str]) -> tuple[str, str, int]:
    """Run `launch(args)` in-process with fresh secret masking; its stdout, stderr and exit code."""
    out, err = io.StringIO(), io.StringIO()
    saved = (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__, sys.excepthook)
    update_secrets([])  # a previous case's secrets must not mask this case's leaks
    code = 0
    try:
        sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__ = out, err, out, err  # type: ignore[misc]
        try:
            launch(args)
        except SystemExit as error:
            code = error.code if isinstance(error.code, int) else 1
        except BaseException as error:  # noqa: BLE001 - an escaped exception is what the harness reports
            import traceback

            err.write("".join(traceback.format_exception(error)))
            code = 1
    finally:
        sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__, sys.excepthook = saved  # type: ignore[misc]
        update_secrets([])
    return out.getvalue(), err.getvalue(), code


def run_connector(
    source_factory: Callable[[], Any],
    case: BadInput,
    tmp_path: Path,
    *,
    default_config: Mapping[str, Any],
    default_catalog: Mapping[str, Any] | None = None,
) -> Run:
    """Run `case` through `cdr_shared.entrypoint.launch` with `source_factory()`; see the module docstring."""
    from cdr_shared.entrypoint import launch

    config = case.config if case.config is not None else default_config
    args = [case.command, "--config", _write(tmp_path, "config.json", config, case.config_text)]
    if case.command == "read":
        catalog = case.catalog if case.catalog is not _UNSET else default_catalog
        args += ["--catalog", _write(tmp_path, "catalog.json", catalog, case.catalog_text)]
        if case.state is not _UNSET or case.state_text is not None:
            args += ["--state", _write(tmp_path, "state.json", case.state, case.state_text)]
    args += list(case.extra_args)
    with record_requests() as seen:
        stdout, stderr, code = run_command(lambda a: launch(source_factory(), a), args)
    return Run(case.command, stdout, stderr, code, list(seen))


class LoopbackCounter:
    """A TCP server on 127.0.0.1 that counts connections and closes them: a `base_url` nothing may reach."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(16)
        self._socket.settimeout(0.2)
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            connection.close()

    def __enter__(self) -> LoopbackCounter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._socket.close()


def run_with_loopback(
    source_factory: Callable[[], Any],
    case: BadInput,
    tmp_path: Path,
    *,
    placeholder_url: str,
    default_config: Mapping[str, Any],
    default_catalog: Mapping[str, Any] | None = None,
    field: str = "base_url",
) -> tuple[Run, int]:
    """`run_connector` with a `field` that starts with `placeholder_url` pointed at a `LoopbackCounter`.

    Returns the run and the number of connections the counter got (0 for a refusal made offline); the rest
    of the URL after the placeholder (e.g. `/voice`) is kept.
    """
    with LoopbackCounter() as server:
        config = dict(case.config if case.config is not None else default_config)
        value = config.get(field)
        if isinstance(value, str) and value.startswith(placeholder_url):
            config[field] = server.url + value[len(placeholder_url) :]
            case = BadInput(**{**case.__dict__, "config": config})
        run = run_connector(
            source_factory, case, tmp_path, default_config=default_config, default_catalog=default_catalog
        )
    return run, server.connections


def assert_refused_offline(
    source_factory: Callable[[], Any], case: BadInput, tmp_path: Path, canaries: list[str], **loopback: Any
) -> Run:
    """`run_with_loopback` (`loopback`: its keyword arguments), then `Run.assert_refused` naming `case.names`
    without any canary, and not one connection to the loopback server: the row of every bad-input table."""
    run, connections = run_with_loopback(source_factory, case, tmp_path, **loopback)
    run.assert_refused(case.names, canaries=canaries)
    assert connections == 0, f"{case.command}: {connections} connection(s) made for a bad input"
    return run


def base64_of(text: str) -> str:
    """`text` in base64 (as a Basic-auth header carries `user:password`)."""
    return base64.b64encode(text.encode()).decode()
