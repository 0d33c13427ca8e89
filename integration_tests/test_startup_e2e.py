"""The console scripts start without the CDK's package `__init__` (`cdr_shared.cdk_import`): what they print
is exactly what they print when the whole CDK was imported first (spec of every connector; check with an
unusable config and discover, for one)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CONNECTORS = {
    "source-acefone": "source_acefone",
    "source-casper": "source_casper",
    "source-huawei-cms": "source_huawei_cms",
    "source-ozonetel": "source_ozonetel",
}
_EMITTED_AT = re.compile(r'"emitted_at":[0-9.]+')


def outputs(connector: str, *args: str) -> tuple[str, str]:
    """(as the console script prints it, as it prints with the CDK's package imported first)."""
    package = CONNECTORS[connector]
    full = f"import sys, airbyte_cdk; from {package}.run import run; sys.argv[0] = {connector!r}; run()"
    printed = []
    for command in ([str(BIN / connector), *args], [sys.executable, "-c", full, *args]):
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=REPO_ROOT)
        printed.append(f"exit {done.returncode}\n" + _EMITTED_AT.sub('"emitted_at":0', done.stdout))
    return printed[0], printed[1]


@pytest.mark.parametrize("connector", CONNECTORS)
def test_spec_prints_the_same_with_and_without_the_cdk_package_imported(connector):
    lean, full = outputs(connector, "spec")
    assert lean == full
    assert '"type":"SPEC"' in lean


def test_check_and_discover_print_the_same_with_and_without_the_cdk_package_imported(tmp_path):
    config = json.loads((REPO_ROOT / "source-acefone/integration_tests/sample_config.json").read_text())
    good = tmp_path / "config.json"
    good.write_text(json.dumps(config))
    unusable = tmp_path / "unusable.json"
    unusable.write_text(json.dumps({**config, "start_date": "not a date"}))
    lean, full = outputs("source-acefone", "check", "--config", str(unusable))
    assert lean == full and "start_date" in lean
    lean, full = outputs("source-acefone", "discover", "--config", str(good))
    assert lean == full and '"type":"CATALOG"' in lean
