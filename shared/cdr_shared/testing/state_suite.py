"""One suite for the state contract every connector keeps (architecture.md, "State"): a saved state in the
future or unparseable is a clear config error naming the cursor, raised before any request.

Usage, in the test file of a connector's incremental stream::

    class TestSavedState(SavedStateSuite):
        builders = acefone    # the connector's `unit_tests/builders.py`

The suite reads the anatomy every connector's builders share: `run` (a `StreamReader`), `CURSOR` (a
`StreamCursor`), `config` (the valid `ConfigBuilder`) and `NOW` (the frozen instant; set `now` otherwise).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from types import ModuleType
from typing import Any, ClassVar

from airbyte_cdk.models import FailureType
from airbyte_cdk.test.mock_http import HttpMocker
from freezegun import freeze_time

from cdr_shared.testing.config_builder import ConfigBuilder
from cdr_shared.testing.output import StreamReader, assert_failed
from cdr_shared.testing.state_builder import StreamCursor


class SavedStateSuite:
    """The tests; a connector's `TestSavedState(SavedStateSuite)` names its reader, cursor, config and clock."""

    builders: ClassVar[ModuleType]
    now: ClassVar[str | None] = None
    future: ClassVar[str] = "2031-01-01T00:00:00+00:00"
    unparseable: ClassVar[Any] = "last tuesday"

    def clock(self) -> AbstractContextManager[Any]:
        return freeze_time(self.now or self.builders.NOW)

    @property
    def cursor(self) -> StreamCursor:
        return self.builders.CURSOR

    def read_from(self, value: Any) -> Any:
        run: StreamReader = self.builders.run
        config: ConfigBuilder = self.builders.config
        with self.clock(), HttpMocker():  # any request would fail the test: none is mocked
            return run(
                config.build(), self.cursor.stream, state=self.cursor.state_at(value), expect_failure=True
            )

    def test_given_a_saved_state_in_the_future_when_read_then_a_config_error_before_any_request(self) -> None:
        assert_failed(self.read_from(self.future), FailureType.config_error, "future")

    def test_given_an_unparseable_saved_state_when_read_then_a_config_error_naming_the_cursor(self) -> None:
        assert_failed(self.read_from(self.unparseable), FailureType.config_error, f"'{self.cursor.field}'")
