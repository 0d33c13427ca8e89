"""Benchmark (not a test): rows per second and peak memory of `source-casper read` on one big report.

Starts the RingCX emulator in its own process with N calls in one account on one day, runs the installed
console script `source-casper read` on exactly that day (one report, streamed), counts the records it prints
and reads the connector process's peak resident memory from the kernel (`wait4`). Run with several sizes
to see that memory stays flat while the report grows:

    .venv/bin/python integration_tests/benchmarks/casper_report_throughput.py   # 100,000 and 1,000,000 rows
    .venv/bin/python integration_tests/benchmarks/casper_report_throughput.py --rows 1000000 --json .bench/casper.json

The emulator renders rows while it streams them, so the figure includes its cost too: it is a floor for
the connector's own throughput, not a ceiling.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from integration_tests.emulators.ringcx import DEFAULT_API_TOKEN  # noqa: E402
from integration_tests.emulators.testing import start_emulator_process, stop_emulator_process  # noqa: E402

CONNECTOR = Path(sys.executable).parent / "source-casper"


@dataclass
class Result:
    rows_requested: int
    records: int
    seconds: float
    rows_per_second: float
    peak_rss_mib: float
    exit_code: int
    cpu_seconds: float = 0.0


def catalog() -> dict:
    stream = {
        "name": "call_detail_report",
        "json_schema": {},
        "supported_sync_modes": ["full_refresh", "incremental"],
        "source_defined_primary_key": [["account_id"], ["uii"]],
    }
    return {"streams": [{"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "append"}]}


def run_once(rows: int, day: datetime, chunk_rows: int) -> Result:
    flags = (
        "--calls",
        str(rows),
        "--accounts",
        "1",
        "--days",
        "1",
        "--end-date",
        (day + timedelta(days=1)).date().isoformat(),
    )
    emulator, url = start_emulator_process("ringcx", *flags, "--chunk-rows", str(chunk_rows), timeout=300)
    try:
        config = {
            "credentials": {"auth_type": "api_token", "api_token": DEFAULT_API_TOKEN},
            "base_url": f"{url}/voice",
            "start_date": day.date().isoformat(),
            "end_date": day.date().isoformat(),
            "timezone": "UTC",
            "window_days": 1,
        }
        with tempfile.TemporaryDirectory() as folder:
            config_path, catalog_path = Path(folder) / "config.json", Path(folder) / "catalog.json"
            config_path.write_text(json.dumps(config))
            catalog_path.write_text(json.dumps(catalog()))
            started = time.monotonic()
            process = subprocess.Popen(
                [str(CONNECTOR), "read", "--config", str(config_path), "--catalog", str(catalog_path)],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
            )
            assert process.stdout is not None
            records = sum(1 for line in process.stdout if line.startswith(b'{"type":"RECORD"'))
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            seconds = time.monotonic() - started
    finally:
        stop_emulator_process(emulator)
    return Result(
        rows_requested=rows,
        records=records,
        seconds=round(seconds, 2),
        rows_per_second=round(records / seconds, 1) if seconds else 0.0,
        peak_rss_mib=round(usage.ru_maxrss / 1024, 1),  # Linux reports kilobytes
        exit_code=process.returncode,
        cpu_seconds=round(usage.ru_utime + usage.ru_stime, 3),
    )


def show(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, action="append", help="report size (repeatable; default 10000 and 100000)"
    )
    parser.add_argument("--repeats", type=int, default=1, help="runs of each size (`make bench`: 3 at most)")
    parser.add_argument("--chunk-rows", type=int, default=2000, help="rows per chunk the emulator sends")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    sizes = args.rows or [10_000, 100_000]
    day = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=3)
    results = []
    show(f"{'rows':>10} {'records':>10} {'seconds':>9} {'rows/s':>10} {'peak RSS MiB':>13}")
    for rows in sizes:
        for _ in range(max(1, min(3, args.repeats))):
            result = run_once(rows, day, args.chunk_rows)
            results.append(result)
            show(
                f"{result.rows_requested:>10} {result.records:>10} {result.seconds:>9} {result.rows_per_second:>10} "
                f"{result.peak_rss_mib:>13}"
                + ("" if result.exit_code == 0 else f"  (exit code {result.exit_code})")
            )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        # The protocol of `_harness.py` (what `run.py`, i.e. `make bench`, reads); the connector alone for now.
        runs = [
            {
                "benchmark": "casper_call_detail_report",
                "size": r.rows_requested,
                "variant": "connector",
                "repeat": index,
                "wall_s": r.seconds,
                "cpu_s": r.cpu_seconds,
                "peak_rss_mib": r.peak_rss_mib,
                "records": r.records,
                "exit_code": r.exit_code,
                "detail": asdict(r),
            }
            for index, r in enumerate(results, start=1)
        ]
        args.json.write_text(
            json.dumps({"benchmark": "casper_call_detail_report", "runs": runs, "checks": []})
        )
    return 0 if all(r.exit_code == 0 and r.records == r.rows_requested for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
