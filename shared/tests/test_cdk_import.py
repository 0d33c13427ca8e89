"""`cdr_shared.cdk_import`: a connector starts without the CDK's package `__init__`, and nothing that needs it
goes without it (each case runs in a fresh interpreter: it is about what an import does)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from cdr_shared.cdk_import import lazy_attributes


def run_python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_a_source_imports_without_the_package_init_and_gets_it_on_first_use_of_its_names():
    out = run_python(
        """
        import sys
        from cdr_shared.cdk_import import cdk_package_initialised, defer_cdk_package_init
        assert defer_cdk_package_init()
        import airbyte_cdk.sources.utils.casing as casing  # the form that reaches into a half-imported parent
        from airbyte_cdk.sources import AbstractSource
        from cdr_shared.entrypoint import launch
        lean = sum(1 for name in sys.modules if name.startswith("airbyte_cdk"))
        assert not cdk_package_initialised()
        assert "airbyte_cdk.sources.declarative.manifest_declarative_source" not in sys.modules
        import airbyte_cdk
        from airbyte_cdk import AbstractSource as Exported, models
        assert Exported is AbstractSource and models is sys.modules["airbyte_cdk.models"]
        assert cdk_package_initialised() and airbyte_cdk.__version__
        full = sum(1 for name in sys.modules if name.startswith("airbyte_cdk"))
        print(lean, full)
        """
    )
    lean, full = map(int, out.split())
    assert lean < full / 2


def test_nothing_is_deferred_once_the_cdk_was_imported():
    assert (
        run_python(
            """
        import airbyte_cdk
        from cdr_shared.cdk_import import cdk_package_initialised, defer_cdk_package_init
        print(defer_cdk_package_init(), cdk_package_initialised())
        """
        )
        == "False True"
    )


def test_an_unknown_name_of_the_deferred_package_is_an_attribute_error():
    assert (
        run_python(
            """
        from cdr_shared.cdk_import import defer_cdk_package_init
        defer_cdk_package_init()
        import airbyte_cdk
        try:
            airbyte_cdk.no_such_name
        except AttributeError as error:
            print("no_such_name" in str(error))
        """
        )
        == "True"
    )


def test_lazy_attributes_import_the_named_class_on_first_use():
    get = lazy_attributes("pkg", OrderedDict="collections")
    from collections import OrderedDict

    assert get("OrderedDict") is OrderedDict
    with pytest.raises(AttributeError, match="'pkg' has no attribute 'Other'"):
        get("Other")
