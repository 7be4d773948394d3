"""Ratings import: Qualtrics exports, long files, Prolific demographics, precise errors."""

from __future__ import annotations

import pandas as pd
import pytest

from tide_exp.humaneval.errors import SurveyInputError
from tide_exp.humaneval.ratings import read_ratings
from tide_exp.humaneval.survey import LIKERT_LABELS

from . import fakes


def test_qualtrics_export_with_label_answers(tmp_path, key, synthetic):
    wide, _ = synthetic
    path = tmp_path / "export.csv"
    path.write_text(fakes.qualtrics_export(wide.head(5)))
    data = read_ratings(path, list(key["question_id"]), LIKERT_LABELS)
    assert data.ratings["rater_id"].nunique() == 5
    assert len(data.ratings) == 5 * len(key)
    got = data.ratings.set_index(["rater_id", "question_id"])["rating"]
    assert got["R_002", "I01_1"] == wide.set_index("ResponseId").loc["R_002", "I01_1"]
    assert data.raters.loc["R_fast", "duration_min"] == pytest.approx(4.0)
    assert bool(data.raters.loc["R_flat", "finished"])


def test_long_format_and_prolific_demographics(tmp_path, key):
    long = pd.DataFrame(
        {
            "PROLIFIC_PID": ["a", "a", "b"],
            "question_id": ["I01_1", "I01_2", "I01_1"],
            "rating": ["4", "5", "2 - Slightly empathetic"],
        }
    )
    long.to_csv(tmp_path / "long.csv", index=False)
    pd.DataFrame(
        {
            "Participant id": ["a", "b"],
            "Age": ["64", "CONSENT_REVOKED"],
            "Sex": ["Female", "Male"],
            "Ethnicity simplified": ["White", "Black"],
            "Time taken": ["1800", "900"],
            "Status": ["APPROVED", "RETURNED"],
        }
    ).to_csv(tmp_path / "prolific.csv", index=False)
    data = read_ratings(
        tmp_path / "long.csv",
        list(key["question_id"]),
        LIKERT_LABELS,
        demographics=tmp_path / "prolific.csv",
    )
    assert data.ratings["rating"].tolist() == [4.0, 5.0, 2.0]
    assert data.raters.loc["a", "age"] == 64 and pd.isna(data.raters.loc["b", "age"])
    assert data.raters.loc["b", "duration_min"] == 15
    assert data.raters.loc["a", "race"] == "White" and data.raters.loc["b", "status"] == "RETURNED"


def test_table3_has_the_study_rows_the_demographics_file_has(tmp_path, key):
    from tide_exp.humaneval.demotable import table3

    pd.DataFrame(
        {
            "rater_id": ["a", "a", "b"],
            "question_id": ["I01_1", "I01_2", "I01_1"],
            "rating": [4, 5, 2],
        }
    ).to_csv(tmp_path / "long.csv", index=False)
    pd.DataFrame(
        {
            "Participant id": ["a", "b"],
            "Age": ["64", "30"],
            "Sex": ["Female", "Male"],
            "Gender identity": ["Woman", "Non-binary"],
            "Ethnicity simplified": ["White", "Black"],
            "Hispanic, Latino, or Spanish origin": ["No", "Yes"],
            "Highest education level completed": ["Graduate degree", "High school"],
            "Employment status": ["Full-Time", "Unemployed"],
            "US region": ["West", "South"],
        }
    ).to_csv(tmp_path / "demo.csv", index=False)
    data = read_ratings(
        tmp_path / "long.csv", list(key["question_id"]), demographics=tmp_path / "demo.csv"
    )
    t3 = table3(data.raters)
    # The study's rows in its order (sex, gender, race, education, region), then ours.
    study_rows = ["sex", "gender", "race", "education", "region", "hispanic_origin", "employment"]
    assert list(dict.fromkeys(t3["characteristic"]))[2:] == study_rows  # after raters, age
    rows = t3.set_index(["characteristic", "value"])
    assert rows.loc[("sex", "Female"), "n"] == 1 and rows.loc[("gender", "Non-binary"), "n"] == 1
    assert rows.loc[("hispanic_origin", "Yes"), "share"] == 50
    assert rows.loc[("employment", "Unemployed"), "n"] == 1


def test_bad_rating_names_line_and_column(tmp_path, key):
    path = tmp_path / "wide.csv"
    path.write_text("ResponseId,Finished,I01_1,I01_2\nr1,True,3,4\nr2,True,7,4\n")
    with pytest.raises(SurveyInputError) as err:
        read_ratings(path, list(key["question_id"]))
    assert f"{path}:3:3: rating '7'" in str(err.value) and "Fix:" in str(err.value)


def test_qualtrics_bad_cell_line_counts_header_rows(tmp_path, key):
    path = tmp_path / "q.csv"
    path.write_text('ResponseId,I01_1\nResponse ID,Q\n"{""ImportId"":""x""}",x\nr1,3\nr2,abc\n')
    with pytest.raises(SurveyInputError, match=r"q.csv:5:2: rating 'abc'"):
        read_ratings(path, list(key["question_id"]))


