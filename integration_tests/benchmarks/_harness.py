"""What every benchmark script shares: measuring a process, the command line, the result file.

The protocol `run.py` relies on (see README.md next to this file): a benchmark is a script in this
folder whose name does not start with `_`; run as `python <script> --json OUT [--repeats N]`, it writes
to OUT one JSON object `{"benchmark": name, "runs": [...], "checks": [...]}` and exits 0 when every
check passed. A run is one measured process:
`{"benchmark", "size", "variant", "repeat", "wall_s", "cpu_s", "peak_rss_mib", "records"}` where
`variant` is "connector", "floor" (the bare loop over the same answers) or a peer's name; `run.py`
groups runs by (benchmark, size, variant) and divides each variant's medians by the floor's.
A check is `{"benchmark", "name", "value", "limit", "ok"}` (a request count against a budget, say).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.request import urlopen

REPO_ROOT = Path(__file__).resolve().parents[2]
FLOORS = Path(__file__).with_name("_floors.py")
RECORD_PREFIX = b'{"type":"RECORD"'
RUNTIME_VENV = REPO_ROOT / ".bench" / "venv"


def runtime_bin() -> Path:
    """The `bin` of a virtual environment with the connectors and their runtime dependencies only, as an
    image installs them (`uv sync --no-dev` from the lock into `.bench/venv`): the development environment
    also holds PyAirbyte's dependencies (boto3 among them), which the CDK's `requests_cache` imports when
    present, a second of start-up users never pay. Falls back to this interpreter's environment, saying so."""
    uv = shutil.which("uv")
    command = [uv] if uv else ["python3", "-m", "uv"]
    environment = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(RUNTIME_VENV)}
    done = subprocess.run(
        [*command, "sync", "--all-packages", "--no-dev", "--frozen", "--quiet", "--compile-bytecode"],
        cwd=REPO_ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if done.returncode == 0 and (RUNTIME_VENV / "bin" / "python").exists():
        compile_workspace(RUNTIME_VENV / "bin" / "python")
        return RUNTIME_VENV / "bin"
    show(f"  (no runtime-only environment: {done.stderr.strip()[-300:]}; measuring {sys.prefix} instead)")
    return Path(sys.executable).parent


def compile_workspace(python: Path) -> None:
    """Byte-compile the workspace's own packages (installed editable, so `uv sync --compile-bytecode` leaves
    them out), as the image's `pip install --compile-bytecode` does: a measured run then loads every module
    from bytecode, as in the image, instead of compiling it at each start (PYTHONDONTWRITEBYTECODE, set in
    images and on some machines, keeps Python from caching what it compiles)."""
    packages = [REPO_ROOT / "shared" / "cdr_shared", *sorted(REPO_ROOT.glob("source-*/source_*"))]
    subprocess.run(
        [str(python), "-m", "compileall", "-q", *map(str, packages)], check=True, stdout=subprocess.DEVNULL
    )


BIN = runtime_bin() if os.environ.get("BENCH_ENVIRONMENT") != "development" else Path(sys.executable).parent
PYTHON = BIN / "python"


@dataclass
class Run:
    benchmark: str
    size: int
    variant: str
    repeat: int
    wall_s: float
    cpu_s: float
    peak_rss_mib: float
    records: int
    exit_code: int


def measure(benchmark: str, size: int, variant: str, repeat: int, command: Sequence[str]) -> Run:
    """Run `command`, count the RECORD lines it prints; wall time, CPU (user + system) and peak RSS
    of that process alone, from the kernel (`wait4`)."""
    with tempfile.TemporaryFile() as stderr:
        started = time.monotonic()
        process = subprocess.Popen(
            list(command), stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL, cwd=REPO_ROOT
        )
        assert process.stdout is not None
        records = 0
        for line in process.stdout:
            if line.startswith(RECORD_PREFIX):
                records += 1
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
        process.returncode = code = os.waitstatus_to_exitcode(status)
        if code != 0:
            stderr.seek(0)
            sys.stderr.write(stderr.read()[-3000:].decode("utf-8", "replace") + "\n")
    return Run(
        benchmark=benchmark,
        size=size,
        variant=variant,
        repeat=repeat,
        wall_s=round(wall, 3),
        cpu_s=round(usage.ru_utime + usage.ru_stime, 3),
        peak_rss_mib=round(usage.ru_maxrss / 1024, 1),  # Linux reports kilobytes
        records=records,
        exit_code=code,
    )


def alternate(
    benchmark: str, size: int, variants: dict[str, Sequence[str]], repeats: int, runs: list[Run]
) -> None:
    """Each variant `repeats` times, alternating (A B C A B C ...), so a busy moment hits all alike."""
    for repeat in range(1, repeats + 1):
        for variant, command in variants.items():
            run = measure(benchmark, size, variant, repeat, command)
            runs.append(run)
            show(
                f"  {benchmark} {size:>8} {variant:<10} #{repeat}: {run.wall_s:7.2f} s wall "
                f"{run.cpu_s:7.2f} s CPU {run.peak_rss_mib:6.1f} MiB {run.records} records"
                + ("" if run.exit_code == 0 else f" (exit code {run.exit_code})")
            )


def check(benchmark: str, name: str, value: float, limit: float) -> dict[str, Any]:
    """A measured figure against its budget (ok when value <= limit)."""
    ok = value <= limit
    show(f"  {benchmark} check {name}: {value} (limit {limit}) {'ok' if ok else 'OVER BUDGET'}")
    return {"benchmark": benchmark, "name": name, "value": value, "limit": limit, "ok": ok}


def arguments(description: str, default_repeats: int = 5) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--json", type=Path, help="write the runs and checks here")
    parser.add_argument("--repeats", type=int, default=default_repeats, help="runs of each variant")
    return parser.parse_args()


def finish(
    benchmark: str,
    args: argparse.Namespace,
    runs: list[Run],
    checks: list[dict[str, Any]],
    expected: Callable[[Run], bool],
) -> int:
    """Write the result file; 0 when every run exited 0 with the records it should have and checks passed."""
    failed = [run for run in runs if run.exit_code != 0 or not expected(run)]
    for run in failed:
        show(
            f"  {benchmark}: {run.variant} at {run.size} failed: exit {run.exit_code}, {run.records} records"
        )
    result = {"benchmark": benchmark, "runs": [asdict(run) for run in runs], "checks": checks}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1))
    return 0 if not failed and all(item["ok"] for item in checks) else 1


