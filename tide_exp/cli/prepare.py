"""Study B's preparation of a Chinese counselling corpus: ``tide prepare`` (``python -m tide_exp.cli.prepare``).

```
tide prepare data/raw/情绪.jsonl [more.jsonl | folder ...] --out data/study_b
```

The steps, their counts and the output files are described in :mod:`tide_exp.data.prepare`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tide_exp.cli.conventions import at_least, cli_entry, command_parser
from tide_exp.cli.registry import Command
from tide_exp.data.prepare import prepare
from tide_exp.files.checks import check_output

COMMAND = Command(
    name="prepare",
    summary="data: Study B's preparation of a Chinese counselling corpus",
    example="tide prepare data/raw/情绪.jsonl --out outputs/study_b",
    order=70,
)

OUTPUTS = ("pairs.jsonl", "prepare_report.json", "skipped_rows.jsonl")  # data.prepare writes


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``tide prepare``."""
    parser = command_parser("prepare", __doc__.split("\n\n")[0])
    parser.add_argument(
        "inputs",
        nargs="+",
        help="JSONL files (one per category, e.g. 情绪.jsonl) or folders of them",
    )
    parser.add_argument(
        "--out", required=True, type=Path, help="output folder for pairs.jsonl and the report"
    )
    parser.add_argument(
        "--min-reply-tokens",
        type=at_least(0),
        default=5,
        help="replies with fewer tokens are not learned",
    )
    parser.add_argument(
        "--strip", action="store_true", help="remove URLs and emoji instead of the exchange"
    )
    parser.add_argument(
        "--skip-bad",
        action="store_true",
        help="skip malformed lines, list them in skipped_rows.jsonl",
    )
    parser.add_argument(
        "--dedup-pairs", action="store_true", help="also drop a (message, reply) pair seen before"
    )
    return parser


@cli_entry
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Before reading every input: never into an input folder, nor onto an input's name.
    check_output(args.out, args.inputs, folder=True, writes=OUTPUTS)
    report = prepare(
        args.inputs,
        args.out,
        args.min_reply_tokens,
        args.strip,
        args.skip_bad,
        args.dedup_pairs,
    )
    for step, counts in report["steps"].items():
        print(f"{step:<21} " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    print(
        f"duplicate dialogues removed: {report['duplicate_share']:.1%}; wrote {args.out / 'pairs.jsonl'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