def test_missing_columns_are_explained(tmp_path, key):
    path = tmp_path / "x.csv"
    path.write_text("name,score\nx,3\n")
    with pytest.raises(SurveyInputError, match="no rater id column"):
        read_ratings(path, list(key["question_id"]))
    path.write_text("rater_id,foo\nx,3\n")
    with pytest.raises(SurveyInputError, match="no rating columns"):
        read_ratings(path, list(key["question_id"]))


def test_prolific_asset_fills_missing_demographics(tmp_path, key):
    from pathlib import Path

    asset = Path(__file__).parents[2] / "assets" / "humaneval" / "prolific_demographics.csv"
    (tmp_path / "r.csv").write_text("PROLIFIC_PID,I01_1\nR_002,4\nR_003,3\nR_004,2\n")
    data = read_ratings(tmp_path / "r.csv", list(key["question_id"]), demographics=asset)
    raters = data.raters
    assert raters.loc["R_002", "age"] == 64 and raters.loc["R_002", "duration_min"] == 30.5
    assert raters.loc["R_003", "education"].startswith("Undergraduate")
    assert raters.loc["R_004", "status"] == "RETURNED" and pd.isna(raters.loc["R_004", "age"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ResponseId,I01_1\nr1,3\n,4\n", r":3:1: blank rater id"),
        ("ResponseId,I01_1\nr1,3\nr2,4\nr1,5\n", r":4:1: rater id 'r1' also on line 2"),
        ("ResponseId,I01_1\nr1,3,9\nr2,4\n", r":2: row has 3 fields but the header has 2"),
        (
            "rater_id,question_id,rating\na,I01_1,3\na,I01_2,4\na,I01_1,5\n",
            r":4: rater 'a' rated 'I01_1' \(empathy\) also on line 2",
        ),
        ("rater_id,question_id,rating\na,I01_1,3\na,I77_1,4\n", r":3:2: question id 'I77_1'"),
        ("ResponseId,I01_1,I88_2\nr1,3,4\n", r":1: column\(s\) \['I88_2'\] are not questions"),
        ('ResponseId,I01_1\nr1,3\nr2,"4\n', r":3: malformed CSV"),
        ("", r"file is empty"),
    ],
)
def test_ratings_that_would_be_lost_or_mixed_up_stop_with_the_line(tmp_path, key, text, message):
    path = tmp_path / "r.csv"
    path.write_text(text)
    with pytest.raises(SurveyInputError, match=message):
        read_ratings(path, list(key["question_id"]))


def test_ratings_from_another_survey_are_refused(tmp_path, key):
    path = tmp_path / "r.csv"
    path.write_text("rater_id,survey_id,question_id,rating\na,abc,I01_1,3\na,abc,I01_2,2\n")
    with pytest.raises(SurveyInputError, match=r":2:2: survey_id 'abc' is not this key's"):
        read_ratings(path, list(key["question_id"]), survey_id=key["survey_id"].iloc[0])
    path.write_text("rater_id,question_id,rating\na,I01_1,3\n")
    data = read_ratings(path, list(key["question_id"]), survey_id=key["survey_id"].iloc[0])
    assert any("not checked" in n for n in data.notes)


def test_several_dimensions_wide_and_long(tmp_path, key):
    dims = ("empathic_resonance", "conversational_coherence")
    path = tmp_path / "w.csv"
    path.write_text("ResponseId,I01d1_1,I01d2_1,I01d1_2\nr1,3,4,5\n")
    data = read_ratings(path, list(key["question_id"]), dimensions=dims)
    got = data.ratings.set_index(["question_id", "dimension"])["rating"]
    assert got["I01_1", dims[0]] == 3 and got["I01_1", dims[1]] == 4 and got["I01_2", dims[0]] == 5
    path.write_text(f"rater_id,question_id,dimension,rating\nr1,I01_1,{dims[1]},2\n")
    data = read_ratings(path, list(key["question_id"]), dimensions=dims)
    assert data.ratings[["dimension", "rating"]].values.tolist() == [[dims[1], 2.0]]


def test_invalid_utf8_and_bom_name_the_line(tmp_path, key):
    path = tmp_path / "r.csv"
    path.write_bytes(b"\xef\xbb\xbfResponseId,I01_1\nr1,3\nr\xff2,4\n")
    with pytest.raises(
        SurveyInputError, match=r"r.csv:3: not valid UTF-8 at line 3 \(byte 26 of the file\)"
    ):
        read_ratings(path, list(key["question_id"]))
    path.write_bytes(b"\xef\xbb\xbfResponseId,I01_1\nr1,3\n")
    assert read_ratings(path, list(key["question_id"])).ratings["rating"].tolist() == [3.0]
