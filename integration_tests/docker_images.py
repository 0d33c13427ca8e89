"""`make docker-test`: build each connector's image and run spec, check, discover and read in it against
the connector's emulator, with host networking (the only network containers get on these machines).

Where no Docker daemon answers, every image test is skipped with a loud notice and exit status 0 unless
`--require-docker` is given; nothing is skipped silently.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from integration_tests.connectors import CONNECTORS
from integration_tests.emulators.testing import emulator_process

ROOT = Path(__file__).resolve().parents[1]
TAG = "dev"


def docker_available() -> str | None:
    """None when a daemon answers, else why not."""
    if shutil.which("docker") is None:
        return "no docker command on PATH"
    probe = subprocess.run(["docker", "info"], capture_output=True, text=True, check=False)
    return (
        None if probe.returncode == 0 else (probe.stderr.strip().splitlines() or ["docker info failed"])[-1]
    )


def image_of(name: str) -> str:
    return f"airbyte/{name}:{TAG}"


def build(name: str) -> None:
    args = ["docker", "build", "--network", "host", "-f", f"{name}/Dockerfile", "-t", image_of(name)]
    if os.environ.get("BASE_IMAGE"):
        args += ["--build-arg", f"BASE_IMAGE={os.environ['BASE_IMAGE']}"]
    print(f"== {name}: docker build {image_of(name)}", flush=True)
    subprocess.run([*args, "."], cwd=ROOT, check=True)


def run_in_image(name: str, folder: Path, *command: str, network: str = "host") -> list[dict[str, Any]]:
    """Run the image with `folder` mounted at /data; the Airbyte messages it printed."""
    done = subprocess.run(
        ["docker", "run", "--rm", "--network", network, "-v", f"{folder}:/data:ro", image_of(name), *command],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    messages = []
    for line in done.stdout.splitlines():
        try:
            messages.append(json.loads(line))
        except ValueError:
            continue
    if done.returncode != 0:
        raise AssertionError(f"{name} {' '.join(command)} exited {done.returncode}: {done.stderr[-2000:]}")
    return messages


def of_type(messages: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [m for m in messages if m.get("type") == kind]


def check_image(name: str) -> None:
    connector = CONNECTORS[name]
    with (
        emulator_process(connector.emulator, *connector.emulator_flags) as (_, url),
        tempfile.TemporaryDirectory() as tmp,
    ):
        folder = Path(tmp)
        folder.chmod(0o755)
        config = connector.config_for(url)
        (folder / "config.json").write_text(json.dumps(config))

        spec = of_type(run_in_image(name, folder, "spec", network="none"), "SPEC")
        assert spec and "connectionSpecification" in spec[0]["spec"], f"{name}: spec printed no specification"

        status = of_type(
            run_in_image(name, folder, "check", "--config", "/data/config.json"), "CONNECTION_STATUS"
        )
        assert status and status[0]["connectionStatus"]["status"] == "SUCCEEDED", f"{name}: check {status}"

        catalog = of_type(run_in_image(name, folder, "discover", "--config", "/data/config.json"), "CATALOG")
        streams = catalog[0]["catalog"]["streams"]
        configured = {
            "streams": [
                {"stream": s, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}
                for s in streams
            ]
        }
        (folder / "catalog.json").write_text(json.dumps(configured))
        messages = run_in_image(
            name, folder, "read", "--config", "/data/config.json", "--catalog", "/data/catalog.json"
        )
        records = of_type(messages, "RECORD")
        errors = [m for m in of_type(messages, "TRACE") if m["trace"].get("type") == "ERROR"]
        assert not errors, f"{name}: read reported errors: {errors[:1]}"
        assert records, f"{name}: read emitted no record"
        per_stream: dict[str, int] = {}
        for record in records:
            per_stream[record["record"]["stream"]] = per_stream.get(record["record"]["stream"], 0) + 1
        print(f"== {name}: image answered spec, check, discover, read ({per_stream})", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("connectors", nargs="*", help="connector folders (default: all)")
    parser.add_argument(
        "--require-docker", action="store_true", help="fail instead of skipping without Docker"
    )
    parser.add_argument("--build-only", action="store_true", help="build the images, run nothing")
    args = parser.parse_args()
    names = args.connectors or sorted(CONNECTORS)
    reason = docker_available()
    if reason:
        banner = "!" * 78
        print(
            f"\n{banner}\n!! DOCKER TESTS SKIPPED: no Docker daemon ({reason}).\n"
            f"!! The images of {', '.join(names)} were NOT built or tested.\n{banner}\n",
            flush=True,
        )
        return 1 if args.require_docker else 0
    failed = []
    for name in names:
        try:
            build(name)
            if not args.build_only:
                check_image(name)
        except (AssertionError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            print(f"== {name}: FAILED: {error}", file=sys.stderr, flush=True)
            failed.append(name)
    passed = len(names) - len(failed)
    print(f"docker: {passed} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
