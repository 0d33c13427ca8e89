"""Benchmark (not a test): the requests an Ozonetel backfill spends against the provider's hourly budget.

`getCallLogs` allows 10 requests an hour (providers.md) and covers at most 30 days a request, so a backfill of
`days` days must cost exactly ceil(days / 30) call-log requests. The Ozonetel emulator runs in its own process
with its real quotas played 3600x faster (`--time-scale`, and the connector's `advanced.rate_limit_time_scale`
alike, so the 11th request waits a second rather than an hour); `source-ozonetel read` of `call_logs` then
backfills `--days` days (365 by default) ending the day before yesterday, `--repeats` times, and the check
compares the call-log requests the emulator logged with ceil(days / 30). Rejections (429) are counted too.

    .venv/bin/python integration_tests/benchmarks/ozonetel_backfill_requests.py --json .bench/ozonetel.json
"""

from __future__ import annotations

import math
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (  # noqa: E402
    REPO_ROOT,
    Run,
    arguments,
    catalog_of,
    check,
    control,
    emulator,
    finish,
    measure,
    read_command,
    reset,
    show,
)

sys.path.insert(0, str(REPO_ROOT))
from integration_tests.emulators.ozonetel import (  # noqa: E402
    ACCOUNT_USER,
    CALL_LOGS_PATH,
    DEFAULT_API_KEY,
)

BENCHMARK = "ozonetel_call_logs_backfill"
DAYS = 365
WINDOW_DAYS = 30
TIME_SCALE = 3600
CALLS = 2000


def main() -> int:
    args = arguments(__doc__.splitlines()[0], default_repeats=1)
    runs: list[Run] = []
    checks = []
    end = (datetime.now(timezone.utc) - timedelta(days=2)).date()
    start = end - timedelta(days=DAYS)
    config = {
        "credentials": {"auth_type": "api_key", "user_name": ACCOUNT_USER, "api_key": DEFAULT_API_KEY},
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "window_days": WINDOW_DAYS,
        "lookback_window_minutes": 0,
        "include_call_details": False,
        "advanced": {"rate_limit_time_scale": TIME_SCALE},
    }
    flags = ("--calls", str(CALLS), "--days", str(DAYS + 10), "--time-scale", str(TIME_SCALE))
    with emulator("ozonetel", *flags) as url, tempfile.TemporaryDirectory() as folder:
        command = read_command(
            "source-ozonetel", {**config, "base_url": url}, catalog_of("call_logs"), Path(folder)
        )
        show(f"== {BENCHMARK}: {start} to {end} ({DAYS} days), windows of {WINDOW_DAYS} days")
        for repeat in range(1, max(1, min(3, args.repeats)) + 1):
            reset(url)
            run = measure(BENCHMARK, DAYS, "connector", repeat, command)
            runs.append(run)
            logged = control(url, f"requests?path={CALL_LOGS_PATH}")
            sent = len(logged)
            rejected = sum(1 for request in logged if request.get("status") == 429)
            show(
                f"  {BENCHMARK} #{repeat}: {run.wall_s:.2f} s wall, {run.records} records, {sent} call-log "
                f"requests, {rejected} rejected"
                + ("" if run.exit_code == 0 else f" (exit code {run.exit_code})")
            )
            checks.append(
                check(BENCHMARK, f"call-log requests, run {repeat}", sent, math.ceil(DAYS / WINDOW_DAYS))
            )
            checks.append(check(BENCHMARK, f"requests rejected (429), run {repeat}", rejected, 0))
    return finish(BENCHMARK, args, runs, checks, expected=lambda run: run.records > 0)


if __name__ == "__main__":
    sys.exit(main())
