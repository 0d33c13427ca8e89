import json
import logging
from pathlib import Path

import jsonschema
import pendulum
import pytest

from source_casper.report_csv import (
    SURPLUS_FIELD,
    ReportCutOff,
    ReportRowParser,
    ReportUnusable,
    lines_of,
    parse_report_time,
)
from unit_tests.builders import SEED_HEADER, SEED_ROWS

SCHEMA = json.loads((Path(__file__).parents[1] / "source_casper/schemas/call_detail_report.json").read_text())
ARIZONA = pendulum.timezone("US/Arizona")


def parse(text: str, chunk: int = 7, tz=ARIZONA) -> list[dict]:
    """Parse `text` as it would arrive: in small chunks that cut rows and fields anywhere."""
    chunks = [text[i : i + chunk] for i in range(0, len(text), chunk)]
    return list(ReportRowParser(tz, {"account_id": "15300001"}, logging.getLogger("test")).records(chunks))


def seed_report() -> str:
    return "\n".join([SEED_HEADER, *SEED_ROWS]) + "\n"


def test_the_seed_example_parses_into_one_record_per_row_with_every_quirk_handled():
    records = parse(seed_report())
    assert [r["uii"] for r in records] == [
        "202004250912250132110000003150",
        "202004251035200132150000009531",
        "202004251101260132100000073341",
    ]
    first = records[0]
    assert first["account_id"] == "15300001"
    assert first["cloud_profile_id"] == 1111 and first["profile_name"] == "DTE"
    assert first["ani"] == "2312866364" and first["dnis"] == "8889918278"
    assert first["call_state"] == "COMPLETE"  # the fixed-width padding is gone
    assert first["media_isci"] is None and first["outbound_externid"] is None  # empty cells are null
    assert first["media_length"] == 0 and first["queue_time"] == 5 and first["dequeue_attempts"] == 2
    assert first["inbound_duration"] == 24 and first["connected_duration"] == 19
    assert first["connected_id"] == 4546 and first["attempt_1_id"] == 4546
    assert first["attempt_1_disp"] == "ANSWER(5)"
    assert [first[f"attempt_2_{c}"] for c in ("id", "name", "route", "disp")] == [None, None, None, None]
    assert first["is_cellular"] == "No" and first["recording_url"] is None


def test_report_times_stay_as_written_and_gain_utc_values_from_the_report_zone():
    first = parse(seed_report())[0]
    assert first["enqueue_time"] == "4/20/20 6:12 AM" and first["dequeue_time"] == "4/20/20 6:12 AM"
    assert first["enqueue_at"] == "2020-04-20T13:12:00+00:00"  # US/Arizona is UTC-7 all year
    assert first["dequeue_at"] == "2020-04-20T13:12:00+00:00"


def test_every_seed_record_validates_against_the_stream_schema():
    for record in parse(seed_report()):
        jsonschema.validate(record, SCHEMA)


def test_the_same_report_read_in_one_piece_or_byte_by_byte_gives_the_same_records():
    assert parse(seed_report(), chunk=1) == parse(seed_report(), chunk=100_000)


def test_columns_the_schema_does_not_know_are_kept_and_known_ones_may_move():
    text = "uii,new_column,cloud_profile_id,enqueue_time\n'1,hello ,42,\n"
    [record] = parse(text)
    assert {k: v for k, v in record.items() if v is not None} == {
        "uii": "1",
        "new_column": "hello",
        "cloud_profile_id": 42,
        "account_id": "15300001",
    }


def test_quoted_cells_with_commas_and_line_breaks_stay_one_cell():
    text = 'cloud_profile_id,profile_name,uii,enqueue_time\n1333,"Billing, Tier 2",\'9,\n1444,"two\nlines",\'10,\n'
    records = parse(text, chunk=3)
    assert [r["profile_name"] for r in records] == ["Billing, Tier 2", "two\nlines"]


