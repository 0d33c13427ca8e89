"""`make docker-test`: build the four connector images with Airbyte's own tool and prove them fit for a
registry. `make docker-build` builds them only.

What runs, in order (each check prints `== <check>: ok` or a failure, and the last line counts them):

1. registry details, without Docker: the base image is pinned by digest in `metadata.yaml` and the
   Dockerfile's `BASE_IMAGE` default is the same string; `LICENSE` matches `metadata.yaml`'s `license` and
   every `pyproject.toml`'s; `documentationUrl` points at the connector's README in this repository;
   `dockerRepository` is ours (not Airbyte's `airbyte/` namespace).
2. canary files are planted in every place that must never reach an image (each connector's `secrets/`,
   `unit_tests/`, `integration_tests/`, `benchmarks/` and `build/docker/`, `shared/tests/`, the
   emulators), then the build contexts are prepared (`shared/docker/context.py`) and each image is built
   by `airbyte-cdk image build <connector> --dockerfile shared/docker/Dockerfile` (the one Dockerfile of
   the four; the CDK passes `CONNECTOR_NAME`).
3. every layer of every image (`docker save`) is scanned: no canary, no file from those places, no
   `/build` folder in an image.
4. the four images share every layer but the connector's own; together they stay under 600 MB.
5. each image carries metadata.yaml's name and version as labels and, locked down (read-only root, tmpfs
   `/tmp`, all capabilities dropped, no new privileges, a numeric non-root user), answers `spec`
   without network and `check`, `discover`, `read` against its emulator.
6. a SIGTERM sent by `docker stop` ends a running sync through the init (exit 143, not the grace
   period's SIGKILL, 137), and every message written before it is whole and valid.
7. Airbyte's image tests (`airbyte-cdk connector test`, marker `image_tests`) pass on each image.
8. a one-line code edit rebuilds only the connector's layer (timed and printed).

The base the images are built FROM is `metadata.yaml`'s digest-pinned `baseImage`. Where that registry
cannot be reached, `BASE_IMAGE` names a local base instead (`shared/tools/start-docker.sh` exports it);
it is resolved to its image ID (`sha256:...`, the digest of its configuration) and the images are built
FROM that ID, so that they are pinned to exactly that base too, and check 4 verifies they sit on it.

Where no Docker daemon answers, the image checks are skipped with a loud notice and exit status 0 unless
`--require-docker` is given; nothing is skipped silently.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from integration_tests.connectors import CONNECTORS
from integration_tests.emulators.testing import emulator_process
from integration_tests.standard_tests import cdk_docker_environment, run_standard_tests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TAG = "dev"
DOCKERFILE = ROOT / "shared" / "docker" / "Dockerfile"
"""The one Dockerfile of the four images (generic through the `CONNECTOR_NAME` build argument)."""
REPOSITORY_URL = "https://github.com/cdr-connectors/cdr-connectors"
NAMESPACE = "cdrconnectors"
SIZE_BUDGET = 600_000_000
LOCKED_DOWN = [
    "--read-only",
    "--tmpfs",
    "/tmp",
    "--cap-drop",
    "ALL",
    "--security-opt",
    "no-new-privileges",
]
# Places whose files must never be in an image (relative to a connector folder, or to the repository).
CONNECTOR_FORBIDDEN = ("secrets", "unit_tests", "integration_tests", "benchmarks", "build/docker")
REPOSITORY_FORBIDDEN = ("shared/tests", "integration_tests/emulators")
# No path in our layers (/opt/venv, /airbyte) may have one of these folders in it: besides the planted
# places, the test suites and benchmarks of third-party packages are dropped too.
FORBIDDEN_NAMES = {"secrets", "unit_tests", "integration_tests", "benchmarks", "emulators", "tests"}
# Nor may the image's environment hold an installer (the base image's own Python may).
FORBIDDEN_PACKAGES = {"pip", "setuptools", "pkg_resources", "_distutils_hack"}
SITE_PACKAGES = "opt/venv/lib/python3.11/site-packages/"


def load_context_module() -> Any:
    spec = importlib.util.spec_from_file_location("cdr_image_context", ROOT / "shared/docker/context.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def docker_available() -> str | None:
    """None when a daemon answers, else why not."""
    if shutil.which("docker") is None:
        return "no docker command on PATH"
    probe = subprocess.run(["docker", "info"], capture_output=True, text=True, check=False)
    return (
        None if probe.returncode == 0 else (probe.stderr.strip().splitlines() or ["docker info failed"])[-1]
    )


def docker(*args: str, check: bool = True, timeout: float = 600) -> str:
    done = subprocess.run(["docker", *args], capture_output=True, text=True, check=False, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"docker {' '.join(args[:3])} exited {done.returncode}: {done.stderr[-1500:]}")
    return done.stdout


def metadata(name: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / name / "metadata.yaml").read_text())["data"]


def image_of(name: str) -> str:
    return f"{metadata(name)['dockerRepository']}:{TAG}"


def dockerfile_base_default() -> str:
    match = re.search(r"^ARG BASE_IMAGE=(\S+)$", DOCKERFILE.read_text(), re.MULTILINE)
    assert match, f"{DOCKERFILE.relative_to(ROOT)}: no `ARG BASE_IMAGE=<default>` line"
    return match.group(1)


# ------------------------------------------------------------------------------- 1. registry details


def check_base_pinned(names: list[str]) -> None:
    pins = {name: metadata(name)["connectorBuildOptions"]["baseImage"] for name in names}
    for name, pin in pins.items():
        assert re.fullmatch(r"[^@\s]+@sha256:[0-9a-f]{64}", pin), f"{name}: baseImage {pin!r} has no digest"
        default = dockerfile_base_default()
        assert default == pin, f"{name}: Dockerfile BASE_IMAGE default {default!r} != metadata.yaml {pin!r}"
    assert len(set(pins.values())) == 1, f"the connectors pin different bases: {pins}"


def check_registry_details(names: list[str]) -> None:
    license_text = (ROOT / "LICENSE").read_text()
    for name in names:
        data = metadata(name)
        spdx = data["license"]
        assert license_text.startswith(f"{spdx} License"), f"LICENSE is not the {spdx} license of {name}"
        assert data["documentationUrl"] == f"{REPOSITORY_URL}/blob/main/{name}/README.md", (
            f"{name}: documentationUrl {data['documentationUrl']!r} is not its README in this repository"
        )
        assert (ROOT / name / "README.md").is_file()
        repository = data["dockerRepository"]
        assert repository == f"{NAMESPACE}/{name}", f"{name}: dockerRepository {repository!r}"
        acceptance = yaml.safe_load((ROOT / name / "acceptance-test-config.yml").read_text())
        assert acceptance["connector_image"] == f"{repository}:{TAG}", f"{name}: acceptance connector_image"
    for pyproject in [ROOT / "pyproject.toml", ROOT / "shared/pyproject.toml"] + [
        ROOT / name / "pyproject.toml" for name in names
    ]:
        found = re.search(r'^license = "([^"]*)"$', pyproject.read_text(), re.MULTILINE)
        declared = found.group(1) if found else None
        assert declared == metadata(names[0])["license"], (
            f"{pyproject.relative_to(ROOT)}: license {declared!r}"
        )


# -------------------------------------------------------------------------------- 2. canaries, build


@contextmanager
def canaries(names: list[str]) -> Iterator[str]:
    """Plant a file holding a random token in every forbidden place; remove exactly those files after."""
    token = f"cdr-canary-{uuid.uuid4().hex}"
    folders = [ROOT / name / place for name in names for place in CONNECTOR_FORBIDDEN]
    folders += [ROOT / place for place in REPOSITORY_FORBIDDEN]
    planted: list[Path] = []
    made: list[Path] = []
    try:
        for folder in folders:
            missing = []
            parent = folder
            while not parent.exists():
                missing.append(parent)
                parent = parent.parent
            folder.mkdir(parents=True, exist_ok=True)
            made += reversed(missing)
            canary = folder / f"{token}.json"
            canary.write_text(json.dumps({"api_token": token, "password": token}))
            planted.append(canary)
        yield token
    finally:
        for canary in planted:
            canary.unlink(missing_ok=True)
        for folder in reversed(made):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()


def base_image(names: list[str]) -> tuple[str, str]:
    """What the images are built FROM, and how it is pinned."""
    pinned = metadata(names[0])["connectorBuildOptions"]["baseImage"]
    local = os.environ.get("BASE_IMAGE")
    if not local:
        return pinned, f"metadata.yaml's {pinned}"
    image_id = docker("image", "inspect", "--format", "{{.Id}}", local).strip()
    return image_id, f"BASE_IMAGE={local}, pinned to its image ID {image_id}"


def build(name: str, base: str, folder: Path | None = None) -> float:
    """`airbyte-cdk image build` of the connector (in `folder` if given); the seconds it took."""
    folder = folder or ROOT / name
    command = [
        str(BIN / "airbyte-cdk"),
        "image",
        "build",
        str(folder),
        "--dockerfile",
        str(DOCKERFILE),
        "--tag",
        TAG,
        "--connector-base-image",
        base,
    ]
    print(f"== {name}: {' '.join(command[1:4])} ... --connector-base-image {base}", flush=True)
    started = time.monotonic()
    done = subprocess.run(
        command, cwd=ROOT, env=cdk_docker_environment(), capture_output=True, text=True, check=False
    )
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise AssertionError(
            f"{name}: airbyte-cdk image build failed:\n{(done.stdout + done.stderr)[-3000:]}"
        )
    return seconds


def check_connector_name_required(name: str, base: str) -> None:
    """Plain `docker build` of the one Dockerfile without `CONNECTOR_NAME`, or with another connector's
    name, stops in the install step with a message that names the right build argument."""
    for given in ((), ("--build-arg", "CONNECTOR_NAME=source-other")):
        done = subprocess.run(
            ["docker", "build", "-f", str(DOCKERFILE), "--build-arg", f"BASE_IMAGE={base}", *given, "."],
            cwd=ROOT / name,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        output = done.stdout + done.stderr
        assert done.returncode != 0, f"{name}: built without a right CONNECTOR_NAME ({given})"
        assert f"--build-arg CONNECTOR_NAME={name}" in output, f"{name}: no hint in {output[-1500:]}"


# ----------------------------------------------------------------------------------- 3. layer scan


def image_layers(image: str) -> list[str]:
    return json.loads(docker("image", "inspect", "--format", "{{json .RootFS.Layers}}", image))


def saved_layers(images: list[str]) -> Iterator[tuple[str, int, tarfile.TarFile]]:
    """(name, size, opened layer tar) of every layer in `docker save` of the images, each once."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "images.tar"
        subprocess.run(["docker", "save", "-o", str(archive), *images], check=True)
        with tarfile.open(archive) as outer:
            for member in outer:
                if not member.isfile():
                    continue
                handle = outer.extractfile(member)
                assert handle is not None
                head = handle.read(512)
                handle.seek(0)
                if len(head) < 512 or head[257:262] != b"ustar":
                    continue  # manifests and image configurations
                with tarfile.open(fileobj=handle, mode="r|") as layer:
                    yield member.name, member.size, layer


