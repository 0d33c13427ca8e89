"""Saved states of a released version: captured once from its git revision, replayed by later code.

A user's connection keeps the last state its connector emitted. When the connector is upgraded, the new
code must resume from that state without losing a record. This module holds, per connector, one sync
scenario against its emulator (fixed data, fixed clock, a config in the released version's shape), and
two things done with it:

- `capture(scenario, code)`: run an incremental sync of every incremental stream with the connector code
  found under `code` (a tree of the released revision) and keep what it emitted: each stream's records
  (primary keys, in order) and every state message, with how many records of each stream came before it.
- `integration_tests/test_saved_states_e2e.py` resumes from those states with the code of this tree.

Regenerate the fixtures from a revision (what `integration_tests/fixtures/states_0.2.0/` holds):

    PYTHONPATH=. .venv/bin/python -m integration_tests.saved_states --revision bfc0b1e

The revision's `shared/` and `source-*/` are exported with `git archive` and put first on the connector's
`PYTHONPATH`, so the installed console script runs that revision's code with this environment's
dependencies; the emulators are this tree's (the fixtures record a digest of each stream's ground truth,
so a changed data set is told apart from a lost record).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cdr_shared.testing.console import ConsoleRun, configured_catalog, run_console_script
from integration_tests.emulators.testing import EmulatorPool
from integration_tests.fake_clock import fake_clock_folder

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "states_0.2.0"

Keys = dict[str, set[str]]


@dataclass(frozen=True)
class Scenario:
    """One connector's sync against its emulator, reproducible at any date."""

    connector: str
    emulator: str
    options: dict[str, Any]
    """The emulator's constructor keywords (seeded data over a fixed range)."""
    config_for: Callable[[Any], dict[str, Any]]
    """The config (in the 0.2.0 shape) for a running emulator."""
    truth_for: Callable[[Any], Keys]
    """Per incremental stream, the primary keys (as `key_text` gives them) the provider holds."""
    lookback_minutes: int
    """The config's lookback window: a resumed sync may re-read records this far before its state."""
    now: str | None = None
    """Where both clocks stand (emulator and connector), for providers whose data follows the clock."""
    streams: tuple[str, ...] = field(default=())
    """The streams to sync (default: every stream that supports incremental)."""
    renamed: dict[str, str] = field(default_factory=dict)
    """Streams that have another name since the release: its name -> the current one."""


def key_text(record: dict[str, Any], primary_key: list[list[str]]) -> str:
    """A record's primary key as one string (`a|b` for a composite key)."""
    values = []
    for path in primary_key:
        value: Any = record
        for part in path:
            value = value[part]
        values.append(str(value))
    return "|".join(values)


def digest(keys: set[str]) -> str:
    return hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()


# ------------------------------------------------------------------------------------------- scenarios


def _acefone_config(emulator: Any) -> dict[str, Any]:
    return {
        "credentials": {"auth_type": "api_token", "api_token": "saved-state-acefone-token"},
        "base_url": emulator.base_url,
        "start_date": "2026-10-01T00:00:00Z",
        "end_date": "2026-10-11T00:00:00Z",
        "window_days": 3,
        "page_size": 50,
        "lookback_window_minutes": 120,
    }


def _acefone_truth(emulator: Any) -> Keys:
    return {"call_records": {str(r["id"]) for r in emulator.ground_truth()}}


def _casper_config(emulator: Any) -> dict[str, Any]:
    return {
        "credentials": {
            "auth_type": "ringcentral_jwt",
            "client_id": "emulator-client-id",
            "client_secret": "saved-state-client-secret",
            "jwt": "saved-state-jwt",
            "platform_url": emulator.base_url,
        },
        "base_url": f"{emulator.base_url}/voice",
        "start_date": "2026-10-01T00:00:00Z",
        "end_date": "2026-10-11T00:00:00Z",
        "timezone": "US/Arizona",
        "window_days": 4,
        "lookback_window_minutes": 120,
    }


def _casper_truth(emulator: Any) -> Keys:
    rows = emulator.ground_truth("UTC")
    return {
        "call_detail_report": {
            f"{r['account_id'].strip()}|{r['uii'].strip().removeprefix(chr(39))}" for r in rows
        }
    }


HUAWEI_KEYS = {"access_key": "saved-state-ak", "secret_key": "saved-state-sk"}


