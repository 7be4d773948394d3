"""What every tide_exp command shares (bottom layer: stdlib, errors and files only): the command list, ``--help`` epilogue, error convention, outputs all or none.

Each command's ``main(argv)`` lives in ``tide_exp/cli/<command>.py`` (training's in
``tide_exp/__main__.py``); it is a console-script subcommand (``tide score ...``) and a
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
from dataclasses import dataclass

from tide_exp.errors import EXIT_USER_ERROR, TideError, find_user_error
from tide_exp.files.atomic import all_or_nothing

PROJECT = (
    "tide_exp: fine-tune and evaluate small language models as trauma-informed, "
    "empathetic dialogue partners."
)


EXIT_INTERRUPTED = 130  # a shell's status for a process ended by Ctrl-C (128 + SIGINT)


class UsageError(TideError):
    """A command line argparse rejects: an unknown option, a missing or malformed value."""


@dataclass(frozen=True)
class Command:
    """One subcommand of ``tide``: where its ``main(argv)`` lives, what it does, an example.

    ``all_or_nothing``: a failed command leaves none of its outputs (:func:`cli_entry`); off
    for training, whose run folder records what happened, the failure included.
    """

    module: str
    summary: str
    example: str
    all_or_nothing: bool = True


COMMANDS: dict[str, Command] = {
    "train": Command(
        "tide_exp.__main__",
        "fine-tune and evaluate one model, or sweep with -m (Hydra overrides)",
        "tide train model=qwen2_5_0_5b trainer=gpu lora.r=16",
        all_or_nothing=False,
    ),
    "chat": Command(
        "tide_exp.cli.chat",
        "talk to a base model or a run's adapter in the terminal",
        "tide chat --run outputs/2026-01-01/12-00-00_smollm2_135m",
    ),
    "export": Command(
        "tide_exp.cli.export",
        "merge a run's adapter into a standalone Hugging Face model folder",
        "tide export outputs/2026-01-01/12-00-00_smollm2_135m --out outputs/merged/smollm2",
    ),
    "compare": Command(
        "tide_exp.cli.compare",
        "zero-shot, fine-tuned and reference replies side by side (HTML and Markdown)",
        "tide compare multirun/2026-01-01/12-00-00 --out outputs/compare",
    ),
    "score": Command(
        "tide_exp.cli.score",
        "score any system's replies against references",
        "tide score --input pairs.jsonl --output outputs/scores.json",
    ),
    "report": Command(
        "tide_exp.cli.report",
        "Table 1 (zero-shot vs fine-tuned) from finished runs",
        "tide report multirun/2026-01-01/12-00-00 --out outputs/report",
    ),
    "humaneval": Command(
        "tide_exp.cli.humaneval",
        "human evaluation: build a survey, judge, quality control, analyse",
        "tide humaneval build multirun/2026-01-01/12-00-00 --out outputs/survey",
    ),
    "prepare": Command(
        "tide_exp.cli.prepare",
        "data: Study B's preparation of a Chinese counselling corpus",
        "tide prepare data/raw/情绪.jsonl --out outputs/study_b",
    ),
    "stats": Command(
        "tide_exp.cli.stats",
        "data: corpus statistics and token lengths under a model's chat template",
        "tide stats sample model=qwen2_5_0_5b",
    ),
    "wordnet": Command(
        "tide_exp.cli.wordnet",
        "install or check WordNet for METEOR",
        "tide wordnet install",
    ),
    "wandb": Command(
        "tide_exp.cli.wandb_runs",
        "list a run's or sweep's offline W&B runs and the `wandb sync` command for them",
        "tide wandb multirun/2026-01-01/12-00-00",
    ),
    "safety": Command(
        "tide_exp.cli.safety",
        "crisis-safety probe on a configured model or a run's adapter; judge rubrics",
        "tide safety probe --model smollm2_135m --out outputs/safety",
    ),
}


def epilog(name: str) -> str:
    """``--help`` epilogue for one command: an example, the project, the companion commands."""
    command = COMMANDS[name]
    others = ", ".join(other for other in COMMANDS if other != name)
    return (
        f"example:\n  {command.example}\n  (or python -m {command.module} ...)\n\n"
        f"{PROJECT}\ncompanion commands: tide {{{others}}} (tide --help lists them)"
    )


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
        name: the command's key in :data:`COMMANDS`.
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
    """The name of ``fn``'s module as imported: ``python -m tide_exp`` runs ``tide_exp.__main__``
    as ``__main__``, whose spec keeps the real name."""
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
        except KeyboardInterrupt:  # Ctrl-C: one line, as the shell's own status says it
            kept = "none of its outputs are written" if whole else "resume by running it again"
            print(f"interrupted: {kept}", file=sys.stderr)
            return EXIT_INTERRUPTED
        except Exception as err:  # a TideError, or one wrapped by Hydra's instantiate
            user_error = find_user_error(err)
            if user_error is None:
                raise
            return report_user_error(user_error)

    return wrapper
