"""Human evaluation (Study A protocol): build a survey from run outputs, QC ratings, analyse.

Run ``python -m tide_exp.cli.humaneval --help``; the guide is docs/humaneval.md.
"""

from tide_exp.humaneval.analyze import (
    AnalysisOptions,
    analyze,
    compute_analysis,
    load_qc_dir,
    render_summary,
    write_analysis,
)
from tide_exp.humaneval.build import build_survey, read_key
from tide_exp.humaneval.gold_scores import judge_replies, parse_score
from tide_exp.humaneval.qc import QCRules, read_gold, run_qc, write_qc
from tide_exp.humaneval.ratings import Ratings, read_ratings
from tide_exp.humaneval.survey import SurveySpec

__all__ = [
    "AnalysisOptions",
    "QCRules",
    "Ratings",
    "SurveySpec",
    "analyze",
    "build_survey",
    "compute_analysis",
    "judge_replies",
    "load_qc_dir",
    "parse_score",
    "read_gold",
    "read_key",
    "read_ratings",
    "render_summary",
    "run_qc",
    "write_analysis",
    "write_qc",
]