def show(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def read_command(connector: str, config: dict[str, Any], catalog: dict[str, Any], folder: Path) -> list[str]:
    """`source-x read` with `config` and `catalog` written into `folder`."""
    config_path, catalog_path = folder / f"{connector}-config.json", folder / f"{connector}-catalog.json"
    config_path.write_text(json.dumps(config))
    catalog_path.write_text(json.dumps(catalog))
    return [str(BIN / connector), "read", "--config", str(config_path), "--catalog", str(catalog_path)]


def catalog_of(*names: str, primary_key: list[list[str]] | None = None) -> dict[str, Any]:
    """A full-refresh catalog of the named streams."""
    streams = []
    for name in names:
        stream = {
            "name": name,
            "json_schema": {},
            "supported_sync_modes": ["full_refresh", "incremental"],
            "source_defined_primary_key": primary_key or [["id"]],
        }
        streams.append({"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "append"})
    return {"streams": streams}


def control(url: str, name: str) -> Any:
    """An emulator control endpoint's JSON (`stats`, `requests`)."""
    with urlopen(f"{url}/__control/{name}", timeout=30) as answer:  # noqa: S310 (127.0.0.1 only)
        return json.loads(answer.read())


def reset(url: str) -> None:
    with urlopen(f"{url}/__control/reset", data=b"{}", timeout=30):  # noqa: S310 (127.0.0.1 only)
        pass


@contextmanager
def emulator(name: str, *flags: str, timeout: float = 300):
    """An emulator in its own process (its CPU is not the connector's); yields its base URL."""
    sys.path.insert(0, str(REPO_ROOT))
    from integration_tests.emulators.testing import start_emulator_process, stop_emulator_process

    process, url = start_emulator_process(name, *flags, timeout=timeout)
    try:
        yield url
    finally:
        stop_emulator_process(process)
