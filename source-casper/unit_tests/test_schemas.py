"""Every discovered schema is typed: one JSON type per property (besides null), date-times marked as such,
and `calls` exactly the shared schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from airbyte_cdk.test.entrypoint_wrapper import discover

from cdr_shared.calls import CALLS_SCHEMA
from source_casper import SourceCasper
from unit_tests import builders as ringcx

TIMESTAMP_NAMES = ("_at", "_local", "Date")


def discovered() -> dict[str, dict[str, Any]]:
    output = discover(SourceCasper(), ringcx.config())
    return {stream.name: stream.json_schema for stream in output.catalog.catalog.streams}


def properties(schema: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property at any depth (object properties and array items), with its path."""
    for name, prop in schema.get("properties", {}).items():
        yield f"{path}{name}", prop
        yield from properties(prop, f"{path}{name}.")
        items = prop.get("items")
        if isinstance(items, dict):
            yield from properties(items, f"{path}{name}[].")


def test_no_property_of_any_stream_has_two_non_null_types_or_no_type():
    schemas = discovered()
    assert set(schemas) == {
        "accounts",
        "users",
        "cloud_profiles",
        "cloud_destinations",
        "call_detail_report",
        "calls",
        "queue_stats",
        "agent_stats",
        "interaction_metadata",
    }
    for stream, schema in schemas.items():
        for path, prop in properties(schema):
            types = prop.get("type")
            assert types is not None, f"{stream}.{path} has no type"
            types = types if isinstance(types, list) else [types]
            assert len([t for t in types if t != "null"]) == 1, f"{stream}.{path}: {types}"


def test_date_time_fields_carry_the_format_and_the_airbyte_timestamp_type():
    stamped = []
    for stream, schema in discovered().items():
        for path, prop in properties(schema):
            if path.endswith(TIMESTAMP_NAMES):
                assert prop.get("format") == "date-time", f"{stream}.{path}"
                assert prop.get("airbyte_type") == "timestamp_with_timezone", f"{stream}.{path}"
                stamped.append(f"{stream}.{path}")
    assert {
        "call_detail_report.enqueue_at",
        "call_detail_report.dequeue_local",
        "accounts.startDate",
        "accounts.endDate",
        "users.creationDate",
        "calls.started_at",
    } <= set(stamped)


def test_calls_is_the_shared_schema_unchanged():
    assert discovered()["calls"] == CALLS_SCHEMA