def scan_layers(images: list[str], token: str, base_layers: set[str]) -> int:
    """Every layer of every image: no canary (name or content), no forbidden path in our layers."""
    needle = token.encode()
    total = 0
    problems: list[str] = []
    for layer_name, size, layer in saved_layers(images):
        total += size
        for entry in layer:
            path = entry.name.lstrip("./")
            parts = set(Path(path).parts)
            if token in path:
                problems.append(f"{layer_name}: canary file {path}")
            if entry.isfile():
                handle = layer.extractfile(entry)
                if handle is not None and needle in handle.read():
                    problems.append(f"{layer_name}: canary content in {path}")
            ours = path.startswith(("opt/venv", "airbyte"))
            installer = path.startswith(SITE_PACKAGES) and path[len(SITE_PACKAGES) :].split("/")[0] in (
                FORBIDDEN_PACKAGES
            )
            if (ours and parts & FORBIDDEN_NAMES) or installer or path.split("/")[0] == "build":
                problems.append(f"{layer_name}: {path} must not be in an image")
    assert not problems, "found in image layers:\n  " + "\n  ".join(problems[:20])
    assert base_layers, "no base layers"
    return total


# ------------------------------------------------------------------------------ 5. locked-down runs


def run_in_image(image: str, folder: Path, *command: str, network: str = "host") -> list[dict[str, Any]]:
    """Run the image locked down with `folder` mounted read-only at /data; the Airbyte messages."""
    done = subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            *LOCKED_DOWN,
            "--network",
            network,
            "-v",
            f"{folder}:/data:ro",
            image,
            *command,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if done.returncode != 0:
        raise AssertionError(f"{image} {' '.join(command)} exited {done.returncode}: {done.stderr[-2000:]}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def of_type(messages: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [m for m in messages if m.get("type") == kind]


def full_refresh_catalog(streams: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "streams": [
            {"stream": s, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"} for s in streams
        ]
    }


def check_locked_down(name: str) -> None:
    image = image_of(name)
    user = docker("image", "inspect", "--format", "{{.Config.User}}", image).strip()
    # Numeric and not 0: Kubernetes can verify `runAsNonRoot` only for a numeric user.
    assert user.split(":")[0].isdigit() and user.split(":")[0] != "0", f"{name}: the image's USER is {user!r}"
    labels = json.loads(docker("image", "inspect", "--format", "{{json .Config.Labels}}", image))
    data = metadata(name)
    wanted = {"io.airbyte.name": data["dockerRepository"], "io.airbyte.version": data["dockerImageTag"]}
    assert {key: labels.get(key) for key in wanted} == wanted, f"{name}: labels {labels} != metadata.yaml"
    uid = docker("run", "--rm", *LOCKED_DOWN, "--network", "none", "--entrypoint", "id", image, "-u").strip()
    assert uid != "0", f"{name}: runs as uid 0"
    connector = CONNECTORS[name]
    with (
        emulator_process(connector.emulator, *connector.emulator_flags) as (_, url),
        tempfile.TemporaryDirectory() as tmp,
    ):
        folder = Path(tmp)
        folder.chmod(0o755)
        (folder / "config.json").write_text(json.dumps(connector.config_for(url)))
        (folder / "config.json").chmod(0o644)

        spec = of_type(run_in_image(image, folder, "spec", network="none"), "SPEC")
        assert spec and "connectionSpecification" in spec[0]["spec"], f"{name}: spec printed no specification"
        status = of_type(
            run_in_image(image, folder, "check", "--config", "/data/config.json"), "CONNECTION_STATUS"
        )
        assert status and status[0]["connectionStatus"]["status"] == "SUCCEEDED", f"{name}: check {status}"
        catalog = of_type(run_in_image(image, folder, "discover", "--config", "/data/config.json"), "CATALOG")
        (folder / "catalog.json").write_text(
            json.dumps(full_refresh_catalog(catalog[0]["catalog"]["streams"]))
        )
        (folder / "catalog.json").chmod(0o644)
        messages = run_in_image(
            image, folder, "read", "--config", "/data/config.json", "--catalog", "/data/catalog.json"
        )
        errors = [m for m in of_type(messages, "TRACE") if m["trace"].get("type") == "ERROR"]
        assert not errors, f"{name}: read reported errors: {errors[:1]}"
        per_stream: dict[str, int] = {}
        for record in of_type(messages, "RECORD"):
            per_stream[record["record"]["stream"]] = per_stream.get(record["record"]["stream"], 0) + 1
        assert per_stream, f"{name}: read emitted no record"
        print(f"== {name}: locked down as uid {uid}: spec (no network), check, discover, read {per_stream}")


# ------------------------------------------------------------------------------------- 6. SIGTERM

# Every emulator answer is delayed, so that the sync is inside a request when the signal comes.
SLOW_EMULATOR = ("--fault-rate", "1", "--fault-kinds", "slow", "--slow-seconds", "0.5")


def check_sigterm(name: str) -> float:
    """Start a sync, `docker stop` it after its first STATE message; the seconds the stop took."""
    from airbyte_cdk.models import AirbyteMessageSerializer, Type

    image = image_of(name)
    connector = CONNECTORS[name]
    container = f"cdr-sigterm-{name}-{uuid.uuid4().hex[:8]}"
    with (
        emulator_process(connector.emulator, *connector.emulator_flags, *SLOW_EMULATOR) as (_, url),
        tempfile.TemporaryDirectory() as tmp,
    ):
        folder = Path(tmp)
        folder.chmod(0o755)
        (folder / "config.json").write_text(json.dumps(connector.config_for(url)))
        discovered = of_type(
            run_in_image(image, folder, "discover", "--config", "/data/config.json"), "CATALOG"
        )[0]["catalog"]["streams"]
        (folder / "catalog.json").write_text(json.dumps(full_refresh_catalog(discovered)))
        for path in folder.iterdir():
            path.chmod(0o644)
        process = subprocess.Popen(
            [
                "docker",
                "run",
                "--name",
                container,
                *LOCKED_DOWN,
                "--network",
                "host",
                "-v",
                f"{folder}:/data:ro",
            ]
            + [image, "read", "--config", "/data/config.json", "--catalog", "/data/catalog.json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert process.stdout is not None
        lines: list[bytes] = []
        first_state = threading.Event()

        def collect() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                lines.append(line)
                if b'"type":"STATE"' in line.replace(b" ", b""):
                    first_state.set()
            first_state.set()

        reader = threading.Thread(target=collect, daemon=True)
        reader.start()
        try:
            assert first_state.wait(300), f"{name}: no STATE message within 300 s"
            assert process.poll() is None, f"{name}: the sync ended before the signal; nothing was tested"
            started = time.monotonic()
            docker("stop", "--time", "10", container)
            seconds = time.monotonic() - started
            process.wait(30)
            reader.join(30)
            exit_code = int(docker("inspect", "--format", "{{.State.ExitCode}}", container).strip())
        finally:
            docker("rm", "--force", container, check=False)
            if process.poll() is None:
                process.kill()
    assert exit_code == 128 + signal.SIGTERM, (
        f"{name}: exit code {exit_code} after docker stop (137: SIGKILL after the grace period)"
    )
    # Killed mid-write, the connector may leave its very last line unfinished; every whole line must be a
    # valid Airbyte message, and every STATE one a stream state of a stream in the catalog.
    whole = [line for line in lines if line.endswith(b"\n")]
    states = 0
    for number, line in enumerate(whole, 1):
        try:
            message = AirbyteMessageSerializer.load(json.loads(line))
        except Exception as error:  # any way a line fails to be a message
            raise AssertionError(
                f"{name}: line {number} before the signal is no Airbyte message: {error}"
            ) from error
        if message.type == Type.STATE:
            assert message.state is not None and message.state.stream is not None, f"{name}: empty state"
            assert message.state.stream.stream_descriptor.name in {s["name"] for s in discovered}
            states += 1
    assert states >= 1, f"{name}: no whole STATE message before the signal"
    print(
        f"== {name}: docker stop ended the sync in {seconds:.2f} s with exit code {exit_code}; "
        f"{len(whole)} whole lines before it, {states} valid STATE messages"
    )
    return seconds


# --------------------------------------------------------------------------------- 8. code edit


def check_code_edit_rebuild(name: str, base: str) -> float:
    """Rebuild a copy of the connector folder with one edited line; only its own layer may change."""
    before = image_layers(image_of(name))
    package = name.replace("-", "_")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / name
        shutil.copytree(
            ROOT / name,
            copy,
            ignore=shutil.ignore_patterns(
                "secrets", "unit_tests", "integration_tests", "benchmarks", "__pycache__"
            ),
        )
        init = copy / package / "__init__.py"
        init.write_text(init.read_text() + "\n# a one-line code edit\n")
        seconds = build(name, base, copy)
    after = image_layers(image_of(name))
    assert after[:-1] == before[:-1], f"{name}: a code edit changed the dependency layers"
    assert after[-1] != before[-1], f"{name}: the code edit did not reach the connector layer"
    print(f"== {name}: a one-line code edit rebuilt only the connector layer in {seconds:.1f} s")
    return seconds


# ------------------------------------------------------------------------ 7. Airbyte's image tests

# The CDK's image tests (marker `image_tests`) that must have run and passed on every image, by scenario:
# `config` is secrets/config.json (the emulator), `invalid_config` must fail `check`, `sample_config` is
# the spec-only sample. The others skip by design (a scenario listed for other commands) or, offline, the
# spec backward-compatibility check (the connector registry cannot be reached).
REQUIRED_IMAGE_TESTS = {
    "test_docker_image_build_and_spec",
    "test_docker_image_build_and_check['config' Test Scenario]",
    "test_docker_image_build_and_check['invalid_config' Test Scenario]",
    "test_docker_image_build_and_config_matches_spec['sample_config' Test Scenario]",
    "test_docker_image_build_and_discover['config' Test Scenario]",
    "test_docker_image_build_and_read['config' Test Scenario]",
}


def passed_tests(junit_xml: Path) -> set[str]:
    """Names of the test cases that passed in the CDK's JUnit report."""
    import xml.etree.ElementTree as ElementTree

    assert junit_xml.is_file(), f"no test report at {junit_xml}"
    return {
        case.get("name", "")
        for case in ElementTree.parse(junit_xml).iter("testcase")
        if not any(case.find(outcome) is not None for outcome in ("skipped", "failure", "error"))
    }


# ------------------------------------------------------------------------------------------ main


class Checks:
    def __init__(self) -> None:
        self.passed = 0
        self.failed: list[str] = []

    def run(self, label: str, check: Callable[[], object]) -> object:
        try:
            result = check()
        except Exception as error:  # one failed check must not stop the others
            print(f"== {label}: FAILED: {error}", file=sys.stderr, flush=True)
            self.failed.append(label)
            return None
        print(f"== {label}: ok", flush=True)
        self.passed += 1
        return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("connectors", nargs="*", help="connector folders (default: all)")
    parser.add_argument(
        "--require-docker", action="store_true", help="fail instead of skipping without Docker"
    )
    parser.add_argument(
        "--build-only", action="store_true", help="prepare the contexts and build, run nothing"
    )
    parser.add_argument("--skip-cdk-tests", action="store_true", help="leave out Airbyte's image tests")
    args = parser.parse_args()
    names = args.connectors or sorted(CONNECTORS)
    # A SIGTERM (CI's timeout, a user's kill) still runs the `finally` blocks that remove the canaries.
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    checks = Checks()
    if not args.build_only:
        checks.run("base image pinned by digest, one source of truth", lambda: check_base_pinned(names))
        checks.run(
            "registry details (license, documentationUrl, repository)", lambda: check_registry_details(names)
        )

    reason = docker_available()
    if reason:
        banner = "!" * 78
        print(
            f"\n{banner}\n!! DOCKER TESTS SKIPPED: no Docker daemon ({reason}).\n"
            f"!! The images of {', '.join(names)} were NOT built or tested.\n{banner}\n",
            flush=True,
        )
        print(f"docker: {checks.passed} passed, {len(checks.failed)} failed")
        return 1 if args.require_docker or checks.failed else 0

    base, how = base_image(names)
    print(f"== base image: {how}", flush=True)
    build_seconds: dict[str, float] = {}
    with canaries(names) as token:
        if (
            checks.run("build contexts", lambda: load_context_module().prepare(names)) is None
            and checks.failed
        ):
            print(f"docker: {checks.passed} passed, {len(checks.failed)} failed")
            return 1
        for name in names:
            seconds = checks.run(f"{name}: airbyte-cdk image build", lambda name=name: build(name, base))
            if isinstance(seconds, float):
                build_seconds[name] = seconds
    built = [name for name in names if name in build_seconds]
    for name, seconds in build_seconds.items():
        print(f"== {name}: built in {seconds:.1f} s", flush=True)
    if args.build_only or not built:
        print(f"docker: {checks.passed} passed, {len(checks.failed)} failed")
        return 1 if checks.failed else 0

    images = [image_of(name) for name in built]
    base_layers = set(image_layers(base))

    def layers_shared() -> None:
        layers = {name: image_layers(image_of(name)) for name in built}
        first = layers[built[0]]
        base_list = image_layers(base)
        for name, own in layers.items():
            assert own[: len(base_list)] == base_list, f"{name} is not built on the pinned base {base}"
            assert own[:-1] == first[:-1], f"{name} does not share the dependency layers of {built[0]}"
        together = 0
        for index, name in enumerate(built):
            size = int(docker("image", "inspect", "--format", "{{.Size}}", image_of(name)))
            own = own_layer_size(image_of(name))
            together += size if index == 0 else own
            print(f"== {name}: image {size / 1e6:.0f} MB, of which its own layer {own / 1e6:.2f} MB")
        print(f"== the {len(built)} images together, by Docker's layer sizes: {together / 1e6:.0f} MB")

    def own_layer_size(image: str) -> int:
        history = docker("history", "--no-trunc", "--format", "{{.Size}}", "--human=false", image).split()
        return next(int(size) for size in history if int(size) > 0)

    def scan() -> None:
        total = scan_layers(images, token, base_layers)
        print(f"== the {len(images)} images together, as `docker save` writes them: {total / 1e6:.0f} MB")
        if len(images) == len(CONNECTORS):
            assert total < SIZE_BUDGET, f"the four images take {total / 1e6:.0f} MB, over 600 MB"

    checks.run("images share their base and dependency layers", layers_shared)
    checks.run(
        f"{built[0]}: plain docker build without the right CONNECTOR_NAME stops, naming it",
        lambda: check_connector_name_required(built[0], base),
    )
    checks.run("no canary, test, emulator or build file in any layer; size", scan)
    for name in built:
        checks.run(f"{name}: locked down, every command", lambda name=name: check_locked_down(name))
    for name in built:
        checks.run(f"{name}: SIGTERM ends a sync", lambda name=name: check_sigterm(name))
    if not args.skip_cdk_tests:
        for name in built:

            def cdk_image_tests(name: str = name) -> None:
                results = ROOT / name / "build" / "test-results" / "standard-tests-junit.xml"
                results.unlink(missing_ok=True)
                code = run_standard_tests(name, connector_image=image_of(name))
                assert code == 0, f"airbyte-cdk connector test (image tests) exited {code}"
                passed = passed_tests(results)
                missing = sorted(REQUIRED_IMAGE_TESTS - passed)
                assert not missing, f"these image tests did not pass (skipped or absent): {missing}"

            checks.run(f"{name}: Airbyte image tests", cdk_image_tests)
    checks.run(f"{built[0]}: code edit rebuild", lambda: check_code_edit_rebuild(built[0], base))
    # The edited copy took the tag: build the connector's own folder again (every layer from the cache).
    checks.run(f"{built[0]}: rebuild from its folder", lambda: build(built[0], base))
    print(f"docker: {checks.passed} passed, {len(checks.failed)} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
