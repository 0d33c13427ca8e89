"""`cdr_shared.attribute_docs`: the same attribute docstrings as `attributes_doc` for every class the CDK's
protocol serializers describe (and the odd shapes a class can have), and `launch_source` installs it before
`serpyco_rs` binds the original."""

from __future__ import annotations

import dataclasses
import enum
import subprocess
import sys
import textwrap

import airbyte_protocol_dataclasses.models.airbyte_protocol as protocol
import pytest
from attributes_doc._base import FStringFound
from attributes_doc._base import get_attributes_doc as original

from cdr_shared import attribute_docs
from cdr_shared.attribute_docs import get_attributes_doc


@dataclasses.dataclass
class Documented:
    plain: int = 1
    """A plain field."""
    second = "x"
    """An assignment without annotation."""
    undocumented: str = ""
    number: int = 0
    42  # noqa: B018 - a non-string expression is no docstring


class Derived(Documented):
    plain: int = 2
    """Overridden in the subclass."""

    class Inner:
        depth: int = 0
        """A nested class's field."""


class Colour(str, enum.Enum):
    RED = "red"
    """The red one."""
    BLUE = "blue"


def class_made_in_a_function() -> type:
    class Local:
        field: int = 0
        """A local class's field."""

    return Local


def protocol_classes() -> list[type]:
    return [
        value
        for value in vars(protocol).values()
        if isinstance(value, type) and value.__module__ == protocol.__name__
    ]


@pytest.mark.parametrize(
    "cls",
    [Documented, Derived, Derived.Inner, Colour, class_made_in_a_function(), int, dict, enum.Enum],
    ids=lambda cls: cls.__qualname__,
)
def test_same_docs_as_attributes_doc_for_every_shape_of_class(cls):
    assert get_attributes_doc(cls) == original(cls)


def test_same_docs_as_attributes_doc_for_every_airbyte_protocol_class():
    classes = protocol_classes()
    assert len(classes) > 40
    for cls in classes:
        assert get_attributes_doc(cls) == original(cls), cls.__qualname__


def test_documented_fields_are_read_from_the_class_and_its_bases():
    assert get_attributes_doc(Derived) == {
        "plain": "Overridden in the subclass.",
        "second": "An assignment without annotation.",
    }


def test_an_f_string_docstring_is_refused_as_attributes_doc_refuses_it(tmp_path, monkeypatch):
    module = tmp_path / "fstring_doc_module.py"
    module.write_text('name = "x"\n\nclass Shouty:\n    field: int = 0\n    f"""{name}"""\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    import fstring_doc_module

    with pytest.raises(FStringFound):
        original(fstring_doc_module.Shouty)
    with pytest.raises(FStringFound):
        get_attributes_doc(fstring_doc_module.Shouty)


def test_a_class_defined_twice_gets_the_first_definition_as_inspect_finds_it(tmp_path, monkeypatch):
    module = tmp_path / "twice_module.py"
    module.write_text(
        "import sys\n"
        "if sys.version_info >= (3,):\n"
        '    class Twice:\n        a: int = 0\n        """first"""\n'
        "else:\n"
        '    class Twice:\n        b: int = 0\n        """second"""\n'
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import twice_module

    assert get_attributes_doc(twice_module.Twice) == original(twice_module.Twice) == {"a": "first"}


def test_launch_source_installs_it_before_the_serializers_are_built_and_they_serialize_as_before():
    code = textwrap.dedent(
        """
        import sys
        from cdr_shared import attribute_docs
        from cdr_shared.cdk_import import defer_cdk_package_init
        defer_cdk_package_init()
        assert attribute_docs.install()
        from airbyte_cdk.models import AirbyteMessageSerializer, ConnectorSpecificationSerializer
        import serpyco_rs._utils
        assert serpyco_rs._utils.get_attributes_doc.__wrapped__ is attribute_docs.get_attributes_doc
        assert not attribute_docs.install()  # too late once serpyco_rs has bound it
        message = {"type": "LOG", "log": {"level": "INFO", "message": "hello"}}
        print(AirbyteMessageSerializer.dump(AirbyteMessageSerializer.load(message)) == message)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "True"


def test_install_is_refused_once_serpyco_rs_is_imported():
    import serpyco_rs._utils  # noqa: F401 - imported by the CDK in this test process already

    assert attribute_docs.install() is False
