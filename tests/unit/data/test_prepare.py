import json

import pytest
from data_fixtures import ASSETS
from hypothesis import given, settings
from hypothesis import strategies as st

from tide_exp.cli.prepare import main
from tide_exp.data.prepare import prepare
from tide_exp.data.zh_text import EMOJI, URL, count_tokens, normalise, to_half_width
from tide_exp.errors import BadRecordError, DataError

FIXTURE = ASSETS / "study_b" / "情绪.jsonl"
SECOND = ASSETS / "study_b" / "压力.jsonl"  # repeated dialogues, names and places
EXPECTED_STEPS = {
    "read": {"lines": 10, "blank": 1, "unreadable": 0, "records": 9},
    "conversations": {"not_conversational": 2, "conversations": 7},
    "dedup": {"duplicates": 0, "dialogues": 7},  # c2 is c1's first exchange, not the dialogue
    "clean": {"url": 1, "emoji": 1, "exchanges_removed": 2, "left_without_pairs": 2},
    "normalise": {"turns_changed": 9},
    "anonymise": {
        "turns_changed": 0,
        **{
            k: 0
            for k in ("email", "id_number", "phone", "name_zh", "name_en", "place_zh", "place_en")
            + ("name_introduced",)
        },
    },
    "dedup_after_cleaning": {"duplicates": 1, "dialogues": 4},  # full- and half-width OK rows
    "pairs": {
        "pairs": 5,
        "empty": 0,
        "short_reply": 1,
        "duplicate_pairs": 0,
        "duplicate_rows": 0,
        "output": 4,
    },
}
SYSTEM = {"role": "system", "content": "你是心理咨询师"}
U1 = {"role": "user", "content": "我最近总是失眠,很焦虑。"}
A1 = {"role": "assistant", "content": "听起来你最近承受了很多压力,愿意多说说让你焦虑的事情吗?"}
U2 = {"role": "user", "content": "工作压力太大了"}
A2 = {
    "role": "assistant",
    "content": "工作压力确实会影响睡眠,我们可以一起看看有哪些方法能让你放松一些。",
}
EXPECTED_ROWS = [
    ("情绪-000001", [SYSTEM, U1, A1]),
    ("情绪-000001", [SYSTEM, U1, A1, U2, A2]),  # the whole conversation before the reply
    ("情绪-000002", [U1, A1]),
    (
        "情绪-000007",
        [
            {"role": "user", "content": "OK,我会试试!"},
            {"role": "assistant", "content": "好的,慢慢来,我们每次只迈一小步就可以了。"},
        ],
    ),
]


def _rows(folder):
    return [
        json.loads(line)
        for line in (folder / "pairs.jsonl").read_text(encoding="utf-8").splitlines()
    ]


def test_fixture_gives_exactly_the_expected_step_counts_and_rows(tmp_path):
    report = prepare([FIXTURE], tmp_path)
    assert report["steps"] == EXPECTED_STEPS
    assert report["duplicate_share"] == 0.0 and report["per_category"] == {"情绪": 4}
    rows = _rows(tmp_path)
    assert [(r["persona_id"], r["messages"]) for r in rows] == EXPECTED_ROWS
    assert {r["category"] for r in rows} == {"情绪"} and all(len(r["id"]) == 16 for r in rows)


def test_prepared_rows_load_with_their_context_through_the_data_config(tmp_path, compose_cfg):
    from hydra.utils import instantiate

    prepare([FIXTURE], tmp_path)
    cfg = compose_cfg("data=study_b_prepared", f"data.source.path={tmp_path / 'pairs.jsonl'}")
    examples = instantiate(cfg.data.source)()
    assert len(examples) == 4
    last = examples[1]  # c1's second reply: the first exchange rides along as real turns
    assert (last.user_input, last.reference_response) == (U2["content"], A2["content"])
    assert last.history == (("user", U1["content"]), ("assistant", A1["content"]))
    assert last.system_prompt == "你是心理咨询师" and last.persona_id == "情绪-000001"
    # Both replies of dialogue c1 are one dialogue to the per-dialogue perplexity (issue 30).
    assert examples[0].dialogue == last.dialogue == "情绪-000001"
    assert len({e.dialogue for e in examples}) == len({e.persona_id for e in examples}) < 4


