from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tide_exp.cli.main import main
from tide_exp.cli.registry import COMMANDS

ROOT = Path(__file__).resolve().parents[3]


def test_console_script_is_the_dispatcher():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"tide": "tide_exp.cli.main:main"}


def test_no_arguments_lists_every_command_with_an_example(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "tide_exp: fine-tune and evaluate" in out
    for name, command in COMMANDS.items():
        assert f"  {name} " in out and command.example in out


def test_unknown_command_is_one_error_and_status_2(capsys):
    assert main(["trian"]) == 2
    assert capsys.readouterr().err.startswith(
        "error: unknown command 'trian'; did you mean tide train?\n"  # the nearest command
    )
    assert main(["xyzzy"]) == 2
    assert capsys.readouterr().err.startswith("error: unknown command 'xyzzy'.\n")


def hydra_app(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tide_exp.cli.main", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_train_help_names_the_project_and_companions(tmp_path):
    proc = hydra_app("train", "--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "trauma-informed" in proc.stdout and "tide train model=qwen2_5_0_5b" in proc.stdout
    # The footer lists every other command of the registry (it once lacked wandb and safety).
    others = ", ".join(name for name in COMMANDS if name != "train")
    assert f"companion commands: tide {{{others}}}" in proc.stdout
    assert "model: granite3_1_3b" in proc.stdout  # Hydra's group listing is still there


def test_unparsable_override_is_one_sentence_with_the_fix(tmp_path):
    proc = hydra_app("train", "data.source.path=~/data/TIDE", "--cfg", "job", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: Hydra cannot parse")
    assert "data.source.path=$HOME/data/TIDE" in proc.stderr
    home = Path.home()  # what the shell makes of the suggested $HOME/data/TIDE
    ok = hydra_app("train", f"data.source.path={home}/data/TIDE", "--cfg", "job", cwd=tmp_path)
    assert ok.returncode == 0 and f"path: {home}/data/TIDE" in ok.stdout


def test_shell_completion_goes_to_the_training_app(tmp_path):
    install = hydra_app("-sc", "install=bash", cwd=tmp_path)
    assert install.returncode == 0 and "hydra_bash_completion" in install.stdout
    env_line = {"COMP_LINE": "tide train mod", "COMP_POINT": "14"}
    proc = subprocess.run(
        [sys.executable, "-m", "tide_exp.cli.main", "-sc", "query=bash"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env_line},
    )
    assert proc.returncode == 0, proc.stderr
    assert "model=" in proc.stdout.split()


def completions(line: str, cwd: Path) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "tide_exp.cli.main", "-sc", "query=bash"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "COMP_LINE": line,
            "COMP_POINT": str(len(line)),
        },
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_completion_offers_command_names_for_the_first_word(tmp_path):
    assert completions("tide ch", tmp_path) == ["chat"]
    assert completions("tide s", tmp_path) == ["score", "stats", "safety"]
    assert completions("tide ", tmp_path) == list(COMMANDS)
    assert completions("tide score --in", tmp_path) == []  # argparse: the shell's file names


def test_tab_in_a_real_bash_completes_the_command_name(tmp_path):
    """Hydra's bash script, installed as the README says, asked as bash asks on <TAB>."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tide = bin_dir / "tide"
    tide.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m tide_exp.cli.main "$@"\n')
    tide.chmod(0o755)
    script = """
        eval "$(tide -sc install=bash)"
        complete -p tide
        tab() { COMP_LINE="$1"; COMP_POINT=${#1}; read -ra COMP_WORDS <<< "$1 "
                COMP_CWORD=$2; hydra_bash_completion; echo "$1 -> ${COMPREPLY[*]}"; }
        tab "tide ch" 1
        tab "tide train trainer.max_ep" 2
    """
    proc = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PATH": f"{bin_dir}:{os.environ['PATH']}"},
    )
    assert proc.returncode == 0, proc.stderr
    assert "-F hydra_bash_completion tide" in proc.stdout
    assert "tide ch -> chat\n" in proc.stdout
    assert "tide train trainer.max_ep -> trainer.max_epochs=" in proc.stdout


def test_the_readme_command_table_has_a_row_for_each_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `tide (\w+)` \|.*\| `tide (\w+)[^`]*` \|$", readme, flags=re.MULTILINE)
    assert [name for name, _ in rows] == list(COMMANDS)
    assert all(name == example for name, example in rows)  # each row's example is its command


@pytest.mark.parametrize(
    ("module", "kept"), [("tide_exp.cli.train", True), ("tide_exp.cli.score", False)]
)
def test_a_failed_command_leaves_no_outputs_but_training_keeps_its_record(
    module, kept, tmp_path, monkeypatch
):
    """Run as ``python -m``, a module is ``__main__``; its spec names the command."""
    import importlib.machinery
    import types

    from tide_exp.cli.conventions import cli_entry
    from tide_exp.files.atomic import write_text

    fake = types.ModuleType("__main__")
    fake.__spec__ = importlib.machinery.ModuleSpec(module, None)
    monkeypatch.setitem(sys.modules, "tide_fake_main", fake)

    def main() -> int:
        write_text(tmp_path / "summary.json", "{}")  # a sweep's summary, then exit 1
        return 1

    main.__module__ = "tide_fake_main"
    assert cli_entry(main)() == 1
    assert (tmp_path / "summary.json").exists() == kept
