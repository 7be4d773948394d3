"""Rule-based anonymisation of Chinese and English text: hits, misses on purpose, and a property."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tide_exp.data.anonymise import RULES, ZH_PLACES, anonymise


@pytest.mark.parametrize(
    ("text", "expected", "rules"),
    [
        ("我叫王小明,住在北京市。", "我叫[NAME],住在[PLACE]。", {"name_zh": 1, "place_zh": 1}),
        ("张老师让我去广州看看", "[NAME]老师让我去[PLACE]看看", {"name_zh": 1, "place_zh": 1}),
        ("电话13812345678,邮箱 a.b@mail.cn", "电话[PHONE],邮箱 [EMAIL]", {"phone": 1, "email": 1}),
        ("身份证11010519491231002X", "身份证[ID]", {"id_number": 1}),
        ("我的名字是李华", "我的名字是[NAME]", {"name_zh": 1}),
        (
            "My name is Sarah Jones, I live in New York. Dr. Smith said so.",
            "My name is [NAME], I live in [PLACE]. Dr. [NAME] said so.",
            {"name_en": 2, "place_en": 1},
        ),
        ("Call (555) 123-4567 or +86 138 1234 5678", "Call [PHONE] or [PHONE]", {"phone": 2}),
        # Left alone on purpose (documented limits): words that look like names or places.
        ("历史老师和班主任老师都很好", "历史老师和班主任老师都很好", {}),
        ("我向老师请教,高中同学去了超市", "我向老师请教,高中同学去了超市", {}),
        ("I will hope for the best in May.", "I will hope for the best in May.", {}),
        ("我叫了外卖,小明也来了", "我叫了外卖,小明也来了", {}),
    ],
)
def test_rules_replace_and_count(text, expected, rules):
    counts: Counter[str] = Counter()
    assert anonymise(text, counts) == expected
    assert dict(counts) == rules


PII = st.sampled_from(
    [
        "我叫王小明",
        "张老师",
        "13812345678",
        "010-12345678",
        "a@b.com",
        "11010519491231002X",
        "My name is Sarah",
        "Mr. Brown",
        "London",
        *ZH_PLACES,
    ]
)
FILLER = st.text(alphabet="我你的很好,。 and the of 老师同学市", max_size=8)


@given(st.lists(st.tuples(FILLER, PII), min_size=1, max_size=6), FILLER)
def test_anonymised_text_has_nothing_left_to_find(parts, tail):
    """Any text mixing PII with filler: every piece found, and a second pass finds nothing."""
    text = " ".join(f"{filler} {pii}" for filler, pii in parts) + f" {tail}"
    counts: Counter[str] = Counter()
    once = anonymise(text, counts)
    assert sum(counts.values()) >= len(parts)
    again: Counter[str] = Counter()
    assert anonymise(once, again) == once and not again
    assert not any(pattern.search(once) for _, _, pattern in RULES)


def test_a_name_introduced_once_is_replaced_wherever_the_dialogue_uses_it():
    from tide_exp.data.anonymise import introduced_names

    turns = [
        "我叫王小明,最近很累。",
        "小明,听起来你很辛苦。王小明这个名字很好听。",
        "Call me Sarah Jones.",
    ]
    names = introduced_names(turns)
    assert names == ["Sarah Jones", "Jones", "Sarah", "王小明", "小明"]  # longest first
    counts: Counter[str] = Counter()
    assert [anonymise(t, counts, names) for t in turns] == [
        "我叫[NAME],最近很累。",
        "[NAME],听起来你很辛苦。[NAME]这个名字很好听。",
        "Call me [NAME].",
    ]
    assert counts == {"name_zh": 1, "name_en": 1, "name_introduced": 2}
    assert anonymise("Sarahville is far.", None, ["Sarah"]) == "Sarahville is far."  # whole words


@pytest.mark.parametrize(
    "text",
    [
        "a" * 200_000,
        "1" * 200_000,
        "我" * 200_000,
        "a." * 100_000,
        "a" * 100_000 + "@" + "b-" * 50_000,
    ],
    ids=["letters", "digits", "han", "dots", "at-without-domain"],
)
def test_a_long_adversarial_message_is_anonymised_in_linear_time(text):
    """A 200k-character run with no address in it once took minutes (the e-mail pattern was
    retried from every position); the alarm only guards against a hang, it is no speed target."""
    import signal

    def hang(*_):
        raise TimeoutError("anonymise did not finish within 30 s: a pattern is super-linear")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(30)
    try:
        assert anonymise(text) == text  # nothing in it to replace
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
