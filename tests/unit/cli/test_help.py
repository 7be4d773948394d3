"""``tide score --help`` and ``tide safety --help`` as a user reads them, and their examples run
through the same parser and reader the commands use."""

from __future__ import annotations

import json
import re
import shlex

import pytest

from tide_exp.cli.main import main
from tide_exp.cli.safety import build_parser
from tide_exp.metrics.score_file import BadInputError, read_pairs


def help_text(capsys, *args: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main([*args, "--help"])
    assert exit_info.value.code == 0
    return capsys.readouterr().out


def test_score_help_names_the_fields_and_its_sample_row_is_accepted(capsys, tmp_path):
    out = help_text(capsys, "score")
    assert out.startswith("usage: tide score ")
    fields = re.findall(r"^  (\w+) +the reply", out, flags=re.MULTILINE)
    assert fields == ["prediction", "reference"]
    sample = next(line.strip() for line in out.splitlines() if line.strip().startswith("{"))
    path = tmp_path / "pairs.jsonl"
    path.write_text(sample + "\n")
    pairs = read_pairs(path)  # the row the help shows is one the scorer takes
    assert pairs.predictions == [json.loads(sample)["prediction"]]
    for field in fields:  # and each field it names is one the scorer needs
        path.write_text(json.dumps({k: v for k, v in json.loads(sample).items() if k != field}))
        with pytest.raises(BadInputError, match=f"missing field '{field}'"):
            read_pairs(path)


def example_commands(text: str) -> list[list[str]]:
    """The ``tide safety ...`` command lines a help text shows, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", "", text)
    lines = [line.strip() for line in joined.splitlines()]
    return [shlex.split(line) for line in lines if line.startswith("tide safety ")]


@pytest.mark.parametrize("args", [("safety",), ("safety", "probe"), ("safety", "judge")])
def test_safety_help_is_plain_text_under_the_tide_command(capsys, args):
    out = help_text(capsys, *args)
    assert out.startswith(f"usage: tide {' '.join(args)} ")
    assert "``" not in out and "python -m tide_exp.safety " not in out
    assert "\\\n" not in out.replace(" \\\n      --", "")  # a continuation only before an option
    options = re.findall(r"^  (--[\w-]+)(?: (\S+))?(.*)$", out, flags=re.MULTILINE)
    assert all(rest.strip() or name == "--rubric" for name, _, rest in options if name != "--help")
    commands = example_commands(out)
    assert commands
    for command in commands:  # every example parses, without a mangled option
        args_ = build_parser().parse_args(command[2:])
        assert args_.command == command[2]
