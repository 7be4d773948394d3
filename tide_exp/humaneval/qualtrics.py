"""Qualtrics Advanced Format TXT: write the survey for import, and read it back.

Each item is a block holding one matrix question: export tag ``[[ID:I07]]``, the client's
message and the question as text, the five shown replies as rows (``[[Choices]]``) and the
Likert labels as columns (``[[Answers]]``, recoded 1..5 in order). Qualtrics exports the
answers as columns ``I07_1`` .. ``I07_5``, which is the key's ``question_id``.
"""

from __future__ import annotations

import html
import re

import pandas as pd

from tide_exp.humaneval.survey import LIKERT_LABELS, QUESTION

INTRO = (
    "In this survey you will read short messages from people in distress and several replies "
    "to each. Rate how empathetic each reply is. There are no right or wrong answers."
)


def _inline(text: str) -> str:
    """One line of Qualtrics HTML: escaped, newlines as <br>, no tag-like ``[[``."""
    escaped = html.escape(text.strip(), quote=False).replace("[[", "[ [")
    return re.sub(r"\r?\n", "<br>", escaped)


def _restore(line: str) -> str:
    return html.unescape(line.replace("<br>", "\n").replace("[ [", "[["))


def survey_txt(
    key: pd.DataFrame,
    question: str = QUESTION,
    labels: tuple[str, ...] = LIKERT_LABELS,
    intro: str = INTRO,
) -> str:
    """Render the key's items as a Qualtrics Advanced Format TXT survey (no model names)."""
    lines = [
        "[[AdvancedFormat]]",
        "",
        "[[Block:Introduction]]",
        "",
        "[[Question:DB]]",
        "[[ID:INTRO]]",
        _inline(intro),
        "",
    ]
    for item_id, rows in key.groupby("item_id", sort=False):
        rows = rows.sort_values("slot")
        prompt = rows["prompt"].iloc[0]
        lines += [
            "[[PageBreak]]",
            "",
            f"[[Block:{item_id}]]",
            "",
            "[[Question:Matrix]]",
            f"[[ID:{item_id}]]",
            f"<b>Message:</b> {_inline(prompt)}<br><br>{_inline(question)}",
            "[[Choices]]",
            *(_inline(t) for t in rows["text"]),
            "[[Answers]]",
            *(f"{i} - {_inline(label)}" for i, label in enumerate(labels, start=1)),
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def parse_survey_txt(text: str) -> pd.DataFrame:
    """Read back what :func:`survey_txt` wrote: question_id, item_id, slot, prompt, response.

    Used to check the round trip (every shown reply maps to a key row).
    """
    rows, item_id, prompt, mode, slot = [], None, "", None, 0
    for line in text.splitlines():
        if line.startswith("[[ID:"):
            item_id, mode, slot = line[5:-2], None, 0
        elif line == "[[Choices]]":
            mode = "choices"
        elif line.startswith("[["):
            mode = None
        elif mode == "choices" and line:
            slot += 1
            rows.append(
                {
                    "question_id": f"{item_id}_{slot}",
                    "item_id": item_id,
                    "slot": slot,
                    "prompt": prompt,
                    "response": _restore(line),
                }
            )
        elif item_id and mode is None and line.startswith("<b>Message:</b> "):
            prompt = _restore(line[len("<b>Message:</b> ") :].rsplit("<br><br>", 1)[0])
    return pd.DataFrame(rows)
