"""Every command of the registry (:data:`tide_exp.cli.registry.COMMANDS`) keeps the conventions.

Walking the registry: each command's ``main`` lives in ``tide_exp/cli/``; ``tide <command>
--help`` and ``python -m tide_exp.cli.<command> --help`` exit 0 and show its example; a bad
option or value is one ``error: ...`` line on stderr and exit 2 (argparse's errors too); and a
command that writes refuses, before any work, an output path taken by the wrong kind of thing
(a file where a folder goes, a folder where a file goes), one on a read-only disk and one on a
full disk, with one line naming it and nothing written. A command added to the registry
without an entry in :data:`BAD_VALUES` and :data:`OUTPUTS` fails here.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import runpy
import sys
import warnings
from pathlib import Path

import pytest

import tide_exp.files.checks as checks
from tests import disk_faults
from tide_exp.cli.main import main
from tide_exp.cli.registry import COMMANDS, Command, discover

ARGPARSE_COMMANDS = [name for name in COMMANDS if name != "train"]

# One bad option value per command ({dir}: an empty folder, {input}: a pairs file, {out}: a
# free output path): argparse rejects most; report, wandb and export reject what they are given.
BAD_VALUES: dict[str, list[str]] = {
    "chat": ["--max-new-tokens", "many"],
    "export": ["{dir}", "--dtype", "float8"],
    "compare": ["{dir}", "--limit", "all", "--out", "{out}"],
    "score": ["--input", "{input}", "--output", "{out}", "--epoch", "last"],
    "report": ["{dir}/no_such_sweep", "--out", "{out}"],
    "humaneval": ["build", "{dir}", "--out", "{out}", "--seed", "forty-two"],
    "prepare": ["{input}", "--out", "{out}", "--min-reply-tokens", "five"],
    "stats": ["{input}", "--out"],
    "wordnet": ["reinstall"],
    "wandb": ["{dir}"],
    "safety": ["probe", "--out", "{out}", "--max-prompts", "all"],
}

# The outputs of each command that writes ({taken}: the path already taken), and whether the
# output is a folder; [] for a command that writes nothing.
OUTPUTS: dict[str, list[tuple[list[str], bool]]] = {
    "chat": [],
    "wandb": [],
    "export": [(["{run}", "--out", "{taken}"], True)],
    "compare": [(["{dir}", "--out", "{taken}"], True)],
    "score": [(["--input", "{input}", "--metrics", "rouge_l", "--output", "{taken}"], False)],
    "report": [(["{dir}", "--out", "{taken}"], True)],
    "humaneval": [
        (["build", "{dir}", "--out", "{taken}"], True),
        (["judge", "{input}", "--generate", "mypkg.judge:generate", "--out", "{taken}"], False),
        (["qc", "{input}", "--key", "{input}", "--out", "{taken}"], True),
        (["analyze", "{dir}", "--key", "{input}", "--out", "{taken}"], True),
    ],
    "prepare": [(["{input}", "--out", "{taken}"], True)],
    "stats": [(["{input}", "--out", "{taken}"], True)],
    "wordnet": [(["install", "--nltk-data", "{taken}"], True)],
    "safety": [
        (["probe", "--out", "{taken}"], True),
        (["judge", "{input}", "--generate", "model=smollm2_135m", "--out", "{taken}"], False),
    ],
}

OUTPUT_CASES = [
    pytest.param(name, argv, folder, id=f"{name}-{argv[0]}")
    for name, cases in OUTPUTS.items()
    for argv, folder in cases
]


def test_every_command_lives_in_cli_and_has_its_cases_here():
    assert all(COMMANDS[name].module.startswith("tide_exp.cli.") for name in COMMANDS)
    assert COMMANDS["train"].module == "tide_exp.cli.train" and list(COMMANDS)[0] == "train"
    assert not COMMANDS["train"].all_or_nothing  # its run folder records a failure
    assert set(BAD_VALUES) == set(ARGPARSE_COMMANDS)
    assert set(OUTPUTS) == set(ARGPARSE_COMMANDS)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_module_declares_the_command_the_registry_lists(name):
    """The registry reads declarations without importing; importing gives the same command."""
    module = importlib.import_module(COMMANDS[name].module)
    declared = dataclasses.replace(module.COMMAND, module=COMMANDS[name].module)
    assert declared == COMMANDS[name]
    assert callable(module.main)


def test_a_new_module_with_a_declaration_is_a_command_and_others_are_not(tmp_path):
    (tmp_path / "greet.py").write_text(
        '"""tide greet."""\n\nfrom tide_exp.cli.registry import Command\n\n'
        'COMMAND = Command(\n    name="greet",\n    summary="say hello",\n'
        '    example="tide greet",\n    order=5,\n)\n\n\ndef main(argv=None):\n    return 0\n'
    )
    (tmp_path / "helpers.py").write_text("def helper():\n    return 1\n")
    found = discover(tmp_path)
    assert list(found) == ["greet"]
    assert found["greet"] == Command(
        "greet", "say hello", "tide greet", 5, module="tide_exp.cli.greet"
    )


def _fill(argv: list[str], tmp_path: Path, **extra: Path) -> list[str]:
    source = tmp_path / "input.jsonl"
    source.write_text('{"prediction": "a", "reference": "b"}\n')
    (tmp_path / "empty").mkdir(exist_ok=True)
    paths = {"input": source, "dir": tmp_path / "empty", "out": tmp_path / "out", **extra}
    return [arg.format(**paths) for arg in argv]


@pytest.mark.parametrize("name", ARGPARSE_COMMANDS)
def test_help_exits_0_and_shows_the_example_the_project_and_companions(name, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([name, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert f"example:\n  {COMMANDS[name].example}" in out
    assert "tide_exp: fine-tune and evaluate" in out and "companion commands: tide {" in out
    assert f"python -m {COMMANDS[name].module}" in out


@pytest.mark.parametrize("name", ARGPARSE_COMMANDS)
def test_python_m_runs_the_same_command(name, capsys, monkeypatch):
    module = COMMANDS[name].module
    monkeypatch.setattr(sys, "argv", [module, "--help"])
    with warnings.catch_warnings(), pytest.raises(SystemExit) as exit_info:
        warnings.simplefilter("ignore", RuntimeWarning)  # runpy: the module is imported already
        runpy.run_module(module, run_name="__main__")
    assert exit_info.value.code == 0
    assert f"example:\n  {COMMANDS[name].example}" in capsys.readouterr().out


def _one_error_line(capsys) -> str:
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
    return lines[0]


@pytest.mark.parametrize("name", ARGPARSE_COMMANDS)
def test_a_bad_option_value_is_one_error_line_and_status_2(name, tmp_path, capsys):
    argv = _fill(BAD_VALUES[name], tmp_path)
    assert main([name, *argv]) == 2
    _one_error_line(capsys)
    assert not (tmp_path / "out").exists()  # nothing half-written


@pytest.mark.parametrize("name", ARGPARSE_COMMANDS)
def test_an_unknown_option_is_one_error_line(name, capsys):
    assert main([name, "--no-such-option"]) == 2  # argparse names what is missing first
    assert name in _one_error_line(capsys)  # the command's usage name


def _spy_check_output(name: str, monkeypatch) -> list[Path]:
    """The paths the command's ``check_output`` is called with (it must come first)."""
    module = importlib.import_module(COMMANDS[name].module)
    checked = []
    real = checks.check_output

    def spy(path, *args, **kwargs):
        checked.append(Path(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(module, "check_output", spy)  # each command calls its own import
    return checked


@pytest.mark.parametrize(("name", "argv", "folder"), OUTPUT_CASES)
def test_an_output_path_taken_by_the_wrong_kind_is_refused_first(
    name, argv, folder, tmp_path, capsys, monkeypatch, request
):
    taken = tmp_path / ("taken_file" if folder else "taken_dir")
    taken.write_text("keep me") if folder else taken.mkdir()
    run = request.getfixturevalue("tiny_run") if "{run}" in argv else tmp_path
    checked = _spy_check_output(name, monkeypatch)
    assert main([name, *_fill(argv, tmp_path, taken=taken, run=run)]) == 2
    assert str(taken) in _one_error_line(capsys)
    assert len(checked) == 1 and (checked[0] == taken or checked[0].is_relative_to(taken))
    if folder:
        assert taken.read_text() == "keep me"
    else:
        assert not any(taken.iterdir())


@pytest.mark.parametrize("disk", ["read-only", "full"])
@pytest.mark.parametrize(("name", "argv", "folder"), OUTPUT_CASES)
def test_an_output_on_a_read_only_or_full_disk_is_refused_first(
    name, argv, folder, disk, tmp_path, capsys, monkeypatch, request
):
    disk_root = tmp_path / "disk"
    disk_root.mkdir()
    out = disk_root / "new" / ("out" if folder else "out.jsonl")
    run = request.getfixturevalue("tiny_run") if "{run}" in argv else tmp_path
    argv = _fill(argv, tmp_path, taken=out, run=run)
    checked = _spy_check_output(name, monkeypatch)
    if disk == "read-only":
        disk_faults.read_only(monkeypatch, disk_root)
    else:
        disk_faults.full_disk(monkeypatch)
    assert main([name, *argv]) == 2
    line = _one_error_line(capsys)
    problem = "is not writable (Read-only" if disk == "read-only" else "is on a full disk"
    assert line.startswith(f"error: {disk_root}: {problem}") and "Fix: " in line, line
    assert len(checked) == 1  # refused by the first check, before any work
    assert list(disk_root.iterdir()) == []


# Commands run whole on real inputs, twice into the same {out}, the second time with an option
# that changes what they write, and the disk filling after that many files (score's one file;
# prepare's second; export's second, in the folder it writes whole).
STUDY_B = Path(__file__).parents[2] / "assets" / "data" / "study_b" / "情绪.jsonl"
MID_WRITE = {
    "score": (["--input", "{input}", "--output", "{out}.json", "--metrics"], "rouge_l", 0),
    "prepare": ([str(STUDY_B), "--out", "{out}", "--min-reply-tokens"], "0", 1),
    "export": (["{run}", "--out", "{out}", "--force", "--dtype"], "bfloat16", 1),
}
FIRST = {"score": "distinct_1", "prepare": "5", "export": "float32"}


@pytest.mark.parametrize("name", MID_WRITE)
def test_a_disk_filling_mid_write_leaves_the_previous_outputs_and_one_line(
    name, tmp_path, capsys, monkeypatch, request
):
    run = request.getfixturevalue("tiny_run") if name == "export" else tmp_path
    argv, second, written = MID_WRITE[name]
    argv = _fill(argv, tmp_path, run=run)
    assert main([name, *argv, FIRST[name]]) == 0
    capsys.readouterr()
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    disk_faults.disk_fills(monkeypatch, after=written)
    assert main([name, *argv, second]) == 2
    line = _one_error_line(capsys)
    assert "No space left on device" in line and f"{tmp_path}/out" in line, line
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_ctrl_c_mid_write_is_one_line_status_130_and_the_previous_outputs(
    tmp_path, capsys, monkeypatch
):
    argv = [str(STUDY_B), "--out", str(tmp_path / "out")]
    assert main(["prepare", *argv]) == 0
    capsys.readouterr()
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    real, flushed = os.fsync, []

    def interrupted(fd):  # Ctrl-C as the second file is flushed
        flushed.append(fd)
        if len(flushed) == 2:
            raise KeyboardInterrupt
        return real(fd)

    monkeypatch.setattr(os, "fsync", interrupted)
    assert main(["prepare", *argv, "--min-reply-tokens", "0"]) == 130
    assert capsys.readouterr().err == "interrupted: none of its outputs are written\n"
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before
