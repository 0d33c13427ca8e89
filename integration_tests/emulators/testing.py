"""Test helpers for running emulators, in-process or as a separate process.

- `EmulatorPool`: starts in-process emulators by name with constructor options and stops them all at the
  end of a test (what the fixtures in `integration_tests/conftest.py` use).
- `start_emulator_process(name, *flags)`: runs `python -m integration_tests.emulators <name> --port 0
  <flags>` and returns the process and the base URL read from its first stdout line;
  `stop_emulator_process` ends it with SIGTERM (SIGKILL if it does not exit); `emulator_process` is the
  context-manager form. Use these for end-to-end tests where the connector runs as a subprocess too.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from . import emulator_class
from .base import EmulatorServer

REPO_ROOT = Path(__file__).resolve().parents[2]


class EmulatorPool:
    """In-process emulators started for one test, stopped together afterwards."""

    def __init__(self) -> None:
        self._running: list[EmulatorServer] = []

    def start(self, name: str, **options: Any) -> EmulatorServer:
        """Build emulator `name` with `options` (its constructor keywords), start it, return it."""
        emulator = emulator_class(name)(**options)
        emulator.start()
        self._running.append(emulator)
        return emulator

    def stop_all(self) -> None:
        while self._running:
            self._running.pop().stop()


class EmulatorProcessError(RuntimeError):
    """The emulator process ended or stayed silent before printing its URL."""


def _emulator_environment() -> dict[str, str]:
    environment = dict(os.environ)
    paths = [str(REPO_ROOT), *filter(None, environment.get("PYTHONPATH", "").split(os.pathsep))]
    environment["PYTHONPATH"] = os.pathsep.join(paths)
    environment["PYTHONUNBUFFERED"] = "1"
    return environment


def _first_line(stream: IO[str], timeout: float) -> str | None:
    lines: queue.Queue[str] = queue.Queue(maxsize=1)
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    try:
        return lines.get(timeout=timeout)
    except queue.Empty:
        return None


def start_emulator_process(
    name: str, *flags: str, timeout: float = 20.0, python: str = sys.executable
) -> tuple[subprocess.Popen[str], str]:
    """Start emulator `name` as a process on a free port; return the process and its base URL.

    The process's stderr goes to an anonymous temporary file, shown in the error if it fails to start."""
    with tempfile.TemporaryFile(mode="w+") as stderr_file:
        process = subprocess.Popen(
            [python, "-m", "integration_tests.emulators", name, "--port", "0", *flags],
            cwd=REPO_ROOT,
            env=_emulator_environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr_file,
            text=True,
        )
        assert process.stdout is not None
        line = (_first_line(process.stdout, timeout) or "").strip()
        if line.startswith(("http://", "https://")):
            return process, line
        stop_emulator_process(process)
        stderr_file.seek(0)
        raise EmulatorProcessError(
            f"the {name} emulator did not print its URL (first line {line!r}); stderr:\n{stderr_file.read()}"
        )


def stop_emulator_process(process: subprocess.Popen[str], timeout: float = 10.0) -> int:
    """SIGTERM the emulator process, SIGKILL it if it has not exited after `timeout`; its exit code."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)
    if process.stdout is not None:
        process.stdout.close()
    return int(process.returncode)


@contextmanager
def emulator_process(name: str, *flags: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`start_emulator_process` as a context manager that always stops the process."""
    process, url = start_emulator_process(name, *flags)
    try:
        yield process, url
    finally:
        stop_emulator_process(process)
