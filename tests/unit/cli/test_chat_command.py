from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tide_exp.cli.chat import reply_to
from tide_exp.cli.session import load_model, run_config
from tide_exp.generation import GenerationSettings

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
    model, tokenizer = load_model(cfg, tiny_run)
    from hydra.utils import instantiate

    chat = instantiate(cfg.model.chat, tokenizer=tokenizer)
    settings = GenerationSettings.from_config(cfg, chat, max_new_tokens=6, batch_size=1)
    expected = [
        reply_to(model, tokenizer, chat, message, settings)
        for message in ("I keep having nightmares.", "Who can I talk to?")
    ]
    assert proc.stdout.splitlines() == expected  # blank line skipped, nothing after /quit
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
