"""Qualtrics Advanced Format TXT: write the survey for import, and read it back.

Each item is a block holding one matrix question per rating dimension: export tag
``[[ID:I07]]`` (``I07d1``, ``I07d2`` ... with several dimensions), the client's message and
the question as text, the five shown replies as rows (``[[Choices]]``) and the scale as
columns (``[[Answers]]``, recoded 1..5 in order; a point without a label shows its number).
Qualtrics exports the answers as columns ``I07_1`` .. ``I07_5``, which is the key's
``question_id`` (see :func:`tide_exp.humaneval.survey.rating_column`).
"""

from __future__ import annotations

import html
import json
import re

import pandas as pd

from tide_exp.humaneval.survey import ROLE_LABELS, SurveySpec, rating_column

INTRO = (
    "In this survey you will read short messages from people in distress and several replies "
    "to each. Rate each reply. There are no right or wrong answers."
)


# Every character str.splitlines (and an importer) may end a line at: inside a reply each would
# split one choice into two rows and shift every later question id of the item.
LINE_BREAKS = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# Other control characters (a random or broken model writes NUL, \x0e ...): invisible to raters,
# and a NUL byte makes the file binary to the tools that read it.
CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _inline(text: str) -> str:
    """One line of Qualtrics HTML: escaped, line breaks as <br>, no control characters, no
    tag-like ``[[``."""
    plain = CONTROLS.sub("", LINE_BREAKS.sub("\n", text.strip()))
    escaped = html.escape(plain, quote=False).replace("[[", "[ [")
    return escaped.replace("\n", "<br>")


def answer_lines(labels: tuple[str, ...]) -> list[str]:
    """The scale points as Qualtrics answers: ``1 - label`` or the bare number."""
    return [f"{i} - {_inline(lab)}" if lab else str(i) for i, lab in enumerate(labels, start=1)]


def history_html(history: str) -> str:
    """A dialogue's earlier turns (the key's JSON ``history``) as lines above the message."""
    if not isinstance(history, str) or not history:
        return ""
    turns = json.loads(history)
    lines = [f"<b>{ROLE_LABELS.get(r, r)}:</b> {_inline(t)}" for r, t in turns]
    return "<b>Earlier in the conversation:</b><br>" + "<br>".join(lines) + "<br><br>"


def _matrix(tag: str, prompt: str, question: str, texts, labels, history: str = "") -> list[str]:
    return [
        "[[Question:Matrix]]",
        f"[[ID:{tag}]]",
        f"{history_html(history)}<b>Message:</b> {_inline(prompt)}<br><br>{_inline(question)}",
        "[[Choices]]",
        *(_inline(t) for t in texts),
        "[[Answers]]",
        *answer_lines(labels),
        "",
    ]


def survey_txt(key: pd.DataFrame, spec: SurveySpec | None = None, intro: str = INTRO) -> str:
    """Render the key's items as a Qualtrics Advanced Format TXT survey (no model names).

    The intro shows the survey id (``Survey code``), which the docs ask you to store as
    embedded data ``survey_id`` so the export carries it back to ``qc``.
    """
    spec = spec or SurveySpec()
    survey_id = str(key["survey_id"].iloc[0]) if "survey_id" in key else ""
    lines = ["[[AdvancedFormat]]", "", "[[Block:Introduction]]", "", "[[Question:DB]]"]
    code = f"<br><br>Survey code: {survey_id}" if survey_id else ""
    lines += ["[[ID:INTRO]]", _inline(intro) + code, ""]
    for item_id, rows in key.groupby("item_id", sort=False):
        rows = rows.sort_values("slot")
        lines += ["[[PageBreak]]", "", f"[[Block:{item_id}]]", ""]
        dims = spec.dimensions[:1] if item_id == "ATTN" else spec.dimensions
        for dim in dims:
            tag = rating_column(f"{item_id}_1", dim, spec.dimensions).rsplit("_", 1)[0]
            lines += _matrix(
                tag,
                rows["prompt"].iloc[0],
                spec.question_for(dim),
                rows["text"],
                spec.labels_for(dim),
                rows["history"].iloc[0] if "history" in rows else "",
            )
    return "\n".join(lines).rstrip() + "\n"
