"""Human evaluation (Study A protocol): build a survey from run outputs, QC ratings, analyse.

Run ``python -m tide_exp.humaneval --help``; the guide is docs/humaneval.md.
"""

from tide_exp.humaneval.analyze import analyze, load_qc_dir
from tide_exp.humaneval.build import build_survey, read_key
from tide_exp.humaneval.judge import judge_replies, parse_score
from tide_exp.humaneval.qc import QCRules, read_gold, run_qc, write_qc
from tide_exp.humaneval.ratings import Ratings, read_ratings
from tide_exp.humaneval.survey import SurveySpec

__all__ = [
    "QCRules",
    "Ratings",
    "SurveySpec",
    "analyze",
    "build_survey",
    "judge_replies",
    "load_qc_dir",
    "parse_score",
    "read_gold",
    "read_key",
    "read_ratings",
    "run_qc",
    "write_qc",
]
