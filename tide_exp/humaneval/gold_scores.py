"""Gold scores for human evaluation: the study's rubric, three calls averaged, consistency reported.

The judge itself (rubrics, parsing, a judge backed by any configured model) lives in
:mod:`tide_exp.judge`; this module applies it to a survey key. ``--generate`` takes
``model=<slug>`` (a conf/model file) or ``module:function``.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

from tide_exp.humaneval.errors import SurveyConfigError
from tide_exp.judge import EMPATHY_GOLD, Generate, JudgeError, Rubric, judge_texts, parse_score
from tide_exp.judge import load_generate as _load_generate

RUBRIC = EMPATHY_GOLD.template

__all__ = ["RUBRIC", "judge_prompt", "judge_replies", "load_generate", "parse_score"]


def judge_prompt(prompt: str, reply: str, rubric: str = RUBRIC) -> str:
    """The judge's input for one reply."""
    return rubric.format(prompt=prompt, reply=reply)


def judge_replies(
    key: pd.DataFrame, generate: Generate, n_calls: int = 3, rubric: str = RUBRIC
) -> tuple[pd.DataFrame, dict]:
    """Score every rated reply of a key ``n_calls`` times and average.

    Args:
        key: the survey key (attention rows are skipped).
        generate: maps a list of judge prompts to a list of answers, same order.
        n_calls: independent calls per reply (study: 3; sample for them to differ).
        rubric: template with ``{prompt}`` and ``{reply}``.

    Returns:
        ``(gold, consistency)``: gold has question_id, call_1..call_n and gold (the mean of
        the parsed calls); consistency holds the mean pairwise Spearman rho between calls,
        each pair's rho and the number of unparsed answers.
    """
    rated = key[key["condition"] != "attention"]
    try:
        result = judge_texts(
            list(rated["prompt"]),
            list(rated["text"]),
            generate,
            Rubric("empathy_gold", rubric, ("score",)),
            n_calls,
        )
    except JudgeError as err:
        raise SurveyConfigError(str(err)) from None
    gold = pd.DataFrame({"question_id": rated["question_id"].to_numpy()})
    for call, rows in enumerate(result.calls, start=1):
        gold[f"call_{call}"] = [row["score"] for row in rows]
    calls = gold[[f"call_{c}" for c in range(1, n_calls + 1)]]
    gold["gold"] = calls.mean(axis=1, skipna=True)
    pairs = {}
    for a, b in combinations(calls.columns, 2):
        both = calls[[a, b]].dropna()
        if len(both) < 3:
            rho = np.nan
        elif both[a].nunique() < 2 or both[b].nunique() < 2:
            # No rank variance: identical calls agree perfectly, otherwise undefined.
            rho = 1.0 if both[a].equals(both[b]) else np.nan
        else:
            rho = stats.spearmanr(both[a], both[b]).statistic
        pairs[f"{a}~{b}"] = float(rho)
    consistency = {
        "spearman_mean": float(np.nanmean(list(pairs.values()))) if pairs else float("nan"),
        "spearman_pairs": pairs,
        "unparsed": result.unparsed["score"],
        "n_replies": len(gold),
        "n_calls": n_calls,
    }
    return gold, consistency


def load_generate(spec: str) -> Generate:
    """The judge named by ``spec``: ``model=<slug>`` or ``module:attr`` (see
    :func:`tide_exp.judge.load_generate`); a bad spec is a :class:`SurveyConfigError`."""
    try:
        return _load_generate(spec)
    except JudgeError as err:
        raise SurveyConfigError(str(err)) from None
