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
    """

    example_id: str
    persona_id: str
    user_input: str
    reference_response: str
    theme: str = ""
    metadata: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


def split_examples(
    examples: list[DialogueExample],
    eval_fraction: float = 0.2,
    by: str = "persona",
    seed: int = 42,
) -> tuple[list[DialogueExample], list[DialogueExample]]:
    """Split into (train, eval), seeded; ``by="persona"`` keeps each persona on one side.

    Args:
        examples: The corpus, in load order.
        eval_fraction: Share of personas (or examples, with ``by="sample"``) held out.
        by: ``persona`` (no persona on both sides) or ``sample``.
        seed: Seed of the shuffle; the same seed gives the same split.
    """
    if not 0 < eval_fraction < 1:
        raise ValueError(f"eval_fraction must be in (0, 1), got {eval_fraction}")
    rng = random.Random(seed)
    if by == "sample":
        order = sorted(examples, key=lambda e: e.example_id)
        rng.shuffle(order)
        cut = max(1, round(len(order) * eval_fraction))
        held = {e.example_id for e in order[:cut]}
    elif by == "persona":
        personas = sorted({e.persona_id for e in examples})
        if len(personas) < 2:
            raise ValueError("a persona-aware split needs at least two personas; use by=sample")
        rng.shuffle(personas)
        cut = max(1, round(len(personas) * eval_fraction))
        held_personas = set(personas[:cut])
        held = {e.example_id for e in examples if e.persona_id in held_personas}
    else:
        raise ValueError(f"split by must be 'persona' or 'sample', got {by!r}")
    train = [e for e in examples if e.example_id not in held]
    evaluation = [e for e in examples if e.example_id in held]
    return train, evaluation
