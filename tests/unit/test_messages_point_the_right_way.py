"""Issue 31, class 8: error messages that pointed the wrong way now name what is wrong."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tide_exp.errors import DataError


def test_a_tide_folder_path_that_is_a_file_says_so(tmp_path):
    """It said "the folder does not exist" of a file that exists."""
    from tide_exp.data.tide_folder import load_tide_folder

    file = tmp_path / "p1_conversation.json"
    file.write_text("{}")
    with pytest.raises(DataError, match="it is a file, not a folder"):
        load_tide_folder(file)


def test_a_phase_in_the_wrong_case_names_the_file_s_phases(tmp_path):
    """``--phase FT`` said "no scorable rows" of a file with ft rows."""
    from tide_exp.metrics.score_file import BadInputError, read_pairs

    rows = [{"phase": p, "prediction": "a", "reference": "b"} for p in ("zs", "ft")]
    path = tmp_path / "generations.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(BadInputError, match=r"no row of phase 'FT' \(phases in the file: ft, zs\)"):
        read_pairs(path, phase="FT")


def test_analysis_after_qc_kept_no_rater_says_so_not_pass_the_key():
    from tide_exp.humaneval.analyze import compute_analysis
    from tide_exp.humaneval.errors import SurveyInputError
    from tide_exp.humaneval.ratings import Ratings

    ratings = pd.DataFrame(columns=["rater_id", "question_id", "dimension", "rating"])
    raters = pd.DataFrame(index=pd.Index([], name="rater_id"))
    key = pd.DataFrame({"question_id": ["I01_1"], "condition": ["ft"]})
    with pytest.raises(SurveyInputError, match="no rater to analyse .*see qc_report.md"):
        compute_analysis(Ratings(ratings, raters), key)
