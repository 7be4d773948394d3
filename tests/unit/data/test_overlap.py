"""The same dialogue on both sides of a split is found, said, and dropped on request."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tide_exp.data.dialogue_datamodule import DialogueDataModule
from tide_exp.data.examples import DialogueExample
from tide_exp.data.overlap import shared_text
from tide_exp.errors import DataError

SPACES = st.sampled_from([" ", "  ", "\u00a0", "\u2003", "\n", "\t", " \u200b", "\u3000"])


def _corpus(copies: dict[str, str]) -> list[DialogueExample]:
    """Ten personas of four dialogues; ``copies[pid] = other``: pid holds other's texts."""
    out = []
    for p in range(10):
        pid = f"p{p}"
        source = copies.get(pid, pid)
        for d in range(4):
            out.append(
                DialogueExample(
                    f"{pid}-d{d}",
                    pid,
                    f"I feel {source} low today {d}",
                    f"Tell me more {source} {d}",
                )
            )
    return out


@settings(max_examples=40, deadline=None)
@given(gap=SPACES, lead=SPACES)
def test_text_is_shared_whatever_its_spacing(gap, lead):
    train = [DialogueExample("a", "p0", "I feel low today", "Tell me more.")]
    copy = DialogueExample("b", "p1", lead + f"I feel{gap}low today", f"Tell{gap}me more." + lead)
    other = DialogueExample("c", "p2", "I feel low today", "Tell me less.")
    assert shared_text(train, [copy, other]) == [("b", "a")]


@pytest.mark.parametrize("policy", ["warn", "drop", "error"])
def test_a_dialogue_under_two_persona_ids_on_both_sides_is_said_and_dropped_on_request(
    tmp_path, tiny_chat, caplog, policy
):
    """Issue 31: the same dialogue text under several persona ids landed on both sides of the
    persona split, inflating held-out scores without a word."""
    corpus = _corpus({f"p{p}": "p0" for p in range(1, 5)})  # p0-p4: one text
    dm = DialogueDataModule(
        lambda: corpus, tiny_chat, max_length=64, eval_fraction=0.5, manifest_dir=str(tmp_path)
    )
    dm.overlap = policy
    if policy == "error":
        with pytest.raises(DataError, match=r"held-out examples have the same text .* overlap"):
            dm.setup()
        return
    with caplog.at_level(logging.WARNING):
        dm.setup()
    train_text = {(e.user_input, e.reference_response) for e in dm.train_examples}
    shared = [e for e in dm.eval_examples if (e.user_input, e.reference_response) in train_text]
    manifest = json.loads((tmp_path / "split_manifest.json").read_text())
    said = manifest["overlap"]["ids"]
    assert said and "the split overlaps" in caplog.text
    if policy == "warn":
        assert sorted(e.example_id for e in shared) == sorted(said)
    else:
        assert shared == [] and not set(said) & set(manifest["eval"])
