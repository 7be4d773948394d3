"""The standalone scorer: round trips, field overrides, CSV, and bad rows stopping with file:line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tide_exp.cli.score import main
from tide_exp.metrics import score_texts

ROOT = Path(__file__).resolve().parents[3]
FAST = "rouge_l,meteor,distinct_1,distinct_2_reply"


def _write_jsonl(path: Path, rows: list) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    return path


def test_jsonl_round_trip_matches_score_texts(tmp_path, english_rows, capsys):
    src = _write_jsonl(tmp_path / "pairs.jsonl", english_rows)
    out = tmp_path / "out" / "scores.json"
    assert main(["--input", str(src), "--output", str(out), "--metrics", FAST]) == 0
    scores = json.loads(out.read_text(encoding="utf-8"))
    expected = score_texts(
        [r["prediction"] for r in english_rows],
        [r["reference"] for r in english_rows],
        dict.fromkeys(FAST.split(",")),
    )
    assert scores["per_sample"] == expected["per_sample"]
    assert scores["metrics"]["distinct_1"]["mean"] == expected["metrics"]["distinct_1"]["mean"]
    assert (
        scores["input"]["rows_scored"] == len(english_rows) and scores["input"]["rows_skipped"] == 0
    )
    table = capsys.readouterr().out
    assert "meteor" in table and f"{expected['metrics']['meteor']['mean']:.4f}" in table
    assert [p.name for p in out.parent.iterdir()] == ["scores.json"]  # no temp file left behind


def test_field_overrides_and_csv(tmp_path):
    src = _write_jsonl(
        tmp_path / "p.jsonl", [{"reply": "I hear you.", "gold": "I hear you, truly."}]
    )
    out = tmp_path / "s.json"
    assert (
        main(
            [
                "--input",
                str(src),
                "--output",
                str(out),
                "--metrics",
                "rouge_l",
                "--prediction-field",
                "reply",
                "--reference-field",
                "gold",
            ]
        )
        == 0
    )
    assert json.loads(out.read_text())["per_sample"][0]["rouge_l"] > 0.5
    csv_src = ROOT / "tests" / "assets" / "metrics" / "pairs.csv"
    assert main(["--input", str(csv_src), "--output", str(out), "--metrics", "rouge_l"]) == 0
    assert json.loads(out.read_text())["metrics"]["rouge_l"]["n"] == 2


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"reference": "x"}', "missing field 'prediction'"),
        ('{"prediction": 3, "reference": "x"}', "field 'prediction' is int, not a string"),
        ('{"prediction": "a", "reference": "  "}', "field 'reference' is empty"),
        ('{"prediction": "a", "reference": ', "malformed JSON at column"),
        ('["a", "b"]', "expected a JSON object"),
    ],
)
def test_bad_row_stops_with_file_and_line(tmp_path, capsys, line, message):
    src = tmp_path / "bad.jsonl"
    src.write_text('{"prediction": "a", "reference": "b"}\n\n' + line + "\n", encoding="utf-8")
    out = tmp_path / "scores.json"
    assert main(["--input", str(src), "--output", str(out), "--metrics", "rouge_l"]) == 2
    err = capsys.readouterr().err
    assert f"{src}:3: {message}" in err and "Traceback" not in err
    assert not out.exists()


def test_skip_bad_rows_counts_and_reports(tmp_path, capsys):
    src = _write_jsonl(
        tmp_path / "p.jsonl",
        [
            {"prediction": "a b", "reference": "a"},
            {"prediction": None, "reference": "x"},
            {"prediction": "c", "reference": "c"},
        ],
    )
    out = tmp_path / "s.json"
    assert (
        main(["--input", str(src), "--output", str(out), "--metrics", "rouge_l", "--skip-bad-rows"])
        == 0
    )
    scores = json.loads(out.read_text())
    assert scores["input"]["rows_skipped"] == 1 and scores["input"]["lines"] == [1, 3]
    assert len(scores["per_sample"]) == 2
    assert "1 bad row(s) skipped" in capsys.readouterr().out


def test_unknown_metric_and_missing_file(tmp_path, capsys):
    assert (
        main(["--input", str(tmp_path / "nope.jsonl"), "--output", str(tmp_path / "s.json")]) == 2
    )
    assert "no such file" in capsys.readouterr().err
    src = _write_jsonl(tmp_path / "p.jsonl", [{"prediction": "a", "reference": "a"}])
    assert (
        main(
            ["--input", str(src), "--output", str(tmp_path / "s.json"), "--metrics", "rouge_l,bleu"]
        )
        == 2
    )
    assert "bleu" in capsys.readouterr().err


def test_subprocess_csv_with_bad_row(tmp_path):
    src = tmp_path / "p.csv"
    src.write_text(
        'prediction,reference\n"I hear you.","That sounds hard."\n"empty reference",\n',
        encoding="utf-8",
    )
    cmd = [
        sys.executable,
        "-m",
        "tide_exp.cli.score",
        "--input",
        str(src),
        "--output",
        str(tmp_path / "s.json"),
        "--metrics",
        "rouge_l",
    ]
    bad = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert (
        bad.returncode == 2
        and f"{src}:3: field 'reference' is empty" in bad.stderr
        and "Traceback" not in bad.stderr
    )
    ok = subprocess.run(
        [*cmd, "--skip-bad-rows"], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads((tmp_path / "s.json").read_text())["input"]["rows_scored"] == 1


@pytest.mark.parametrize("output", ["/dev/full", "input", "folder"])
def test_bad_outputs_are_refused_before_scoring(
    tmp_path, english_rows, capsys, output, monkeypatch
):
    import tide_exp.cli.score as score

    src = _write_jsonl(tmp_path / "pairs.jsonl", english_rows)
    before = src.read_bytes()
    (tmp_path / "folder").mkdir()
    target = {"input": str(src), "folder": str(tmp_path / "folder")}.get(output, output)
    monkeypatch.setattr(score, "score_pairs", lambda *a: pytest.fail("scored before checking"))
    assert main(["--input", str(src), "--output", target, "--metrics", FAST]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {target}: ") and err.count("\n") == 1
    assert src.read_bytes() == before and Path("/dev/full").is_char_device()


def test_empty_reply_is_scored_as_in_run_scoring(tmp_path):
    rows = [
        {"prediction": "", "reference": "That sounds frightening."},
        {"prediction": "I hear you.", "reference": "I hear you, truly."},
    ]
    src = _write_jsonl(tmp_path / "p.jsonl", rows)
    out = tmp_path / "s.json"
    metrics = "rouge_l,bertscore_f1,distinct_1_reply"
    assert main(["--input", str(src), "--output", str(out), "--metrics", metrics]) == 0
    scores = json.loads(out.read_text())
    expected = score_texts(
        [r["prediction"] for r in rows],
        [r["reference"] for r in rows],
        dict.fromkeys(metrics.split(",")),
    )
    assert scores["per_sample"] == expected["per_sample"]  # the callback's numbers, exactly
    assert scores["per_sample"][0]["bertscore_f1"] == 0.0


def _generations(path: Path) -> Path:
    rows = []
    for phase, epoch, reply in (
        ("zs", None, "a"),
        ("val", 0, "b"),
        ("val", 1, "c"),
        ("ft", 1, "d"),
    ):
        for i in range(2):
            rows.append(
                {"phase": phase, "epoch": epoch, "prediction": f"{reply} {i}", "reference": "a 0"}
            )
    return _write_jsonl(path, rows)


def test_generations_file_is_scored_per_phase_never_pooled(tmp_path, capsys):
    src = _generations(tmp_path / "generations.jsonl")
    out = tmp_path / "s.json"
    args = ["--input", str(src), "--output", str(out), "--metrics", "rouge_l"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "several phases or epochs (ft, val (epoch 0), val (epoch 1), zs)" in err
    assert not out.exists()
    assert main([*args, "--phase", "zs"]) == 0
    scores = json.loads(out.read_text())
    assert scores["input"]["rows_scored"] == 2 and scores["input"]["phase"] == "zs"
    assert scores["per_sample"][0]["rouge_l"] == 1.0
    assert main([*args, "--phase", "val"]) == 2  # two epochs: pick one
    assert "--epoch" in capsys.readouterr().err
    assert main([*args, "--phase", "val", "--epoch", "1"]) == 0
    assert json.loads(out.read_text())["input"]["lines"] == [5, 6]


def test_topic_shift_reads_the_client_message_and_names_the_row_without_it(tmp_path, capsys):
    """topic_shift compares each reply with the client's message: `tide score` reads it from the
    rows (a generations.jsonl's `prompt`) and stops with file:line where a row has none."""
    from tide_exp.metrics.topic_shift import topic_shift

    rows = [
        {
            "prompt": "我最近总是失眠，很焦虑。",
            "prediction": "失眠确实让人焦虑。",
            "reference": "嗯",
        },
        {"prompt": "工作压力太大了", "prediction": "今天天气不错。", "reference": "嗯"},
    ]
    src = _write_jsonl(tmp_path / "generations.jsonl", rows)
    out = tmp_path / "s.json"
    args = ["--input", str(src), "--output", str(out), "--metrics", "topic_shift,rouge_l"]
    assert main(args) == 0
    scores = json.loads(out.read_text(encoding="utf-8"))
    expected = topic_shift([r["prediction"] for r in rows], prompts=[r["prompt"] for r in rows])
    assert [s["topic_shift"] for s in scores["per_sample"]] == expected == [0.0, 1.0]
    # Another field name for the message.
    renamed = [{"message" if k == "prompt" else k: v for k, v in r.items()} for r in rows]
    src2 = _write_jsonl(tmp_path / "pairs.jsonl", renamed)
    assert main(["--input", str(src2), "--output", str(out), "--metrics", "topic_shift"]) == 2
    err = capsys.readouterr().err
    assert f"{src2}:1: field 'prompt' (the client's message) is missing" in err
    assert "--prompt-field" in err and "Traceback" not in err
    assert main(["--input", str(src2), "--output", str(out), "--metrics", "topic_shift",
                 "--prompt-field", "message"]) == 0  # fmt: skip
    # A metric that does not need the message does not ask for it.
    assert main(["--input", str(src2), "--output", str(out), "--metrics", "rouge_l"]) == 0
