"""`make bench`: every benchmark script in this folder, then one table of medians and ratios to the floor.

Runs each script that follows the protocol of `_harness.py` (a `*.py` here not starting with `_`, other
than this file) with `--json` and `--repeats`, merges what they write into `.bench/results.json` with the
machine it ran on, and prints, per benchmark and size, median/min/max of wall time, CPU and peak RSS of
each variant, and each median divided by the floor's (or, where a benchmark has no floor, by its `before`
variant: the code it replaced). A script that does not write its result file is
reported as failed, and `make bench` exits non-zero.

    .venv/bin/python integration_tests/benchmarks/run.py [--repeats 5] [--only acefone] [--output .bench/results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
RESULTS = REPO_ROOT / ".bench" / "results.json"
FIGURES = ("wall_s", "cpu_s", "peak_rss_mib")


def scripts(only: str | None) -> list[Path]:
    found = sorted(p for p in HERE.glob("*.py") if not p.name.startswith("_") and p.name != "run.py")
    return [p for p in found if only is None or only in p.stem]


def machine() -> dict:
    model = ""
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "load_average_at_start": load,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def table(results: list[dict]) -> list[str]:
    """Markdown rows: one per benchmark, size and variant."""
    groups: dict[tuple[str, int], dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for result in results:
        for run in result.get("runs", []):
            groups[(run["benchmark"], run["size"])][run["variant"]].append(run)
    rows = [
        "| benchmark | records | variant | runs | wall s median (min-max) | CPU s median (min-max) "
        "| peak RSS MiB median (min-max) | wall / floor | CPU / floor | RSS / floor |",  # or / before
        "|---|---:|---|---:|---|---|---|---:|---:|---:|",
    ]
    for (benchmark, size), variants in sorted(groups.items()):
        floor = variants.get("floor") or variants.get("before")  # the reference: a bare loop, or the old code
        floor_medians = {f: statistics.median(r[f] for r in floor) for f in FIGURES} if floor else None
        for variant, runs in variants.items():
            cells = []
            medians = {}
            for figure in FIGURES:
                values = [r[figure] for r in runs]
                medians[figure] = statistics.median(values)
                cells.append(f"{medians[figure]:.2f} ({min(values):.2f}-{max(values):.2f})")
            ratios = [
                f"{medians[f] / floor_medians[f]:.2f}x" if floor_medians and floor_medians[f] else "-"
                for f in FIGURES
            ]
            rows.append(
                f"| {benchmark} | {size} | {variant} | {len(runs)} | " + " | ".join(cells + ratios) + " |"
            )
    checks = [c for result in results for c in result.get("checks", [])]
    if checks:
        rows += ["", "| benchmark | check | value | limit | |", "|---|---|---:|---:|---|"]
        rows += [
            f"| {c['benchmark']} | {c['name']} | {c['value']} | {c['limit']} | {'ok' if c['ok'] else 'OVER'} |"
            for c in checks
        ]
    rows += ["", *scaling(groups)]
    return rows


def scaling(groups: dict) -> list[str]:
    """How the connector's wall time grows with the records read (linear: ratio of times ~ ratio of sizes)."""
    lines = []
    by_benchmark: dict[str, dict[int, tuple[float, float]]] = defaultdict(dict)
    for (benchmark, size), variants in groups.items():
        if "connector" in variants and size > 0:
            runs = variants["connector"]
            by_benchmark[benchmark][size] = (
                statistics.median(r["wall_s"] for r in runs),
                statistics.median(r["cpu_s"] for r in runs),
            )
    for benchmark, times in sorted(by_benchmark.items()):
        sizes = sorted(times)
        if len(sizes) >= 2:
            small, large = sizes[0], sizes[-1]
            (wall_small, cpu_small), (wall_large, cpu_large) = times[small], times[large]
            per_record = (cpu_large - cpu_small) / (large - small) * 1e6
            fixed = cpu_small - per_record * small / 1e6
            lines.append(
                f"- {benchmark}: {small} -> {large} records ({large / small:.0f}x): wall {wall_small:.2f} s -> "
                f"{wall_large:.2f} s ({wall_large / wall_small:.1f}x), CPU {cpu_small:.2f} s -> {cpu_large:.2f} s "
                f"({cpu_large / cpu_small:.1f}x): {fixed:.1f} s fixed + {per_record:.0f} us CPU per record"
            )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", help="run the scripts whose name contains this")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    results, failed = [], []
    about = machine()
    for script in scripts(args.only):
        out = args.output.parent / f"{script.stem}.json"
        out.unlink(missing_ok=True)
        print(f"== {script.name}", flush=True)
        code = subprocess.call(
            [sys.executable, str(script), "--json", str(out), "--repeats", str(args.repeats)]
        )
        if out.exists():
            results.append(json.loads(out.read_text()))
        if code != 0 or not out.exists():
            failed.append(script.name)
    args.output.write_text(json.dumps({"machine": about, "results": results, "failed": failed}, indent=1))
    print(f"\nMachine: {about['cpu']}, {about['cores']} cores, Python {about['python']}, {about['date']}")
    print("\n".join(table(results)))
    if failed:
        print(f"\nFailed: {', '.join(failed)}")
    print(f"\nResults: {args.output}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
