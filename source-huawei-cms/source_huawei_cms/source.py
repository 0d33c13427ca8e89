"""SourceHuaweiCms: wires the configuration to the streams; behaviour lives in `streams.py` and `calls.py`."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteStateMessage,
    AirbyteStateType,
    AirbyteStreamState,
    ConfiguredAirbyteCatalog,
    StreamDescriptor,
)
from airbyte_cdk.sources.streams import Stream

from cdr_shared.config_migration import ConfigModelSource
from cdr_shared.rate_budget import PatientAPIBudget, Quota
from cdr_shared.source import CdrSource
from source_huawei_cms.auth import authenticator_from_config
from source_huawei_cms.calls import Calls
from source_huawei_cms.config import CONFIG_MIGRATIONS, CmsConfig, parse_config
from source_huawei_cms.result_codes import PROVIDER
from source_huawei_cms.streams import CURSOR_FIELD, CallDetails, CallList

# Until 0.x the call list was the stream `calls`; that name is now the unified stream (cursor
# `started_at`). A saved state of the old `calls` (cursor `begin_at`) belongs to `call_list`.
RENAMED_STREAM = ("calls", "call_list")

# A per-second budget never makes a request wait long; a wait this long means the server answered 429
# again and again, and the sync is better ended (transient) than left hanging.
MAX_QUOTA_WAIT_SECONDS = 600.0


class SourceHuaweiCms(ConfigModelSource, CdrSource):
    """Huawei CEC CC-CMS: the calls of one VDN and, optionally, each call's detail record."""

    provider = PROVIDER
    parse_config = staticmethod(parse_config)
    config_migrations = CONFIG_MIGRATIONS

    def probe(self, config: Mapping[str, Any], logger: logging.Logger) -> None:
        """One request for a single inbound call of the last few minutes: proves URL, TLS, keys and tenant."""
        parsed = self.parsed_config(config)
        CallList(parsed, authenticator=authenticator_from_config(parsed)).probe()

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        parsed = self.parsed_config(config)
        authenticator = authenticator_from_config(parsed)
        budget = request_budget(parsed)
        call_list = CallList(parsed, authenticator=authenticator, api_budget=budget)
        streams: list[Stream] = [call_list]
        if parsed.include_call_details:
            details = CallDetails(parsed, parent=call_list, authenticator=authenticator, api_budget=budget)
            streams += [details, Calls(parsed, parent=details)]
        return streams

    def read(
        self,
        logger: logging.Logger,
        config: Mapping[str, Any],
        catalog: ConfiguredAirbyteCatalog,
        state: list[AirbyteStateMessage] | None = None,
    ) -> Iterator[AirbyteMessage]:
        yield from super().read(logger, config, catalog, carry_over_renamed_state(state, logger))


def carry_over_renamed_state(
    state: list[AirbyteStateMessage] | None, logger: logging.Logger
) -> list[AirbyteStateMessage] | None:
    """`state` with a 0.x `calls` state (one holding `begin_at`) moved to `call_list`.

    Only when `call_list` has no state of its own; the unified `calls` then starts as a first sync.
    """
    if not state:
        return state
    old, new = RENAMED_STREAM
    per_stream = {_stream_name(message): message for message in state}
    saved = per_stream.get(old)
    blob = _stream_state(saved)
    if saved is None or CURSOR_FIELD not in blob or new in per_stream:
        return state
    logger.info(
        f"The saved state of stream '{old}' holds '{CURSOR_FIELD}': it was saved by version 0.x, whose "
        f"'{old}' stream is now '{new}'; '{new}' resumes from it, and the new '{old}' stream starts afresh."
    )
    moved = AirbyteStateMessage(
        type=AirbyteStateType.STREAM,
        stream=AirbyteStreamState(
            stream_descriptor=StreamDescriptor(name=new), stream_state=saved.stream.stream_state
        ),
    )
    return [moved if message is saved else message for message in state]


def _stream_name(message: AirbyteStateMessage) -> str | None:
    stream = getattr(message, "stream", None)
    descriptor = getattr(stream, "stream_descriptor", None)
    return getattr(descriptor, "name", None)


def _stream_state(message: AirbyteStateMessage | None) -> dict[str, Any]:
    blob = getattr(getattr(message, "stream", None), "stream_state", None)
    if blob is None:
        return {}
    values = blob if isinstance(blob, Mapping) else vars(blob)
    return dict(values)


def request_budget(config: CmsConfig) -> PatientAPIBudget:
    """`advanced.requests_per_second` over every CC-CMS interface, spread evenly: one budget for both
    streams and every call-details worker."""
    return PatientAPIBudget(
        [Quota("request", config.requests_per_second, timedelta(seconds=1), r"/rest/cmsapp/", spread=True)],
        provider=PROVIDER,
        max_wait_seconds=MAX_QUOTA_WAIT_SECONDS,
        max_wait_field="advanced.requests_per_second",
    )