def test_a_header_only_report_is_an_empty_window():
    assert parse(SEED_HEADER + "\n") == []
    assert parse(SEED_HEADER) == []


def test_crlf_line_ends_and_a_byte_order_mark_are_tolerated():
    text = "\ufeff" + seed_report().replace("\n", "\r\n")
    records = parse(text)
    assert len(records) == 3 and records[0]["cloud_profile_id"] == 1111


def test_a_last_row_without_a_line_break_but_with_every_column_is_complete():
    assert len(parse(seed_report().rstrip("\n"))) == 3


@pytest.mark.parametrize("cut", [-40, -200, -330])
def test_a_report_cut_off_mid_row_is_an_error_not_a_short_report(cut):
    text = seed_report().rstrip("\n")[:cut]
    with pytest.raises(ReportCutOff):
        parse(text)


def test_a_non_numeric_value_in_a_count_column_becomes_null_with_one_warning(caplog):
    text = "uii,enqueue_time,queue_time\n'1,,n/a\n'2,,n/a\n"
    records = parse(text)
    assert [r["queue_time"] for r in records] == [None, None]
    assert sum("queue_time" in m for m in caplog.messages) == 1


def test_an_unreadable_time_keeps_its_text_and_has_no_utc_value():
    records = parse("uii,enqueue_time\n'1,yesterday\n")
    assert records[0]["enqueue_time"] == "yesterday" and records[0]["enqueue_at"] is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4/20/20 6:12 AM", "2020-04-20T13:12:00+00:00"),
        ("12/31/20 11:59 PM", "2021-01-01T06:59:00+00:00"),
        ("1/1/21 12:00 AM", "2021-01-01T07:00:00+00:00"),
        ("1/1/21 12:30 PM", "2021-01-01T19:30:00+00:00"),
        ("4/20/20 6:12:45 AM", "2020-04-20T13:12:45+00:00"),
        ("4/20/2020 6:12 AM", "2020-04-20T13:12:00+00:00"),
    ],
)
def test_report_time_forms(text, expected):
    assert parse_report_time(text, ARIZONA).isoformat() == expected


def test_report_times_follow_daylight_saving_in_the_report_zone():
    new_york = pendulum.timezone("America/New_York")
    assert parse_report_time("1/15/24 9:00 AM", new_york).isoformat() == "2024-01-15T14:00:00+00:00"
    assert parse_report_time("7/15/24 9:00 AM", new_york).isoformat() == "2024-07-15T13:00:00+00:00"


def test_lines_keep_their_ends_across_chunk_boundaries():
    assert list(lines_of(["a,b\nc", ",d\n", "e"])) == ["a,b\n", "c,d\n", "e"]


# ------------------------------------------------------------------ answers that are not the report


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("", "an empty body"),
        ("\n\n", "an empty body"),
        ("<!DOCTYPE html>\n<html><body>Service Unavailable</body></html>\n", "an HTML page"),
        ('{"message": "report failed"}\n', "a JSON body"),
        (
            "Agent ID,Last Name,First Name,Username,Phone,Login DTS,Logout DTS\n1111111,Smiths,John,j,1,x,y\n",
            "header is not the Call Detail Report's (no uii, enqueue_time",
        ),
        ("Account ID,UII,Session ID,Enqueue Dts\n15300002,'2020,2,08/28/2020\n", "no uii, enqueue_time"),
    ],
)
def test_an_answer_that_is_not_the_report_is_unusable_and_gives_no_record(body, problem):
    with pytest.raises(ReportUnusable, match=problem.replace("(", r"\(").replace("'", ".")):
        parse(body)


# ------------------------------------------------------------------------------------- ragged rows


def parser() -> ReportRowParser:
    return ReportRowParser(ARIZONA, {"account_id": "15300001"}, logging.getLogger("test"))


