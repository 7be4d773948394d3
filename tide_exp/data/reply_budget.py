"""How much of each reply training learns once ``max_length`` and ``max_target_tokens`` cut it.

A prompt with a chat template and persona context can fill most of a short ``data.max_length``:
Study A's 80 tokens under the embedded model's template and the tide_paper persona block left
about four reply tokens per example and dropped a third of them. Every run measures, per split,
the reply tokens that survive (labels that are not masked) and stops before training when most
examples would learn almost nothing (:func:`check_reply_budget`); ``tide stats`` prints the same
figures.

An example is *starved* when truncation left it fewer than ``min_reply_tokens`` learned tokens
(a reply shorter than that, learned whole, is not starved); an example dropped because its
prompt alone fills ``max_length`` learns nothing and is starved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tide_exp.data.chat import IGNORE_INDEX
from tide_exp.errors import ConfigError


@dataclass(frozen=True)
class ReplyBudget:
    """Reply tokens learned in one split.

    Attributes:
        examples: Examples measured (dropped ones included).
        dropped: Examples whose prompt alone fills ``max_length`` (nothing learned).
        cut: Examples that learn fewer reply tokens than their reply has.
        mean_reply: Mean reply length, end-of-turn included, before any cut (kept examples).
        mean_learned: Mean reply tokens learned per example (dropped ones count 0).
        kept_share: Mean share of its reply each example learns (dropped ones count 0).
        starved_share: Share of examples learning fewer than ``min_reply_tokens`` after a cut.
        min_reply_tokens: The threshold of ``starved_share``.
    """

    examples: int
    dropped: int
    cut: int
    mean_reply: float
    mean_learned: float
    kept_share: float
    starved_share: float
    min_reply_tokens: int

    def counts(self, split: str) -> dict[str, Any]:
        """Flat entries for results.json ``data`` (``reply_learned_mean_train`` ...)."""
        return {
            f"reply_tokens_mean_{split}": self.mean_reply,
            f"reply_learned_mean_{split}": self.mean_learned,
            f"reply_kept_share_{split}": self.kept_share,
            f"reply_starved_share_{split}": self.starved_share,
            f"reply_cut_{split}": self.cut,
        }

    def describe(self) -> str:
        """One line: learned vs whole reply tokens, cut, dropped and starved examples."""
        if self.dropped == self.examples:
            return f"no reply tokens learned: all {self.examples} prompts alone fill max_length"
        return (
            f"{self.mean_learned:.1f} of {self.mean_reply:.1f} reply tokens learned per example "
            f"({self.kept_share:.0%} kept), {self.cut} of {self.examples} replies cut, "
            f"{self.dropped} dropped, {self.starved_share:.0%} with fewer than "
            f"{self.min_reply_tokens} learned"
        )


def learned_tokens(feature: dict[str, Any]) -> int:
    """Reply tokens a feature trains on: the labels that are not masked."""
    return sum(label != IGNORE_INDEX for label in feature["labels"])


def measure_replies(
    features: Sequence[dict[str, Any] | None], min_reply_tokens: int
) -> ReplyBudget:
    """The :class:`ReplyBudget` of encoded examples (``None``: dropped, prompt too long).

    Each feature carries ``reply_tokens``, its reply's length before any cut
    (:meth:`~tide_exp.data.chat.ChatFormatter.encode`).
    """
    kept = [f for f in features if f is not None]
    learned = [learned_tokens(f) for f in kept]
    whole = [max(1, f["reply_tokens"]) for f in kept]
    n = len(features)
    starved = n - len(kept)
    starved += sum(
        got < min(min_reply_tokens, full) for got, full in zip(learned, whole, strict=True)
    )
    return ReplyBudget(
        examples=n,
        dropped=n - len(kept),
        cut=sum(got < full for got, full in zip(learned, whole, strict=True)),
        mean_reply=round(sum(whole) / len(kept), 2) if kept else 0.0,
        mean_learned=round(sum(learned) / n, 2) if n else 0.0,
        kept_share=round(sum(g / w for g, w in zip(learned, whole, strict=True)) / n, 4)
        if n
        else 0.0,
        starved_share=round(starved / n, 4) if n else 0.0,
        min_reply_tokens=min_reply_tokens,
    )


def check_reply_budget(
    budget: ReplyBudget,
    split: str,
    max_length: int,
    max_target_tokens: int | None,
    max_starved_share: float,
) -> None:
    """Stop before training when more than ``max_starved_share`` of a split is starved.

    Raises:
        ConfigError: One sentence naming ``data.max_length``, the figures and the fix.
    """
    if budget.starved_share <= max_starved_share:
        return
    cap = "" if max_target_tokens is None else f" (data.max_target_tokens={max_target_tokens})"
    raise ConfigError(
        f"data.max_length={max_length}{cap} starves the {split} split ({budget.describe()}; "
        f"data.max_starved_share={max_starved_share:.0%}): the prompt (chat template, "
        "system prompt, persona context) fills the sequence, so fine-tuning would barely see "
        "the replies; raise data.max_length to fit prompt and reply (`tide stats` shows both) "
        "or shorten the prompt (model.chat.persona_template, model.chat.system_prompt)."
    )
