"""A stream renamed between versions keeps its saved state: `RenamedStream`, applied by `CdrSource.read`.

When a release renames a stream and gives its old name to a new stream, a connection's saved state still
holds the old stream's cursor under the old name. A source declares the rename once
(`CdrSource.renamed_streams`); before reading, a state saved under the old name that holds the old
cursor field is moved to the new name, unless the new name has a state of its own (then it was already
carried over, and the new stream of the old name starts afresh).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from airbyte_cdk.models import AirbyteStateMessage, AirbyteStateType, AirbyteStreamState, StreamDescriptor


@dataclass(frozen=True)
class RenamedStream:
    """The stream `old` of `version` is now `new`; its state is known by holding `cursor_field`."""

    old: str
    new: str
    cursor_field: str
    version: str


def carry_over_renamed_states(
    state: list[AirbyteStateMessage] | None, renames: Iterable[RenamedStream], logger: logging.Logger
) -> list[AirbyteStateMessage] | None:
    """`state` with each renamed stream's saved state moved to its new name (see the module docstring)."""
    for rename in renames:
        if not state:
            return state
        per_stream = {_stream_name(message): message for message in state}
        saved = per_stream.get(rename.old)
        if saved is None or rename.cursor_field not in _stream_state(saved) or rename.new in per_stream:
            continue
        logger.info(
            f"The saved state of stream '{rename.old}' holds '{rename.cursor_field}': it was saved by version "
            f"{rename.version}, whose '{rename.old}' stream is now '{rename.new}'; '{rename.new}' resumes "
            f"from it, and the new '{rename.old}' stream starts afresh."
        )
        moved = AirbyteStateMessage(
            type=AirbyteStateType.STREAM,
            stream=AirbyteStreamState(
                stream_descriptor=StreamDescriptor(name=rename.new), stream_state=saved.stream.stream_state
            ),
        )
        state = [moved if message is saved else message for message in state]
    return state


def _stream_name(message: AirbyteStateMessage) -> str | None:
    stream = getattr(message, "stream", None)
    descriptor = getattr(stream, "stream_descriptor", None)
    return getattr(descriptor, "name", None)


def _stream_state(message: AirbyteStateMessage) -> Mapping[str, Any]:
    blob = getattr(getattr(message, "stream", None), "stream_state", None)
    if blob is None:
        return {}
    return blob if isinstance(blob, Mapping) else vars(blob)
