"""Benchmark (not a test): Acefone `call_records` against its floor and its declarative-manifest peer.

For each size the emulator runs in its own process with that many calls; the connector reads them all
once (not measured) so the emulator's request log gives the exact requests it sends. Then, alternating,
each variant reads the same answers `--repeats` times:
- `connector`: `source-acefone read`;
- `floor`: a bare requests + json loop over those same requests, printing each record (`_floors.py`);
- `manifest`: the same stream as an Airbyte low-code manifest (`acefone_manifest.yaml`) run by the CDK's
  `source-declarative-manifest` (same windows and page size).
The scaling sizes run the connector alone, to show how time grows with the number of records.

    .venv/bin/python integration_tests/benchmarks/acefone_record_path.py --json .bench/acefone.json
"""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import yaml  # noqa: E402
from _harness import (  # noqa: E402
    BIN,
    FLOORS,
    PYTHON,
    Run,
    alternate,
    arguments,
    catalog_of,
    control,
    emulator,
    finish,
    measure,
    read_command,
    reset,
    show,
)

BENCHMARK = "acefone_call_records"
COMPARED_SIZE = 50_000
SCALING_SIZES = (10_000, 100_000)
API_TOKEN = "emulator-acefone-token"
DAYS = 10
END = date(2026, 10, 11)
PAGE_SIZE = 1000
WINDOW_DAYS = 3
PATH = "/v1/call/records"
MANIFEST = Path(__file__).with_name("acefone_manifest.yaml")


def connector_config(url: str) -> dict:
    # A range wider than the data on both sides, so every variant reads every call whatever its windows.
    return {
        "credentials": {"auth_type": "api_token", "api_token": API_TOKEN},
        "base_url": url,
        "start_date": (END - timedelta(days=DAYS + 1)).isoformat(),
        "end_date": END.isoformat(),
        "timezone": "UTC",
        "window_days": WINDOW_DAYS,
        "page_size": PAGE_SIZE,
    }


def manifest_config(url: str) -> dict:
    return {
        "__injected_declarative_manifest": yaml.safe_load(MANIFEST.read_text()),
        "base_url": url,
        "api_token": API_TOKEN,
        "start_date": (END - timedelta(days=DAYS + 1)).isoformat(),
        "end_date": (END + timedelta(days=1)).isoformat(),
        "window_days": WINDOW_DAYS,
        "page_size": PAGE_SIZE,
    }


def floor_requests(url: str) -> list[dict]:
    """The requests the connector sent, as the emulator logged them."""
    planned = []
    for logged in control(url, f"requests?path={PATH}"):
        planned.append(
            {
                "url": f"{url}{PATH}?{urlencode(logged['query'], doseq=True)}",
                "headers": {"Authorization": f"Bearer {API_TOKEN}"},
                "stream": "call_records",
            }
        )
    return planned


def variants(url: str, folder: Path, compared: bool) -> dict[str, list[str]]:
    catalog = catalog_of("call_records")
    connector = read_command("source-acefone", connector_config(url), catalog, folder)
    reset(url)
    warm_up = measure(BENCHMARK, 0, "warm-up", 0, connector)
    if warm_up.exit_code != 0:
        raise SystemExit(f"source-acefone read failed on its warm-up run (exit {warm_up.exit_code})")
    commands = {"connector": connector}
    if compared:
        requests_file = folder / "floor-requests.json"
        requests_file.write_text(json.dumps(floor_requests(url)))
        commands["floor"] = [str(PYTHON), str(FLOORS), "json", str(requests_file)]
        manifest = read_command("manifest", manifest_config(url), catalog, folder)
        commands["manifest"] = [str(BIN / "source-declarative-manifest"), *manifest[1:]]
    return commands


def main() -> int:
    args = arguments(__doc__.splitlines()[0])
    runs: list[Run] = []
    plan = [(COMPARED_SIZE, True, args.repeats)] + [
        (size, False, max(1, min(3, args.repeats))) for size in SCALING_SIZES
    ]
    for size, compared, repeats in plan:
        flags = ("--calls", str(size), "--days", str(DAYS), "--end-date", END.isoformat())
        flags += ("--max-limit", str(PAGE_SIZE), "--rate-limit-per-second", "0")
        with emulator("acefone", *flags) as url, tempfile.TemporaryDirectory() as folder:
            show(f"== {BENCHMARK}: {size} records")
            alternate(BENCHMARK, size, variants(url, Path(folder), compared), repeats, runs)
    return finish(BENCHMARK, args, runs, [], expected=lambda run: run.records == run.size)


if __name__ == "__main__":
    sys.exit(main())
