"""`CdrSource`: what every connector's source shares, so its `source.py` only wires streams.

- `check` validates the configuration and makes the cheapest request that proves it (`probe`), answering
  within a minute (`http_errors.check_budget`). A FAILED status carries the message as it is (the CDK
  would print its `repr`), naming the field to fix or quoting the provider's last answer
  (`check_status.failed_check_message`).
- `read` reads a detail stream after the stream it reads (`WindowedDetailStream.parent`), whatever the
  catalog's order, so the child replays the parent's windows and the provider is asked for them once.
  A parent keeps its records for that replay only when such a child is in the sync's catalog. A state
  saved under a stream's old name (`renamed_streams`) is carried over to its new name first.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from contextlib import suppress
from typing import Any

from airbyte_cdk.models import (
    AirbyteConnectionStatus,
    AirbyteMessage,
    AirbyteStateMessage,
    ConfiguredAirbyteCatalog,
    Status,
)
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdr_shared.check_status import failed_check_message, failed_status
from cdr_shared.renamed_streams import RenamedStream, carry_over_renamed_states
from cdr_shared.windowed_stream import STREAMS_IN_SYNC, WindowedDetailStream


class CdrSource(AbstractSource, ABC):
    """A CDR connector's source: `provider` names the platform in messages; `probe` is its check request."""

    provider: str = ""
    renamed_streams: tuple[RenamedStream, ...] = ()
    """Streams renamed since an earlier version, whose saved state `read` carries over."""

    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        succeeded, message = self.check_connection(logger, config)
        return AirbyteConnectionStatus(status=Status.SUCCEEDED) if succeeded else failed_status(str(message))

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> tuple[bool, Any]:
        try:
            self.probe(config, logger)
        except AirbyteTracedException as error:
            return False, failed_check_message(self.provider, error)
        return True, None

    @abstractmethod
    def probe(self, config: Mapping[str, Any], logger: logging.Logger) -> None:
        """Validate `config`, then prove URL, credentials and account with the cheapest request that can
        (raising `AirbyteTracedException` when it cannot)."""

    def read(
        self,
        logger: logging.Logger,
        config: Mapping[str, Any],
        catalog: ConfiguredAirbyteCatalog,
        state: list[AirbyteStateMessage] | None = None,
    ) -> Iterator[AirbyteMessage]:
        token = STREAMS_IN_SYNC.set(frozenset(configured.stream.name for configured in catalog.streams))
        try:
            state = carry_over_renamed_states(state, self.renamed_streams, logger)
            yield from super().read(logger, config, parents_first(catalog, self.streams(config)), state)
        finally:
            with suppress(ValueError):  # a generator closed from another context: that context never saw it
                STREAMS_IN_SYNC.reset(token)


def parents_first(catalog: ConfiguredAirbyteCatalog, streams: Iterable[Stream]) -> ConfiguredAirbyteCatalog:
    """`catalog` with every detail stream after the stream it reads (otherwise in the catalog's order)."""
    depth = {}
    for stream in streams:
        level, ancestor = 0, stream
        while isinstance(ancestor, WindowedDetailStream):
            level, ancestor = level + 1, ancestor.parent
        depth[stream.name] = level
    ordered = sorted(catalog.streams, key=lambda configured: depth.get(configured.stream.name, 0))
    return ConfiguredAirbyteCatalog(streams=ordered)
