"""The command list of ``tide``, found in ``tide_exp/cli/``: each command declares itself.

A command is a module ``tide_exp/cli/<module>.py`` with a ``main(argv)`` and, at the top level,
one declaration::

    COMMAND = Command(
        name="chat",
        summary="talk to a base model or a run's adapter in the terminal",
        example="tide chat --run outputs/2026-01-01/12-00-00_smollm2_135m",
        order=10,
    )

:data:`COMMANDS` is built by reading those declarations from the files, not by importing the
modules (``export`` imports torch, ``tide --help`` must stay fast), so the declaration is
literal values only, closed by a ``)`` alone on its line. Adding a command is adding its
module (with its test and docs); nothing here changes.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

PROJECT = (
    "tide_exp: fine-tune and evaluate small language models as trauma-informed, "
    "empathetic dialogue partners."
)
CLI_DIR = Path(__file__).resolve().parent
_DECLARATION = re.compile(r"^COMMAND = Command\((?P<fields>.*?)^\)", re.DOTALL | re.MULTILINE)


@dataclass(frozen=True)
class Command:
    """One subcommand of ``tide``: what it does, an example, where its ``main(argv)`` lives.

    Attributes:
        name: ``tide <name>``.
        summary: Its line in ``tide --help``.
        example: A command line that works (shown by ``--help`` and the README).
        order: Its place in ``tide --help`` (smaller first; ties by name).
        all_or_nothing: A failed command leaves none of its outputs
            (:func:`tide_exp.cli.conventions.cli_entry`); off for training, whose run folder
            records what happened, the failure included.
        module: The module that declared it (``tide_exp.cli.chat``), filled in by
            :func:`discover`; empty in the declaration itself.
    """

    name: str
    summary: str
    example: str
    order: int = 100
    all_or_nothing: bool = True
    module: str = ""


def declaration(path: Path) -> Command | None:
    """The ``COMMAND = Command(...)`` that ``path`` declares, read without importing it."""
    match = _DECLARATION.search(path.read_text(encoding="utf-8"))
    if match is None:
        return None
    call = ast.parse(f"Command({match['fields']})", mode="eval").body
    fields = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}  # type: ignore[attr-defined]
    return Command(**fields, module=f"tide_exp.cli.{path.stem}")


def discover(folder: Path = CLI_DIR) -> dict[str, Command]:
    """Every command declared in ``folder``, by name, in ``order``."""
    found = [c for path in sorted(folder.glob("*.py")) if (c := declaration(path)) is not None]
    return {c.name: c for c in sorted(found, key=lambda c: (c.order, c.name))}


COMMANDS: dict[str, Command] = discover()


def companions(name: str) -> str:
    """The other commands, comma-separated (``chat, export, ...``): the "companion commands"
    line of every ``--help``, training's Hydra help included (``${tide_commands:train}``)."""
    return ", ".join(other for other in COMMANDS if other != name)


def epilog(name: str) -> str:
    """``--help`` epilogue for one command: an example, the project, the companion commands."""
    command = COMMANDS[name]
    return (
        f"example:\n  {command.example}\n  (or python -m {command.module} ...)\n\n"
        f"{PROJECT}\ncompanion commands: tide {{{companions(name)}}} (tide --help lists them)"
    )
