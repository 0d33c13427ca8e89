"""`make demo`: sync every connector from its bundled emulator into a local DuckDB file via PyAirbyte.

No vendor account is needed: each connector's emulator starts on 127.0.0.1 with a small synthetic data
set, PyAirbyte runs the installed console script (offline mode, local executable) and writes every stream
into `.demo/cdr.duckdb`, one schema per connector. Each stream is printed with its row count and a few rows.

Every connector that offers the shared `calls` stream syncs it too (all streams are selected); the demo then
unions those tables as they are into `main.calls` (the schema is the same in all four) and ends with a
per-provider summary from DuckDB: calls, the share answered and the median talk time of answered calls.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("AIRBYTE_OFFLINE_MODE", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")

import airbyte as ab  # noqa: E402  (PyAirbyte reads the environment above at import)
from airbyte.caches import DuckDBCache  # noqa: E402

from cdr_shared.calls import CALLS_SCHEMA  # noqa: E402
from integration_tests.connectors import CONNECTORS  # noqa: E402
from integration_tests.emulators.testing import emulator_process  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DATABASE = ROOT / ".demo" / "cdr.duckdb"
SHOWN_COLUMNS = 6
SHOWN_ROWS = 3
CALLS = "calls"
CALLS_COLUMNS = tuple(CALLS_SCHEMA["properties"])
SUMMARY = f"""
    SELECT provider,
           count(*) AS calls,
           avg(CASE WHEN outcome = 'answered' THEN 1.0 ELSE 0.0 END) AS answered_share,
           median(talk_seconds) FILTER (WHERE outcome = 'answered') AS median_talk_seconds
    FROM main.{CALLS}
    GROUP BY provider
    ORDER BY provider
"""


def schema_of(name: str) -> str:
    return name.replace("-", "_")


def sync(name: str, database: Path) -> list[tuple[str, int]]:
    """Sync one connector from its emulator into the DuckDB file; return (stream, rows) pairs."""
    connector = CONNECTORS[name]
    with emulator_process(connector.emulator, *connector.emulator_flags) as (_, url):
        print(f"\n== {name} (emulator at {url})", flush=True)
        source = ab.get_source(
            name, local_executable=str(BIN / name), config=connector.config_for(url), streams="*"
        )
        source.check()
        cache = DuckDBCache(
            db_path=database, schema_name=schema_of(name), cache_dir=database.parent / "cache"
        )
        result = source.read(cache=cache, force_full_refresh=True)
        counts = []
        for stream_name, dataset in sorted(result.streams.items()):
            frame = dataset.to_pandas()
            counts.append((stream_name, len(frame)))
            print(f"\n-- {name}.{stream_name}: {len(frame)} rows")
            if len(frame):
                print(frame.iloc[:SHOWN_ROWS, :SHOWN_COLUMNS].to_string(index=False, max_colwidth=40))
        return counts


def union_calls(database: Path, names: list[str]) -> list[dict]:
    """`main.calls`: the `calls` tables of the connectors that synced one, unioned as they are; returns the
    per-provider summary (empty when no connector offers `calls`)."""
    cache = DuckDBCache(db_path=database, schema_name="main", cache_dir=database.parent / "cache")
    # A table named `calls` in the shared shape: it has every column of the shared schema.
    present = {
        row["table_schema"]
        for row in cache.run_sql_query(
            "SELECT table_schema, count(*) AS shared FROM information_schema.columns"
            f" WHERE table_name = '{CALLS}' AND column_name IN ({', '.join(repr(c) for c in CALLS_COLUMNS)})"
            " GROUP BY table_schema"
        )
        if row["shared"] == len(CALLS_COLUMNS)
    }
    sources = [schema_of(name) for name in names if schema_of(name) in present]
    if not sources:
        return []
    columns = ", ".join(CALLS_COLUMNS)
    union = " UNION ALL ".join(f"SELECT {columns} FROM {schema}.{CALLS}" for schema in sources)
    cache.execute_sql(f"CREATE OR REPLACE TABLE main.{CALLS} AS {union}")
    return cache.run_sql_query(SUMMARY)


def print_summary(rows: list[dict]) -> None:
    print(f"\n== main.{CALLS}: every provider's calls in one table")
    print(f"   {'provider':<12} {'calls':>6} {'answered':>9} {'median talk':>12}")
    for row in rows:
        talk = row["median_talk_seconds"]
        shown_talk = "-" if talk is None else f"{float(talk):.0f} s"
        print(
            f"   {row['provider']:<12} {row['calls']:>6} {float(row['answered_share']):>9.0%} {shown_talk:>12}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("connectors", nargs="*", help="connector folders (default: all)")
    parser.add_argument("--database", type=Path, default=DATABASE, help=f"DuckDB file (default: {DATABASE})")
    arguments = parser.parse_args()
    names = arguments.connectors or sorted(CONNECTORS)
    database = arguments.database.resolve()
    database.parent.mkdir(parents=True, exist_ok=True)
    summary = {name: sync(name, database) for name in names}
    shown = database.relative_to(ROOT) if database.is_relative_to(ROOT) else database
    print(f"\n== Demo complete: {shown}")
    for name, counts in summary.items():
        for stream_name, rows in counts:
            print(f"   {schema_of(name)}.{stream_name}: {rows} rows")
    empty = [f"{n}.{s}" for n, counts in summary.items() for s, rows in counts if rows == 0]
    if not summary or all(rows == 0 for counts in summary.values() for _, rows in counts):
        print("no rows were synced", file=sys.stderr)
        return 1
    if empty:
        print(f"   (empty streams: {', '.join(empty)})")
    calls_summary = union_calls(database, names)
    if not calls_summary:
        print(f"no connector synced a `{CALLS}` stream", file=sys.stderr)
        return 1
    print_summary(calls_summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
