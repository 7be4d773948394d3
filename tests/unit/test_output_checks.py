"""Every command that writes refuses a bad output before doing any work (files.check_output)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

import tide_exp.files as files

# (module, arguments before the output, output option, output is a folder)
COMMANDS = [
    ("tide_exp.cli.score", ["--input", "{input}", "--metrics", "rouge_l"], "--output", False),
    ("tide_exp.cli.report", ["{dir}"], "--out", True),
    ("tide_exp.cli.prepare", ["{input}"], "--out", True),
    ("tide_exp.cli.stats", ["{input}"], "--out", True),
    ("tide_exp.cli.humaneval", ["build", "{dir}"], "--out", True),
    ("tide_exp.cli.humaneval", ["qc", "{input}", "--key", "{input}"], "--out", True),
]


@pytest.mark.parametrize(("module", "before", "option", "folder"), COMMANDS, ids=lambda v: str(v))
def test_a_file_where_the_output_goes_is_refused_first(
    tmp_path, capsys, monkeypatch, module, before, option, folder
):
    source = tmp_path / "input.jsonl"
    source.write_text('{"prediction": "a", "reference": "b"}\n')
    taken = tmp_path / ("taken_file" if folder else "taken_dir")
    taken.mkdir() if not folder else taken.write_text("keep me")
    checked = []
    real = files.check_output

    def spy(path, *args, **kwargs):
        checked.append(Path(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(importlib.import_module(module), "check_output", spy)
    argv = [a.format(input=source, dir=tmp_path) for a in before] + [option, str(taken)]
    code = importlib.import_module(module).main(argv)
    assert code != 0 and checked == [taken]
    assert str(taken) in capsys.readouterr().err
    assert source.read_text().startswith('{"prediction"')
    if folder:
        assert taken.read_text() == "keep me"