def test_a_short_row_in_the_middle_is_emitted_with_the_cells_it_has_and_counted():
    short = SEED_ROWS[1].rsplit(",", 10)[0]  # ten columns fewer than the header
    text = "\n".join([SEED_HEADER, SEED_ROWS[0], short, SEED_ROWS[2]]) + "\n"
    rows = parser()
    records = list(rows.records([text]))
    assert [r["uii"] for r in records] == [
        "202004250912250132110000003150",
        "202004251035200132150000009531",
        "202004251101260132100000073341",
    ]
    assert records[1]["connected_id"] == 4467 and "attempt_1_id" not in records[1]
    assert rows.ragged_rows == 1 and rows.first_ragged_line == 3


def test_a_long_row_keeps_its_surplus_cells_in_order_in_one_field():
    text = "\n".join([SEED_HEADER, SEED_ROWS[0] + ",extra one, extra two ,", SEED_ROWS[1]]) + "\n"
    rows = parser()
    records = list(rows.records([text]))
    assert records[0][SURPLUS_FIELD] == ["extra one", "extra two", ""]
    assert records[0]["attempt_2_disp"] is None and SURPLUS_FIELD not in records[1]
    assert rows.ragged_rows == 1
    jsonschema.validate(records[0], SCHEMA)


def test_a_short_last_row_ended_by_a_line_break_is_ragged_not_truncated():
    text = "\n".join([SEED_HEADER, SEED_ROWS[0], SEED_ROWS[1].rsplit(",", 1)[0]]) + "\n"
    rows = parser()
    assert len(list(rows.records([text]))) == 2 and rows.ragged_rows == 1


def test_a_last_row_exactly_one_column_short_without_a_line_break_is_a_truncated_report():
    # The vendor example's rows end in four empty cells: a cut after the third comma leaves a row one column short.
    text = "\n".join([SEED_HEADER, *SEED_ROWS])
    cut = text[: text.rfind(",")]
    assert len(cut.splitlines()[-1].split(",")) == len(SEED_HEADER.split(",")) - 1
    with pytest.raises(ReportCutOff, match="33 of the header's 34 columns"):
        parse(cut)


def test_a_last_row_that_ends_inside_a_quoted_cell_is_truncated():
    text = SEED_HEADER + "\n" + SEED_ROWS[0].replace(",DTE,", ',"DTE, East', 1)
    with pytest.raises(ReportCutOff, match="quoted cell"):
        parse(text)


def test_a_ragged_middle_row_is_emitted_but_a_last_row_cut_one_column_short_still_fails_the_report():
    short_middle = SEED_ROWS[1].rsplit(",", 3)[0]
    text = "\n".join([SEED_HEADER, SEED_ROWS[0], short_middle, SEED_ROWS[2]])
    cut = text[: text.rfind(",")]
    rows = parser()
    emitted = []
    with pytest.raises(ReportCutOff, match="row 4 has 33 of the header's 34 columns"):
        for record in rows.records([cut]):
            emitted.append(record["uii"])
    assert emitted == ["202004250912250132110000003150", "202004251035200132150000009531"]
    assert rows.ragged_rows == 1


def test_report_times_seen_again_give_the_same_values_and_what_is_remembered_stays_bounded(monkeypatch):
    from source_casper import report_csv

    monkeypatch.setattr(report_csv, "DERIVED_TIMES_KEPT", 3)
    new_york = pendulum.timezone("America/New_York")
    parser = ReportRowParser(pendulum.UTC, {}, logging.getLogger("test"), display_tz=new_york)
    texts = [f"3/10/24 {hour}:{minute:02d} AM" for hour in range(1, 5) for minute in (0, 30)] * 3
    for text in texts:
        instant = parse_report_time(text, pendulum.UTC)
        assert parser.derived_times(text) == (instant.isoformat(), instant.in_timezone(new_york).isoformat())
    assert parser.derived_times("not a time") is None
    assert len(parser._derived) <= 3
