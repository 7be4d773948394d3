"""Chinese text rules of Study B's preparation: tokens, URL and emoji patterns, normalisation.

A *token* here (for "replies under five tokens") needs no segmenter: each CJK character
(Han ideographs, kana) is one token, each run of other letters or digits (an English word, a
number) is one token, and punctuation, spaces, symbols and emoji are none. So ``我很难过`` is 4
tokens, ``谢谢 OK`` 3, ``好的!!!`` 2. Chinese words average about 1.5 characters, so 5 character
tokens is roughly 3 words; model tokenizers (Qwen's BPE) give similar counts for Chinese.
"""

from __future__ import annotations

import re

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
TOKEN = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")
URL = re.compile(
    r"(?i)(?:https?://|ftp://|www\.)\S+"
    r"|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|cn|net|org|edu|gov|io|info|me|cc|top|xyz)\b(?:/\S*)?"
)
EMOJI = re.compile(
    "[\U0001f000-\U0001faff"  # emoticons, pictographs, transport, flags, supplemental symbols
    "\u2600-\u27bf"  # miscellaneous symbols and dingbats (sun, heart, check marks)
    "\u2b00-\u2bff"  # stars, arrows used as emoji
    "\ufe0f\u200d\u20e3]"  # variation selector, zero-width joiner, keycap
)
_ZERO_WIDTH = re.compile("[\u200b\u200c\u2060\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f]+")
_CJK_GAP = re.compile(
    rf"(?<=[{_CJK}，。、！？；：“”‘’（）《》【】…,!?;:]) (?=[{_CJK}，。、！？；：“”‘’（）《》【】…])"
)
_SPACE_BEFORE_PUNCT = re.compile(r" +(?=[,.!?;:)\]}。、])")
_REPEATED = re.compile(r"([!?,;:~、。])\1+")
_DOTS = re.compile(r"\.{4,}")
_ELLIPSES = re.compile(r"…{3,}")
_NEWLINES = re.compile(r" *\n[ \n]*\n *| *\n *")


def count_tokens(text: str) -> int:
    """Tokens by the rule in the module docstring (CJK characters plus runs of other letters/digits)."""
    return len(TOKEN.findall(text))


def to_half_width(text: str) -> str:
    """Full-width ASCII forms (U+FF01-FF5E: ``，！？ＡＢ１２``) to ASCII, the ideographic space to a space."""
    return "".join(
        chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else " " if c == "\u3000" else c
        for c in text
    )


def normalise(text: str) -> str:
    """Study B's punctuation and spacing normalisation, in this order.

    1. full-width to half-width (:func:`to_half_width`); zero-width characters removed;
    2. runs of spaces and tabs to one space; spaces around line breaks removed, at most one
       empty line kept;
    3. spaces between CJK characters (and CJK punctuation, or after ``,!?;:``) removed, spaces before ``,.!?;:)`` removed;
    4. a repeated mark (``!!!``, ``？？`` after step 1, ``。。``, ``~~``) kept once, four or more
       dots to ``...``, three or more ``…`` to ``……``; then stripped.
    """
    text = _ZERO_WIDTH.sub("", to_half_width(text))
    text = _SPACES.sub(" ", text)
    text = _NEWLINES.sub(lambda m: "\n\n" if m.group().count("\n") > 1 else "\n", text)
    text = _CJK_GAP.sub("", text)
    text = _SPACE_BEFORE_PUNCT.sub("", text)
    text = _REPEATED.sub(r"\1", text)
    text = _DOTS.sub("...", text)
    text = _ELLIPSES.sub("……", text)
    return text.strip()
