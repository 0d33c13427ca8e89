"""Benchmark (not a test): how much of a provider's request rate the detail streams use, without a rejection.

Each detail stream looks every listed call up with one request; the emulator runs in its own process,
answers every request after `--latency` seconds (50 ms) and plays the provider's rate limit, and the
connector is configured with the same limit. Per benchmark, the variants alternate:

- Huawei CC-CMS `call_details` (one `querycalldetailbyid` per call), at each of `--rates` requests per
  second over both interfaces (integration_tests/emulators/rate_limit.py), the connector with the same
  `advanced.requests_per_second`: `connector` (the default concurrency, derived from the rate) and
  `sequential` (`advanced.call_details_concurrency: 1`, one lookup at a time: what 0.3 did, plus the
  budget). At 20/s and 50 ms a single lookup at a time nearly keeps up; at 50/s it cannot (about 17/s).
- Ozonetel `call_details` (one `fetchCdrByUCID` per call) at the documented 50 a minute, played 10x faster
  by the emulator (`--time-scale`) and the connector (`advanced.rate_limit_time_scale`) alike, so 50 in
  6 s: `connector` only (the concurrency follows `advanced.call_details_requests_per_minute`; there
  is no setting for one at a time). Only the UCID lookups count for the rate.

Each run reports the rate the emulator saw (lookups after the first / seconds from the first to the last),
its share of the allowed rate (the least time the limit allows for that many lookups, whole windows after a
first full one, / the time they took: fair to a quota taken in bursts as to an even pace), the rejections
(HTTP 429) and whether the records came out in the same order in every run. Checks per benchmark:
share >= 0.9, rejections == 0, one record order.

    .venv/bin/python integration_tests/benchmarks/detail_concurrency.py          # 600 calls; 20/s and 50/s; 50 ms
    .venv/bin/python integration_tests/benchmarks/detail_concurrency.py --calls 600 --repeats 5 --json .bench/details.json

The JSON file has the shape `make bench` reads (integration_tests/benchmarks/README.md): `{"benchmark",
"runs": [{"benchmark", "size", "variant", "repeat", "wall_s", "cpu_s", "peak_rss_mib", "records", ...}],
"checks": [{"benchmark", "name", "value", "limit", "ok"}]}`; each run also carries `requests`,
`rejected`, `rate_per_s` and `rate_share`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.request import urlopen

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from integration_tests.emulators.huawei_cms import DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY  # noqa: E402
from integration_tests.emulators.ozonetel import ACCOUNT_USER, DEFAULT_API_KEY, UCID_PATH  # noqa: E402
from integration_tests.emulators.testing import start_emulator_process, stop_emulator_process  # noqa: E402

BIN = Path(sys.executable).parent
RECORD_PREFIX = b'{"type":"RECORD"'
OZONETEL_PER_MINUTE = 50  # fetchCdrByUCID's documented limit (docs/providers.md)
OZONETEL_TIME_SCALE = 10  # a quota minute is six seconds: 50 lookups in 6 s


@dataclass
class Run:
    benchmark: str
    size: int
    variant: str
    repeat: int
    wall_s: float
    cpu_s: float
    peak_rss_mib: float
    records: int
    exit_code: int
    requests: int
    rejected: int
    rate_per_s: float
    rate_share: float


@dataclass(frozen=True)
class DetailBenchmark:
    """One detail stream against one emulated rate limit."""

    name: str
    calls: int
    connector: str
    emulator: str
    emulator_flags: tuple[str, ...]
    limit: int
    window_s: float
    """The provider's limit: `limit` requests in any `window_s` seconds (as the emulator plays it)."""
    settings: Callable[[str, int | None], dict[str, Any]]
    """The connector config for the emulator's URL and a concurrency (None: the connector's default)."""
    variants: dict[str, int | None]
    primary_key: tuple[str, ...]
    lookup_path: str | None = None
    """Only requests to this path count for the rate (None: every request)."""
    expected_records: int | None = None


def control(url: str, name: str, body: bytes | None = None) -> Any:
    with urlopen(f"{url}/__control/{name}", data=body, timeout=60) as answer:  # noqa: S310 (127.0.0.1 only)
        return json.loads(answer.read())


