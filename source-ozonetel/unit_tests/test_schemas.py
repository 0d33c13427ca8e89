"""Every stream's schema types each field once: what a destination builds its columns from."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from airbyte_cdk.test.entrypoint_wrapper import discover

from cdr_shared.calls import CALLS_SCHEMA
from source_ozonetel import SourceOzonetel
from unit_tests import builders as ozonetel

EVERY_STREAM = ozonetel.config.with_cdr_reports("basic")(include_call_details=True)


def discovered() -> dict[str, dict[str, Any]]:
    catalog = discover(SourceOzonetel(), EVERY_STREAM).catalog.catalog
    return {stream.name: stream.json_schema for stream in catalog.streams}


def properties(schema: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    for name, prop in schema.get("properties", {}).items():
        yield f"{path}{name}", prop
        yield from properties(prop, f"{path}{name}.")
        if isinstance(prop.get("items"), dict):
            yield from properties(prop["items"], f"{path}{name}[].")


def test_every_stream_is_discovered_with_calls_in_the_shared_schema():
    schemas = discovered()
    assert sorted(schemas) == ["agent_state_summary", "call_details", "call_logs", "calls", "cdr_reports"]
    assert schemas["calls"] == CALLS_SCHEMA


def test_no_field_of_any_stream_is_untyped_or_a_union_of_two_types():
    wrong = []
    for stream, schema in discovered().items():
        for name, prop in properties(schema):
            types = prop.get("type")
            types = types if isinstance(types, list) else [types]
            if len([t for t in types if t not in ("null", None)]) != 1:
                wrong.append(f"{stream}.{name}: {prop.get('type')}")
    assert wrong == []


def test_every_date_time_field_says_whether_it_carries_a_zone():
    for stream, schema in discovered().items():
        for name, prop in properties(schema):
            if prop.get("format") == "date-time":
                assert prop.get("airbyte_type") == "timestamp_with_timezone", f"{stream}.{name}"


def test_no_stream_closes_its_schema_as_airbyte_s_standard_tests_require():
    for stream, schema in discovered().items():
        closed = [name for name, prop in properties(schema) if prop.get("additionalProperties") is False]
        assert schema.get("additionalProperties") is not False and closed == [], stream
