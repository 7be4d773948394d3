"""``tide compare``'s library: the prompts every run answered, each run's zero-shot and
fine-tuned replies beside the reference, written as ``compare.html`` and ``compare.md``
(rendered by :mod:`tide_exp.reporting.compare_page` and :mod:`~tide_exp.reporting.compare_html`).
"""

from __future__ import annotations

import logging
from numbers import Real
from pathlib import Path
from typing import Any

import numpy as np

from tide_exp.errors import TideError
from tide_exp.files.atomic import write_text
from tide_exp.metrics.repetition import is_looping
from tide_exp.reporting.compare_html import to_html
from tide_exp.reporting.compare_page import PHASES, Comparison, PromptRow, Reply, to_markdown

log = logging.getLogger(__name__)


def _scores(value: Any, metrics: list[str] | None) -> dict[str, float]:
    if not isinstance(value, dict):
        return {}
    return {
        name: float(score)
        for name, score in value.items()
        if isinstance(score, int | float) and (metrics is None or name in metrics)
    }


def _reply(label: str, phase: str, row: Any, metrics: list[str] | None) -> Reply:
    """One generations.jsonl row as a :class:`Reply` (``finished``/``new_tokens`` if recorded)."""
    # A run that lacks the keys on some lines reads back as NaN there (pandas fills the column).
    finished, new_tokens = row.get("finished"), row.get("new_tokens")
    return Reply(
        label,
        phase,
        row["prediction"],
        _scores(row.get("scores"), metrics),
        finished=bool(finished) if isinstance(finished, bool | np.bool_) else None,
        new_tokens=int(new_tokens) if isinstance(new_tokens, Real) and new_tokens > 0 else None,
        looping=is_looping(str(row["prediction"])),  # also for runs from before it was recorded
    )


def _shorten_labels(runs: list[Any]) -> None:
    """Runs of one model told apart by their sweep job and the overrides that differ between
    them (``smollm2_135m@12-00-00/0 lora.r=4``), not by the job folder's whole override string
    on every row; the longer label stays where the short ones would not be unique."""
    by_slug: dict[str, list[Any]] = {}
    for run in runs:
        by_slug.setdefault(run.slug, []).append(run)
    for group in (g for g in by_slug.values() if len(g) > 1):
        parts = [run.path.name.split(",") for run in group]  # job number, then overrides
        common = set.intersection(*(set(p[1:]) for p in parts))
        labels = [
            f"{run.slug}@{run.path.parent.name}/{p[0].split('_', 1)[0]}"
            + "".join(f" {o}" for o in p[1:] if o not in common)
            for run, p in zip(group, parts, strict=True)
        ]
        if len(set(labels)) == len(labels):
            for run, label in zip(group, labels, strict=True):
                run.label = label


def collect(
    paths: list[Path], metrics: list[str] | None = None, limit: int | None = None
) -> Comparison:
    """The prompts (in the first run's order) every run replied to, with each run's zero-shot
    and fine-tuned replies.

    Replies are paired by the prompt's id *and* text, and a prompt is kept only when every run
    replied to it, in each phase that run has: runs on different corpora (or with other
    ``eval.num_prompts``) reply to other messages, a reply to one message must never sit under
    another, and no mean is taken over other prompts than the means beside it. Each run's prompt
    count is kept, so the pages say how many of its prompts were left out of the means.
    """
    from tide_exp.humaneval.runs import load_runs, phase_rows

    runs = load_runs(paths)
    _shorten_labels(runs)
    rows: dict[tuple[str, str], PromptRow] = {}
    answered: dict[tuple[str, str], set[tuple[str, str]]] = {}  # prompt -> (run, phase) pairs
    phases: dict[str, set[str]] = {run.label: set() for run in runs}  # the phases each run has
    for run in runs:
        for phase, label in PHASES:
            for example_id, row in phase_rows(run, phase).iterrows():
                key = (str(example_id), str(row["prompt"]))
                if key not in rows:
                    rows[key] = PromptRow(
                        key[0], str(row["theme"]), row["prompt"], row["reference"]
                    )
                rows[key].replies.append(_reply(run.label, label, row, metrics))
                answered.setdefault(key, set()).add((run.label, label))
                phases[run.label].add(label)
    # Shared: every run replied in each phase it has, so no mean is over other prompts than its
    # neighbours' (a run without fine-tuned rows shows its last epoch's, on eval.num_prompts).
    every = {(run, phase) for run, names in phases.items() for phase in names}
    shared = [row for key, row in rows.items() if answered[key] >= every]
    if not shared:
        raise TideError(
            f"{', '.join(map(str, paths))}: no prompt that every run answered in zero-shot or "
            "fine-tuned replies (generations.jsonl); compare runs on the same corpus and split."
        )
    per_run = {
        label: sum(any(run == label for run, _ in pairs) for pairs in answered.values())
        for label in phases
    }
    labels = list(phases)
    return Comparison(labels, shared, per_run, limit)


def write_comparison(
    paths: list[Path], out: Path, metrics: list[str] | None = None, limit: int | None = None
) -> dict[str, Path]:
    """Write ``compare.html`` and ``compare.md`` into ``out``; returns their paths."""
    comparison = collect(paths, metrics, limit)
    for label, n in comparison.left_out().items():
        if n:
            log.warning(
                "%s: %d of its %d prompt(s) left out: not every run replied to that text (other "
                "corpus, split or eval.num_prompts)",
                label,
                n,
                comparison.prompts_per_run[label],
            )
    out.mkdir(parents=True, exist_ok=True)
    files = {"html": out / "compare.html", "markdown": out / "compare.md"}
    write_text(files["html"], to_html(comparison))
    write_text(files["markdown"], to_markdown(comparison))
    return files
