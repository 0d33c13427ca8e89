"""Benchmark (not a test): deriving a record's UTC fields from provider wall times, before and now.

In one process, for each provider format, the same 100,000 wall times (a month of calls in a zone with daylight
saving and in India's) are derived, alternating, `--repeats` times by:
- `before`: what the connectors did at first: `strptime`, then `pendulum.instance(..., tz).in_timezone("UTC")`
  and `isoformat()` (and, for RingCX, the display zone's `isoformat()` too);
- `connector`: what they do now: `cdr_shared.dates.local_iso_utc` for `YYYY-MM-DD HH:MM:SS` (Acefone, and any
  connector that adopts it), `ReportRowParser.derived_times` for RingCX's `M/D/YY h:mm AM`.
Both must give the same texts (checked first). `wall_s`/`cpu_s` are seconds for the 100,000 derivations; the
checks require the connector to take at most half the time of `before` (the issue-13 goal: 2x faster).

    .venv/bin/python integration_tests/benchmarks/time_derivation.py --json .bench/time_derivation.json
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pendulum  # noqa: E402
from _harness import Run, arguments, check, finish, show  # noqa: E402

from cdr_shared.dates import local_iso_utc  # noqa: E402
from source_casper.report_csv import ReportRowParser  # noqa: E402

COUNT = 100_000
ZONES = ("America/New_York", "Asia/Kolkata")
YMD_HMS = "%Y-%m-%d %H:%M:%S"
US_SHORT = "%m/%d/%y %I:%M %p"


def wall_times() -> list[dt.datetime]:
    """COUNT wall times over March 2024 (New York's spring-forward included), seconds varied."""
    start = dt.datetime(2024, 3, 1)
    step = dt.timedelta(days=31) / COUNT
    return [(start + step * index).replace(microsecond=0) for index in range(COUNT)]


def before_ymd_hms(tz: pendulum.Timezone) -> Callable[[str], str]:
    def derive(text: str) -> str:
        naive = dt.datetime.strptime(text.strip(), YMD_HMS)
        return pendulum.instance(naive, tz=tz).in_timezone("UTC").isoformat()

    return derive


def before_report_time(tz: pendulum.Timezone) -> Callable[[str], tuple[str, str]]:
    def derive(text: str) -> tuple[str, str]:
        naive = dt.datetime.strptime(text.strip(), US_SHORT)
        instant = pendulum.instance(naive, tz=pendulum.UTC).in_timezone("UTC")
        return instant.isoformat(), instant.in_timezone(tz).isoformat()

    return derive


def cases() -> list[tuple[str, list[str], Callable[[str], object], Callable[[str], object]]]:
    found = []
    for zone in ZONES:
        tz = pendulum.timezone(zone)
        texts = [moment.strftime(YMD_HMS) for moment in wall_times()]
        found.append(
            (
                f"ymd_hms_{zone}",
                texts,
                before_ymd_hms(tz),
                lambda text, tz=tz: local_iso_utc(text, YMD_HMS, tz),
            )
        )
        # RingCX asks for its report in UTC and shows `*_local` in the configured zone (report.py).
        report = [f"{m.month}/{m.day}/{m:%y} {m.hour % 12 or 12}:{m:%M} {m:%p}" for m in wall_times()]
        parser = ReportRowParser(pendulum.UTC, {}, None, display_tz=tz)  # type: ignore[arg-type]
        found.append((f"ringcx_report_time_{zone}", report, before_report_time(tz), parser.derived_times))
    return found


def timed(derive: Callable[[str], object], texts: list[str]) -> tuple[float, float]:
    started_wall, started_cpu = time.perf_counter(), time.process_time()
    for text in texts:
        derive(text)
    return time.perf_counter() - started_wall, time.process_time() - started_cpu


def main() -> int:
    args = arguments(__doc__.splitlines()[0])
    runs: list[Run] = []
    checks = []
    for name, texts, before, now in cases():
        benchmark = f"time_derivation_{name}"
        differing = sum(1 for text in texts[:: max(1, COUNT // 20_000)] if before(text) != now(text))
        checks.append(check(benchmark, "texts differing from before's (of 20,000)", differing, 0))
        for repeat in range(1, args.repeats + 1):
            for variant, derive in (("before", before), ("connector", now)):
                wall, cpu = timed(derive, texts)
                runs.append(
                    Run(benchmark, COUNT, variant, repeat, round(wall, 4), round(cpu, 4), 0.0, COUNT, 0)
                )
        medians = {
            variant: statistics.median(
                r.cpu_s for r in runs if r.benchmark == benchmark and r.variant == variant
            )
            for variant in ("before", "connector")
        }
        ratio = round(medians["connector"] / medians["before"], 3)
        show(
            f"  {benchmark}: before {medians['before']:.3f} s, now {medians['connector']:.3f} s CPU per "
            f"{COUNT} ({1 / ratio:.1f}x faster)"
        )
        checks.append(check(benchmark, "CPU now / before (goal: 2x faster)", ratio, 0.5))
    return finish("time_derivation", args, runs, checks, expected=lambda run: True)


if __name__ == "__main__":
    sys.exit(main())
