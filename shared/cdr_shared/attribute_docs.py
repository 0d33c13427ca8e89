"""The attribute docstrings `serpyco_rs` reads while the CDK builds its protocol serializers, at a fraction of the cost.

`import airbyte_cdk.models` builds eight `serpyco_rs.Serializer`s, and each describes its dataclasses with the
attribute docstrings of every class in their method resolution order (`attributes_doc.get_attributes_doc`).
That function reads each class with `inspect.getsource`, which, for a class, parses the *whole module* it is
in: the protocol's two modules are parsed once for each of their classes and the standard library's `enum.py`
once for every enum, about 64 module parses and half a second of CPU at every start of every connector
(`spec`, `check`, `discover` and `read` alike), and a few MiB more at the peak.

`get_attributes_doc` here gives the same answer (`shared/tests/test_attribute_docs.py` compares them) but
parses each source file once: it finds the class the way `inspect.getsource` does (by `__qualname__`, the
first definition in the file) and reads the same `name: type` + docstring-expression pairs of its body. A class
it cannot place in a file (built in, or made at run time) goes through the original per-class logic.
`install()`, called by a connector's console entry point before the CDK is imported
(`cdr_shared.cdk_import.launch_source`), puts it where `serpyco_rs` takes it from.
"""

from __future__ import annotations

import ast
import inspect
import linecache
import sys
import textwrap
from functools import lru_cache
from typing import Any

import attributes_doc  # serpyco_rs's own dependency, so always beside the CDK

# `serpyco_rs._utils` binds `attributes_doc.get_attributes_doc` when it is first imported.
_BINDS_AT_IMPORT = "serpyco_rs._utils"


def _docs_of_body(body: list[ast.stmt]) -> dict[str, str]:
    """`name = ...` or `name: type = ...` followed by a string expression: `{name: that string}`."""
    found: dict[str, str] = {}
    for statement, following in zip(body, body[1:], strict=False):
        if not isinstance(statement, (ast.Assign, ast.AnnAssign)) or not isinstance(following, ast.Expr):
            continue
        value = following.value
        if isinstance(value, ast.JoinedStr):
            raise attributes_doc.FStringFound  # as the original does, so callers that catch it still do
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            targets = [statement.target] if isinstance(statement, ast.AnnAssign) else statement.targets
            for target in targets:
                if isinstance(target, ast.Name):
                    found[target.id] = value.value
    return found


@lru_cache(maxsize=64)
def _classes_in(filename: str) -> dict[str, ast.ClassDef]:
    """Every class defined in a source file, by qualified name (the first definition of each name, as
    `inspect.getsource` finds it: a function's classes under `<locals>`)."""
    tree = ast.parse("".join(linecache.getlines(filename)))
    classes: dict[str, ast.ClassDef] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                name = f"{prefix}{child.name}"
                classes.setdefault(name, child)
                visit(child, f"{name}.")
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, f"{prefix}{child.name}.<locals>.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return classes


def _class_docs(cls: type) -> dict[str, str] | None:
    """One class's own attribute docstrings; None where `inspect.getsource` finds no source for it."""
    try:
        filename = inspect.getsourcefile(cls)
        node = _classes_in(filename).get(cls.__qualname__) if filename else None
    except (TypeError, OSError, SyntaxError):
        node = None
    if node is None:
        return _class_docs_as_attributes_doc_reads_them(cls)
    return _docs_of_body(node.body)


def _class_docs_as_attributes_doc_reads_them(cls: type) -> dict[str, str] | None:
    try:
        source = inspect.getsource(cls)
    except (TypeError, OSError):
        return None
    module = ast.parse(textwrap.dedent(source))
    node = module.body[0]
    return _docs_of_body(node.body) if isinstance(node, ast.ClassDef) else None


def get_attributes_doc(cls: type) -> dict[str, str]:
    """`attributes_doc.get_attributes_doc`: attribute name -> docstring, over the class and its bases."""
    result: dict[str, str] = {}
    for parent in reversed(cls.mro()):
        docs = _class_docs(parent)
        if docs:
            result.update(docs)
    return result


def install() -> bool:
    """Have `serpyco_rs` use `get_attributes_doc` from here. Only before it is imported (it binds the function
    then); returns whether it was installed."""
    if _BINDS_AT_IMPORT in sys.modules:
        return False
    module: Any = attributes_doc
    module.get_attributes_doc = get_attributes_doc
    return True
