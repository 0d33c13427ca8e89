"""`make demo`: sync every connector from its bundled emulator into a local DuckDB file via PyAirbyte.

No vendor account is needed: each connector's emulator starts on 127.0.0.1 with a small synthetic data
set, PyAirbyte runs the installed console script (offline mode, local executable) and writes every stream
into `.demo/cdr.duckdb`, one schema per connector. Each stream is printed with its row count and a few rows.
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

from integration_tests.connectors import CONNECTORS  # noqa: E402
from integration_tests.emulators.testing import emulator_process  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DATABASE = ROOT / ".demo" / "cdr.duckdb"
SHOWN_COLUMNS = 6
SHOWN_ROWS = 3


def sync(name: str) -> list[tuple[str, int]]:
    """Sync one connector from its emulator into the DuckDB file; return (stream, rows) pairs."""
    connector = CONNECTORS[name]
    with emulator_process(connector.emulator, *connector.emulator_flags) as (_, url):
        print(f"\n== {name} (emulator at {url})", flush=True)
        source = ab.get_source(
            name, local_executable=str(BIN / name), config=connector.config_for(url), streams="*"
        )
        source.check()
        cache = DuckDBCache(db_path=DATABASE, schema_name=name.replace("-", "_"))
        result = source.read(cache=cache, force_full_refresh=True)
        counts = []
        for stream_name, dataset in sorted(result.streams.items()):
            frame = dataset.to_pandas()
            counts.append((stream_name, len(frame)))
            print(f"\n-- {name}.{stream_name}: {len(frame)} rows")
            if len(frame):
                print(frame.iloc[:SHOWN_ROWS, :SHOWN_COLUMNS].to_string(index=False, max_colwidth=40))
        return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("connectors", nargs="*", help="connector folders (default: all)")
    names = parser.parse_args().connectors or sorted(CONNECTORS)
    DATABASE.parent.mkdir(exist_ok=True)
    summary = {name: sync(name) for name in names}
    print(f"\n== Demo complete: {DATABASE.relative_to(ROOT)}")
    for name, counts in summary.items():
        for stream_name, rows in counts:
            print(f"   {name.replace('-', '_')}.{stream_name}: {rows} rows")
    empty = [f"{n}.{s}" for n, counts in summary.items() for s, rows in counts if rows == 0]
    if not summary or all(rows == 0 for counts in summary.values() for _, rows in counts):
        print("no rows were synced", file=sys.stderr)
        return 1
    if empty:
        print(f"   (empty streams: {', '.join(empty)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
