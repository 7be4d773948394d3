"""``tide``: one entry point for every tide_exp command (``tide <command> --help``).

``tide train ...`` is ``python -m tide_exp ...`` (Hydra), the others are argparse commands;
:data:`tide_exp.cli.registry.COMMANDS` lists them (each command declares itself in its module). Shell completion (:func:`complete`) of the
command names and of ``tide train``'s Hydra overrides: ``eval "$(tide -sc install=bash)"``.
"""

from __future__ import annotations

import importlib
import os
import sys

from tide_exp.cli.registry import COMMANDS, PROJECT

COMPLETION_FLAGS = ("-sc", "--shell-completion")


def usage() -> str:
    """The command list printed by ``tide``, ``tide -h`` and an unknown command."""
    width = max(map(len, COMMANDS))
    lines = [
        "usage: tide <command> [arguments]   (tide <command> --help for each)",
        "",
        PROJECT,
        "",
        "commands:",
        *(f"  {name:<{width}}  {command.summary}" for name, command in COMMANDS.items()),
        "",
        "examples:",
        *(f"  {command.example}" for command in COMMANDS.values()),
        "",
        'shell completion (commands, train overrides): eval "$(tide -sc install=bash)"',
    ]
    return "\n".join(lines)


def _completion_line() -> str | None:
    """The command line up to the cursor, as the shell's completion hook passes it."""
    line = os.environ.get("COMP_LINE")
    point = os.environ.get("COMP_POINT", "")
    return line[: int(point)] if line is not None and point.isdigit() else line


def complete(argv: list[str]) -> int:
    """Answer ``tide -sc ...``: command names for the first word, Hydra for ``train``'s.

    Hydra's completion script (``eval "$(tide -sc install=bash)"``) asks ``tide -sc
    query=bash`` for the choices at the cursor, the line in ``COMP_LINE``. The word after
    ``tide`` is a command (``tide ch<TAB>``: ``chat``); after ``tide train`` Hydra completes
    overrides; the argparse commands get no choices, so the shell offers file names.
    """
    line = _completion_line()
    if line is None or not any(arg.startswith("query") for arg in argv[1:]):
        return _hydra_completion(argv)  # install / uninstall: Hydra writes the script
    words = line.split()
    if len(words) == 1 + (not line.endswith((" ", "\t"))):  # the cursor is on the command word
        prefix = "" if line.endswith((" ", "\t")) else words[1]
        print("\n".join(name for name in COMMANDS if name.startswith(prefix)))
        return 0
    if len(words) > 1 and words[1] == "train":  # Hydra would read `train` as an override
        os.environ["COMP_LINE"] = " ".join([words[0], *words[2:]]) + (
            " " if line[-1:] == " " else ""
        )
        os.environ.pop("COMP_POINT", None)
        return _hydra_completion(argv)
    return 0


def _hydra_completion(argv: list[str]) -> int:
    module = importlib.import_module(COMMANDS["train"].module)
    sys.argv = ["tide", *argv]
    return module.main(argv) or 0


def main(argv: list[str] | None = None) -> int:
    """Dispatch ``tide <command> [arguments]`` to that command's ``main(argv)``."""
    args = sys.argv[1:] if argv is None else list(argv)
    if args and args[0] in COMPLETION_FLAGS:
        return complete(args)
    if not args or args[0] in ("-h", "--help", "help"):
        try:
            print(usage())
        except BrokenPipeError:  # `tide | head`
            sys.stderr.close()
        return 0
    elif args[0] not in COMMANDS:
        from tide_exp.config.suggest import did_you_mean

        hint = did_you_mean(args[0], COMMANDS, "tide {}")
        print(f"error: unknown command {args[0]!r}{hint or '.'}\n\n{usage()}", file=sys.stderr)
        return 2
    else:
        name, rest = args[0], args[1:]
    module = importlib.import_module(COMMANDS[name].module)
    sys.argv = [f"tide {name}" if name != "train" else "tide", *rest]
    return module.main(rest) or 0


if __name__ == "__main__":
    sys.exit(main())
