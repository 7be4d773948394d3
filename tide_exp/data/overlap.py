"""The same dialogue on both sides of a split: held-out examples whose text a training example has.

Persona-disjoint splits keep a persona on one side, not its text: a corpus holding the same
dialogue under several persona ids (a copied file, a re-numbered persona) puts it on both
sides, and the held-out scores are inflated by replies the model was trained on. The check is
exact after normalising whitespace (any Unicode space or line break, and format characters,
count as one space), on the message and the reply together. ``data.overlap`` says what
happens: ``warn`` names the examples and keeps them, ``drop`` also leaves them out of the
held-out side (the split manifest lists them), ``error`` stops before training.
"""

from __future__ import annotations

import logging
import unicodedata

from tide_exp.data.examples import DialogueExample
from tide_exp.errors import DataError

log = logging.getLogger(__name__)

OVERLAP = ("warn", "drop", "error")


def normalised(text: str) -> str:
    """``text`` with every run of Unicode whitespace and format characters as one space."""
    kept = "".join(" " if unicodedata.category(c) == "Cf" else c for c in text)
    return " ".join(kept.split())


def _key(example: DialogueExample) -> tuple[str, str]:
    return normalised(example.user_input), normalised(example.reference_response)


def shared_text(
    train: list[DialogueExample], evaluation: list[DialogueExample]
) -> list[tuple[str, str]]:
    """``(held-out id, training id)`` for each held-out example whose text a training one has."""
    seen: dict[tuple[str, str], str] = {}
    for example in train:
        seen.setdefault(_key(example), example.example_id)
    return [(e.example_id, seen[_key(e)]) for e in evaluation if _key(e) in seen]


def check_overlap(
    train: list[DialogueExample], evaluation: list[DialogueExample], policy: str
) -> tuple[list[DialogueExample], list[str]]:
    """(held-out examples to keep, ids of those sharing a training example's text).

    Raises:
        DataError: with ``policy="error"``, when any held-out text is also a training one.
    """
    shared = shared_text(train, evaluation)
    if not shared:
        return evaluation, []
    ids = [held for held, _ in shared]
    examples = ", ".join(f"{held} = train {seen}" for held, seen in shared[:3])
    said = (
        f"{len(shared)} of {len(evaluation)} held-out examples have the same text (message and "
        f"reply, after normalising whitespace) as a training example, e.g. {examples}: the "
        "split overlaps and their held-out scores measure memorised replies"
    )
    if policy == "error":
        raise DataError(
            f"{said}; set data.overlap=drop to leave them out, or deduplicate the data."
        )
    if policy == "drop":
        log.warning("%s; data.overlap=drop: left out of the held-out side", said)
        dropped = set(ids)
        return [e for e in evaluation if e.example_id not in dropped], ids
    log.warning("%s; set data.overlap=drop to leave them out (listed in split_manifest.json)", said)
    return evaluation, ids