def huawei(calls: int, rate: int, start: datetime, end: datetime) -> DetailBenchmark:
    def settings(url: str, concurrency: int | None) -> dict[str, Any]:
        advanced: dict[str, Any] = {"requests_per_second": rate}
        if concurrency is not None:
            advanced["call_details_concurrency"] = concurrency
        return {
            "base_url": url,
            "credentials": {
                "auth_type": "ak_sk",
                "access_key": DEFAULT_ACCESS_KEY,
                "secret_key": DEFAULT_SECRET_KEY,
            },
            "cc_id": 1,
            "vdn": 1,
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "window_minutes": 60,
            "advanced": advanced,
        }

    return DetailBenchmark(
        name=f"huawei_call_details_{rate}_per_s",
        calls=calls,
        connector="source-huawei-cms",
        emulator="huawei-cms",
        emulator_flags=(
            *("--calls", str(calls), "--start", start.isoformat(), "--end", end.isoformat()),
            *("--rate-limit-per-second", str(rate)),
        ),
        limit=rate,
        window_s=1.0,
        settings=settings,
        variants={"connector": None, "sequential": 1},
        primary_key=("callId", "direction"),
        expected_records=calls,
    )


def ozonetel(calls: int) -> DetailBenchmark:
    # The UCID API serves 15 days: calls over the last 10 days, read from 10 days ago (the data ends now).
    start = (datetime.now(timezone(timedelta(hours=5, minutes=30))) - timedelta(days=10)).date()

    def settings(url: str, concurrency: int | None) -> dict[str, Any]:
        return {
            "credentials": {"auth_type": "api_key", "user_name": ACCOUNT_USER, "api_key": DEFAULT_API_KEY},
            "base_url": url,
            "start_date": start.isoformat(),
            "window_days": 30,
            "lookback_window_minutes": 0,
            "include_call_details": True,
            "advanced": {
                "rate_limit_time_scale": OZONETEL_TIME_SCALE,
                "call_details_requests_per_minute": OZONETEL_PER_MINUTE,
            },
        }

    return DetailBenchmark(
        name=f"ozonetel_call_details_{OZONETEL_PER_MINUTE}_per_min_x{OZONETEL_TIME_SCALE}",
        calls=calls,
        connector="source-ozonetel",
        emulator="ozonetel",
        emulator_flags=(
            *("--calls", str(calls), "--days", "10", "--time-scale", str(OZONETEL_TIME_SCALE)),
            *("--ucid-per-minute", str(OZONETEL_PER_MINUTE)),
        ),
        limit=OZONETEL_PER_MINUTE,
        window_s=60 / OZONETEL_TIME_SCALE,
        settings=settings,
        variants={"connector": None},
        primary_key=("UCID",),
        lookup_path=UCID_PATH,
    )


def catalog(primary_key: tuple[str, ...]) -> dict[str, Any]:
    stream = {
        "name": "call_details",
        "json_schema": {},
        "supported_sync_modes": ["full_refresh", "incremental"],
        "source_defined_primary_key": [[name] for name in primary_key],
    }
    return {"streams": [{"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "append"}]}


def run_once(
    bench: DetailBenchmark, url: str, folder: Path, variant: str, repeat: int, size: int, latency: float
) -> tuple[Run, tuple]:
    """One `read` of call_details; the emulator's log gives the rate it saw and the rejections."""
    control(url, "reset", b"{}")  # clears the random faults too: the latency is set again
    control(url, "faults", json.dumps({"rate": 1.0, "kinds": ["slow"], "slow_seconds": latency}).encode())
    config_path, catalog_path = folder / f"{variant}-config.json", folder / "catalog.json"
    config_path.write_text(json.dumps(bench.settings(url, bench.variants[variant])))
    catalog_path.write_text(json.dumps(catalog(bench.primary_key)))
    command = [
        str(BIN / bench.connector),
        "read",
        "--config",
        str(config_path),
        "--catalog",
        str(catalog_path),
    ]
    order: list[tuple[str, ...]] = []
    with tempfile.TemporaryFile() as stderr:
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL)
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith(RECORD_PREFIX):
                data = json.loads(line)["record"]["data"]
                order.append(tuple(str(data.get(name)) for name in bench.primary_key))
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            stderr.seek(0)
            sys.stderr.write(stderr.read()[-3000:].decode("utf-8", "replace") + "\n")
    log = control(url, "requests" + (f"?path={bench.lookup_path}" if bench.lookup_path else ""))
    entries = log["requests"] if isinstance(log, dict) else log
    instants = sorted(datetime.fromisoformat(entry["at"]).timestamp() for entry in entries)
    span = instants[-1] - instants[0] if len(instants) > 1 else 0.0
    rate_seen = (len(instants) - 1) / span if span > 0 else 0.0
    # The least time the limit allows for these lookups, the first `limit` of them at once: whole windows
    # between the first and the last (a fair measure for a quota taken in bursts as for an even pace).
    least = bench.window_s * (math.ceil(len(instants) / bench.limit) - 1)
    run = Run(
        benchmark=bench.name,
        size=size,
        variant=variant,
        repeat=repeat,
        wall_s=round(wall, 3),
        cpu_s=round(usage.ru_utime + usage.ru_stime, 3),
        peak_rss_mib=round(usage.ru_maxrss / 1024, 1),
        records=len(order),
        exit_code=code,
        requests=len(entries),
        rejected=sum(1 for entry in entries if entry.get("rate_limited")),
        rate_per_s=round(rate_seen, 2),
        rate_share=round(least / span, 3) if span > 0 else 1.0,
    )
    return run, tuple(order)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=600, help="Huawei calls in the emulated two hours")
    parser.add_argument(
        "--ozonetel-calls",
        type=int,
        default=300,
        help="Ozonetel calls in the emulated ten days (about 6 windows)",
    )
    parser.add_argument(
        "--rates",
        type=lambda text: [int(rate) for rate in text.split(",") if rate.strip()],
        default=[20, 50],
        help="comma-separated Huawei requests per second, server and connector (one benchmark each; "
        "'' for none)",
    )
    parser.add_argument("--latency", type=float, default=0.05, help="seconds before the emulator answers")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each variant")
    parser.add_argument("--json", type=Path, help="write the runs and checks here")
    args = parser.parse_args()

    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    start, end = now - timedelta(hours=2, minutes=20), now - timedelta(minutes=20)
    benchmarks = [huawei(args.calls, rate, start, end) for rate in args.rates] + [
        ozonetel(args.ozonetel_calls)
    ]
    runs: list[Run] = []
    checks: list[dict[str, Any]] = []
    failed: list[Run] = []
    with tempfile.TemporaryDirectory() as folder:
        for bench in benchmarks:
            bench_runs = measure(bench, args, Path(folder))
            runs += bench_runs
            checks += checks_of(bench.name, bench_runs)
            failed += [
                run
                for run in bench_runs
                if run.exit_code != 0
                or (run.records != bench.expected_records if bench.expected_records else not run.records)
            ]
    for run in failed:
        print(
            f"  {run.benchmark}: {run.variant} #{run.repeat} failed: exit {run.exit_code}, {run.records} records"
        )
    result = {"benchmark": "detail_concurrency", "runs": [asdict(run) for run in runs], "checks": checks}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1))
    return 0 if not failed and all(item["ok"] for item in checks) else 1