def test_whole_dialogues_are_deduplicated_and_pairs_optionally(tmp_path):
    report = prepare([FIXTURE, SECOND], tmp_path / "a")
    assert report["steps"]["dedup"] == {"duplicates": 1, "dialogues": 10}
    assert report["duplicate_share"] == round(1 / 11, 4)
    pairs = prepare([FIXTURE, SECOND], tmp_path / "b", dedup_pairs=True)["steps"]["pairs"]
    assert pairs["duplicate_pairs"] == 1  # c2's pair is c1's first one
    assert pairs["output"] == report["steps"]["pairs"]["output"] - 1


def test_names_and_places_are_anonymised_and_counted(tmp_path):
    report = prepare([SECOND], tmp_path)
    counts = report["steps"]["anonymise"]
    assert counts == {
        "turns_changed": 4,
        "email": 0,
        "id_number": 0,
        "phone": 1,
        "name_zh": 2,
        "name_en": 2,
        "place_zh": 2,
        "place_en": 2,
        "name_introduced": 1,  # 小明 in the reply: introduced as 王小明 in the same dialogue
    }
    text = (tmp_path / "pairs.jsonl").read_text(encoding="utf-8")
    for secret in ("王小明", "小明", "北京", "13812345678", "张老师", "Sarah", "London"):
        assert secret not in text
    assert "我叫[NAME],住在[PLACE],电话[PHONE]。" in text and "[NAME]老师" in text


def test_same_input_same_bytes(tmp_path):
    prepare([SECOND, FIXTURE], tmp_path / "a")  # the order a folder lists them in
    prepare([FIXTURE.parent], tmp_path / "b")  # a folder of category files
    for name in ("pairs.jsonl", "prepare_report.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_strip_keeps_exchanges_without_the_url_or_emoji(tmp_path):
    report = prepare([FIXTURE], tmp_path, strip=True)
    assert report["steps"]["clean"]["exchanges_removed"] == 0
    assert report["steps"]["pairs"]["output"] == 6
    replies = [r["messages"][-1]["content"] for r in _rows(tmp_path)]
    assert (
        "你可以看看这个网站里面有很多资料。" in replies
        and "真为你高兴,能分享一下发生了什么吗?" in replies
    )


def test_malformed_line_stops_or_is_skipped_and_listed(tmp_path, capsys):
    bad = tmp_path / "in" / "焦虑.jsonl"
    bad.parent.mkdir()
    bad.write_text(FIXTURE.read_text(encoding="utf-8") + '{"question": "坏行\n', encoding="utf-8")
    with pytest.raises(BadRecordError, match=r"焦虑\.jsonl:11: malformed JSON"):
        prepare([bad], tmp_path / "out")
    assert (
        main([str(bad), "--out", str(tmp_path / "out")]) == 2
        and "error: " in capsys.readouterr().err
    )
    assert main([str(bad), "--out", str(tmp_path / "out"), "--skip-bad"]) == 0
    assert "unreadable" in capsys.readouterr().out
    skipped = [
        json.loads(line)
        for line in (tmp_path / "out" / "skipped_rows.jsonl").read_text().splitlines()
    ]
    assert [s["where"] for s in skipped] == ["line 11"]


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("我很难过", 4),
        ("谢谢 OK", 3),
        ("好的!!!", 2),
        ("不客气！", 3),
        ("3.14 是 pi", 4),
        ("😊😊", 0),
        ("I feel sad", 3),
    ],
)
def test_token_rule(text, tokens):
    assert count_tokens(text) == tokens


def test_normalisation_and_patterns():
    assert to_half_width("ＡＢ，１２！\u3000") == "AB,12! "
    assert normalise("ＯＫ，我　会　试试！！！") == "OK,我会试试!"
    assert normalise("我 很 好 ， 谢谢") == "我很好,谢谢"
    assert normalise("a  b\n\n\n c。。。好~~~ 真的.....") == "a b\n\nc。好~ 真的..."
    assert normalise("\u200b等等……………") == "等等……"
    assert (
        URL.search("看 https://a.cn/x 这个")
        and URL.search("去www.abc.com看看")
        and URL.search("见 xinli.cn/test")
    )
    assert not URL.search("3.14 是 pi") and not URL.search("我很好.谢谢")
    assert EMOJI.search("好❤️") and EMOJI.search("🙂") and not EMOJI.search("你好，。！？")


