import json

import pytest
from data_fixtures import ASSETS

from tide_exp.data.flat_file import load_flat_file
from tide_exp.data.prepare import main, prepare
from tide_exp.data.zh_text import EMOJI, URL, count_tokens, normalise, to_half_width
from tide_exp.errors import BadRecordError

FIXTURE = ASSETS / "study_b" / "情绪.jsonl"
EXPECTED_COUNTS = {
    "lines": 10,
    "blank": 1,
    "unreadable": 0,
    "records": 9,
    "not_conversational": 2,
    "conversations": 7,
    "pairs": 8,
    "empty_pairs": 0,
    "duplicates": 1,
    "url": 1,
    "emoji": 1,
    "short_reply": 1,
    "normalised_changed": 4,
    "duplicates_after_normalise": 1,
    "output": 3,
}
EXPECTED_ROWS = [
    (
        "情绪-000001",
        "我最近总是失眠,很焦虑。",
        "听起来你最近承受了很多压力,愿意多说说让你焦虑的事情吗?",
    ),
    (
        "情绪-000001",
        "工作压力太大了",
        "工作压力确实会影响睡眠,我们可以一起看看有哪些方法能让你放松一些。",
    ),
    ("情绪-000007", "OK,我会试试!", "好的,慢慢来,我们每次只迈一小步就可以了。"),
]


def test_fixture_gives_exactly_the_expected_counts_and_rows(tmp_path):
    report = prepare([FIXTURE], tmp_path)
    assert report["counts"] == EXPECTED_COUNTS
    assert report["duplicate_share"] == 0.125 and report["per_category"] == {"情绪": 3}
    rows = [
        json.loads(line)
        for line in (tmp_path / "pairs.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert [
        (r["persona_id"], r["user_input"], r["reference_response"]) for r in rows
    ] == EXPECTED_ROWS
    assert {r["theme"] for r in rows} == {"情绪"} and all(len(r["example_id"]) == 16 for r in rows)
    assert len(load_flat_file(tmp_path / "pairs.jsonl")) == 3  # the data config reads it as is


def test_same_input_same_bytes(tmp_path):
    prepare([FIXTURE], tmp_path / "a")
    prepare([FIXTURE.parent], tmp_path / "b")  # a folder of category files
    for name in ("pairs.jsonl", "prepare_report.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_strip_keeps_pairs_without_the_url_or_emoji(tmp_path):
    report = prepare([FIXTURE], tmp_path, strip=True)
    assert report["counts"]["output"] == 5
    replies = [
        json.loads(line)["reference_response"]
        for line in (tmp_path / "pairs.jsonl").read_text().splitlines()
    ]
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
