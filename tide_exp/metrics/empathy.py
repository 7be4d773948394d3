"""Offline proxies for the three empathy mechanisms of the TIDE dataset's model.

Emotion recognition, distress normalization and supportive reflection, each scored per reply as
0 (no marker), 0.5 (a weak marker) or 1 (a strong marker), from English patterns:

* emotion recognition: strong when a reflective frame names a feeling ("it sounds like you feel
  overwhelmed", "you must be exhausted"); weak when a feeling word appears without the frame, or
  the frame without a feeling word ("that sounds really hard").
* distress normalization: strong for an explicit normalizing statement ("it's completely
  understandable to feel", "many survivors feel", "a normal reaction"); weak for a bare
  validation ("you're not alone", "your feelings are valid").
* supportive reflection: strong for a paraphrase frame ("it sounds like", "what I'm hearing",
  "you mentioned", "you've been carrying"); weak for a generic offer of presence ("I'm here for
  you", "thank you for sharing").

Known blind spots: English only (a Chinese reply scores 0); sarcasm, negation ("it's not normal
to feel this") and a frame used to lecture all count; a reflection in the model's own words with
none of the frames scores 0; stock phrases score as well as meant ones (the generic-reply rate
shows how often a model repeats itself). The judge rubric (``tide_exp.judge``, 1-5 per mechanism)
is the second layer; ``humaneval analyze`` shows which of the two tracks human ratings.
"""

from __future__ import annotations

import re
from typing import Any

MECHANISMS = ("emotion_recognition", "distress_normalization", "supportive_reflection")

EMOTION_WORDS = (
    "afraid|alone|angry|anger|anxious|anxiety|ashamed|betrayed|broken|confused|crushed|"
    "defeated|depressed|desperate|devastated|disappointed|discouraged|distressed|drained|"
    "embarrassed|empty|exhausted|fear|frightened|frustrated|frustrating|furious|grief|grieving|"
    "guilt|guilty|heartbroken|helpless|hopeless|humiliated|hurt|insecure|isolated|jealous|lonely|"
    "loneliness|lost|low|miserable|nervous|numb|overwhelmed|overwhelming|pain|painful|panic|"
    "panicked|powerless|rage|regret|rejected|relieved|resentful|sad|sadness|scared|shame|"
    "shaken|shocked|sorrow|stressed|stressful|stuck|terrified|tired|trapped|traumatized|"
    "uncertain|unsafe|upset|vulnerable|weary|worried|worthless|proud|happy|joy|hopeful|grateful"
)
_FEELING = rf"\b({EMOTION_WORDS})\b"
_FRAME = (
    r"\b(it|that|this) (sounds|seems|must be|must feel|feels)\b|\byou (must|might|may) (be|feel)\b|"
    r"\byou('re| are) (feeling|going through|dealing with)\b|\byou (feel|seem|sound)\b|"
    r"\bi can (hear|see|tell|imagine|sense|understand)\b"
)
PATTERNS: dict[str, tuple[str, str]] = {
    # mechanism -> (strong, weak)
    "emotion_recognition": (rf"({_FRAME})[^.?!]{{0,60}}{_FEELING}", rf"{_FEELING}|{_FRAME}"),
    "distress_normalization": (
        r"\b(it'?s|it is|that'?s|that is|this is) (completely |totally |entirely |very |so |perfectly )?"
        r"(normal|understandable|natural|common|okay|ok|valid|human)\b[^.?!]{0,20}\b(to|that|for|after)\b|"
        r"\b(many|lots of|a lot of|most|other) (people|survivors|others)\b[^.?!]{0,30}"
        r"\b(feel|experience|struggle|go through|react)|"
        r"\b(a |an )?(normal|natural|common|understandable) (reaction|response)\b|"
        r"\bmakes (complete |total |a lot of )?sense\b|\banyone (would|in your)\b",
        r"\byou'?re not alone\b|\byou are not alone\b|\b(your )?feelings are valid\b|"
        r"\bnot your fault\b|\bnothing to be ashamed of\b|\bit'?s okay to\b",
    ),
    "supportive_reflection": (
        r"\b(it|that) sounds like\b|\bwhat i('m| am) hearing\b|\bit seems like you\b|"
        r"\byou mentioned\b|\byou('ve| have) been (carrying|dealing|going through|holding|living)\b|"
        r"\byou('re| are) saying\b|\bif i understand\b|\bso you('re| are| feel)\b",
        r"\bi('m| am) here (for|with|to listen)\b|\bthank you for (sharing|telling|trusting|opening)\b|"
        r"\bi hear you\b|\bi('m| am) (so )?sorry (you|that|to hear)\b",
    ),
}
_COMPILED = {
    name: (re.compile(strong, re.IGNORECASE), re.compile(weak, re.IGNORECASE))
    for name, (strong, weak) in PATTERNS.items()
}


def mechanism_score(reply: str, mechanism: str) -> float:
    """1.0 for a strong marker of ``mechanism`` in ``reply``, 0.5 for a weak one, else 0.0."""
    strong, weak = _COMPILED[mechanism]
    text = reply.replace("\u2019", "'")
    if strong.search(text):
        return 1.0
    return 0.5 if weak.search(text) else 0.0


def mechanism_scores(replies: list[str]) -> dict[str, list[float]]:
    """Mechanism -> per-reply scores, in input order."""
    return {m: [mechanism_score(r, m) for r in replies] for m in MECHANISMS}


def emotion_recognition(predictions: list[str], references: list[str] | None = None) -> list[float]:
    """Per-reply emotion-recognition proxy (references unused: the suite's call shape)."""
    return [mechanism_score(r, "emotion_recognition") for r in predictions]


def distress_normalization(
    predictions: list[str], references: list[str] | None = None
) -> list[float]:
    """Per-reply distress-normalization proxy (references unused)."""
    return [mechanism_score(r, "distress_normalization") for r in predictions]


def supportive_reflection(
    predictions: list[str], references: list[str] | None = None
) -> list[float]:
    """Per-reply supportive-reflection proxy (references unused)."""
    return [mechanism_score(r, "supportive_reflection") for r in predictions]


def describe_empathy(mechanism: str) -> dict[str, Any]:
    """What scores.json records about a mechanism proxy."""
    return {
        "definition": f"{mechanism} proxy: 1 strong marker, 0.5 weak marker, 0 none (English)",
        "patterns": "tide_exp/metrics/empathy.py PATTERNS",
    }