def test_a_folder_named_like_an_input_file_is_named_not_a_crash(tmp_path):
    from tide_exp.errors import DataError

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.jsonl").write_text("")
    (tmp_path / "in" / "b.jsonl").mkdir()
    with pytest.raises(DataError, match=r"b\.jsonl: not a readable file"):
        prepare([tmp_path / "in"], tmp_path / "out")


ZH = st.text(alphabet="我你他很好累怕想说睡工作压力家人朋友,。?", min_size=1, max_size=12)
DIALOGUE = st.lists(st.tuples(ZH, ZH), min_size=1, max_size=3).map(
    lambda pairs: {
        "messages": [
            {"role": role, "content": text}
            for user, reply in pairs
            for role, text in (("user", user), ("assistant", reply))
        ]
    }
)


@settings(max_examples=25, deadline=None)
@given(st.lists(DIALOGUE, min_size=1, max_size=6), st.tuples(ZH, ZH))
def test_repeated_dialogues_change_nothing_but_the_duplicate_count(records, extra):
    """Any corpus, and the same corpus twice over: the same rows, and every copy counted once."""
    import tempfile
    from pathlib import Path

    # A dialogue that continues another one opens alike: their shared rows must come out once.
    turns = [{"role": "user", "content": extra[0]}, {"role": "assistant", "content": extra[1]}]
    records = [*records, {"messages": records[0]["messages"] + turns}]

    with tempfile.TemporaryDirectory() as tmp:
        once, twice = Path(tmp) / "once" / "情绪.jsonl", Path(tmp) / "twice" / "情绪.jsonl"
        for path, rows in ((once, records), (twice, records + records)):
            path.parent.mkdir()
            path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
        try:
            first = prepare([once], Path(tmp) / "a", min_reply_tokens=1)
        except DataError:  # cleaning left nothing to train on: so does the doubled corpus
            with pytest.raises(DataError):
                prepare([twice], Path(tmp) / "b", min_reply_tokens=1)
            return
        second = prepare([twice], Path(tmp) / "b", min_reply_tokens=1)
        a, b = _rows(Path(tmp) / "a"), _rows(Path(tmp) / "b")
    assert [r["messages"] for r in a] == [r["messages"] for r in b]
    distinct = first["steps"]["dedup"]["dialogues"]
    assert second["steps"]["dedup"] == {
        "duplicates": len(records) + first["steps"]["dedup"]["duplicates"],
        "dialogues": distinct,
    }
    # Dialogues sharing an opening give that opening's row once: ids stay unique for the loader.
    assert len({r["id"] for r in b}) == len(b)


@pytest.mark.parametrize(
    "content",
    ["", '{"messages": [{"role": "user", "content": "hi"}]}\n'],
    ids=["empty", "no-assistant-turn"],
)
def test_a_corpus_with_nothing_to_train_on_is_refused_and_nothing_written(tmp_path, content):
    source = tmp_path / "corpus.jsonl"
    source.write_text(content)
    with pytest.raises(DataError, match=r"corpus.jsonl: no \(message, reply\) pair to write"):
        prepare([source], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_chat_records_whose_turns_cannot_be_read_say_why(tmp_path):
    """Issue 31: OpenAI-style content parts ([{type, text}]) gave "0 conversations with an
    assistant reply" of records that all had one; the first unreadable turn is named now."""
    parts = [{"type": "text", "text": "I cannot sleep at all these days, it is hard."}]
    record = {
        "messages": [{"role": "user", "content": parts}, {"role": "assistant", "content": parts}]
    }
    source = tmp_path / "oai.jsonl"
    source.write_text(json.dumps(record) + "\n")
    with pytest.raises(
        DataError, match=r"oai\.jsonl:1: messages\[0\]\.content is a list, not a string"
    ):
        prepare([source], tmp_path / "out")
