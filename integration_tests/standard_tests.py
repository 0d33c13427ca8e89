"""Airbyte's standard connector tests (`airbyte-cdk connector test`) for each connector, each against
its own emulator.

For every connector in `integration_tests/connectors.py` (or those named on the command line) this starts
the emulator, writes `<connector>/secrets/config.json` pointing at it, runs the standard tests, and stops
the emulator. Exit status 1 if any connector failed.

Without `--connector-image` the image tests (marker `image_tests`) are left out: `make docker-test` builds
the images once with `airbyte-cdk image build` and then runs exactly those tests on them, through
`run_standard_tests(name, connector_image=...)`. With an image, the CDK's `docker` calls go through
`shared/docker/shim/docker`, which gives `docker run` host networking (the emulator listens on the host's
127.0.0.1) and maps `docker buildx build` to the classic builder where buildx is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from integration_tests.connectors import CONNECTORS
from integration_tests.emulators.testing import emulator_process

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DOCKER_SHIM = ROOT / "shared" / "docker" / "shim"


def cdk_docker_environment() -> dict[str, str]:
    """The environment for `airbyte-cdk` commands that call `docker` (see the module docstring)."""
    environment = dict(os.environ)
    environment["PATH"] = os.pathsep.join([str(DOCKER_SHIM), environment.get("PATH", "")])
    environment["CDR_DOCKER_RUN_NETWORK"] = "host"
    return environment


def run_standard_tests(name: str, connector_image: str | None = None) -> int:
    """`airbyte-cdk connector test` for one connector: without the image tests, or only those on
    `connector_image`."""
    connector = CONNECTORS[name]
    with emulator_process(connector.emulator, *connector.emulator_flags) as (_, url):
        secrets = ROOT / name / "secrets"
        secrets.mkdir(exist_ok=True)
        (secrets / "config.json").write_text(json.dumps(connector.config_for(url), indent=2))
        which = f"image tests on {connector_image}" if connector_image else "standard tests"
        print(f"== {name}: Airbyte {which} against the {connector.emulator} emulator at {url}", flush=True)
        if connector_image:
            selection = [
                "--pytest-arg=image_tests",
                f"--pytest-arg=--connector-image={connector_image}",
                # Without it the image's `read` test skips itself (the option defaults to no streams).
                "--pytest-arg=--read-from-streams=true",
                "--pytest-arg=-rs",  # say why a test is skipped
            ]
            environment = cdk_docker_environment()
        else:
            selection = ["--pytest-arg=not image_tests"]
            environment = None
        return subprocess.run(
            [
                str(BIN / "airbyte-cdk"),
                "connector",
                "test",
                str(ROOT / name),
                "--pytest-arg=-m",
                *selection,
                "--pytest-arg=-q",
            ],
            cwd=ROOT,
            env=environment,
            check=False,
        ).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("connectors", nargs="*", help="connector folders (default: all)")
    parser.add_argument(
        "--connector-image",
        help="run only the image tests, on this built image (one connector; `make docker-test` does this)",
    )
    args = parser.parse_args()
    names = args.connectors or sorted(CONNECTORS)
    if args.connector_image and len(names) != 1:
        parser.error("--connector-image needs exactly one connector")
    failed = [name for name in names if run_standard_tests(name, args.connector_image) != 0]
    if failed:
        print(f"standard tests failed for: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
