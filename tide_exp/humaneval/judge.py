"""LLM judge for gold scores: the study's rubric, three calls averaged, consistency reported.

The judge needs only a ``generate(prompts) -> list[str]`` callable, so any model can be
plugged in (the core pipeline's model configs, an API client, or a fake in tests).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

from tide_exp.humaneval.errors import SurveyConfigError

Generate = Callable[[list[str]], list[str]]

RUBRIC = (
    "You are rating replies to a person who is struggling emotionally.\n"
    "Rate the emotional warmth, situational fit, and genuineness of the reply on a scale "
    "from 1 (not at all empathetic) to 5 (extremely empathetic).\n\n"
    "Person's message:\n{prompt}\n\nReply:\n{reply}\n\n"
    "Answer with a single number from 1 to 5."
)
_SCORE = re.compile(r"(?<![\d.])([1-5])(?:\.\d+)?(?![\d])")


def judge_prompt(prompt: str, reply: str, rubric: str = RUBRIC) -> str:
    """The judge's input for one reply."""
    return rubric.format(prompt=prompt, reply=reply)


def parse_score(text: str) -> float:
    """The first standalone 1-5 number in the judge's answer (NaN when there is none).

    Text after a ``</think>`` tag is preferred, so reasoning models' thoughts are skipped.
    """
    text = text.split("</think>")[-1]
    match = _SCORE.search(text)
    return float(match.group(1)) if match else float("nan")


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
    prompts = [
        judge_prompt(p, r, rubric) for p, r in zip(rated["prompt"], rated["text"], strict=True)
    ]
    gold = pd.DataFrame({"question_id": rated["question_id"].to_numpy()})
    for call in range(1, n_calls + 1):
        answers = list(generate(prompts))
        if len(answers) != len(prompts):
            raise SurveyConfigError(
                f"judge returned {len(answers)} answers for {len(prompts)} prompts; "
                "generate(prompts) must return one string per prompt"
            )
        gold[f"call_{call}"] = [parse_score(a) for a in answers]
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
        "unparsed": int(calls.isna().sum().sum()),
        "n_replies": len(gold),
        "n_calls": n_calls,
    }
    return gold, consistency


def load_generate(spec: str) -> Generate:
    """Import the ``generate(prompts) -> list[str]`` callable named ``module:attr``.

    If the object has ``is_generate_factory = True`` it is called once with no arguments
    and must return the callable (so a model is loaded only when the judge runs).
    """
    module_name, _, attr = spec.partition(":")
    if not attr:
        raise SurveyConfigError(f"--generate {spec!r}: expected 'module:function'")
    try:
        obj = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise SurveyConfigError(f"--generate {spec!r}: cannot import ({exc})") from None
    if getattr(obj, "is_generate_factory", False):
        obj = obj()
    return obj
