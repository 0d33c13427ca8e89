"""Benchmark (not a test): how long `spec` takes to start, per connector, against the CDK's own import.

For each connector, alternating, `source-x spec` (variant `connector`) and `python -c "import airbyte_cdk"`
(variant `floor`: what any CDK connector pays before its first line runs, since importing any CDK module
runs the package's `__init__`, which imports most of the CDK). The difference is what the connector's own
imports cost; `python -X importtime -c "import source_acefone.run"` shows where it goes.

    .venv/bin/python integration_tests/benchmarks/startup.py --repeats 5 --json .bench/startup.json

The JSON file has the shape `make bench` reads: `{"benchmark", "runs": [...], "checks": []}`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
CONNECTORS = ("source-acefone", "source-casper", "source-huawei-cms", "source-ozonetel")


def measure(benchmark: str, variant: str, repeat: int, command: list[str]) -> dict:
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    return {
        "benchmark": benchmark,
        "size": 0,
        "variant": variant,
        "repeat": repeat,
        "wall_s": round(time.monotonic() - started, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "records": 0,
        "exit_code": os.waitstatus_to_exitcode(status),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    runs = []
    for connector in CONNECTORS:
        benchmark = f"{connector}_spec_startup"
        variants = {
            "connector": [str(BIN / connector), "spec"],
            "floor": [sys.executable, "-c", "import airbyte_cdk"],
        }
        for repeat in range(1, args.repeats + 1):
            for variant, command in variants.items():
                runs.append(measure(benchmark, variant, repeat, command))
        medians = {
            variant: statistics.median(
                run["cpu_s"] for run in runs if run["benchmark"] == benchmark and run["variant"] == variant
            )
            for variant in variants
        }
        walls = {
            variant: statistics.median(
                run["wall_s"] for run in runs if run["benchmark"] == benchmark and run["variant"] == variant
            )
            for variant in variants
        }
        print(
            f"  {benchmark}: spec {walls['connector']:.2f} s wall {medians['connector']:.2f} s CPU; "
            f"import airbyte_cdk {walls['floor']:.2f} s wall {medians['floor']:.2f} s CPU (medians of {args.repeats})",
            flush=True,
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"benchmark": "startup", "runs": runs, "checks": []}, indent=1))
    return 0 if all(run["exit_code"] == 0 for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
