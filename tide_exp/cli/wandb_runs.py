"""``tide wandb``: the offline W&B runs of a run or sweep folder, what they hold, how to upload them.

Each line is one offline run as ``wandb sync`` will upload it (read from its ``run-*.wandb``
log): name, group, job type, history rows and steps, tables, and any row W&B refused. The
closing line is the ``wandb sync`` command for all of them.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from tide_exp.cli.conventions import cli_entry, command_parser
from tide_exp.cli.registry import Command
from tide_exp.errors import FileError
from tide_exp.tracking.wandb_offline import dropped_rows, offline_runs, read_records, read_run

COMMAND = Command(
    name="wandb",
    summary="list a run's or sweep's offline W&B runs and the `wandb sync` command for them",
    example="tide wandb multirun/2026-01-01/12-00-00",
    order=100,
)


def describe(folder: Path) -> str:
    """One line about one offline run."""
    run = read_run(folder)
    steps = [row["_step"] for row in run.history]
    tables = sorted(
        {k[: -len("/_type")] for row in run.history for k in row if k.endswith("/_type")}
    )
    dropped = dropped_rows(folder)
    ended = any(r.WhichOneof("record_type") == "exit" for r in read_records(run.path))
    return (
        f"{folder}\n    name {run.name or '-'}, group {run.group or '-'}, job {run.job_type or '-'}, "
        f"{len(steps)} history rows (steps {min(steps, default='-')}-{max(steps, default='-')}), "
        f"{len(tables)} tables"
        + (
            f", {len(dropped)} rows REFUSED by W&B (see its logs/debug-internal.log)"
            if dropped
            else ""
        )
        + (
            ""
            if ended
            else ", INCOMPLETE: no exit record (the job was killed, or the log is cut short); "
            "wandb sync uploads what is there"
        )
    )


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``tide wandb``."""
    parser = command_parser(
        "wandb",
        "List the offline W&B runs under run or sweep folders and print the `wandb sync` "
        "command that uploads them (a resumed job has one offline run per process: sync all).",
        prog="tide wandb",
    )
    parser.add_argument("paths", nargs="+", type=Path, help="run or sweep folders")
    return parser


def _debug_runs(paths: list[Path]) -> str:
    """``its run was`` / ``3 of its 4 runs were`` (made with ``debug=...``), or ``""``: why a
    folder has no W&B runs, from each run's status.json overrides."""
    from tide_exp.runs.finding import iter_runs
    from tide_exp.runs.names import STATUS

    runs = list(iter_runs(paths, marker=STATUS))
    debug = 0
    for run in runs:
        try:
            overrides = run.read_status().get("overrides") or []
        except FileError:  # a damaged status.json says nothing about W&B
            continue
        debug += any(str(o).lstrip("+~").startswith("debug=") for o in overrides)
    if not debug:
        return ""
    return "its run was" if len(runs) == 1 else f"{debug} of its {len(runs)} runs were"


@cli_entry
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    folders = [f for path in args.paths for f in offline_runs(path)]
    if not folders:
        fast = _debug_runs(args.paths)
        raise FileError(
            ", ".join(map(str, args.paths)),
            "no W&B offline run (wandb/offline-run-*) below it"
            + (f": {fast} made with debug=fast, which turns W&B off (logger=csv)" if fast else ""),
            "runs log to W&B with logger=wandb (the default) and logger.wandb.offline=true"
            + ("; with debug=fast add logger=[csv,wandb]" if fast else ""),
        )
    lines = [describe(folder) for folder in folders]
    lines += ["", "upload (after `wandb login`):"]
    lines.append("  wandb sync " + " ".join(shlex.quote(str(f)) for f in folders))
    try:
        print("\n".join(lines))
    except BrokenPipeError:  # `tide wandb ... | head`
        sys.stderr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
