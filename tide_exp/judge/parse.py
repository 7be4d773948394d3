"""Read 1-5 scores out of a judge's free-text answer."""

from __future__ import annotations

import re

_NUMBER = re.compile(r"(?<![\d.])([1-5])(?:\.\d+)?(?![\d])")


def _answer(text: str) -> str:
    # Reasoning models think first: only the text after the last </think> is the answer.
    return text.split("</think>")[-1]


def parse_score(text: str) -> float:
    """The first standalone 1-5 number in the answer (NaN when there is none)."""
    match = _NUMBER.search(_answer(text))
    return float(match.group(1)) if match else float("nan")


def parse_scores(text: str, dimensions: tuple[str, ...]) -> dict[str, float]:
    """Dimension -> score from an answer of ``name: number`` lines.

    A dimension is found by its name (underscores or spaces, any case) followed within a few
    characters by a 1-5 number. When no name is found at all and the answer holds exactly one
    number per dimension, they are taken in order. A dimension not found is NaN (counted as a
    parse failure by the caller).
    """
    answer = _answer(text)
    if len(dimensions) == 1:
        return {dimensions[0]: parse_score(answer)}
    scores: dict[str, float] = {}
    for dim in dimensions:
        name = r"[\s_-]*".join(map(re.escape, dim.split("_")))
        match = re.search(rf"{name}\W{{0,6}}?([1-5])(?:\.\d+)?(?![\d])", answer, re.IGNORECASE)
        scores[dim] = float(match.group(1)) if match else float("nan")
    if all(v != v for v in scores.values()):  # NaN everywhere: try bare numbers in order
        numbers = _NUMBER.findall(answer)
        if len(numbers) == len(dimensions):
            scores = {d: float(n) for d, n in zip(dimensions, numbers, strict=True)}
    return scores
