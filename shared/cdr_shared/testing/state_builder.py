"""A state builder: the saved state a test resumes from, for the in-process entry point or a `--state` file::

    StateBuilder().with_cursor("call_records", "started_at", "2024-05-10T06:30:00+00:00").build()
    StateBuilder().with_stream_state("calls", {"begin_at": None}).build_file()   # for `--state`

`cursor_values(output, "started_at")` reads the states a run emitted back, one value per state message.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from airbyte_cdk.models import AirbyteStateMessage
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput
from airbyte_cdk.test.state_builder import StateBuilder as _CdkStateBuilder


class StateBuilder:
    """Per-stream states, in the order given."""

    def __init__(self) -> None:
        self._streams: list[tuple[str, Any]] = []

    def with_stream_state(self, stream: str, state: Any) -> StateBuilder:
        """`stream`'s whole state object."""
        self._streams.append((stream, copy.deepcopy(state)))
        return self

    def with_cursor(self, stream: str, cursor_field: str, value: Any) -> StateBuilder:
        """`stream`'s state holding one cursor value (the shape every windowed stream here saves)."""
        return self.with_stream_state(stream, {cursor_field: value})

    def build(self) -> list[AirbyteStateMessage]:
        """State messages for `airbyte_cdk.test.entrypoint_wrapper.read`."""
        builder = _CdkStateBuilder()
        for stream, state in self._streams:
            builder.with_stream_state(stream, state)
        return builder.build()

    def build_file(self) -> list[dict[str, Any]]:
        """The content of a `--state` file (JSON-ready dicts)."""
        return [
            {"type": "STREAM", "stream": {"stream_descriptor": {"name": stream}, "stream_state": state}}
            for stream, state in self._streams
        ]


@dataclass(frozen=True)
class StreamCursor:
    """A stream's cursor field: the saved states a test resumes from, and the values a run saved.

    CURSOR = StreamCursor("call_records", "started_at")
    CURSOR.state_at("2024-05-10T06:30:00+00:00")    # resume from there
    CURSOR.values(output)                            # what each state message of the run holds
    """

    stream: str
    field: str

    def state_at(self, value: Any, stream: str | None = None) -> list[AirbyteStateMessage]:
        """The saved state of this stream (or `stream`, keeping the same cursor field) at `value`."""
        return cursor_state(stream or self.stream, self.field, value)

    def values(self, output: EntrypointOutput) -> list[Any]:
        return cursor_values(output, self.field)


def cursor_state(stream: str, cursor_field: str, value: Any) -> list[AirbyteStateMessage]:
    """The saved state of one stream with one cursor value."""
    return StateBuilder().with_cursor(stream, cursor_field, value).build()


def cursor_values(output: EntrypointOutput, cursor_field: str) -> list[Any]:
    """The cursor value of every state message the run emitted, in order (None where a state has none)."""
    return [getattr(m.state.stream.stream_state, cursor_field, None) for m in output.state_messages]