def measure(bench: DetailBenchmark, args: argparse.Namespace, folder: Path) -> list[Run]:
    """The benchmark's variants, alternating, against one emulator process."""
    runs: list[Run] = []
    process, url = start_emulator_process(bench.emulator, *bench.emulator_flags, timeout=120)
    try:
        for repeat in range(1, args.repeats + 1):
            for variant in bench.variants:
                run, order = run_once(bench, url, folder, variant, repeat, bench.calls, args.latency)
                run.order = order  # type: ignore[attr-defined]
                runs.append(run)
                print(
                    f"  {bench.name} {bench.calls} {variant:<10} #{repeat}: {run.wall_s:6.2f} s wall "
                    f"{run.cpu_s:5.2f} s CPU {run.peak_rss_mib:5.1f} MiB {run.records} records, "
                    f"{run.requests} lookups at {run.rate_per_s:5.2f}/s, {run.rate_share:.0%} of the "
                    f"rate {bench.limit} per {bench.window_s:g} s allows, {run.rejected} rejected"
                    + ("" if run.exit_code == 0 else f" (exit {run.exit_code})"),
                    flush=True,
                )
    finally:
        stop_emulator_process(process)
    return runs


def checks_of(benchmark: str, runs: list[Run]) -> list[dict[str, Any]]:
    connector = [run for run in runs if run.variant == "connector"]
    sequential = [run for run in runs if run.variant == "sequential"]
    share = round(statistics.median(run.rate_share for run in connector), 3)
    orders = {run.order for run in runs}  # type: ignore[attr-defined]
    if sequential:
        speedup = statistics.median(r.wall_s for r in sequential) / statistics.median(
            r.wall_s for r in connector
        )
        print(f"  {benchmark}: connector {speedup:.1f}x the speed of sequential lookups (median wall)")
    return [
        check(benchmark, "share of the allowed rate, connector median (at least)", share, 0.9, at_least=True),
        check(benchmark, "rejections, all runs", sum(run.rejected for run in runs), 0),
        check(benchmark, "record orders seen (1: always the same)", len(orders), 1),
    ]


def check(benchmark: str, name: str, value: float, limit: float, at_least: bool = False) -> dict[str, Any]:
    ok = value >= limit if at_least else value <= limit
    print(f"  {benchmark} check {name}: {value} (limit {limit}) {'ok' if ok else 'OVER BUDGET'}")
    return {"benchmark": benchmark, "name": name, "value": value, "limit": limit, "ok": ok}


if __name__ == "__main__":
    sys.exit(main())
