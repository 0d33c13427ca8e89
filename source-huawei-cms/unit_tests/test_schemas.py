"""Every stream's schema: one JSON type per property, Airbyte's timestamp type on every date-time."""

import pytest
from airbyte_cdk.test.entrypoint_wrapper import discover

from cdr_shared.calls import CALLS_SCHEMA
from source_huawei_cms import SourceHuaweiCms
from unit_tests import builders as cms


def discovered():
    return {s.name: s.json_schema for s in discover(SourceHuaweiCms(), cms.config()).catalog.catalog.streams}


@pytest.mark.parametrize("stream", ["call_list", "call_details", "calls", "missed_calls", "call_traces"])
def test_no_property_is_a_union_of_two_non_null_types_and_date_times_are_airbyte_timestamps(stream):
    for name, prop in discovered()[stream]["properties"].items():
        types = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
        assert len([t for t in types if t != "null"]) == 1, f"{stream}.{name}: {types}"
        if prop.get("format") == "date-time":
            assert prop.get("airbyte_type") == "timestamp_with_timezone", f"{stream}.{name}"


def test_calls_has_the_shared_schema():
    assert discovered()["calls"] == CALLS_SCHEMA
