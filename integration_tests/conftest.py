"""Fixtures shared by the emulator tests and the end-to-end tests (helpers live in `emulators/testing.py`).

- `emulator_pool`: start any registered emulator in-process, `emulator_pool.start("acefone", calls=200)`;
  every emulator started is stopped after the test.
- `acefone_emulator`: factory for in-process Acefone emulators, `acefone_emulator(seed=3, calls=200)`.
- `emulator_processes`: factory `emulator_processes("acefone", "--calls", "200") -> (process, url)` for
  emulators in their own process, all stopped after the test.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from integration_tests.emulators.acefone import AcefoneEmulator
from integration_tests.emulators.testing import EmulatorPool, start_emulator_process, stop_emulator_process

EmulatorProcessFactory = Callable[..., tuple[subprocess.Popen[str], str]]


@pytest.fixture
def emulator_pool() -> Iterator[EmulatorPool]:
    pool = EmulatorPool()
    try:
        yield pool
    finally:
        pool.stop_all()


@pytest.fixture
def acefone_emulator(emulator_pool: EmulatorPool) -> Callable[..., AcefoneEmulator]:
    def start(**options: Any) -> AcefoneEmulator:
        emulator = emulator_pool.start("acefone", **options)
        assert isinstance(emulator, AcefoneEmulator)
        return emulator

    return start


@pytest.fixture
def emulator_processes() -> Iterator[EmulatorProcessFactory]:
    processes: list[subprocess.Popen[str]] = []

    def start(name: str, *flags: str) -> tuple[subprocess.Popen[str], str]:
        process, url = start_emulator_process(name, *flags)
        processes.append(process)
        return process, url

    try:
        yield start
    finally:
        for process in processes:
            stop_emulator_process(process)


@pytest.fixture
def ozonetel_emulator(emulator_pool: EmulatorPool) -> Callable[..., Any]:
    """Factory for in-process Ozonetel emulators, `ozonetel_emulator(calls=200, now=...)`."""

    def start(**options: Any) -> Any:
        return emulator_pool.start("ozonetel", **options)

    return start


@pytest.fixture
def ringcx_emulator(emulator_pool: EmulatorPool) -> Callable[..., Any]:
    """Factory for in-process RingCX emulators, `ringcx_emulator(calls=300, accounts=2, time_scale=60)`."""

    def start(**options: Any) -> Any:
        return emulator_pool.start("ringcx", **options)

    return start


@pytest.fixture
def huawei_cms_emulator(emulator_pool: EmulatorPool) -> Callable[..., Any]:
    """Factory for in-process CC-CMS emulators, `huawei_cms_emulator(calls=300, tls=True)`."""

    def start(**options: Any) -> Any:
        return emulator_pool.start("huawei-cms", **options)

    return start
