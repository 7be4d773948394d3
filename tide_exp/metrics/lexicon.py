"""Lexicon metrics of Study B: advice-to-empathy ratio and prescriptive-marker rate (English, Chinese).

The marker lists are plain text files in ``tide_exp/metrics/lexicons/`` (documented in
docs/metrics.md), one phrase a line. English phrases match case-insensitively on word boundaries
(any run of white space between words, curly apostrophes read as straight ones); Chinese phrases
match as substrings. A line starting with ``!`` is an exception: at each position the longest phrase
wins, and a match of an exception counts for nothing (so "that must be hard" is no prescription,
and 别人 is no 别). Matches do not overlap.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from pathlib import Path
from typing import Any

from tide_exp.errors import check_choice

CATEGORIES = (
    "advice",
    "prescriptive",
    "empathy",
    "first_person_imperative",
    "first_person_directive",
)
# The two readings of Study B's "first-person imperatives" (docs/metrics.md): the hortative
# "let us" (ours), or the counsellor's "I want you to".
IMPERATIVE_READINGS = {
    "hortative": "first_person_imperative",
    "directive": "first_person_directive",
}
LANGUAGES = ("en", "zh")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _read_lexicon(category: str, language: str, lexicon_dir: str | None) -> list[str]:
    name = f"{category}_{language}.txt"
    text = (
        (Path(lexicon_dir) / name).read_text(encoding="utf-8")
        if lexicon_dir
        else resources.files("tide_exp.metrics.lexicons").joinpath(name).read_text(encoding="utf-8")
    )
    return [
        line.strip().lower()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def _pattern(phrase: str) -> str:
    if _CJK.search(phrase):
        return re.escape(phrase)
    words = [re.escape(w) for w in phrase.split()]
    return r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)"


@functools.lru_cache(maxsize=16)
def compile_lexicon(
    categories: tuple[str, ...],
    languages: tuple[str, ...] = LANGUAGES,
    lexicon_dir: str | None = None,
) -> tuple[re.Pattern, frozenset[str]]:
    """One regex over the phrases of ``categories`` x ``languages`` (longest first) and the exceptions."""
    phrases: set[str] = set()
    exceptions: set[str] = set()
    for category in categories:
        for language in languages:
            for line in _read_lexicon(category, language, lexicon_dir):
                if line.startswith("!"):
                    exceptions.add(line[1:].strip())
                else:
                    phrases.add(line)
    ordered = sorted(phrases | exceptions, key=lambda p: (-len(p), p))
    return re.compile("|".join(_pattern(p) for p in ordered), re.IGNORECASE), frozenset(exceptions)


def _normalise(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'").lower()


def count_markers(
    text: str,
    categories: tuple[str, ...],
    languages: tuple[str, ...] = LANGUAGES,
    lexicon_dir: str | None = None,
) -> int:
    """Non-overlapping marker matches of ``categories`` in ``text``, exceptions excluded."""
    pattern, exceptions = compile_lexicon(tuple(categories), tuple(languages), lexicon_dir)
    return sum(
        1
        for m in pattern.finditer(_normalise(text))
        if re.sub(r"\s+", " ", m.group(0)) not in exceptions
    )


def _counts(
    predictions: list[str],
    categories: tuple[str, ...],
    languages: tuple[str, ...],
    lexicon_dir: str | None,
) -> list[int]:
    """:func:`count_markers` of each reply: the one loop every per-reply lexicon metric shares."""
    return [count_markers(p, categories, tuple(languages), lexicon_dir) for p in predictions]


def advice_markers(
    predictions: list[str],
    references: list[str] | None = None,
    languages: tuple[str, ...] = LANGUAGES,
    lexicon_dir: str | None = None,
) -> list[float]:
    """Advice plus prescriptive markers in each reply (the AER numerator)."""
    return [
        float(n) for n in _counts(predictions, ("advice", "prescriptive"), languages, lexicon_dir)
    ]


def empathy_markers(
    predictions: list[str],
    references: list[str] | None = None,
    languages: tuple[str, ...] = LANGUAGES,
    lexicon_dir: str | None = None,
) -> list[float]:
    """Empathy / affective-alignment markers in each reply (the AER denominator)."""
    return [float(n) for n in _counts(predictions, ("empathy",), languages, lexicon_dir)]


def advice_empathy_ratio(
    predictions: list[str],
    references: list[str] | None = None,
    languages: tuple[str, ...] = LANGUAGES,
    lexicon_dir: str | None = None,
) -> float:
    """Advice-to-Empathy Ratio of a set: all advice markers / all empathy markers (NaN if none of the latter).

    A ratio of totals, not a mean of per-reply ratios, which would be undefined for every reply
    without an empathy marker.
    """
    advice = sum(advice_markers(predictions, None, languages, lexicon_dir))
    empathy = sum(empathy_markers(predictions, None, languages, lexicon_dir))
    return advice / empathy if empathy else float("nan")


def prescriptive_markers(
    predictions: list[str],
    references: list[str] | None = None,
    languages: tuple[str, ...] = LANGUAGES,
    lexicon_dir: str | None = None,
) -> list[float]:
    """Prescriptive markers in each reply (Study B's "28% fewer prescriptive markers such as
    '应该' or '必须'" is the relative change of their mean)."""
    return [float(n) for n in _counts(predictions, ("prescriptive",), languages, lexicon_dir)]


def first_person_imperatives(
    predictions: list[str],
    references: list[str] | None = None,
    languages: tuple[str, ...] = LANGUAGES,
    lexicon_dir: str | None = None,
    reading: str = "hortative",
) -> list[float]:
    """First-person imperatives in each reply (Study B's "63% fewer"): ``reading`` hortative
    (让我们, 我们来, let's: ours) or directive (我要你, 我希望你, I want you to)."""
    check_choice("eval.metrics.first_person_imperatives.reading", reading, IMPERATIVE_READINGS)
    category = IMPERATIVE_READINGS[reading]
    return [float(n) for n in _counts(predictions, (category,), languages, lexicon_dir)]


def prescriptive_rate(
    predictions: list[str],
    references: list[str] | None = None,
    languages: tuple[str, ...] = LANGUAGES,
    lexicon_dir: str | None = None,
) -> list[float]:
    """1.0 for a reply with at least one prescriptive marker, else 0.0 (the mean is the rate)."""
    return [float(n > 0) for n in _counts(predictions, ("prescriptive",), languages, lexicon_dir)]


def describe_lexicon(
    categories: tuple[str, ...],
    definition: str,
    languages: tuple[str, ...] = LANGUAGES,
    lexicon_dir: str | None = None,
) -> dict[str, Any]:
    """What scores.json records about a lexicon metric."""
    files = [f"{c}_{lang}.txt" for c in categories for lang in languages]
    return {
        "definition": definition,
        "lexicons": {"dir": lexicon_dir or "tide_exp/metrics/lexicons", "files": files},
        "matching": "English: case-insensitive, word boundaries; Chinese: substrings; '!' exceptions; longest first, no overlap",
    }
