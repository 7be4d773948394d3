"""Any reply text stays one choice row of the Qualtrics file: a line separator inside a reply
(\\u2028, \\r, \\x0c ...) split it into two rows and shifted every later question id of the
item; control characters (a NUL from a broken model) made the file binary."""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from tests.qualtrics_reader import parse_survey_txt
from tide_exp.humaneval.qualtrics import _matrix

LABELS = ("Not at all", "", "", "", "Extremely")
VISIBLE = re.compile(r"[^\s\x00-\x1f\x7f-\x9f]")  # what a rater can see of a text


def _visible(text: str) -> str:
    return "".join(VISIBLE.findall(text))


REPLY = st.text(min_size=1).filter(lambda t: _visible(t) != "")


@given(replies=st.lists(REPLY, min_size=1, max_size=5), prompt=REPLY)
@example(replies=["first\u2028second", "a\rb", "x\x00y\x0e", "end"], prompt="p\x0cq")
def test_every_reply_is_one_choice_row_with_its_visible_text(replies, prompt):
    text = "\n".join(_matrix("I01", prompt, "Rate each:", replies, LABELS))
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]", text)
    shown = parse_survey_txt(text)
    assert shown["question_id"].tolist() == [f"I01_{i}" for i in range(1, len(replies) + 1)]
    assert [_visible(r) for r in shown["response"]] == [_visible(r) for r in replies]
    assert _visible(shown["prompt"].iloc[0]) == _visible(prompt)
