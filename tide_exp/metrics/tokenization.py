"""Word tokenizers shared by the n-gram metrics (METEOR, distinct-n, generic replies).

Each has a name that goes into scores.json, so a number always says how its text was split.

- ``treebank`` (default): NLTK's ``word_tokenize`` with its Punkt sentence splitter replaced by a
  split after ``.``, ``!`` or ``?`` followed by white space; each sentence then goes through NLTK's
  Treebank word tokenizer (``NLTKWordTokenizer``), exactly as ``word_tokenize`` does. Needs no NLTK
  data. It differs from ``word_tokenize`` only where Punkt would not end a sentence (abbreviations
  such as "Dr. Smith" become "Dr", ".", "Smith").
- ``word_tokenize``: ``nltk.word_tokenize`` itself (what Hugging Face ``evaluate``'s METEOR uses);
  needs the ``punkt_tab`` data (``python -m nltk.downloader punkt_tab``, online only).
- ``wordpunct``: ``nltk.wordpunct_tokenize`` (``\\w+|[^\\w\\s]+``).
- ``whitespace``: ``str.split()``.
- ``chars``: every non-space character is a token (Chinese text).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from tide_exp.errors import ResourceMissingError

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@functools.lru_cache(maxsize=1)
def _treebank():
    from nltk.tokenize import NLTKWordTokenizer

    return NLTKWordTokenizer()


@functools.lru_cache(maxsize=100_000)
def _treebank_tokens(text: str) -> tuple[str, ...]:
    # Memoised: METEOR, distinct-n and generic replies tokenize the same replies.
    tokenizer = _treebank()
    return tuple(
        token
        for sentence in _SENTENCE_END.split(text.strip())
        if sentence
        for token in tokenizer.tokenize(sentence)
    )


def treebank_tokenize(text: str) -> list[str]:
    """NLTK's Treebank word tokenizer applied per sentence (see the module docstring)."""
    return list(_treebank_tokens(text))


def word_tokenize(text: str) -> list[str]:
    """``nltk.word_tokenize``; raises a LookupError naming the fix if Punkt data is missing."""
    import nltk

    try:
        return nltk.word_tokenize(text)
    except LookupError as err:
        raise ResourceMissingError(
            "tokenizer 'word_tokenize' needs NLTK's punkt_tab data: run "
            "`python -m nltk.downloader punkt_tab` (online) or use tokenizer 'treebank' offline."
        ) from err


def wordpunct_tokenize(text: str) -> list[str]:
    """``nltk.wordpunct_tokenize``."""
    from nltk.tokenize import wordpunct_tokenize as _wordpunct

    return _wordpunct(text)


def whitespace_tokenize(text: str) -> list[str]:
    """``str.split()``."""
    return text.split()


def char_tokenize(text: str) -> list[str]:
    """Every non-space character."""
    return [c for c in text if not c.isspace()]


TOKENIZERS: dict[str, Callable[[str], list[str]]] = {
    "treebank": treebank_tokenize,
    "word_tokenize": word_tokenize,
    "wordpunct": wordpunct_tokenize,
    "whitespace": whitespace_tokenize,
    "chars": char_tokenize,
}


def get_tokenizer(name: str) -> Callable[[str], list[str]]:
    """The tokenizer called ``name``; KeyError listing the choices otherwise."""
    try:
        return TOKENIZERS[name]
    except KeyError:
        raise KeyError(f"unknown tokenizer {name!r}; choose one of {sorted(TOKENIZERS)}") from None
