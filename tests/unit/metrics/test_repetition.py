"""The looping measure against what a reader sees in real replies, and over generated texts."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from tide_exp.metrics.repetition import (
    LOOP_SHARE,
    is_looping,
    repeated_ngram_share,
    repeats_a_sentence,
)

from .conftest import _read


def house_hook_loops(text: str) -> bool:
    """The house's stop hook, as written there: a sentence repeated and unique sentences < half."""
    s = [x.strip() for x in re.split(r"(?<=[.!?])\s+", text) if x.strip()]
    return len(s) > 2 and len(set(s)) < len(s) / 2


def test_the_flag_agrees_with_a_reader_on_the_default_runs_replies():
    rows = _read("default_run_replies.jsonl")
    assert [is_looping(r["prediction"]) for r in rows] == [r["reader_says_looping"] for r in rows]
    ft = [r for r in rows if r["phase"] == "ft"]
    assert sum(is_looping(r["prediction"]) for r in ft) == 10
    # The count, "6 of 16 fine-tuned replies repeat a sentence", is the exact repeats;
    # the other four loop on a clause ("I'm not sure I'm thinking about the right thing, but
    # I'm not sure I'm thinking about the right thing.").
    exact = [r for r in ft if len(set(s := re.split(r"(?<=[.!?])\s+", r["prediction"]))) < len(s)]
    assert len(exact) == 6
    # Every reply the house's stop hook calls a loop is one (and only the cut ones are).
    assert all(is_looping(r["prediction"]) for r in rows if house_hook_loops(r["prediction"]))
    looping_but_finished = [r for r in ft if is_looping(r["prediction"]) and r["finished"]]
    assert len(looping_but_finished) == 6  # what the cut rate never counted


def test_the_share_counts_repeated_word_4grams():
    assert repeated_ngram_share("I'm not sure what to say. I'm not sure what to say.") == 3 / 9
    assert repeated_ngram_share("One two three.") == 0.0  # no 4-gram at all
    assert repeated_ngram_share("a b c d a b c d") == 1 / 5
    assert not is_looping("I'm so sorry. You're not alone, and I'm here to help.")
    # A short closing restatement is not a loop; a whole sentence said again is.
    assert not repeats_a_sentence("I'm here to help you through this. I'm here to help.")
    assert repeats_a_sentence(
        "I'm here to support you, and I'm here to help you find it. I'm here to help you find it."
    )
    # A cut reply's last fragment repeating earlier words is not a sentence said again.
    assert not repeats_a_sentence("I'm so sorry to hear about your wedding. I'm so sorry to hear")


SENTENCE = st.lists(
    st.sampled_from(["i", "am", "here", "you", "not", "alone", "sorry", "that", "it", "hurts"]),
    min_size=1,
    max_size=9,
).map(lambda words: " ".join(words).capitalize() + ".")


@given(st.lists(SENTENCE, min_size=1, max_size=8))
def test_every_reply_the_house_hook_flags_loops(sentences):
    text = " ".join(sentences)
    if house_hook_loops(text):
        assert is_looping(text)
    assert 0.0 <= repeated_ngram_share(text) <= 1.0


@given(st.lists(SENTENCE, min_size=1, max_size=4), SENTENCE, st.integers(2, 6))
def test_a_reply_that_ends_by_saying_a_long_sentence_again_loops(start, tail, times):
    if len(tail.split()) < 5:
        tail = "I am not sure what to say."
    assert is_looping(" ".join([*start, *[tail] * times]))


@given(st.lists(st.text(alphabet="abcdefghij", min_size=1, max_size=6), unique=True, max_size=30))
def test_distinct_words_never_repeat(words):
    text = " ".join(words) + "."
    assert repeated_ngram_share(text) == 0.0 and repeated_ngram_share(text) < LOOP_SHARE
