"""A state saved by 0.2.0 resumes with this code without losing a record.

`fixtures/states_0.2.0/<connector>.json` holds what 0.2.0 (commit bfc0b1e) emitted during an incremental
sync of every incremental stream against its emulator (see `saved_states.py` for how it was produced and
how to regenerate it). For each connector and each incremental stream, this resumes from the state a
connection would hold had the 0.2.0 sync stopped right after that stream's first, middle and last state
message (the latest state of every stream up to there), with the code of this tree, against the same
emulator data. For every stream, what 0.2.0 had emitted before that point and what the resumed sync
emits together equal the emulator's ground truth, and a record is read twice only if it lies within the
lookback window before the saved state (the documented at-least-once contract).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pendulum
import pytest

from integration_tests.saved_states import FIXTURES, SCENARIOS, Session, digest, key_text, session


def load(connector: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{connector}.json").read_text())


POSITIONS = {"first": 0, "middle": None, "last": -1}


def saved_states(fixture: dict[str, Any], position: str) -> dict[str, dict[str, Any]]:
    """Per stream, its first, middle or last saved state message (with the records read before it).

    Each stream resumes from its own state, so one resumed sync can take every stream at that position.
    """
    chosen = {}
    for stream in fixture["primary_keys"]:
        own = [s for s in fixture["states"] if s["state"]["stream"]["stream_descriptor"]["name"] == stream]
        assert own, f"the fixture holds no state of stream {stream!r}"
        index = POSITIONS[position]
        chosen[stream] = own[len(own) // 2 if index is None else index]
    return chosen


@pytest.fixture(scope="module")
def running(tmp_path_factory) -> Iterator[Callable[[str], tuple[Session, dict[str, Any]]]]:
    """One emulator (and one discovered catalog) per connector for the whole module: the resumed syncs
    only read from it."""
    sessions: dict[str, tuple[Session, dict[str, Any]]] = {}
    with ExitStack() as stack:

        def get(connector: str) -> tuple[Session, dict[str, Any]]:
            if connector not in sessions:
                started = stack.enter_context(
                    session(SCENARIOS[connector], tmp_path_factory.mktemp(connector))
                )
                sessions[connector] = (started, started.catalog())
            return sessions[connector]

        yield get


def instants(value: Any) -> list[pendulum.DateTime]:
    """Every ISO 8601 date-time in a state value (however the stream nests it)."""
    if isinstance(value, dict):
        return [found for item in value.values() for found in instants(item)]
    if isinstance(value, list):
        return [found for item in value for found in instants(item)]
    if isinstance(value, str) and "T" in value:
        try:
            parsed = pendulum.parse(value)
        except (ValueError, pendulum.parsing.exceptions.ParserError):
            return []
        return [parsed] if isinstance(parsed, pendulum.DateTime) else []
    return []


@pytest.mark.parametrize("position", list(POSITIONS))
@pytest.mark.parametrize("connector", sorted(SCENARIOS))
def test_a_saved_0_2_0_state_resumes_without_loss(running, connector, position):
    scenario = SCENARIOS[connector]
    fixture = load(connector)
    connection, catalog = running(connector)
    truth = scenario.truth_for(connection.emulator)
    for stream, held in fixture["ground_truth"].items():
        assert digest(truth[stream]) == held["sha256"], (
            f"the emulator's {stream} data is not what the fixture was captured against: regenerate it "
            f"({fixture['produced_by']})"
        )
    saved = saved_states(fixture, position)
    # The states as the release saved them, under its stream names: a renamed stream must find its own.
    state = [entry["state"] for entry in saved.values()]
    released_name = {scenario.renamed.get(name, name): name for name in fixture["primary_keys"]}
    catalog = {"streams": [s for s in catalog["streams"] if s["stream"]["name"] in released_name]}
    assert len(catalog["streams"]) == len(released_name), "a stream of the release is not discovered"
    resumed = connection.run("read", catalog=catalog, state=state)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    lookback = pendulum.duration(minutes=scenario.lookback_minutes)
    for configured in catalog["streams"]:
        current = configured["stream"]["name"]
        stream = released_name[current]
        before = set(fixture["records"][stream][: saved[stream]["records_before"][stream]])
        records = {
            key_text(r, configured["stream"]["source_defined_primary_key"]): r
            for r in resumed.records_of(current)
        }
        stream_state = saved[stream]["state"]["stream"]["stream_state"]
        lost = truth[stream] - before - set(records)
        assert not lost, (
            f"{stream}: {len(lost)} record(s) lost resuming from {stream_state}: {sorted(lost)[:5]}"
        )
        assert set(records) <= truth[stream], f"{stream}: records the provider does not hold"
        read_again = before & set(records)
        saved_at = instants(stream_state)
        if not saved_at:
            continue  # the saved state holds no position (`{}`): the stream starts over, as a first sync does
        resume_from = min(saved_at) - lookback
        cursor = configured["cursor_field"]
        too_old = [key for key in read_again if pendulum.parse(records[key][cursor[0]]) < resume_from]
        assert not too_old, f"{stream}: read again from before the lookback window: {sorted(too_old)[:5]}"
