"""Reading a Qualtrics survey back (test-only): the round trip of
:func:`tide_exp.humaneval.qualtrics.survey_txt`, every shown reply mapped to a key row."""

from __future__ import annotations

import html
import re

import pandas as pd


def _restore(line: str) -> str:
    """Undo the survey's inline escaping (``<br>`` for newlines, ``[ [`` for ``[[``)."""
    return html.unescape(line.replace("<br>", "\n").replace("[ [", "[["))


def parse_survey_txt(text: str) -> pd.DataFrame:
    """Read back what :func:`survey_txt` wrote: question_id, item_id, slot, prompt, history
    (the earlier turns shown above the message, "" for none), response.

    With several
    dimensions each item's first matrix is read (the others show the same replies).
    """
    rows, item_id, prompt, history, mode, slot = [], None, "", "", None, 0
    for line in text.splitlines():
        if line.startswith("[[ID:"):
            tag = line[5:-2]
            match = re.fullmatch(r"(I\d+|ATTN)(d(\d+))?", tag)
            first = match is not None and match.group(3) in (None, "1")
            item_id = match.group(1) if first else None
            mode, slot = None, 0
        elif line == "[[Choices]]":
            mode = "choices" if item_id else None
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
                    "history": history,  # the earlier turns shown above the message, as text
                    "response": _restore(line),
                }
            )
        elif item_id and mode is None and "<b>Message:</b> " in line:
            shown, rest = line.split("<b>Message:</b> ", 1)
            prompt = _restore(rest.rsplit("<br><br>", 1)[0])
            history = _restore(shown.removesuffix("<br><br>"))
    return pd.DataFrame(rows)
