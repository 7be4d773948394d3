"""``tide compare``'s pages: the comparison of several runs' replies, summarised and as Markdown
(the HTML page: :mod:`tide_exp.reporting.compare_html`).

The command (:mod:`tide_exp.cli.compare`, through :mod:`tide_exp.reporting.comparison`) reads the runs into a :class:`Comparison`; this module
summarises it (means, prompt counts, replies cut at the token cap and looping) and renders it.
Both pages say over how many prompts each mean was taken, how many of each run's prompts were
left out, and mark every reply that ``max_new_tokens`` cut (generations.jsonl's ``finished`` is
false) and every reply that loops (:func:`tide_exp.metrics.repetition.is_looping`).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

from tide_exp.reporting.table_writers import markdown_table

PHASES = (("zs", "zero-shot"), ("ft", "fine-tuned"))


@dataclass
class Reply:
    """One run's reply to one prompt in one phase, with its per-reply scores.

    Attributes:
        finished: An end token came within the cap; ``False``: cut by ``max_new_tokens``;
            ``None``: the run did not record it.
        new_tokens: Tokens generated (the cap, for a cut reply), when recorded.
        looping: The reply repeats itself (docs/metrics.md, looping replies).
    """

    run: str
    phase: str
    text: str
    scores: dict[str, float]
    finished: bool | None = None
    new_tokens: int | None = None
    looping: bool = False

    @property
    def cut(self) -> bool:
        """Known to be cut by the token cap (from the run's own record)."""
        return self.finished is False

    def cut_note(self) -> str:
        """``cut at N tokens`` (or ``at the token cap`` when the count was not recorded)."""
        return f"cut at {self.new_tokens} tokens" if self.new_tokens else "cut at the token cap"


@dataclass
class PromptRow:
    """One prompt with its reference and every run's replies."""

    example_id: str
    theme: str
    prompt: str
    reference: str
    replies: list[Reply] = field(default_factory=list)


@dataclass
class Comparison:
    """What ``tide compare`` shows: the prompts every run replied to, and what was left out.

    Attributes:
        labels: The runs, in order.
        rows: The prompts every run replied to (the means are over these).
        prompts_per_run: How many prompts each run replied to (shared or not).
        limit: Show only the first ``limit`` prompts (the means stay over all ``rows``).
    """

    labels: list[str]
    rows: list[PromptRow]
    prompts_per_run: dict[str, int]
    limit: int | None = None

    @property
    def shown(self) -> list[PromptRow]:
        """The prompts shown one by one."""
        return self.rows[: self.limit] if self.limit else self.rows

    def left_out(self) -> dict[str, int]:
        """Per run, its prompts not every run replied to (not in the means)."""
        return {label: n - len(self.rows) for label, n in self.prompts_per_run.items()}


@dataclass
class PhaseSummary:
    """One run's replies in one phase: how many, how many cut (of those whose end the run
    recorded), and per metric the mean over the replies with a score and how many those are."""

    n: int = 0
    cut: int = 0
    recorded: int = 0
    looping: int = 0
    means: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def summarise(rows: list[PromptRow]) -> dict[tuple[str, str], PhaseSummary]:
    """(run, phase) -> its replies' count, cut count and mean scores over ``rows``."""
    values: dict[tuple[str, str], dict[str, list[float]]] = {}
    out: dict[tuple[str, str], PhaseSummary] = {}
    for row in rows:
        for reply in row.replies:
            key = (reply.run, reply.phase)
            summary = out.setdefault(key, PhaseSummary())
            summary.n += 1
            summary.cut += reply.cut
            summary.looping += reply.looping
            summary.recorded += reply.finished is not None
            for name, value in reply.scores.items():
                if not math.isnan(value):
                    values.setdefault(key, {}).setdefault(name, []).append(value)
    for key, by_name in values.items():
        out[key].means = {name: sum(v) / len(v) for name, v in by_name.items()}
        out[key].counts = {name: len(v) for name, v in by_name.items()}
    return out


def metric_names(rows: list[PromptRow]) -> list[str]:
    """Every score name the replies carry, in first-seen order."""
    return list(dict.fromkeys(n for row in rows for reply in row.replies for n in reply.scores))


def coverage_sentence(comparison: Comparison) -> str:
    """One sentence: over how many prompts the means are, and what each run had left out."""
    k = len(comparison.rows)
    shown = len(comparison.shown)
    tail = f"; below, the first {shown} of them." if shown < k else "."
    left = {label: n for label, n in comparison.left_out().items() if n}
    if not left:
        return f"Means are over the {k} prompts every run replied to{tail}"
    counts = ", ".join(f"{label}: {n}" for label, n in comparison.prompts_per_run.items())
    dropped = ", ".join(
        f"{n} of {label}'s {comparison.prompts_per_run[label]}" for label, n in left.items()
    )
    return (
        f"The runs replied to different prompts ({counts}): means are over the {k} prompts every "
        f"run replied to, leaving out {dropped}{tail}"
    )


def cut_cell(summary: PhaseSummary) -> str:
    """``3 of 4 (75%)``: replies cut by the token cap, over those whose end was recorded."""
    if not summary.recorded:
        return "not recorded"
    rate = f"{summary.cut / summary.recorded:.0%}"
    if summary.recorded < summary.n:
        return f"{summary.cut} of {summary.recorded} recorded ({rate})"
    return f"{summary.cut} of {summary.n} ({rate})"


def looping_cell(summary: PhaseSummary) -> str:
    """``2 of 4 (50%)``: replies that loop."""
    return f"{summary.looping} of {summary.n} ({summary.looping / summary.n:.0%})"


def mean_cell(summary: PhaseSummary, name: str) -> str:
    """The mean, with its own count when some replies had no score for it."""
    if name not in summary.means:
        return ""
    count = summary.counts[name]
    return f"{summary.means[name]:.4f}" + (f" (n={count})" if count < summary.n else "")


SUMMARY_HEADER = ("run", "phase", "prompts", "cut at cap", "looping")


def summary_rows(rows: list[PromptRow]) -> tuple[list[str], list[list[str]]]:
    """The per-run summary table (plain text cells): header and rows."""
    names = metric_names(rows)
    table = [
        [run, phase, str(s.n), cut_cell(s), looping_cell(s), *(mean_cell(s, n) for n in names)]
        for (run, phase), s in summarise(rows).items()
    ]
    return [*SUMMARY_HEADER, *names], table


def _html(text: str) -> str:
    """Text with no HTML and no line breaks (``<br>``); markdown_table escapes a cell's pipes."""
    return html.escape(text, quote=False).replace("\n", "<br>")


def _md(text: str) -> str:
    """Text safe inside a Markdown paragraph (no HTML, pipes or line breaks)."""
    return _html(text).replace("|", "\\|")


def to_markdown(comparison: Comparison) -> str:
    """The comparison as Markdown: the per-run summary, then one section per prompt."""
    names = metric_names(comparison.rows)
    header, table = summary_rows(comparison.rows)
    out = [
        "# Zero-shot vs fine-tuned replies",
        "",
        f"Runs: {', '.join(_md(label) for label in comparison.labels)}. "
        + _md(coverage_sentence(comparison)),
        "",
        markdown_table(list(map(_html, header)), [[_html(c) for c in r] for r in table]),
        "",
        "*prompts*: replies the mean is over; *cut at cap*: replies that reached max_new_tokens "
        "before an end-of-turn token (marked **[cut at N tokens]** below); *looping*: replies "
        "that repeat themselves (marked **[looping]**; docs/metrics.md).",
        "",
    ]
    for number, row in enumerate(comparison.shown, start=1):
        out += [
            f"## {number}. {_md(row.example_id)} ({_md(row.theme)})",
            "",
            f"**Prompt:** {_md(row.prompt)}",
            "",
            f"**Reference:** {_md(row.reference)}",
            "",
        ]
        replies = [
            [
                _html(reply.run),
                reply.phase,
                _html(reply.text)
                + (f" **[{reply.cut_note()}]**" if reply.cut else "")
                + (" **[looping]**" if reply.looping else ""),
                *(f"{reply.scores[n]:.3f}" if n in reply.scores else "" for n in names),
            ]
            for reply in row.replies
        ]
        out += [markdown_table(["run", "phase", "reply", *map(_html, names)], replies), ""]
    return "\n".join(out)
