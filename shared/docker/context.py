"""Prepare each connector's image build context: `source-x/build/image/`.

`airbyte-cdk image build` sends the connector folder alone to Docker, and the image build has no
network, so this writes into the folder everything the Dockerfile needs besides the connector's code:

    build/image/dependencies/requirements.txt      the third-party packages of uv.lock (all four
                                                    connectors), pinned with hashes (`uv export`)
    build/image/dependencies/wheels/               those wheels for the image's platform, plus uv and
                                                    hatchling (shared/docker/build-requirements.txt)
    build/image/dependencies/install-dependencies.sh
    build/image/connector/cdr_shared-<version>-py3-none-any.whl   built from shared/ (`uv build`)
    build/image/connector/install-connector.sh, init.py

`dependencies/` is byte-identical in the four folders, so the four images share that layer. Wheels are
downloaded once into `build/wheelhouse/` (repository root) and hard-linked; a second run downloads only
what uv.lock added. Run with the project's Python from the repository root:

    python shared/docker/context.py [source-x ...]      (or `make image-context`)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "shared" / "docker"
WHEELHOUSE = ROOT / "build" / "wheelhouse"
PYTHON_VERSION = "3.11"
# Never in an image: nothing imports it at run time (airbyte-cdk declares it but does not use it).
LEFT_OUT = ("setuptools", "pip")
# Docker's architecture name -> the wheel platform suffix.
ARCHITECTURES = {"amd64": "x86_64", "arm64": "aarch64"}


def connectors() -> list[str]:
    return sorted(path.name for path in ROOT.glob("source-*") if (path / "metadata.yaml").is_file())


def run(*command: str, **options: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, check=True, text=True, **options)  # type: ignore[call-overload]


def uv() -> list[str]:
    found = shutil.which("uv")
    return [found] if found else [sys.executable, "-m", "uv"]


def locked_requirements() -> str:
    """The connectors' third-party requirements, exactly as uv.lock pins them, with their hashes."""
    left_out = [arg for name in LEFT_OUT for arg in ("--no-emit-package", name)]
    done = run(
        *uv(),
        "export",
        "--quiet",
        "--frozen",
        "--no-dev",
        "--all-packages",
        "--no-emit-workspace",
        "--no-header",
        *left_out,
        capture_output=True,
    )
    return done.stdout


def docker_architecture() -> str:
    """The Docker server's architecture (amd64 where no daemon answers)."""
    try:
        done = subprocess.run(
            ["docker", "version", "--format", "{{.Server.Arch}}"],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "amd64"
    return done.stdout.strip() or "amd64"


def platform_flags(architecture: str) -> list[str]:
    machine = ARCHITECTURES.get(architecture)
    if machine is None:
        raise SystemExit(f"context: no wheels for Docker architecture {architecture!r}")
    tags = [f"manylinux_2_{minor}_{machine}" for minor in range(36, 16, -1)]
    tags += [f"manylinux2014_{machine}"]
    if machine == "x86_64":
        tags += [f"manylinux_2_{minor}_{machine}" for minor in range(16, 4, -1)]
        tags += [f"manylinux2010_{machine}", f"manylinux1_{machine}"]
    flags = [arg for tag in tags for arg in ("--platform", tag)]
    return [*flags, "--python-version", PYTHON_VERSION, "--implementation", "cp", "--only-binary=:all:"]


def download_wheels(requirement_files: list[Path], architecture: str) -> list[Path]:
    """Every wheel the requirement files pin, from PyPI (pip checks each against its hash).

    pip downloads into an empty folder (from its HTTP cache after the first time), so that folder holds
    exactly the wheels wanted; they are kept in the wheelhouse, which only ever grows.
    """
    target = WHEELHOUSE / architecture
    target.mkdir(parents=True, exist_ok=True)
    wanted: list[Path] = []
    for requirements in requirement_files:
        with tempfile.TemporaryDirectory(dir=WHEELHOUSE) as fresh:
            run(
                *uv(),
                "tool",
                "run",
                "--quiet",
                "--from",
                "pip>=24.2",
                "pip",
                "download",
                "-qq",
                "--disable-pip-version-check",
                "--no-deps",
                "--require-hashes",
                *platform_flags(architecture),
                "--dest",
                fresh,
                "-r",
                str(requirements),
            )
            for wheel in sorted(Path(fresh).glob("*.whl")):
                kept = target / wheel.name
                if not kept.exists():
                    os.replace(wheel, kept)
                wanted.append(kept)
    return wanted


def build_shared_wheel(into: Path) -> Path:
    """cdr_shared as a versioned wheel (hatchling builds reproducibly: same sources, same bytes)."""
    with tempfile.TemporaryDirectory() as out:
        run(*uv(), "build", "--quiet", "--wheel", "--out-dir", out, str(ROOT / "shared"))
        (wheel,) = Path(out).glob("cdr_shared-*.whl")
        into.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy2(wheel, into / wheel.name))


def link(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def prepare(names: list[str]) -> None:
    architecture = docker_architecture()
    staging = ROOT / "build" / "image-staging"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "dependencies").mkdir(parents=True)
    requirements = staging / "dependencies" / "requirements.txt"
    requirements.write_text(locked_requirements())
    build_requirements = DOCKER / "build-requirements.txt"
    wheels = download_wheels([requirements, build_requirements], architecture)
    shared_wheel = build_shared_wheel(staging / "connector")
    for script in ("install-dependencies.sh",):
        shutil.copy2(DOCKER / script, staging / "dependencies" / script)
    for script in ("install-connector.sh", "init.py"):
        shutil.copy2(DOCKER / script, staging / "connector" / script)

    for name in names:
        context = ROOT / name / "build" / "image"
        shutil.rmtree(context, ignore_errors=True)
        for source in sorted(path for path in staging.rglob("*") if path.is_file()):
            link(source, context / source.relative_to(staging))
        for wheel in wheels:
            link(wheel, context / "dependencies" / "wheels" / wheel.name)
        sys.stdout.write(
            f"== {name}: build context {context.relative_to(ROOT)} "
            f"({len(wheels)} wheels for linux/{architecture}, {shared_wheel.name})\n"
        )
        sys.stdout.flush()
    shutil.rmtree(staging, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("connectors", nargs="*", help="connector folders (default: all)")
    names = parser.parse_args().connectors or connectors()
    prepare(names)
    return 0


if __name__ == "__main__":
    sys.exit(main())
