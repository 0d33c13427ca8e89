"""Starting a connector without the CDK's package `__init__`, which imports the whole CDK.

`import airbyte_cdk.sources` runs `airbyte_cdk/__init__.py` first, and that file imports nearly everything the
CDK has (the declarative framework, destinations, file-based sources...): about 250 modules a connector built
on `AbstractSource` and `HttpStream` never uses, close to a second of CPU and 25 MiB at every start
(`integration_tests/benchmarks/startup.py` measures it). `defer_cdk_package_init()`, called by a connector's
console entry point before it imports anything of the CDK, registers the package without running its
`__init__`: the submodules the connector imports load as usual (each with its own imports and side effects),
and the first use of a name the package itself defines (`from airbyte_cdk import AbstractSource`,
`airbyte_cdk.__version__`) runs the real `__init__` then, so nothing that needs it goes without.

`launch_source` also has the CDK's protocol serializers built with `cdr_shared.attribute_docs`, which reads
the same attribute docstrings as `serpyco_rs` would, parsing each source file once instead of once per class.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

from cdr_shared import attribute_docs

PACKAGE = "airbyte_cdk"


def defer_cdk_package_init() -> bool:
    """Register `airbyte_cdk` with its `__init__` deferred to the first use of one of its own names.

    Does nothing (returns False) when the package was imported already or cannot be found."""
    if PACKAGE in sys.modules:
        return False
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return False
    package = importlib.util.module_from_spec(spec)
    lock = threading.RLock()
    state = {"initialised": False}

    def __getattr__(name: str) -> Any:  # PEP 562: only for names the module does not have (yet)
        submodule = sys.modules.get(f"{PACKAGE}.{name}")
        if submodule is not None:  # `import airbyte_cdk.x.y as z` while `x` is still being imported
            return submodule
        if _is_submodule(spec.submodule_search_locations, name):  # type: ignore[arg-type]
            raise AttributeError(
                f"module {PACKAGE!r} has no attribute {name!r} (a submodule not imported yet)"
            )
        with lock:
            if not state["initialised"]:
                state["initialised"] = True
                spec.loader.exec_module(package)  # type: ignore[union-attr]
                if name in package.__dict__:
                    return package.__dict__[name]
        raise AttributeError(f"module {PACKAGE!r} has no attribute {name!r}")

    package.__getattr__ = __getattr__  # type: ignore[method-assign]
    sys.modules[PACKAGE] = package
    return True


def _is_submodule(locations: list[str], name: str) -> bool:
    return any(
        (Path(folder) / name).is_dir() or (Path(folder) / f"{name}.py").is_file() for folder in locations
    )


def cdk_package_initialised(package: ModuleType | None = None) -> bool:
    """Whether the CDK's package `__init__` has run (for tests and the startup benchmark)."""
    package = package or sys.modules.get(PACKAGE)
    return package is not None and "__version__" in package.__dict__


def launch_source(source: str, args: list[str] | None = None) -> None:
    """A connector's console entry point: `source` is `"package.module:SourceClass"`, imported (with the CDK's
    package `__init__` deferred) and run by `cdr_shared.entrypoint.launch` with `args` (default: `sys.argv[1:]`)."""
    defer_cdk_package_init()
    attribute_docs.install()  # before the CDK builds its protocol serializers
    from cdr_shared.entrypoint import launch

    module_name, _, class_name = source.partition(":")
    source_class = getattr(importlib.import_module(module_name), class_name)
    launch(source_class(), sys.argv[1:] if args is None else args)


def lazy_attributes(package: str, **modules: str) -> Any:
    """A PEP 562 `__getattr__` for a connector package: each name is imported from its module on first use
    (`__getattr__ = lazy_attributes(__name__, SourceX="source_x.source")`), so importing the package to reach
    its console entry point imports no CDK module yet."""

    def __getattr__(name: str) -> Any:
        if name in modules:
            return getattr(importlib.import_module(modules[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
