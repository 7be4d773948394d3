"""Property tests: every human-eval reader (ratings, key, gold, scenarios) fed corrupt files.

Each either loads or raises our one error (SurveyInputError) naming the file, never a
traceback from pandas or the csv module, and never loads fewer ratings than cells it kept.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tide_exp.humaneval.build import read_key, read_scenarios
from tide_exp.humaneval.errors import SurveyInputError
from tide_exp.humaneval.qc import read_gold
from tide_exp.humaneval.ratings import read_ratings

HEADERS = {
    "ratings_long": b"rater_id,question_id,rating\n",
    "ratings_wide": b"ResponseId,Finished,I01_1,I01_2\n",
    "gold": b"question_id,gold\n",
    "key": b"question_id,item_id,model,condition,scenario,text,survey_id\n",
    "scenarios": b"example_id,scenario\n",
}
CELLS = st.sampled_from(
    [b"I01_1", b"I01_2", b"I99_9", b"3", b"7", b"", b"a", b"r1", b'"', b'"x,y"', b"\xef\xbb\xbf"]
    + [b"\xff\xfe", b"\xed\xa0\x80", b"x" * 200_000, b"nan", b"1 - label", b"-1", b"1e400"]
)
ROWS = st.lists(st.lists(CELLS, min_size=0, max_size=5).map(b",".join), max_size=6)


def _read(kind: str, path, key):
    qids = list(key["question_id"])
    if kind.startswith("ratings"):
        return read_ratings(path, qids)
    if kind == "gold":
        return read_gold(path, key)
    if kind == "key":
        return read_key(path)
    return read_scenarios(path)


@pytest.mark.parametrize("kind", sorted(HEADERS))
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(bom=st.booleans(), header=st.booleans(), rows=ROWS)
def test_reader_loads_or_names_the_file(tmp_path, key, kind, bom, header, rows):
    path = tmp_path / f"{kind}.csv"
    body = (HEADERS[kind] if header else b"") + b"\n".join(rows) + (b"\n" if rows else b"")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + body)
    try:
        loaded = _read(kind, path, key)
    except SurveyInputError as err:
        message = str(err)
        assert message.startswith(str(path)), message
        assert re.match(rf"{re.escape(str(path))}(:\d+(:\d+)?)?: .+\. Fix: ", message), message
        return
    if kind.startswith("ratings"):
        assert loaded.ratings["rating"].dropna().between(1, 5).all()


@pytest.mark.parametrize("kind", sorted(HEADERS))
def test_empty_folder_and_missing_file(tmp_path, key, kind):
    (tmp_path / "empty.csv").write_bytes(b"")
    for path in (tmp_path / "empty.csv", tmp_path, tmp_path / "missing.csv"):
        with pytest.raises(SurveyInputError, match=re.escape(str(path))):
            _read(kind, path, key)
