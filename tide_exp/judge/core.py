"""Run a rubric over (prompt, reply) pairs with any ``generate(prompts) -> answers`` callable."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tide_exp.errors import ConfigError
from tide_exp.judge.parse import parse_scores
from tide_exp.judge.rubrics import Rubric

Generate = Callable[[list[str]], list[str]]


class JudgeError(ConfigError):
    """The judge cannot run as configured (a generate callable that breaks its contract)."""


@dataclass
class JudgeResult:
    """Scores of every item for every call, and what could not be parsed.

    Attributes:
        rubric: The rubric's name.
        dimensions: Its dimensions.
        calls: ``calls[c][i][dim]``: call ``c``'s score of item ``i`` (NaN: not parsed).
        answers: ``answers[c][i]``: the raw answer, kept so failures can be read.
    """

    rubric: str
    dimensions: tuple[str, ...]
    calls: list[list[dict[str, float]]] = field(default_factory=list)
    answers: list[list[str]] = field(default_factory=list)

    @property
    def scores(self) -> list[dict[str, float]]:
        """Per item and dimension, the mean over calls of the parsed scores (NaN if none)."""
        out = []
        for i in range(len(self.calls[0]) if self.calls else 0):
            row = {}
            for dim in self.dimensions:
                values = [c[i][dim] for c in self.calls if not math.isnan(c[i][dim])]
                row[dim] = sum(values) / len(values) if values else float("nan")
            out.append(row)
        return out

    @property
    def unparsed(self) -> dict[str, int]:
        """Dimension -> number of (call, item) scores the judge's answers did not give."""
        return {
            dim: sum(math.isnan(row[dim]) for call in self.calls for row in call)
            for dim in self.dimensions
        }

    def summary(self) -> dict[str, Any]:
        """Mean per dimension over parsed scores, counts of items, calls and parse failures."""
        means = {}
        for dim in self.dimensions:
            values = [r[dim] for r in self.scores if not math.isnan(r[dim])]
            means[dim] = sum(values) / len(values) if values else float("nan")
        failed = [
            i
            for i in range(len(self.calls[0]) if self.calls else 0)
            if any(math.isnan(c[i][d]) for c in self.calls for d in self.dimensions)
        ]
        return {
            "rubric": self.rubric,
            "means": means,
            "n_items": len(self.calls[0]) if self.calls else 0,
            "n_calls": len(self.calls),
            "unparsed": self.unparsed,
            "items_with_unparsed": len(failed),
        }


def judge_texts(
    prompts: Sequence[str],
    replies: Sequence[str],
    generate: Generate,
    rubric: Rubric,
    n_calls: int = 1,
) -> JudgeResult:
    """Ask the judge ``n_calls`` times about every (prompt, reply) pair.

    Args:
        prompts: The person's messages.
        replies: The replies to judge, aligned with ``prompts``.
        generate: Maps a list of judge inputs to as many answers, in order (a configured model:
            :func:`tide_exp.judge.model.model_generate`; an API client; a fake in tests).
        rubric: What to ask and which dimensions to read back.
        n_calls: Independent calls per pair (sample, so they can differ).
    """
    if len(prompts) != len(replies):
        raise JudgeError(f"{len(prompts)} prompts but {len(replies)} replies to judge.")
    inputs = [rubric.format(p, r) for p, r in zip(prompts, replies, strict=True)]
    result = JudgeResult(rubric.name, rubric.dimensions)
    for _ in range(n_calls):
        answers = [str(a) for a in generate(inputs)]
        if len(answers) != len(inputs):
            raise JudgeError(
                f"judge returned {len(answers)} answers for {len(inputs)} prompts; "
                "generate(prompts) must return one string per prompt"
            )
        result.answers.append(answers)
        result.calls.append([parse_scores(a, rubric.dimensions) for a in answers])
    return result
