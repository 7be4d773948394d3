"""Topic shifts (Study B's "41% reduction in topic shifts"): does a reply leave the client's topic?

The report gives no definition, so this one is ours (docs/metrics.md): a reply *shifts topic*
when it shares fewer than ``min_shared`` content words (default 1: none) with the client's
message it answers. Content words:

- Chinese: words of two or more characters from rjieba's segmenter (jieba's dictionary, offline)
  whose part-of-speech tag is a noun, verb, adjective, idiom or abbreviation (``n*``, ``v*``,
  ``a*``, ``i``, ``l``, ``j``), less a short list of light words (``起来``, ``可以``, ``觉得`` ...);
- other text: lower-cased words of three or more letters, less an English stop list.

A message without any content word cannot be left, so its reply scores 0. The mean over
replies is the share of replies that shift topic; the relative change base -> fine-tuned is the
report's figure. The alternatives, not taken: overlap with the whole dialogue so far (a reply
that returns to an earlier topic would not count), embedding similarity (no offline Chinese
sentence encoder ships with the project).
"""

from __future__ import annotations

import functools
import re
from typing import Any

CONTENT_TAGS = re.compile(r"^(n|v|a|i$|l$|j$)")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[^\W\d_]{3,}")
LIGHT_ZH = frozenset(
    [
        "起来",
        "可以",
        "觉得",
        "知道",
        "需要",
        "没有",
        "就是",
        "还是",
        "什么",
        "这样",
        "那样",
        "现在",
        "时候",
        "一下",
        "一些",
        "应该",
        "能够",
        "不要",
        "不能",
        "出来",
        "下去",
        "进行",
        "成为",
        "希望",
        "感到",
        "看看",
        "试试",
        "有点",
        "发生",
        "出现",
        "开始",
        "继续",
    ]
)
STOP_EN = frozenset(
    [
        "the",
        "and",
        "for",
        "are",
        "but",
        "not",
        "you",
        "your",
        "yours",
        "with",
        "have",
        "has",
        "had",
        "this",
        "that",
        "these",
        "those",
        "was",
        "were",
        "will",
        "would",
        "can",
        "could",
        "should",
        "shall",
        "may",
        "might",
        "must",
        "been",
        "being",
        "from",
        "they",
        "them",
        "their",
        "there",
        "what",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "why",
        "how",
        "all",
        "any",
        "both",
        "each",
        "few",
        "more",
        "most",
        "other",
        "some",
        "such",
        "only",
        "own",
        "same",
        "than",
        "too",
        "very",
        "just",
        "about",
        "into",
        "over",
        "after",
        "before",
        "again",
        "once",
        "here",
        "then",
        "also",
        "feel",
        "feeling",
        "feels",
        "like",
        "really",
        "know",
        "think",
        "sounds",
        "sound",
        "going",
        "get",
        "got",
        "make",
        "made",
        "want",
    ]
)


@functools.lru_cache(maxsize=4096)
def content_words(text: str) -> frozenset[str]:
    """The content words of ``text`` (the rule in the module docstring)."""
    import rjieba

    words: set[str] = set()
    for word, tag in rjieba.tag(text):
        if CJK.search(word):
            if len(word) >= 2 and CONTENT_TAGS.match(tag) and word not in LIGHT_ZH:
                words.add(word)
        else:
            words |= {w for w in (m.lower() for m in LATIN_WORD.findall(word)) if w not in STOP_EN}
    return frozenset(words)


def topic_shift(
    predictions: list[str],
    references: list[str] | None = None,
    prompts: list[str] | None = None,
    min_shared: int = 1,
) -> list[float]:
    """1.0 for a reply that shares fewer than ``min_shared`` content words with its prompt.

    Args:
        predictions: The replies.
        references: Unused (the reference reply is not the topic the client raised).
        prompts: The client's message each reply answers.
        min_shared: Content words a reply must share with its message to stay on topic.
    """
    if prompts is None or len(prompts) != len(predictions):
        raise ValueError("topic_shift needs the client's message of every reply (prompts)")
    shifts = []
    for reply, message in zip(predictions, prompts, strict=True):
        topic = content_words(message)
        shifts.append(float(bool(topic) and len(topic & content_words(reply)) < min_shared))
    return shifts


def describe_topic_shift(min_shared: int = 1) -> dict[str, Any]:
    """What scores.json records about the metric."""
    import importlib.metadata

    return {
        "definition": f"reply shares < {min_shared} content word(s) with the client's message",
        "segmenter": f"rjieba {importlib.metadata.version('rjieba')} (Chinese); words of 3+ letters otherwise",
        "content_words": "zh: 2+ characters, POS n*/v*/a*/i/l/j, light words removed; other: stop list removed",
    }
