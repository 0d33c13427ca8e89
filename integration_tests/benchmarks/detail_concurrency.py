"""Benchmark (not a test): how much of a provider's request rate the detail streams use, without a rejection.

Huawei CC-CMS `call_details` (one `querycalldetailbyid` per call) against the CC-CMS emulator in its own
process, which answers every request after `--latency` seconds and plays a server rate limit of
each of `--rates` requests per second over both interfaces (integration_tests/emulators/rate_limit.py), the
connector configured with the same `advanced.requests_per_second`. Two variants, alternating:

- `connector`: the default concurrency (derived from the rate);
- `sequential`: `advanced.call_details_concurrency: 1`, one lookup at a time (what 0.3 did, plus the budget).

Each run reports the rate the emulator saw (requests after the first / seconds from the first to the last
answer), its share of the allowed rate, the rejections (HTTP 429) and whether the records came out in the
same order in every run. Checks per rate: share >= 0.9, rejections == 0, one record order. At 20/s and
50 ms a single lookup at a time nearly keeps up; at 50/s it cannot (about 17/s), and the default
concurrency still uses the whole rate.

    .venv/bin/python integration_tests/benchmarks/detail_concurrency.py          # 600 calls in 2 h; 20/s and 50/s; 50 ms
    .venv/bin/python integration_tests/benchmarks/detail_concurrency.py --calls 600 --repeats 5 --json .bench/details.json

The JSON file has the shape `make bench` reads (integration_tests/benchmarks/README.md): `{"benchmark",
"runs": [{"benchmark", "size", "variant", "repeat", "wall_s", "cpu_s", "peak_rss_mib", "records", ...}],
"checks": [{"benchmark", "name", "value", "limit", "ok"}]}`; each run also carries `requests`,
`rejected`, `rate_per_s` and `rate_share`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.request import urlopen

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from integration_tests.emulators.huawei_cms import DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY  # noqa: E402
from integration_tests.emulators.testing import start_emulator_process, stop_emulator_process  # noqa: E402

BENCHMARK = "huawei_call_details_{rate}_per_s"
CONNECTOR = Path(sys.executable).parent / "source-huawei-cms"
RECORD_PREFIX = b'{"type":"RECORD"'


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


def control(url: str, name: str, body: bytes | None = None) -> Any:
    with urlopen(f"{url}/__control/{name}", data=body, timeout=60) as answer:  # noqa: S310 (127.0.0.1 only)
        return json.loads(answer.read())


def config(url: str, start: datetime, end: datetime, rate: int, concurrency: int | None) -> dict[str, Any]:
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


def catalog() -> dict[str, Any]:
    stream = {
        "name": "call_details",
        "json_schema": {},
        "supported_sync_modes": ["full_refresh", "incremental"],
        "source_defined_primary_key": [["callId"], ["direction"]],
    }
    return {"streams": [{"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "append"}]}


def run_once(
    benchmark: str,
    url: str,
    folder: Path,
    variant: str,
    repeat: int,
    size: int,
    settings: dict,
    latency: float,
) -> tuple[Run, tuple]:
    """One `read` of call_details; the emulator's log gives the rate it saw and the rejections."""
    control(url, "reset", b"{}")  # clears the random faults too: the latency is set again
    control(url, "faults", json.dumps({"rate": 1.0, "kinds": ["slow"], "slow_seconds": latency}).encode())
    config_path, catalog_path = folder / f"{variant}-config.json", folder / "catalog.json"
    config_path.write_text(json.dumps(settings))
    catalog_path.write_text(json.dumps(catalog()))
    command = [str(CONNECTOR), "read", "--config", str(config_path), "--catalog", str(catalog_path)]
    order: list[tuple[str, str]] = []
    with tempfile.TemporaryFile() as stderr:
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL)
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith(RECORD_PREFIX):
                data = json.loads(line)["record"]["data"]
                order.append((str(data.get("callId")), str(data.get("direction"))))
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            stderr.seek(0)
            sys.stderr.write(stderr.read()[-3000:].decode("utf-8", "replace") + "\n")
    log = control(url, "requests")
    entries = log["requests"] if isinstance(log, dict) else log
    instants = sorted(datetime.fromisoformat(entry["at"]).timestamp() for entry in entries)
    span = instants[-1] - instants[0] if len(instants) > 1 else 0.0
    rate_seen = (len(instants) - 1) / span if span > 0 else 0.0
    run = Run(
        benchmark=benchmark,
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
        rate_share=round(rate_seen / settings["advanced"]["requests_per_second"], 3),
    )
    return run, tuple(order)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=600, help="calls in the emulated two hours")
    parser.add_argument(
        "--rates",
        type=lambda text: [int(rate) for rate in text.split(",")],
        default=[20, 50],
        help="comma-separated requests per second, server and connector (one benchmark each)",
    )
    parser.add_argument("--latency", type=float, default=0.05, help="seconds before the emulator answers")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each variant")
    parser.add_argument("--json", type=Path, help="write the runs and checks here")
    args = parser.parse_args()

    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    start, end = now - timedelta(hours=2, minutes=20), now - timedelta(minutes=20)
    runs: list[Run] = []
    checks: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        for rate in args.rates:
            benchmark = BENCHMARK.format(rate=rate)
            bench_runs = measure_rate(benchmark, args, rate, start, end, Path(folder))
            runs += bench_runs
            checks += checks_of(benchmark, bench_runs)
    failed = [run for run in runs if run.exit_code != 0 or run.records != args.calls]
    for run in failed:
        print(
            f"  {run.benchmark}: {run.variant} #{run.repeat} failed: exit {run.exit_code}, {run.records} records"
        )
    result = {"benchmark": "detail_concurrency", "runs": [asdict(run) for run in runs], "checks": checks}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1))
    return 0 if not failed and all(item["ok"] for item in checks) else 1


