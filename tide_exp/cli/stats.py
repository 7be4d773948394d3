"""Corpus statistics: ``tide stats <config or path> [overrides]`` (``python -m tide_exp.cli.stats``).

```
tide stats sample                          # conf/data/sample.yaml, default model
tide stats tide_folder data.source.path=$HOME/data/TIDE model=qwen2_5_0_5b
tide stats data/study_b/pairs.jsonl --out stats/study_b
```

The first argument is a data config (a name under conf/data/ or a YAML file) or a data path
(loader detected as in :func:`~tide_exp.data.sources.load_corpus`). The rest are Hydra
overrides of the root config; its model gives the tokenizer and chat template, and
``data.max_length`` the limit. Writes ``stats.json`` and ``lengths.png`` (token-length
histograms with the limit marked) to ``--out`` and prints a summary: counts per persona and
theme, token lengths of prompt (chat-formatted), reply (with end-of-turn) and both, the
share of examples longer than ``max_length`` (truncated in training) or whose prompt alone
fills it (dropped), the reply tokens training learns under ``data.max_length`` and
``data.max_target_tokens`` (:mod:`tide_exp.data.stats` computes them), and prompts left
without persona context.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tide_exp.cli.conventions import cli_entry, command_parser
from tide_exp.cli.overrides import check_moved
from tide_exp.cli.registry import Command
from tide_exp.config.values import check_ranges
from tide_exp.data.persona import describe_coverage
from tide_exp.data.reply_budget import ReplyBudget
from tide_exp.data.stats import compute_stats, load_for_stats, plot_lengths
from tide_exp.files.checks import check_output
from tide_exp.files.writers import write_json

COMMAND = Command(
    name="stats",
    summary="data: corpus statistics and token lengths under a model's chat template",
    example="tide stats sample model=qwen2_5_0_5b",
    order=80,
)


def _persona_line(coverage: dict[str, Any]) -> str:
    if not coverage:
        return "persona context: none (model.chat.persona_template is null)"
    return f"persona context: in all {coverage['prompts']} prompts"


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``tide stats``."""
    parser = command_parser("stats", __doc__.split("\n\n")[0])
    parser.add_argument(
        "target", help="data config name (conf/data/), a data config .yaml, or a data file/folder"
    )
    parser.add_argument(
        "overrides",
        nargs="*",
        help="Hydra overrides of the root config (model=..., data.max_length=...)",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="output folder (default: outputs/data_stats/<name>)"
    )
    return parser


@cli_entry
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    out = args.out or Path("outputs") / "data_stats" / Path(args.target.rstrip("/")).stem
    data_path = [args.target] if Path(args.target).exists() else []  # else a config's name
    check_output(out, data_path, folder=True)  # before loading data and a tokenizer
    check_moved(args.overrides)  # eval.max_new_tokens=...: one sentence naming its new key
    examples, chat, data, model = load_for_stats(args.target, args.overrides, check_ranges)
    max_length = int(data.max_length)
    stats = compute_stats(
        examples,
        chat,
        max_length,
        model,
        data.get("max_target_tokens"),
        int(data.get("min_reply_tokens", 16)),
        data.get("loss_on", "final"),
    )
    png = plot_lengths(stats, out / "lengths.png")
    write_json(out / "stats.json", {k: v for k, v in stats.items() if not k.startswith("_")})
    print(
        f"{stats['examples']} examples, {stats['personas']} personas, examples per persona {stats['examples_per_persona']}"
    )
    print("per theme: " + ", ".join(f"{k} {v}" for k, v in stats["per_theme"].items()))
    for name, summary in stats["tokens"].items():
        print(f"{name:>6} tokens: " + ", ".join(f"{k} {v}" for k, v in summary.items()))
    print(
        f"over max_length={max_length}: {stats['share_over_max_length']:.1%} (truncated); prompt alone fills it: "
        f"{stats['share_prompt_fills_max_length']:.1%} (dropped)"
    )
    cap = stats["max_target_tokens"]
    budget = ReplyBudget(**stats["reply_budget"])
    print(
        f"learned in training ({model}, max_length={max_length}, max_target_tokens={cap}): "
        + budget.describe()
    )
    print(describe_coverage(stats["persona"]) or _persona_line(stats["persona"]))
    print(f"wrote {out / 'stats.json'} and {png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
