"""Across the four connectors, as `discover` prints them: one `calls` schema, and typed schemas everywhere.

A contact centre unions the `calls` tables of two providers as they are only if every connector
discovers the very same `calls` stream (schema, primary key, cursor), and a warehouse column has one
type only if no schema property allows two non-null types (PyAirbyte's "Could not determine airbyte
type" otherwise).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from cdr_shared.calls import CALLS_CURSOR_FIELD, CALLS_PRIMARY_KEY, CALLS_SCHEMA
from cdr_shared.testing.console import discover_once
from integration_tests.connectors import CONNECTORS

# discover makes no request; a loopback URL nobody answers on is a valid base_url for every connector.
NOWHERE = "http://127.0.0.1:9"


def discovered_streams(connector: str) -> dict[str, dict[str, Any]]:
    run = discover_once(connector, CONNECTORS[connector].config_for(NOWHERE))
    assert run.returncode == 0, run.stderr[-2000:]
    return {stream["name"]: stream for stream in run.of_type("CATALOG")[0]["catalog"]["streams"]}


def test_every_connector_discovers_the_same_calls_stream_byte_for_byte():
    shapes = {}
    for connector in sorted(CONNECTORS):
        calls = discovered_streams(connector).get("calls")
        assert calls is not None, f"{connector} discovers no `calls` stream"
        shapes[connector] = json.dumps(
            {
                "json_schema": calls["json_schema"],
                "primary_key": calls.get("source_defined_primary_key"),
                "cursor": calls.get("default_cursor_field"),
                "sync_modes": sorted(calls["supported_sync_modes"]),
            }
        )
    expected = json.dumps(
        {
            "json_schema": CALLS_SCHEMA,
            "primary_key": CALLS_PRIMARY_KEY,
            "cursor": [CALLS_CURSOR_FIELD],
            "sync_modes": ["full_refresh", "incremental"],
        }
    )
    assert {connector: shape == expected for connector, shape in shapes.items()} == {
        connector: True for connector in sorted(CONNECTORS)
    }


def unions(node: Any, path: str) -> list[str]:
    """The paths of properties whose `type` lists two or more non-null types."""
    found = []
    if isinstance(node, dict):
        kinds = node.get("type")
        if isinstance(kinds, list) and len([kind for kind in kinds if kind != "null"]) > 1:
            found.append(f"{path}: {kinds}")
        for key, value in node.items():
            found += unions(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += unions(value, f"{path}[{index}]")
    return found


@pytest.mark.parametrize("connector", sorted(CONNECTORS))
def test_no_stream_has_a_property_typed_as_a_union_of_two_non_null_types(connector):
    found = [
        union
        for name, stream in discovered_streams(connector).items()
        for union in unions(stream["json_schema"], name)
    ]
    assert found == []
