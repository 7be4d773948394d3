"""What every tide_exp command shares: its argument parser, the error convention, outputs all or none.

Each command's ``main(argv)`` lives in ``tide_exp/cli/<command>.py`` and declares itself there
(:mod:`tide_exp.cli.registry`); it is a console-script subcommand (``tide score ...``) and a
``python -m`` module (``python -m tide_exp.cli.score ...``). A
:class:`~tide_exp.errors.TideError`, and an argument argparse rejects (:class:`CommandParser`),
becomes one line ``error: ...`` on stderr and exit status :data:`EXIT_USER_ERROR`, whichever
way the command was started; so does an ``OSError`` the user can fix (a full disk, a read-only
folder: :func:`tide_exp.errors.os_error`). A command that fails, by an error or a non-zero
exit status, leaves none of its outputs (:func:`tide_exp.files.atomic.all_or_nothing`).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import sys
from collections.abc import Callable

from tide_exp.cli.registry import COMMANDS, epilog
from tide_exp.errors import EXIT_USER_ERROR, TideError, find_user_error
from tide_exp.files.atomic import all_or_nothing

EXIT_INTERRUPTED = 130  # a shell's status for a process ended by Ctrl-C (128 + SIGINT)


class UsageError(TideError):
    """A command line argparse rejects: an unknown option, a missing or malformed value."""


class CommandParser(argparse.ArgumentParser):
    """An argument parser whose errors follow the one convention: one ``error: ...`` line, exit 2.

    argparse prints the usage block and ``prog: error: ...``; here a bad option or value raises
    :class:`UsageError`, which :func:`cli_entry` prints as every other user error. Subcommand
    parsers (``add_subparsers().add_parser``) are built from the same class.
    """

    def error(self, message: str):
        raise UsageError(f"{self.prog}: {' '.join(message.split())}; see `{self.prog} --help`")


def command_parser(name: str, description: str, prog: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of command ``name``: its description, then the shared ``--help`` epilogue.

    Args:
        name: the command's name in the registry (:data:`tide_exp.cli.registry.COMMANDS`).
        description: what ``--help`` shows above the options.
        prog: the usage line's program name (default ``tide <name>``; the epilogue names ``python -m``).
    """
    return CommandParser(
        prog=prog or f"tide {name}",
        description=description,
        epilog=epilog(name),
        formatter_class=argparse.RawDescriptionHelpFormatter,  # keep the example's line breaks
    )


def at_least(low: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number >= ``low`` (a count, a cap, a batch size); anything
    else is the one-line ``error:`` of the command's parser, before any work."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{value} is below {low}")
        return value

    return parse


def report_user_error(err: TideError) -> int:
    """Print ``err`` as the one-line convention and return :data:`EXIT_USER_ERROR`."""
    print(f"error: {err}", file=sys.stderr)
    return EXIT_USER_ERROR


def module_name(fn: Callable) -> str:
    """The name of ``fn``'s module as imported: ``python -m tide_exp.cli.score`` runs it as
    ``__main__``, whose spec keeps the real name."""
    spec = getattr(sys.modules.get(fn.__module__), "__spec__", None)
    return spec.name if spec is not None else fn.__module__


def cli_entry(fn: Callable[..., int | None]) -> Callable[..., int]:
    """Wrap a command's ``main(argv)``: a :class:`TideError` anywhere below (or an ``OSError``
    the user can fix) becomes one line, and a command that fails leaves none of its outputs
    (unless its :class:`Command` says otherwise)."""

    whole = all(c.all_or_nothing for c in COMMANDS.values() if c.module == module_name(fn))

    @functools.wraps(fn)
    def wrapper(*args, **kwargs) -> int:
        try:
            with all_or_nothing() if whole else contextlib.nullcontext() as outputs:
                status = fn(*args, **kwargs) or 0
                if status and outputs is not None:
                    outputs.discard()
                return status
        except KeyboardInterrupt as err:  # Ctrl-C: one line, as the shell's own status says it
            kept = "none of its outputs are written" if whole else "resume by running it again"
            # An Interrupted run carries its resume line as the message
            print(f"interrupted: {str(err) or kept}", file=sys.stderr)
            return EXIT_INTERRUPTED
        except Exception as err:  # a TideError, or one wrapped by Hydra's instantiate
            user_error = find_user_error(err)
            if user_error is None:
                raise
            return report_user_error(user_error)

    return wrapper
