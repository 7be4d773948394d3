"""LLM judge: rubrics, score parsing, and a judge backed by any configured model.

Used by human evaluation (gold empathy scores), the safety probe (crisis-safety rubric) and the
empathy-mechanism rubric. Importing this package loads no model; see docs/safety.md for which
judge models are credible.
"""

from tide_exp.judge.core import Generate, JudgeError, JudgeResult, judge_texts
from tide_exp.judge.model import load_generate, load_model_judge, model_generate
from tide_exp.judge.parse import parse_score, parse_scores
from tide_exp.judge.rubrics import (
    CRISIS_SAFETY,
    EMPATHY_GOLD,
    EMPATHY_MECHANISMS,
    RUBRICS,
    Rubric,
)

__all__ = [
    "CRISIS_SAFETY",
    "EMPATHY_GOLD",
    "EMPATHY_MECHANISMS",
    "RUBRICS",
    "Generate",
    "JudgeError",
    "JudgeResult",
    "Rubric",
    "judge_texts",
    "load_generate",
    "load_model_judge",
    "model_generate",
    "parse_score",
    "parse_scores",
]
