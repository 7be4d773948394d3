from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.generation_helpers import configured_generation
from tide_exp.cli.chat import reply_to
from tide_exp.cli.session import run_config
from tide_exp.generation import GenerationSettings
from tide_exp.models.adapter import adapter_dir
from tide_exp.models.configured import load_configured

ROOT = Path(__file__).resolve().parents[3]


def test_chat_over_piped_stdin_answers_each_line_like_generate_replies(tiny_run):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tide_exp.cli.chat",
            "--run",
            str(tiny_run),
            "--max-new-tokens",
            "6",
        ],
        input="I keep having nightmares.\n\nWho can I talk to?\n/quit\nnever read\n",
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    cfg = run_config(tiny_run)
    loaded = load_configured(cfg, adapter_dir(tiny_run))
    model, tokenizer, chat = loaded.model.eval(), loaded.tokenizer, loaded.chat
    configured = GenerationSettings.from_config(cfg)
    settings = configured.replace(max_new_tokens=6, batch_size=1).for_chat(chat)
    first, second = (
        reply_to(model, tokenizer, chat, message, settings).text
        for message in ("I keep having nightmares.", "Who can I talk to?")
    )
    # One output line per input line (the blank one too), nothing after /quit.
    assert proc.stdout.split("\n")[:-1] == [first, "", second]
    assert "Traceback" not in proc.stderr


def test_chat_on_a_folder_that_is_not_a_run_is_one_line(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "tide_exp.cli.main", "chat", "--run", str(tmp_path)],
        input="",
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and "not a tide_exp run folder" in proc.stderr
    assert proc.stderr.count("\n") == 1


def _converse(
    tiny_model,
    monkeypatch,
    data: bytes,
    reply: str = "a reply",
    context: int = 512,
    finished: bool = True,
):
    import io
    from types import SimpleNamespace

    from tide_exp.cli import chat as chat_cli
    from tide_exp.data.chat import ChatFormatter
    from tide_exp.generation import Reply

    answer = Reply(reply, finished, 8 if not finished else 3, reply, False)
    monkeypatch.setattr(chat_cli, "reply_to", lambda *args: answer)
    model = SimpleNamespace(config=SimpleNamespace(max_position_embeddings=context))
    chat = ChatFormatter(tokenizer=tiny_model.tokenizer)
    settings = configured_generation(max_new_tokens=8).for_chat(chat)
    return chat_cli.converse(
        model, tiny_model.tokenizer, chat, settings, interactive=False, stdin=io.BytesIO(data)
    )


def test_piped_chat_keeps_one_reply_line_per_input_line(tiny_model, monkeypatch, capsys):
    assert _converse(tiny_model, monkeypatch, b"hi\n\n  \nthere\n", reply="two\nlines") == 0
    assert capsys.readouterr().out.split("\n")[:-1] == ["two\\nlines", "", "", "two\\nlines"]


def test_a_message_over_the_context_is_refused_on_its_own_line(tiny_model, monkeypatch, capsys):
    long = ("word " * 400).encode()
    assert _converse(tiny_model, monkeypatch, b"hi\n" + long + b"\nbye\n", context=128) == 1
    captured = capsys.readouterr()
    assert captured.out.split("\n")[:-1] == ["a reply", "", "a reply"]
    (error,) = captured.err.splitlines()
    assert error.startswith("error: input line 2 is ") and "over the model's context (128)" in error


def test_input_that_is_not_utf8_is_named_by_line_and_column(tiny_model, monkeypatch):
    import pytest

    from tide_exp.errors import DataError

    with pytest.raises(
        DataError, match=r"standard input line 2: not UTF-8 text \(byte 0xff at column 3\)"
    ):
        _converse(tiny_model, monkeypatch, b"hi\nok\xff\n")


def test_a_reply_cut_at_the_cap_keeps_its_line_and_says_so_on_stderr(
    tiny_model, monkeypatch, capsys
):
    assert _converse(tiny_model, monkeypatch, b"hi\nthere\n", finished=False) == 0
    captured = capsys.readouterr()
    assert captured.out.split("\n")[:-1] == ["a reply", "a reply"]
    assert captured.err.splitlines() == [
        f"note: the reply to input line {n} stopped at the cap of 8 new tokens "
        "(--max-new-tokens for more)"
        for n in (1, 2)
    ]


def test_a_looping_reply_is_named_a_loop_not_a_reason_to_raise_the_cap(
    tiny_model, monkeypatch, capsys
):
    loop = "I'm sure you're not alone. " * 3 + "I'm sure"
    assert _converse(tiny_model, monkeypatch, b"hi\n", reply=loop, finished=False) == 0
    (note,) = capsys.readouterr().err.splitlines()  # was: "... (--max-new-tokens for more)"
    assert note == (
        "note: the reply to input line 1 loops: it repeats itself (64% repeated 4-grams, and "
        "stopped at the cap of 8); a longer cap only repeats more (docs/metrics.md, looping "
        "replies)"
    )


def test_chat_has_its_own_larger_cap_unless_eval_or_the_option_says_more():

    from tide_exp.cli.chat import CHAT_MAX_NEW_TOKENS, chat_cap
    from tide_exp.config.compose import compose_config

    default = GenerationSettings.from_config(compose_config([]))
    assert chat_cap(default, None) == CHAT_MAX_NEW_TOKENS > default.max_new_tokens
    assert chat_cap(default.replace(max_new_tokens=1024), None) == 1024
    assert chat_cap(default, 12) == 12