def measure_rate(
    benchmark: str, args: argparse.Namespace, rate: int, start: datetime, end: datetime, folder: Path
) -> list[Run]:
    """Both variants, alternating, against one emulator limited to `rate` requests per second."""
    flags = (
        *("--calls", str(args.calls), "--start", start.isoformat(), "--end", end.isoformat()),
        *("--rate-limit-per-second", str(rate)),
    )
    variants = {"connector": None, "sequential": 1}
    runs: list[Run] = []
    process, url = start_emulator_process("huawei-cms", *flags, timeout=120)
    try:
        for repeat in range(1, args.repeats + 1):
            for variant, concurrency in variants.items():
                settings = config(url, start, end, rate, concurrency)
                run, order = run_once(
                    benchmark, url, folder, variant, repeat, args.calls, settings, args.latency
                )
                run.order = order  # type: ignore[attr-defined]
                runs.append(run)
                print(
                    f"  {benchmark} {args.calls} {variant:<10} #{repeat}: {run.wall_s:6.2f} s wall "
                    f"{run.cpu_s:5.2f} s CPU {run.peak_rss_mib:5.1f} MiB {run.records} records, "
                    f"{run.requests} requests at {run.rate_per_s:5.2f}/s = {run.rate_share:.0%} of "
                    f"{rate}/s, {run.rejected} rejected"
                    + ("" if run.exit_code == 0 else f" (exit {run.exit_code})"),
                    flush=True,
                )
    finally:
        stop_emulator_process(process)
    return runs


def checks_of(benchmark: str, runs: list[Run]) -> list[dict[str, Any]]:
    connector = [run for run in runs if run.variant == "connector"]
    sequential = [run for run in runs if run.variant == "sequential"]
    share = statistics.median(run.rate_share for run in connector)
    orders = {run.order for run in sequential} | {run.order for run in connector}  # type: ignore[attr-defined]
    speedup = statistics.median(r.wall_s for r in sequential) / statistics.median(r.wall_s for r in connector)
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
