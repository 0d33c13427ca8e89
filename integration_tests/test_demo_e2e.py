"""`make demo` end to end: the four connectors from their emulators into DuckDB, then `main.calls`, the
union of every provider's `calls` table, and its per-provider summary."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb

from integration_tests.connectors import CONNECTORS

ROOT = Path(__file__).resolve().parents[1]
PROVIDERS = {
    "source-acefone": "acefone",
    "source-casper": "ringcx",
    "source-huawei-cms": "huawei-cms",
    "source-ozonetel": "ozonetel",
}


def sections(stdout: str) -> dict[str, str]:
    """The demo's output per connector (each sync starts with `== source-x (emulator at ...)`)."""
    parts = re.split(r"^== (source-[a-z-]+) \(emulator at", stdout, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_the_demo_unions_every_providers_calls_and_summarises_them_from_duckdb(tmp_path):
    database = tmp_path / "cdr.duckdb"
    run = subprocess.run(
        [sys.executable, "integration_tests/demo.py", "--database", str(database)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    with duckdb.connect(str(database), read_only=True) as db:
        offering = {
            name
            for name in CONNECTORS
            if db.execute(
                "SELECT count(*) FROM information_schema.columns"
                " WHERE table_schema = ? AND table_name = 'calls' AND column_name = 'provider'",
                [name.replace("-", "_")],
            ).fetchone()[0]
        }
        union = dict(db.execute("SELECT provider, count(*) FROM main.calls GROUP BY provider").fetchall())
        own = {
            name: db.execute(f"SELECT count(*) FROM {name.replace('-', '_')}.calls").fetchone()[0]
            for name in offering
        }
    assert offering == set(CONNECTORS), offering  # all four offer calls
    # Each provider's rows, as they are, and nothing else.
    assert union == {PROVIDERS[name]: own[name] for name in offering}
    assert all(rows > 0 for rows in union.values())
    summary = run.stdout.split("== main.calls", 1)[1]
    for name in offering:
        assert re.search(
            rf"^\s+{re.escape(PROVIDERS[name])}\s+{own[name]}\s+\d+%\s+(\d+ s|-)$", summary, re.MULTILINE
        )
    # A connector with the typed schemas of issue 14 gives PyAirbyte a type for every column.
    by_connector = sections(run.stdout)
    assert {name: "Could not determine airbyte type" in by_connector[name] for name in offering} == {
        name: False for name in offering
    }
