"""The unit of data: one two-turn dialogue (client message -> reference reply)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DialogueExample:
    """A client message, its reference reply, and the persona it belongs to.

    Attributes:
        example_id: Stable id, the same in every run that uses the same corpus.
        persona_id: Persona the dialogue belongs to (splits never share a persona by default).
        user_input: The client's message, the model's prompt.
        reference_response: The reference reply the model is trained on and scored against.
        theme: Scenario slug (panic, grief_anger, ...), empty when unknown.
        metadata: Persona metadata, carried along for later analyses.
        history: Earlier turns of a multi-turn dialogue as ``(role, text)`` pairs, oldest first
            (``role`` is ``user`` or ``assistant``); the DataModule renders as many of the latest
            as fit in ``max_length`` as real turns of the chat template before ``user_input``
            (:mod:`tide_exp.data.multiturn`). Empty for two-turn corpora.
        system_prompt: The conversation's own system prompt (chat corpora with a ``system``
            turn); it replaces the model config's ``system_prompt`` for this example.
        dialogue_id: The source dialogue of a multi-turn corpus, which gives one example per
            reply ("": the example is a dialogue of its own, as in two-turn corpora); the
            per-dialogue perplexity reading groups by it (:attr:`dialogue`).
    """

    example_id: str
    persona_id: str
    user_input: str
    reference_response: str
    theme: str = ""
    metadata: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    history: tuple[tuple[str, str], ...] = ()
    system_prompt: str = ""
    dialogue_id: str = ""

    @property
    def dialogue(self) -> str:
        """The dialogue this example belongs to: its ``dialogue_id``, else its own id."""
        return self.dialogue_id or self.example_id


def split_examples(
    examples: list[DialogueExample],
    eval_fraction: float = 0.2,
    by: str = "persona",
    seed: int = 42,
    train_size: int | None = None,
    eval_size: int | None = None,
) -> tuple[list[DialogueExample], list[DialogueExample]]:
    """Split into (train, eval), seeded; ``by="persona"`` keeps each persona on one side.

    Examples keep their load order on each side. With ``eval_size`` (and optionally
    ``train_size``) the sides are counts instead of a fraction, as in Study A (6,000 / 4,000
    by sample): after the seeded shuffle the first ``eval_size`` examples are held out and the
    next ``train_size`` train; the rest is in neither. By persona, whole personas are taken in
    shuffled order as long as they fit the count, so a side never exceeds it.

    Args:
        examples: The corpus, in load order.
        eval_fraction: Share of personas (or examples, with ``by="sample"``) held out; ignored
            when ``eval_size`` is given.
        by: ``persona`` (no persona on both sides) or ``sample``.
        seed: Seed of the shuffle; the same seed gives the same split.
        train_size: Examples to train on (``None``: everything not held out).
        eval_size: Examples to hold out (``None``: ``eval_fraction`` of the units).

    Raises:
        ValueError: Invalid fraction, sizes larger than the corpus, or an unknown ``by``.
    """
    if by not in ("persona", "sample"):
        raise ValueError(f"split by must be 'persona' or 'sample', got {by!r}")
    if eval_size is None and not 0 < eval_fraction < 1:
        raise ValueError(f"eval_fraction must be in (0, 1), got {eval_fraction}")
    if (eval_size or 0) + (train_size or 0) > len(examples):
        raise ValueError(
            f"train_size + eval_size = {(eval_size or 0) + (train_size or 0)} exceeds the {len(examples)} examples"
        )
    if train_size is not None and eval_size is None:
        raise ValueError("train_size needs eval_size (a count for each side)")
    rng = random.Random(seed)
    if by == "sample":
        units = [[e] for e in sorted(examples, key=lambda e: e.example_id)]
    else:
        groups: dict[str, list[DialogueExample]] = {}
        for example in examples:
            groups.setdefault(example.persona_id, []).append(example)
        if len(groups) < 2:
            raise ValueError("a persona-aware split needs at least two personas; use by=sample")
        units = [groups[p] for p in sorted(groups)]
    rng.shuffle(units)
    if eval_size is None:
        cut = max(1, round(len(units) * eval_fraction))
        held = {e.example_id for unit in units[:cut] for e in unit}
        train_ids = {e.example_id for unit in units[cut:] for e in unit}
    else:
        held, rest = _take(units, eval_size)
        train_ids = (
            {e.example_id for unit in rest for e in unit}
            if train_size is None
            else _take(rest, train_size)[0]
        )
    train = [e for e in examples if e.example_id in train_ids]
    evaluation = [e for e in examples if e.example_id in held]
    return train, evaluation


def _take(
    units: list[list[DialogueExample]], size: int
) -> tuple[set[str], list[list[DialogueExample]]]:
    """Ids of whole units taken in order while they fit ``size``, and the units left over."""
    taken: set[str] = set()
    rest = []
    for unit in units:
        if len(taken) + len(unit) <= size:
            taken.update(e.example_id for e in unit)
        else:
            rest.append(unit)
    return taken, rest
