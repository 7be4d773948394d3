"""Degenerate repetition in one reply: the share of repeated word 4-grams and a ``looping`` flag.

A small model decoding greedily often falls into a loop ("I'm sure you're not alone. I'm sure
you're not alone. I'm sure you're not alone."). Such a reply may still end within the token cap,
so the cut rate does not count it, and its similarity scores are those of a fragment repeated.
Each reply gets two values (docs/metrics.md, "Looping replies"):

- :func:`repeated_ngram_share`: of the reply's word 4-grams (lower-cased words, punctuation
  dropped), the share that repeat one earlier in the same reply; 0 for a reply of under four
  words.
- :func:`is_looping`: the reply repeats itself as a reader sees it, by any of three rules:
  more than two sentences of which fewer than half are distinct (the house's stop-hook rule);
  a whole sentence of at least :data:`MIN_SENTENCE_WORDS` words that repeats, word for word, a
  stretch of the reply before it (a sentence or a clause said again); or a repeated 4-gram
  share of at least :data:`LOOP_SHARE`.

The thresholds were read off the default run's 32 zero-shot and fine-tuned replies (2026-12-04,
tests/assets/metrics/default_run_replies.jsonl): the replies a reader calls loops have shares of
0.29-0.81 or say a sentence again (one at 0.17 ends on a ten-word clause said twice); the others
0.00-0.14. Short sentences (``I'm here to help.``) are left out of the sentence rule: closing on
a short restatement is not a loop.
"""

from __future__ import annotations

import re

NGRAM = 4  # word n-grams counted by the share
LOOP_SHARE = 0.25  # repeated-4-gram share from which a reply loops (natural replies: <= 0.17)
MIN_SENTENCE_WORDS = 5  # shorter sentences said again do not count as a loop

_WORD = re.compile(r"[\w']+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")  # the split of the house's stop hook


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def sentences(text: str) -> list[str]:
    """The reply's sentences: split after ``.``, ``!`` or ``?`` and a space, stripped."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def repeated_ngram_share(text: str, n: int = NGRAM) -> float:
    """Share of the word ``n``-grams of ``text`` that repeat an earlier one (0.0 without any).

    ``"I'm not sure what to say. I'm not sure what to say."`` has 9 word 4-grams, 3 of them
    repeats: 0.33.
    """
    words = _words(text)
    grams = [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]
    return (len(grams) - len(set(grams))) / len(grams) if grams else 0.0


def mostly_repeated_sentences(text: str) -> bool:
    """More than two sentences, fewer than half of them distinct (the house's stop-hook rule)."""
    said = sentences(text)
    return len(said) > 2 and len(set(said)) < len(said) / 2


def repeats_a_sentence(text: str) -> bool:
    """A whole sentence (ending in ``.``, ``!`` or ``?``) of at least :data:`MIN_SENTENCE_WORDS`
    words repeats, word for word, a stretch of the reply before it."""
    before: list[str] = []
    for sentence in sentences(text):
        words = _words(sentence)
        complete = sentence[-1] in ".!?"  # a cut reply's last fragment is not a sentence
        said_before = f" {' '.join(words)} " in f" {' '.join(before)} "
        if complete and len(words) >= MIN_SENTENCE_WORDS and said_before:
            return True
        before += words
    return False


def is_looping(text: str) -> bool:
    """Whether a reply repeats itself: mostly repeated sentences, a sentence said again, or a
    repeated 4-gram share of at least :data:`LOOP_SHARE` (module docstring)."""
    return (
        mostly_repeated_sentences(text)
        or repeats_a_sentence(text)
        or repeated_ngram_share(text) >= LOOP_SHARE
    )
