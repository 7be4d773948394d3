"""Corpus statistics: ``python -m tide_exp.data.stats <config or path> [overrides]``.

```
python -m tide_exp.data.stats sample                          # conf/data/sample.yaml, default model
python -m tide_exp.data.stats tide_folder data.source.path=$HOME/data/TIDE model=qwen2_5_0_5b
python -m tide_exp.data.stats data/study_b/pairs.jsonl --out stats/study_b
```

The first argument is a data config (a name under conf/data/ or a YAML file) or a data path
(loader detected as in :func:`~tide_exp.data.sources.load_corpus`). The rest are Hydra
overrides of the root config; its model gives the tokenizer and chat template, and
``data.max_length`` the limit. Writes ``stats.json`` and ``lengths.png`` (token-length
histograms with the limit marked) to ``--out`` and prints a summary: counts per persona and
theme, token lengths of prompt (chat-formatted), reply (with end-of-turn) and both, the
share of examples longer than ``max_length`` (truncated in training) or whose prompt alone
fills it (dropped), the reply tokens training learns under ``data.max_length`` and
``data.max_target_tokens`` (the figures every run records and checks,
:mod:`tide_exp.data.reply_budget`), and prompts left without persona context.
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from tide_exp.commands import cli_entry, command_parser
from tide_exp.config import compose_config, config_dir
from tide_exp.data.chat import ChatFormatter
from tide_exp.data.examples import DialogueExample
from tide_exp.data.multiturn import encode_for_training, is_multiturn, prompt_text
from tide_exp.data.persona import describe_coverage, persona_coverage
from tide_exp.data.reply_budget import ReplyBudget, measure_replies
from tide_exp.errors import TideError
from tide_exp.files import check_output, write_json


def _summary(values: list[int]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {
        "n": len(values),
        "min": ordered[0],
        "mean": round(statistics.fmean(values), 2),
        "median": statistics.median(values),
        "p90": pick(0.9),
        "p99": pick(0.99),
        "max": ordered[-1],
    }


def compute_stats(
    examples: list[DialogueExample],
    chat: ChatFormatter,
    max_length: int,
    model: str | None = None,
    max_target_tokens: int | None = None,
    min_reply_tokens: int = 16,
    loss_on: str = "final",
) -> dict[str, Any]:
    """Counts per persona and theme, token-length summaries, the shares over ``max_length``,
    the reply tokens training learns (``reply_budget``) and the persona coverage."""
    tokenize = lambda text: len(chat.tokenizer(text, add_special_tokens=False)["input_ids"])  # noqa: E731
    prompt = [tokenize(prompt_text(chat, e)) for e in examples]  # history and persona, if any
    reply = [
        tokenize(chat.completion(e.user_input, e.reference_response, e.metadata)) for e in examples
    ]
    total = [p + r for p, r in zip(prompt, reply, strict=True)]
    per_persona = Counter(e.persona_id for e in examples)
    n = max(1, len(examples))
    budget = measure_replies(
        [encode_for_training(chat, e, max_length, loss_on, max_target_tokens) for e in examples],
        min_reply_tokens,
    )
    metadatas = [None if is_multiturn(e) else e.metadata for e in examples]
    return {
        "examples": len(examples),
        "personas": len(per_persona),
        "examples_per_persona": _summary(list(per_persona.values())),
        "per_persona": dict(sorted(per_persona.items())),
        "per_theme": dict(sorted(Counter(e.theme or "(none)" for e in examples).items())),
        "tokenizer": model or chat.tokenizer.name_or_path or type(chat.tokenizer).__name__,
        "max_length": max_length,
        "tokens": {"prompt": _summary(prompt), "reply": _summary(reply), "total": _summary(total)},
        "share_over_max_length": round(sum(t > max_length for t in total) / n, 4),
        "share_prompt_fills_max_length": round(sum(p >= max_length for p in prompt) / n, 4),
        "max_target_tokens": max_target_tokens,
        "reply_budget": dataclasses.asdict(budget),
        "persona": persona_coverage(chat.persona_template, metadatas),
        "_lengths": {"prompt": prompt, "reply": reply, "total": total},
    }


def plot_lengths(stats: dict[str, Any], path: Path) -> Path:
    """Histograms of prompt, reply and total token lengths, with ``max_length`` marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), sharey=True)
    for ax, (name, values) in zip(axes, stats["_lengths"].items(), strict=True):
        low, high = (min(values), max(values)) if values else (0, 1)
        step = max(1, (high - low) // 40)
        ax.hist(values, bins=range(low, high + step + 1, step), color="#4c72b0", edgecolor="white")
        ax.set_title(f"{name} tokens (median {stats['tokens'][name].get('median', 0)})")
        ax.set_xlabel("tokens")
    axes[2].axvline(
        stats["max_length"],
        color="#c44e52",
        linestyle="--",
        label=f"max_length={stats['max_length']}",
    )
    axes[0].set_ylabel("examples")
    axes[2].legend(loc="upper right")
    fig.suptitle(
        f"{stats['examples']} examples, {stats['personas']} personas; {stats['share_over_max_length']:.1%} over max_length ({stats['tokenizer']})"
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _compose(target: str, overrides: list[str]):
    extra = []
    if target.endswith((".yaml", ".yml")) and Path(target).is_file():
        data_file = Path(target).resolve()
        extra = [f"hydra.searchpath=[file://{data_file.parent.parent}]", f"data={data_file.stem}"]
    elif (config_dir() / "data" / f"{target}.yaml").is_file():
        extra = [f"data={target}"]
    return compose_config([*extra, *overrides]), bool(extra)


def load_for_stats(
    target: str, overrides: list[str]
) -> tuple[list[DialogueExample], ChatFormatter, Any, str]:
    """The corpus, a chat formatter with the config's model tokenizer, the data config and the
    model's name."""
    from hydra.utils import instantiate

    from tide_exp.data.sources import load_corpus

    cfg, is_config = _compose(target, overrides)
    if is_config:
        examples = instantiate(cfg.data.source)()
    elif Path(target).expanduser().exists():
        examples = load_corpus(target)
    else:
        raise TideError(
            f"{target}: neither a data config (conf/data/{target}.yaml, a .yaml file) nor a data file or folder."
        )
    tokenizer = _tokenizer(cfg.model)
    chat = instantiate(cfg.model.chat, tokenizer=tokenizer)
    return examples, chat, cfg.data, str(cfg.model.name)


def _tokenizer(model_cfg):
    """The model's tokenizer: tokenizer files only for hub models (cache first), else its loader."""
    from hydra.utils import instantiate
    from transformers import AutoTokenizer

    from tide_exp.models.loading import resolve_local_folder

    loader = model_cfg.loader
    if loader.get("pretrained_model_name_or_path"):
        folder = resolve_local_folder(
            loader.pretrained_model_name_or_path, loader.get("revision"), bool(loader.get("gated"))
        )
        return AutoTokenizer.from_pretrained(folder)
    return instantiate(loader).tokenizer  # embedded or test models: built whole, tokenizer taken


def _persona_line(coverage: dict[str, Any]) -> str:
    if not coverage:
        return "persona context: none (model.chat.persona_template is null)"
    return f"persona context: in all {coverage['prompts']} prompts"


@cli_entry
def main(argv: list[str] | None = None) -> int:
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
    args = parser.parse_args(argv)
    out = args.out or Path("outputs") / "data_stats" / Path(args.target.rstrip("/")).stem
    check_output(out, folder=True)  # before loading data and a tokenizer
    examples, chat, data, model = load_for_stats(args.target, args.overrides)
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
    sys.exit(main())
