"""Benchmark (not a test): RingCX `call_detail_report` against its floor, one streamed report per size.

For each size the RingCX emulator runs in its own process with that many calls in one account on one day,
and every variant reads that day's report (one streamed CSV) from the same emulator:
- `connector`: `source-casper read`;
- `floor`: a bare requests + csv loop over the same report request (the body the connector builds for that
  account and window, `source_casper.report.report_body`), printing every row as a RECORD line (`_floors.py`).
The compared size runs both, alternating, `--repeats` times; the scaling sizes run the connector alone, to
show how time grows with the rows and that memory stays flat (the report is parsed as it streams).

    .venv/bin/python integration_tests/benchmarks/casper_report_throughput.py --json .bench/casper.json

The emulator renders rows while it streams them, so every figure includes its cost too.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (  # noqa: E402
    FLOORS,
    PYTHON,
    REPO_ROOT,
    Run,
    alternate,
    arguments,
    catalog_of,
    emulator,
    finish,
    read_command,
    show,
)

sys.path.insert(0, str(REPO_ROOT))
from integration_tests.emulators.ringcx import DEFAULT_API_TOKEN  # noqa: E402

BENCHMARK = "casper_call_detail_report"
COMPARED_SIZE = 50_000
SCALING_SIZES = (10_000, 100_000)
STREAM = "call_detail_report"


def connector_config(url: str, day: datetime) -> dict:
    return {
        "credentials": {"auth_type": "api_token", "api_token": DEFAULT_API_TOKEN},
        "base_url": f"{url}/voice",
        "start_date": day.date().isoformat(),
        "end_date": day.date().isoformat(),
        "timezone": "UTC",
        "window_days": 1,
    }


def write_floor_requests(config: dict, folder: Path) -> Path:
    """The floor's requests, built in a process of their own: building them imports the connector, and a
    process started from this one would inherit that peak memory in its own `ru_maxrss` (Linux keeps the
    high-water mark across fork and exec), so this script stays small."""
    config_path, requests_path = folder / "floor-config.json", folder / "floor-requests.json"
    config_path.write_text(json.dumps(config))
    subprocess.run(
        [sys.executable, __file__, "floor-requests", str(config_path), str(requests_path)], check=True
    )
    return requests_path


def floor_requests(config: dict) -> list[dict]:
    """The report requests the connector sends for `config`: one per account and window, built by its code."""
    from source_casper.report import report_body
    from source_casper.source import SourceCasper

    stream = next(s for s in SourceCasper().streams(config) if s.name == STREAM)
    planned = []
    for window in stream.windowed_cursor.plan(incremental=False):
        for partition in stream.partitions():
            account_id = partition["account_id"]
            criteria = stream.criteria_for(account_id)
            planned.append(
                {
                    "url": f"{stream.url_base}{stream.path(stream_slice=partition)}",
                    "headers": {"X-Auth-Token": DEFAULT_API_TOKEN, "Accept": "text/csv"},
                    "body": report_body(account_id, stream.config.group_by, criteria, window, stream.config),
                    "stream": STREAM,
                }
            )
    return planned


def main() -> int:
    args = arguments(__doc__.splitlines()[0])
    runs: list[Run] = []
    day = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=3)
    plan = [(COMPARED_SIZE, True, args.repeats)] + [
        (size, False, max(1, min(3, args.repeats))) for size in SCALING_SIZES
    ]
    for size, compared, repeats in plan:
        flags = ("--calls", str(size), "--accounts", "1", "--days", "1")
        flags += ("--end-date", (day + timedelta(days=1)).date().isoformat(), "--chunk-rows", "2000")
        with emulator("ringcx", *flags) as url, tempfile.TemporaryDirectory() as folder:
            show(f"== {BENCHMARK}: {size} rows")
            config = connector_config(url, day)
            commands = {"connector": read_command("source-casper", config, catalog_of(STREAM), Path(folder))}
            if compared:
                requests_file = write_floor_requests(config, Path(folder))
                commands["floor"] = [str(PYTHON), str(FLOORS), "csv", str(requests_file)]
            alternate(BENCHMARK, size, commands, repeats, runs)
    return finish(BENCHMARK, args, runs, [], expected=lambda run: run.records == run.size)


if __name__ == "__main__":
    if sys.argv[1:2] == ["floor-requests"]:
        Path(sys.argv[3]).write_text(json.dumps(floor_requests(json.loads(Path(sys.argv[2]).read_text()))))
        sys.exit(0)
    sys.exit(main())
