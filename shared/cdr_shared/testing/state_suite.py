"""One suite for the state contract every connector keeps (architecture.md, "State"): a saved state in the
future or unparseable is a clear config error naming the cursor, raised before any request.

Usage, in the test file of a connector's incremental stream::

    class TestSavedState(SavedStateSuite):
        run = acefone.run            # a `cdr_shared.testing.output.StreamReader`
        cursor = acefone.CURSOR      # a `cdr_shared.testing.state_builder.StreamCursor`
        config_builder = acefone.config
        now = NOW
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, ClassVar

from airbyte_cdk.models import FailureType
from airbyte_cdk.test.mock_http import HttpMocker
from freezegun import freeze_time

from cdr_shared.testing.config_builder import ConfigBuilder
from cdr_shared.testing.output import StreamReader, assert_failed
from cdr_shared.testing.state_builder import StreamCursor


class SavedStateSuite:
    """The tests; a connector's `TestSavedState(SavedStateSuite)` names its reader, cursor, config and clock."""

    run: ClassVar[StreamReader]
    cursor: ClassVar[StreamCursor]
    config_builder: ClassVar[ConfigBuilder]
    now: ClassVar[str]
    future: ClassVar[str] = "2031-01-01T00:00:00+00:00"
    unparseable: ClassVar[Any] = "last tuesday"

    def clock(self) -> AbstractContextManager[Any]:
        return freeze_time(self.now)

    def read_from(self, value: Any) -> Any:
        with self.clock(), HttpMocker():  # any request would fail the test: none is mocked
            return self.run(
                self.config_builder.build(),
                self.cursor.stream,
                state=self.cursor.state_at(value),
                expect_failure=True,
            )

    def test_given_a_saved_state_in_the_future_when_read_then_a_config_error_before_any_request(self) -> None:
        assert_failed(self.read_from(self.future), FailureType.config_error, "future")

    def test_given_an_unparseable_saved_state_when_read_then_a_config_error_naming_the_cursor(self) -> None:
        assert_failed(self.read_from(self.unparseable), FailureType.config_error, f"'{self.cursor.field}'")
