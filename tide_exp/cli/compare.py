"""``tide compare``: zero-shot, fine-tuned and reference replies side by side, with scores.

```
tide compare outputs/2026-01-01/12-00-00_smollm2_135m              # one run
tide compare multirun/2026-01-01/12-00-00 --out outputs/compare      # every job of a sweep
tide compare RUN_A RUN_B --limit 10 --metrics rouge_l,cosine
```

Reads each run's ``generations.jsonl`` (zero-shot rows, and the fine-tuned rows, or the last
evaluation epoch's when a run has none) and writes ``compare.html`` (self-contained: inline
style, no scripts or external files; every text escaped) and ``compare.md``: for each prompt,
its reference reply, then each run's zero-shot and fine-tuned reply with its per-reply scores and
a mark on each reply cut at the token cap; at the top, per run and phase, the mean scores over
the prompts every run replied to (how many, and how many of each run's were left out) and how
many replies were cut.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tide_exp.cli.conventions import at_least, cli_entry, command_parser
from tide_exp.cli.registry import Command
from tide_exp.files.checks import check_output
from tide_exp.reporting.comparison import write_comparison
from tide_exp.runs.finding import run_folders

COMMAND = Command(
    name="compare",
    summary="zero-shot, fine-tuned and reference replies side by side (HTML and Markdown)",
    example="tide compare multirun/2026-01-01/12-00-00 --out outputs/compare",
    order=30,
)


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``tide compare``."""
    parser = command_parser("compare", __doc__.split("\n\n")[0], prog="tide compare")
    parser.add_argument("paths", nargs="+", type=Path, help="run folders, sweep folders or above")
    parser.add_argument(
        "--out", type=Path, default=Path("outputs") / "compare", help="default: outputs/compare"
    )
    parser.add_argument(
        "--limit", type=at_least(1), default=None, help="show the first N prompts (means: all)"
    )
    parser.add_argument(
        "--metrics", default=None, help="comma-separated scores to show (default: all recorded)"
    )
    return parser


@cli_entry
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    metrics = [m.strip() for m in args.metrics.split(",") if m.strip()] if args.metrics else None
    # Before reading every run; never inside one of the runs compared.
    check_output(args.out, run_folders(args.paths), folder=True)
    files = write_comparison(args.paths, args.out, metrics, args.limit)
    print("\n".join(f"{kind:>8}: {path}" for kind, path in files.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
