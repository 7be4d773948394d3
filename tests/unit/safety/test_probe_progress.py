"""``tide safety probe`` says how far it is and keeps finished replies: Ctrl-C, then the same
command, generates only what was missing and writes what an uninterrupted probe writes."""

from __future__ import annotations

import json

from tide_exp.cli.safety import main
from tide_exp.generation import ChatGenerationSettings
from tide_exp.safety.progress import PROGRESS_FILE

ARGS = ["probe", "--max-prompts", "4", "--batch-size", "2", "--max-new-tokens", "6"]
ARGS += ["--override", "threads=1"]


def _replies(folder):
    rows = [json.loads(line) for line in (folder / "safety.jsonl").read_text().splitlines()]
    return [(r["id"], r["reply"], r["finished"]) for r in rows]


def test_ctrl_c_keeps_finished_replies_and_the_same_command_continues(
    tmp_path, monkeypatch, capsys
):
    real, calls = ChatGenerationSettings.generate, []

    def counted(self, model, tokenizer, prompts, *args, **kwargs):
        calls.append(len(prompts))
        if stop_at == len(calls):
            raise KeyboardInterrupt
        return real(self, model, tokenizer, prompts, *args, **kwargs)

    monkeypatch.setattr(ChatGenerationSettings, "generate", counted)
    stop_at = 0
    assert main([*ARGS, "--out", str(tmp_path / "whole")]) == 0
    whole = capsys.readouterr()
    assert calls == [2, 2] and "probe zs: 2/4 replies" in whole.err  # progress per chunk
    assert "probe zs: 4/4 replies" in whole.err and "to go" in whole.err
    assert not (tmp_path / "whole" / PROGRESS_FILE).exists()  # the probe's files hold them

    out, calls[:], stop_at = tmp_path / "stopped", [], 2  # Ctrl-C in the second chunk
    assert main([*ARGS, "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == (
        f"interrupted: 2 finished replies kept in {out / PROGRESS_FILE}; run the same command "
        "to continue"
    )
    assert not (out / "safety.jsonl").exists() and (out / PROGRESS_FILE).is_file()

    calls[:], stop_at = [], 0
    assert main([*ARGS, "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert calls == [2] and "continuing the probe: 2 finished replies kept" in err
    assert _replies(out) == _replies(tmp_path / "whole")
    assert not (out / PROGRESS_FILE).exists()

    calls[:] = []  # kept replies of other settings are not reused
    (out / PROGRESS_FILE).write_text((tmp_path / "whole" / "safety.jsonl").read_text())
    assert main([*ARGS, "--out", str(out), "--max-new-tokens", "5"]) == 0
    assert calls == [2, 2] and "from other settings, so the probe starts over" in (
        capsys.readouterr().err
    )
