"""Corpus statistics under a model's chat template: the library under ``tide stats``.

:func:`load_for_stats` reads a data config (a name under conf/data/ or a YAML file) or a data
path (loader detected as in :func:`~tide_exp.data.sources.load_corpus`) with the root config's
model for the tokenizer and chat template; :func:`compute_stats` counts examples per persona and
theme, token lengths of prompt (chat-formatted), reply (with end-of-turn) and both, the share of
examples longer than ``max_length`` (truncated in training) or whose prompt alone fills it
(dropped), the reply tokens training learns under ``data.max_length`` and
``data.max_target_tokens`` (the figures every run records and checks,
:mod:`tide_exp.data.reply_budget`), and prompts left without persona context;
:func:`plot_lengths` draws the token-length histograms with the limit marked.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tide_exp.config.compose import compose_config, config_dir
from tide_exp.data.chat import ChatFormatter
from tide_exp.data.examples import DialogueExample
from tide_exp.data.multiturn import encode_for_training, is_multiturn, prompt_text
from tide_exp.data.persona import persona_coverage
from tide_exp.data.reply_budget import measure_replies
from tide_exp.errors import TideError
from tide_exp.files.writers import save_figure
from tide_exp.models.configured import load_configured


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
    save_figure(fig, path, dpi=110)  # atomic, and with the command's other outputs or none
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
    target: str, overrides: list[str], check: Callable[[Any], None] | None = None
) -> tuple[list[DialogueExample], ChatFormatter, Any, str]:
    """The corpus, a chat formatter with the config's model tokenizer, the data config and the
    model's name; ``check`` (the config validator) sees the composed config first."""
    from hydra.utils import instantiate

    from tide_exp.data.sources import load_corpus

    cfg, is_config = _compose(target, overrides)
    if check is not None:
        check(cfg)
    if is_config:
        examples = instantiate(cfg.data.source)()
    elif Path(target).expanduser().exists():
        examples = load_corpus(target)
    else:
        raise TideError(
            f"{target}: neither a data config (conf/data/{target}.yaml, a .yaml file) nor a data file or folder."
        )
    loaded = load_configured(cfg, weights=False)  # a hub model's tokenizer files only
    return examples, loaded.chat, cfg.data, str(cfg.model.name)
