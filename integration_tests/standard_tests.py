"""Airbyte's standard connector tests (`airbyte-cdk connector test`) for each connector, each against
its own emulator.

For every connector in `integration_tests/connectors.py` (or those named on the command line) this starts
the emulator, writes `<connector>/secrets/config.json` pointing at it, runs the standard tests (their
image tests excluded: `make docker-test` runs our images against the emulators with host networking),
and stops the emulator. Exit status 1 if any connector failed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from integration_tests.connectors import CONNECTORS
from integration_tests.emulators.testing import emulator_process

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run_standard_tests(name: str) -> int:
    connector = CONNECTORS[name]
    with emulator_process(connector.emulator, *connector.emulator_flags) as (_, url):
        secrets = ROOT / name / "secrets"
        secrets.mkdir(exist_ok=True)
        (secrets / "config.json").write_text(json.dumps(connector.config_for(url), indent=2))
        print(
            f"== {name}: Airbyte standard tests against the {connector.emulator} emulator at {url}",
            flush=True,
        )
        return subprocess.run(
            [
                str(BIN / "airbyte-cdk"),
                "connector",
                "test",
                str(ROOT / name),
                "--pytest-arg=-m",
                "--pytest-arg=not image_tests",
                "--pytest-arg=-q",
            ],
            cwd=ROOT,
            check=False,
        ).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("connectors", nargs="*", help="connector folders (default: all)")
    names = parser.parse_args().connectors or sorted(CONNECTORS)
    failed = [name for name in names if run_standard_tests(name) != 0]
    if failed:
        print(f"standard tests failed for: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
