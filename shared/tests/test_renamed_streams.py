"""`carry_over_renamed_states`: a renamed stream resumes from the state saved under its old name."""

from __future__ import annotations

import logging

from cdr_shared.renamed_streams import RenamedStream, carry_over_renamed_states
from cdr_shared.testing.state_builder import StateBuilder

RENAMES = (
    RenamedStream(old="calls", new="call_list", cursor_field="begin_at", version="0.x"),
    RenamedStream(old="legs", new="call_legs", cursor_field="entered_at", version="1.x"),
)


def names_and_states(state):
    return [(m.stream.stream_descriptor.name, dict(vars(m.stream.stream_state))) for m in state]


def carried(*saved):
    builder = StateBuilder()
    for name, value in saved:
        builder.with_stream_state(name, value)
    return names_and_states(carry_over_renamed_states(builder.build(), RENAMES, logging.getLogger("test")))


def test_each_old_state_holding_the_old_cursor_moves_to_its_new_name_and_says_so(caplog):
    with caplog.at_level(logging.INFO):
        result = carried(
            ("calls", {"begin_at": "2024-05-10T09:00:00+00:00"}),
            ("legs", {"entered_at": "2024-05-09T00:00:00+00:00"}),
            ("other", {"x": 1}),
        )
    assert result == [
        ("call_list", {"begin_at": "2024-05-10T09:00:00+00:00"}),
        ("call_legs", {"entered_at": "2024-05-09T00:00:00+00:00"}),
        ("other", {"x": 1}),
    ]
    assert "saved by version 0.x, whose 'calls' stream is now 'call_list'" in caplog.text
    assert "saved by version 1.x, whose 'legs' stream is now 'call_legs'" in caplog.text


def test_a_state_of_the_new_stream_under_the_old_name_or_a_new_name_with_its_own_state_stays():
    # `calls` holding another cursor is the new stream's own state; `call_legs` already has one.
    saved = (
        ("calls", {"started_at": "2024-05-10T11:00:00+00:00"}),
        ("legs", {"entered_at": "2024-05-09T00:00:00+00:00"}),
        ("call_legs", {"entered_at": "2024-05-10T00:00:00+00:00"}),
    )
    assert carried(*saved) == [(name, value) for name, value in saved]


def test_no_state_is_no_state():
    assert carry_over_renamed_states(None, RENAMES, logging.getLogger("test")) is None
    assert carry_over_renamed_states([], RENAMES, logging.getLogger("test")) == []
