"""Benchmark (not a test): how long `spec` takes to start, per connector, against the CDK's own import.

For each connector, alternating:
- `connector`: `source-x spec`, the console script, which defers the CDK's package `__init__`
  (`cdr_shared.cdk_import`: only the CDK modules the connector uses are imported);
- `full_cdk`: the same `spec` with `import airbyte_cdk` first, as every start was before (the package's
  `__init__` imports most of the CDK: the declarative framework, destinations...);
- `floor`: `python -c "import airbyte_cdk"` alone, what any connector that imports the whole CDK pays.
`python -X importtime -c "import source_acefone.source"` shows where the rest goes.

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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import BIN, PYTHON  # noqa: E402

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
        package = connector.replace("-", "_")
        full = f"import sys, airbyte_cdk; from {package}.run import run; sys.argv[0] = {connector!r}; run()"
        variants = {
            "connector": [str(BIN / connector), "spec"],
            "full_cdk": [str(PYTHON), "-c", full, "spec"],
            "floor": [str(PYTHON), "-c", "import airbyte_cdk"],
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
            f"  {benchmark}: spec {walls['connector']:.2f} s wall {medians['connector']:.2f} s CPU; with the whole "
            f"CDK imported {walls['full_cdk']:.2f} s wall {medians['full_cdk']:.2f} s CPU; import airbyte_cdk "
            f"{walls['floor']:.2f} s wall {medians['floor']:.2f} s CPU (medians of {args.repeats})",
            flush=True,
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"benchmark": "startup", "runs": runs, "checks": []}, indent=1))
    return 0 if all(run["exit_code"] == 0 for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
