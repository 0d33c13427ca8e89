"""Running a source in-process (`airbyte_cdk.test.entrypoint_wrapper`) and reading what it emitted::

    output = read_source(SourceX(), config, catalog_of_streams("calls"), expect_failure=True)
    first_error(output).failure_type == FailureType.config_error
    record_values(output, "callId") == ["a", "b"]
    "canary" not in everything_printed(output)

`everything_printed` serializes the messages as the connector prints them, for secret scans.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from airbyte_cdk.models import (
    AirbyteErrorTraceMessage,
    AirbyteMessageSerializer,
    ConfiguredAirbyteCatalog,
    FailureType,
    SyncMode,
)
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, ExpectedOutcome, read


def catalog_of_streams(
    *streams: str, sync_mode: SyncMode = SyncMode.incremental, full_refresh_only: Iterable[str] = ()
) -> ConfiguredAirbyteCatalog:
    """A configured catalog of `streams` in `sync_mode` (those in `full_refresh_only` in full refresh)."""
    plain = set(full_refresh_only)
    builder = CatalogBuilder()
    for name in streams:
        builder.with_stream(name, SyncMode.full_refresh if name in plain else sync_mode)
    return builder.build()


def read_source(
    source: Any,
    config: Any,
    catalog: ConfiguredAirbyteCatalog,
    state: Any = None,
    *,
    expect_failure: bool = False,
) -> EntrypointOutput:
    """`read` through the real entry point; a sync that must fail says so (`expect_failure`)."""
    outcome = ExpectedOutcome.EXPECT_EXCEPTION if expect_failure else ExpectedOutcome.EXPECT_SUCCESS
    return read(source, config, catalog, state, expected_outcome=outcome)


@dataclass(frozen=True)
class StreamReader:
    """A connector's `read`, the same call in every connector's tests::

        run = StreamReader(SourceAcefone, "call_records")
        run(config, state=state_at("2024-05-10T06:30:00+00:00"))
        run(config, "users", "accounts", expect_failure=True)

    The streams named (`default_stream` when none is) are read in `sync_mode`; where `incremental` names the
    only streams that have a cursor, the others are read in full refresh.
    """

    source_factory: Callable[[], Any]
    default_stream: str
    incremental: frozenset[str] | None = None

    def catalog(self, *streams: str, sync_mode: SyncMode = SyncMode.incremental) -> ConfiguredAirbyteCatalog:
        names = streams or (self.default_stream,)
        plain = set(names) - self.incremental if self.incremental is not None else ()
        return catalog_of_streams(*names, sync_mode=sync_mode, full_refresh_only=plain)

    def __call__(
        self,
        config: Any,
        *streams: str,
        state: Any = None,
        sync_mode: SyncMode = SyncMode.incremental,
        expect_failure: bool = False,
    ) -> EntrypointOutput:
        catalog = self.catalog(*streams, sync_mode=sync_mode)
        return read_source(self.source_factory(), config, catalog, state, expect_failure=expect_failure)


def first_error(output: EntrypointOutput) -> AirbyteErrorTraceMessage:
    """The first error trace of a run that must have failed."""
    assert output.errors, "the sync should have failed"
    return output.errors[0].trace.error


def assert_failed(
    output: EntrypointOutput, failure_type: FailureType, *words: str
) -> AirbyteErrorTraceMessage:
    """The run failed with `failure_type`, its first error's message naming each of `words`; that error."""
    error = first_error(output)
    assert error.failure_type == failure_type, error
    for word in words:
        assert word in (error.message or ""), error.message
    return error


def record_values(output: EntrypointOutput, field: str) -> list[Any]:
    """`field` of every record, in order (the ids a test expects)."""
    return [message.record.data[field] for message in output.records]


def warnings(output: EntrypointOutput) -> list[str]:
    """The WARN log lines of the run."""
    return [message.log.message for message in output.logs if message.log.level.name == "WARN"]


def everything_printed(output: EntrypointOutput) -> str:
    """Every message the run emitted, serialized as the connector prints it, as one text (for secret scans)."""
    return "\n".join(
        json.dumps(AirbyteMessageSerializer.dump(message), default=str)
        for message in output.get_message_iterator()
    )


def stream_schema(package: str, stream: str) -> dict[str, Any]:
    """The JSON schema a connector package declares for `stream` (`<package>/schemas/<stream>.json`)."""
    return json.loads((files(package) / "schemas" / f"{stream}.json").read_text(encoding="utf-8"))
