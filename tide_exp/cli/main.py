"""``tide``: one entry point for every tide_exp command (``tide <command> --help``).

``tide train ...`` is ``python -m tide_exp ...`` (Hydra), the others are argparse commands;
:data:`tide_exp.commands.COMMANDS` lists them. Shell completion of Hydra overrides:
``eval "$(tide -sc install=bash)"`` (the first word ``train`` is implied).
"""

from __future__ import annotations

import importlib
import os
import sys

from tide_exp.commands import COMMANDS, PROJECT

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
        'shell completion (train overrides): eval "$(tide -sc install=bash)"',
    ]
    return "\n".join(lines)


def _completion_argv(argv: list[str]) -> list[str]:
    """Hydra's bash completion calls ``tide -sc query=bash`` with the line in COMP_LINE."""
    line = os.environ.get("COMP_LINE")
    if line is not None:
        words = line.split(" ")
        if len(words) > 1 and words[1] == "train":  # Hydra would read `train` as an override
            os.environ["COMP_LINE"] = " ".join([words[0], *words[2:]])
    return argv


def main(argv: list[str] | None = None) -> int:
    """Dispatch ``tide <command> [arguments]`` to that command's ``main(argv)``."""
    args = sys.argv[1:] if argv is None else list(argv)
    if args and args[0] in COMPLETION_FLAGS:
        name, rest = "train", _completion_argv(args)
    elif not args or args[0] in ("-h", "--help", "help"):
        try:
            print(usage())
        except BrokenPipeError:  # `tide | head`
            sys.stderr.close()
        return 0
    elif args[0] not in COMMANDS:
        print(f"error: unknown command {args[0]!r}.\n\n{usage()}", file=sys.stderr)
        return 2
    else:
        name, rest = args[0], args[1:]
    module = importlib.import_module(COMMANDS[name].module)
    sys.argv = [f"tide {name}" if name != "train" else "tide", *rest]
    return module.main(rest) or 0


if __name__ == "__main__":
    sys.exit(main())
