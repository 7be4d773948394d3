"""Study B's linguistic figures as metrics: prescriptive markers, first-person imperatives (both
readings), affective markers with the report's own examples, topic shifts (needs the message)."""

from __future__ import annotations

import pytest

from tide_exp.errors import ConfigError
from tide_exp.metrics import score_texts
from tide_exp.metrics.lexicon import (
    empathy_markers,
    first_person_imperatives,
    prescriptive_markers,
)
from tide_exp.metrics.topic_shift import content_words, topic_shift
from tide_exp.runs.changes import base_to_tuned, relative_change


def test_prescriptive_markers_count_every_marker_not_only_the_reply():
    replies = [
        "你应该早点睡，必须规律作息。",
        "听起来很辛苦。",
        "You should rest and you must eat.",
    ]
    assert prescriptive_markers(replies) == [2.0, 0.0, 2.0]
    assert prescriptive_markers(["这应该是压力造成的。"]) == [0.0]  # 应该是 = probably


def test_first_person_imperatives_hortative_and_directive_readings():
    replies = [
        "让我们一起来看看。我们先深呼吸。",
        "我希望你今晚早点休息。",
        "Let's breathe. I want you to rest.",
    ]
    assert first_person_imperatives(replies) == [2.0, 0.0, 1.0]
    assert first_person_imperatives(replies, reading="directive") == [0.0, 1.0, 1.0]
    with pytest.raises(ConfigError, match="reading must be one of hortative, directive"):
        first_person_imperatives(replies, reading="both")


def test_affective_markers_include_the_reports_examples_but_not_their_negation():
    # The report's examples of affective alignment markers: '理解', '共感'.
    replies = ["我很理解。", "这种共感很重要", "我不理解你为什么这样"]
    assert empathy_markers(replies) == [1.0, 1.0, 0.0]  # 不理解: not understanding


def test_topic_shift_is_a_reply_sharing_no_content_word_with_the_message():
    assert content_words("我最近总是失眠，很焦虑。") == {"失眠", "焦虑"}
    message = "我最近总是失眠，很焦虑。"
    replies = ["失眠一定很难受，焦虑让人疲惫。", "你可以试试去跑步，多喝热水。"]
    assert topic_shift(replies, prompts=[message, message]) == [0.0, 1.0]
    assert topic_shift(replies[:1], prompts=[message], min_shared=3) == [1.0]
    english = ["Losing sleep is exhausting.", "Try a walk outside."]
    assert topic_shift(english, prompts=["I cannot sleep, work is awful."] * 2) == [0.0, 1.0]
    assert topic_shift(["Anything."], prompts=["嗯。"]) == [0.0]  # no topic to leave
    scored = score_texts(replies, ["参考"] * 2, {"topic_shift": {}}, prompts=[message] * 2)
    assert scored["metrics"]["topic_shift"]["mean"] == 0.5
    assert scored["config"]["topic_shift"]["options"] == {}
    with pytest.raises(ValueError, match="needs the client's message"):
        score_texts(replies, ["参考"] * 2, {"topic_shift": {}})


def test_relative_change_base_to_fine_tuned():
    assert relative_change(2.0, 1.0) == -0.5 and relative_change(0.0, 1.0) is None
    phases = {
        "zs": {"metrics": {"topic_shift": {"mean": 0.5}, "rouge_l": {"mean": 0.2}}},
        "ft": {"metrics": {"topic_shift": {"mean": 0.25}}},
    }
    validation = {"zs": {"loss": 2.207, "perplexity_token": 9.09}, "ft": {"loss": 2.189}}
    changes = base_to_tuned(phases, validation)
    assert changes["gen/topic_shift"] == {"base": 0.5, "fine_tuned": 0.25, "relative_change": -0.5}
    assert set(changes) == {"gen/topic_shift", "val/loss"}
    assert changes["val/loss"]["relative_change"] == pytest.approx(-0.018 / 2.207)