def _huawei_config(emulator: Any) -> dict[str, Any]:
    # 0.2.0 shape: the keys at the top level, the private CA's PEM as the trust anchor.
    return {
        "base_url": emulator.base_url,
        "ca_certificate": emulator.ca_certificate_pem,
        **HUAWEI_KEYS,
        "cc_id": 1,
        "vdn": 1,
        "start_date": "2020-01-01",
        "window_minutes": 720,
        "lookback_window_minutes": 60,
    }


def _huawei_truth(emulator: Any) -> Keys:
    keys = {
        f"{e['call']['callId']}|{'inbound' if e['isCallIn'] else 'outbound'}" for e in emulator.ground_truth()
    }
    return {"calls": keys, "call_details": set(keys)}


OZONETEL_TODAY = "2024-05-10"


def _ozonetel_config(emulator: Any) -> dict[str, Any]:
    # 0.2.0 shape: the key at the top level.
    return {
        "user_name": "demo_user",
        "api_key": "KK7savedstate0000000000000000000aa",
        "base_url": emulator.base_url,
        "start_date": "2024-04-29",
        "lookback_window_minutes": 0,
        "window_days": 5,
        "include_call_details": True,
        "cdr_reports": {"auth_mode": "token"},
        "advanced": {"rate_limit_time_scale": 3600},
    }


def _ozonetel_truth(emulator: Any) -> Keys:
    # A sync at 04:00 IST reads the days before today (IST): Ozonetel's settled horizon.
    return {
        "call_logs": {r["UCID"] for r in emulator.ground_truth() if r["StartTime"][:10] < OZONETEL_TODAY},
        "call_details": {
            r["UCID"] for r in emulator.ground_truth_details() if r["StartTime"][:10] < OZONETEL_TODAY
        },
        "cdr_reports": {
            str(r["UCID"]) for r in emulator.ground_truth_reports() if r["CallDate"] < OZONETEL_TODAY
        },
    }


SCENARIOS: dict[str, Scenario] = {
    scenario.connector: scenario
    for scenario in (
        Scenario(
            "source-acefone",
            "acefone",
            {
                "calls": 400,
                "days": 10,
                "end_date": "2026-10-11",
                "seed": 11,
                "rate_limit_per_second": 0,
                "api_tokens": ["saved-state-acefone-token"],
            },
            _acefone_config,
            _acefone_truth,
            lookback_minutes=120,
            streams=("call_records",),  # the streams 0.2.0 had (`calls` came later)
        ),
        Scenario(
            "source-casper",
            "ringcx",
            {
                "calls": 400,
                "accounts": 3,
                "days": 10,
                "end_date": "2026-10-11",
                "seed": 21,
                "client_secret": "saved-state-client-secret",
                "jwt": "saved-state-jwt",
            },
            _casper_config,
            _casper_truth,
            lookback_minutes=120,
            streams=("call_detail_report",),
        ),
        Scenario(
            "source-huawei-cms",
            "huawei-cms",
            {
                "seed": 5,
                "calls": 240,
                "start": "2026-09-28T00:00:00+00:00",
                "end": "2026-09-29T23:00:00+00:00",
                "tls": True,
                **HUAWEI_KEYS,
            },
            _huawei_config,
            _huawei_truth,
            lookback_minutes=60,
            now="2026-09-30T00:00:00+00:00",
            # 1.0: the call list is `call_list`; `calls` is the unified stream (issue 14).
            renamed={"calls": "call_list"},
        ),
        Scenario(
            "source-ozonetel",
            "ozonetel",
            {
                "calls": 300,
                "days": 12,
                "end": "2024-05-10T18:30:00+00:00",
                "seed": 3,
                "api_key": "KK7savedstate0000000000000000000aa",
                "time_scale": 3600,
                "call_logs_per_hour": 0,
                "reports_per_minute": 0,
                "tokens_per_hour": 0,
            },
            _ozonetel_config,
            _ozonetel_truth,
            lookback_minutes=0,
            # The provider streams the saved states are of (`calls` is newer than these states).
            streams=("call_logs", "call_details", "cdr_reports"),
            now="2024-05-09T22:30:00+00:00",  # 10 May, 04:00 IST: yesterday is settled
        ),
    )
}


# ---------------------------------------------------------------------------------------- running


