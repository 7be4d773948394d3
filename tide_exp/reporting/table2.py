"""Study B's Table 2 from finished runs: base vs fine-tuned, ours beside the report's figures.

For every run that validated the base model and the adapter (``eval.validate_base``, on in
``eval=study_b``): validation loss, perplexity under both readings (``token``: exp of the
token-weighted loss; ``dialogue``: the mean of per-dialogue perplexities; docs/metrics.md), and
each reply figure (the report's four linguistic counts first), each with its relative change
base -> fine-tuned (``results.json`` ``changes``, :mod:`tide_exp.runs.changes`). The report's
own values stand beside ours where it gives them (:data:`REPORTED`); which perplexity reading
it used it does not say, so its perplexity is shown beside both.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping
from typing import Any

from tide_exp.reporting.table_writers import markdown_table
from tide_exp.runs.changes import base_to_tuned

# Study B's published figures (the CUHK-Shenzhen report: Table 2, and the relative changes its
# text quotes; docs/metrics.md): base, fine-tuned and relative change where it gives them.
REPORTED: dict[str, dict[str, float]] = {
    "val/loss": {"base": 2.207, "fine_tuned": 2.189},
    "val/perplexity_token": {"base": 16.44, "fine_tuned": 15.58},
    "val/perplexity_dialogue": {"base": 16.44, "fine_tuned": 15.58},
    "gen/prescriptive_markers": {"relative_change": -0.28},
    "gen/first_person_imperatives": {"relative_change": -0.63},
    "gen/empathy_markers": {"relative_change": 1.42},
    "gen/topic_shift": {"relative_change": -0.41},
    "dialogbert_continuity": {"base": 0.712, "fine_tuned": 0.763},
}
LABELS = {
    "val/loss": "validation loss",
    "val/perplexity_token": "perplexity, token reading",
    "val/perplexity_dialogue": "perplexity, dialogue reading",
    "gen/prescriptive_markers": "prescriptive markers per reply",
    "gen/first_person_imperatives": "first-person imperatives per reply",
    "gen/empathy_markers": "affective alignment markers per reply",
    "gen/topic_shift": "share of replies that shift topic",
    "dialogbert_continuity": "DialogBERT continuity",
}
NOTES = {
    "val/perplexity_token": "the report does not say which reading; exp of its loss is 9.09",
    "val/perplexity_dialogue": "the report does not say which reading; exp of its loss is 9.09",
    "gen/prescriptive_markers": "our lexicon; the report's is not published",
    "gen/first_person_imperatives": "our lexicon and reading; the report defines none",
    "gen/empathy_markers": "our lexicon, with the report's 理解 and 共感",
    "gen/topic_shift": "our definition; the report defines none",
    "dialogbert_continuity": "not computed: no public definition",
}
# Table 2's rows first, in the report's order; other reply figures follow alphabetically.
ORDER = [name for name in REPORTED if name != "dialogbert_continuity"]
FIELDS = [
    "run",
    "figure",
    "base",
    "fine_tuned",
    "relative_change",
    "reported_base",
    "reported_fine_tuned",
    "reported_change",
    "chosen",
    "note",
]


def reported_change(name: str) -> float | None:
    """The report's relative change of a figure: quoted, or from its base and fine-tuned."""
    published = REPORTED.get(name, {})
    if "relative_change" in published:
        return published["relative_change"]
    if "base" in published:
        return (published["fine_tuned"] - published["base"]) / abs(published["base"])
    return None


def _chosen(run: Mapping[str, Any]) -> str | None:
    """Which reading the run's ``val/perplexity`` is (``eval.perplexity``)."""
    after = (run.get("validation") or {}).get("ft") or {}
    for reading in ("token", "dialogue"):
        value = after.get(f"perplexity_{reading}")
        if value is not None and value == after.get("perplexity"):
            return f"val/perplexity_{reading}"
    return None


def table2_rows(runs: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per run and figure, for runs with a base and a fine-tuned validation."""
    rows = []
    for run in runs:
        validation = run.get("validation") or {}
        if not (validation.get("zs") and validation.get("ft")):
            continue
        changes = run.get("changes") or base_to_tuned(run.get("phases", {}), validation)
        label = f"{run['model'].get('display_name') or run['model']['name']} ({run['run_dir']})"
        names = [n for n in ORDER if n in changes] + sorted(set(changes) - set(ORDER))
        chosen = _chosen(run)
        for name in names:
            published = REPORTED.get(name, {})
            rows.append(
                {
                    "run": label,
                    "figure": name,
                    **changes[name],
                    "reported_base": published.get("base"),
                    "reported_fine_tuned": published.get("fine_tuned"),
                    "reported_change": reported_change(name),
                    "chosen": name == chosen,
                    "note": NOTES.get(name, ""),
                }
            )
        if "dialogbert_continuity" in (run.get("not_computed") or {}):
            name = "dialogbert_continuity"
            rows.append(
                {"run": label, "figure": name, "base": None, "fine_tuned": None,
                 "relative_change": None, "reported_base": REPORTED[name]["base"],
                 "reported_fine_tuned": REPORTED[name]["fine_tuned"],
                 "reported_change": reported_change(name), "chosen": False,
                 "note": NOTES[name]}
            )  # fmt: skip
    return rows


def _number(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.3f}" if abs(value) < 100 else f"{value:.1f}"


def _percent(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if value and abs(value) < 0.0005:  # a change too small for one decimal is not "-0.0%"
        return f"{100 * value:+.1g}%"
    return f"{100 * value:+.1f}%"


def _reported(row: Mapping[str, Any]) -> str:
    if row["reported_base"] is not None:
        return f"{_number(row['reported_base'])} -> {_number(row['reported_fine_tuned'])}"
    return ""


def table2_markdown(runs: Iterable[Mapping[str, Any]]) -> str | None:
    """Table 2 in Markdown, one table per run (``None`` when no run validated base and adapter)."""
    rows = table2_rows(runs)
    if not rows:
        return None
    lines = [
        "# Table 2 (Study B): base vs fine-tuned",
        "",
        "Per run that validated the base model and the adapter (`eval.validate_base`). Relative "
        "change = (fine-tuned - base) / |base|. Reply figures are means over the zero-shot and "
        "fine-tuned replies; the report's are beside ours where it gives them (its Table 2, "
        "and the relative changes its text quotes). Definitions of ours: docs/metrics.md. "
        "`val/perplexity` is the row marked (chosen, `eval.perplexity`).",
    ]
    header = ["figure", "base", "fine-tuned", "change", "report", "report change", "note"]
    for run in dict.fromkeys(r["run"] for r in rows):
        body = [
            [
                LABELS.get(r["figure"], r["figure"]) + (" (chosen)" if r["chosen"] else ""),
                _number(r["base"]),
                _number(r["fine_tuned"]),
                _percent(r["relative_change"]),
                _reported(r),
                _percent(r["reported_change"]),
                r["note"],
            ]
            for r in rows
            if r["run"] == run
        ]
        lines += ["", f"## {run}", "", markdown_table(header, body, align="lrrrrrl")]
    return "\n".join(lines) + "\n"


def table2_csv(runs: Iterable[Mapping[str, Any]]) -> str:
    """The long table: one row per run and figure, ours and the report's."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: row.get(k) for k in FIELDS} for row in table2_rows(runs))
    return buffer.getvalue()
