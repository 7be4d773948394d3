"""Parsing untrusted text: JSON values the pipeline can use, CSV records that cannot swallow rows."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tide_exp.files.parsing import MAX_DEPTH, ParseProblem, csv_records, decode_utf8, loads_json


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[" * 5000 + "]" * 5000, "nested too deeply"),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "nested too deeply"),
        ("1" + "0" * 4400, "more than 4,300 digits"),
        ('{"a": "x\\ud800"}', "lone surrogate escape \\\\ud800"),
        ('{"\\udc00": 1}', "lone surrogate"),
    ],
)
def test_unusable_json_is_a_parse_problem(text, problem):
    with pytest.raises(ParseProblem, match=problem):
        loads_json(text)


def test_paired_surrogates_and_moderate_depth_are_fine():
    assert loads_json('"\\ud83d\\ude00"') == "\U0001f600"
    assert loads_json("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None


def test_decode_gives_the_files_line_and_byte_past_a_bom():
    raw = b"\xef\xbb\xbfok\nalso ok\nbad \xff here\n"
    at = raw.index(b"\xff")  # the file's offset, the byte-order mark included
    with pytest.raises(ParseProblem, match=rf"line 3 \(byte {at} of the file\)"):
        decode_utf8(raw)


def test_an_unterminated_quote_costs_one_line():
    lines = ["a,b", "1,2", '3,"never closed', "5,6", "7,8"]
    rows = list(csv_records(lines))
    assert [(n, r) for n, r, _ in rows] == [
        (2, {"a": "1", "b": "2"}),
        (3, None),
        (4, {"a": "5", "b": "6"}),
        (5, {"a": "7", "b": "8"}),
    ]
    assert "never closed" in rows[1][2]


def test_a_stray_quote_does_not_eat_the_next_valid_row():
    lines = ["a,b", '1,"stray', '"quoted",2']
    assert [(n, r) for n, r, _ in csv_records(lines)] == [(2, None), (3, {"a": "quoted", "b": "2"})]


def test_multi_line_fields_and_long_fields_are_read():
    long = "x" * 200_000
    lines = ["a,b", '1,"two', 'lines"', f'"{long}",3']
    assert [r for _, r, _ in csv_records(lines)] == [
        {"a": "1", "b": "two\nlines"},
        {"a": long, "b": "3"},
    ]


CELLS = st.text(st.characters(codec="utf-8", exclude_characters="\r\x00"), max_size=12)


@given(rows=st.lists(st.tuples(CELLS, CELLS), min_size=1, max_size=8))
def test_whatever_csv_writes_is_read_back_row_for_row(rows):
    """Round trip against the standard library's writer: quoting, doubled quotes, newlines."""
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([("a", "b"), *rows])
    lines = out.getvalue().split("\n")
    # two columns: every written row has a delimiter, so none is a blank line
    assert [r for _, r, _ in csv_records(lines)] == [{"a": a, "b": b} for a, b in rows]