@dataclass
class Session:
    """A scenario's emulator, started, and how to run the connector against it."""

    scenario: Scenario
    emulator: Any
    fake_clock: Path
    code_paths: tuple[str, ...] = ()
    """Folders put first on the connector's PYTHONPATH (a released revision's packages)."""

    def run(self, command: str, **kwargs: Any) -> ConsoleRun:
        env = {"PYTHONPATH": os.pathsep.join([str(self.fake_clock), *self.code_paths])}
        if self.scenario.now:
            self.emulator.clock.set(self.scenario.now)
            env["FAKE_NOW"] = self.scenario.now
        return run_console_script(
            self.scenario.connector, command, self.scenario.config_for(self.emulator), env=env, **kwargs
        )

    def catalog(self) -> dict[str, Any]:
        discovered = self.run("discover")
        assert discovered.returncode == 0, discovered.stderr[-2000:]
        catalog = configured_catalog(discovered, streams=list(self.scenario.streams) or None)
        incremental = [s for s in catalog["streams"] if s["sync_mode"] == "incremental"]
        return {"streams": incremental}


@contextmanager
def session(scenario: Scenario, folder: Path, code_paths: tuple[str, ...] = ()) -> Iterator[Session]:
    """The scenario's emulator running (its clock at `scenario.now`), for the time of the block."""
    pool = EmulatorPool()
    try:
        emulator = pool.start(scenario.emulator, **scenario.options)
        if scenario.now:
            emulator.clock.set(scenario.now)
        yield Session(scenario, emulator, fake_clock_folder(folder / "fake_clock"), code_paths)
    finally:
        pool.stop_all()


def capture(run: Session, revision: str) -> dict[str, Any]:
    """An incremental sync's records (keys, in order, per stream) and states, as the fixture holds them."""
    catalog = run.catalog()
    primary_keys = {
        s["stream"]["name"]: s["stream"]["source_defined_primary_key"] for s in catalog["streams"]
    }
    sync = run.run("read", catalog=catalog)
    assert sync.returncode == 0, sync.stderr[-2000:]
    records: dict[str, list[str]] = {name: [] for name in primary_keys}
    states: list[dict[str, Any]] = []
    for message in sync.messages:
        if message["type"] == "RECORD":
            stream = message["record"]["stream"]
            records[stream].append(key_text(message["record"]["data"], primary_keys[stream]))
        elif message["type"] == "STATE":
            states.append(
                {
                    "records_before": {name: len(keys) for name, keys in records.items()},
                    "state": {"type": "STREAM", "stream": message["state"]["stream"]},
                }
            )
    truth = run.scenario.truth_for(run.emulator)
    for name, keys in records.items():
        missing, extra = sorted(truth[name] - set(keys)), sorted(set(keys) - truth[name])
        assert not missing and not extra, f"{name}: the sync missed {missing[:5]}, read {extra[:5]} too"
    return {
        "connector": run.scenario.connector,
        "revision": revision,
        "produced_by": f"PYTHONPATH=. .venv/bin/python -m integration_tests.saved_states --revision {revision}",
        "ground_truth": {name: {"count": len(keys), "sha256": digest(keys)} for name, keys in truth.items()},
        "primary_keys": primary_keys,
        "records": records,
        "states": states,
    }


def export_revision(revision: str, folder: Path) -> tuple[str, ...]:
    """`shared/` and every `source-*/` of `revision` under `folder`; the folders to put on PYTHONPATH."""
    listing = subprocess.run(
        ["git", "ls-tree", "--name-only", revision], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    packages = ["shared", *[name for name in listing if name.startswith("source-")]]
    archive = folder / "revision.tar"
    subprocess.run(["git", "archive", "-o", str(archive), revision, *packages], cwd=ROOT, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(folder / "code", filter="data")
    return tuple(str(folder / "code" / name) for name in packages)


def main() -> None:
    parser = argparse.ArgumentParser(description="Capture the saved-state fixtures from a git revision.")
    parser.add_argument("--revision", required=True, help="the released commit, e.g. bfc0b1e")
    parser.add_argument("connectors", nargs="*", help="connector folders (default: all)")
    args = parser.parse_args()
    revision = subprocess.run(
        ["git", "rev-parse", "--short", args.revision], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    FIXTURES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        code = export_revision(revision, folder)
        for name in args.connectors or sorted(SCENARIOS):
            with session(SCENARIOS[name], folder, code) as running:
                fixture = capture(running, revision)
            path = FIXTURES / f"{name}.json"
            path.write_text(json.dumps(fixture, indent=1) + "\n")
            print(f"{path.relative_to(ROOT)}: {len(fixture['states'])} state message(s)")  # noqa: T201


if __name__ == "__main__":
    main()
