"""``tide compare``: zero-shot, fine-tuned and reference replies side by side, with scores.

```
tide compare outputs/2026-01-01/12-00-00_smollm2_135m              # one run
tide compare multirun/2026-01-01/12-00-00 --out outputs/compare      # every job of a sweep
tide compare RUN_A RUN_B --limit 10 --metrics rouge_l,cosine
```

Reads each run's ``generations.jsonl`` (zero-shot rows, and the fine-tuned rows, or the last
evaluation epoch's when a run has none) and writes ``compare.html`` (self-contained: inline
style, no scripts or external files; every text escaped) and ``compare.md``: for each prompt,
its reference reply, then each run's zero-shot and fine-tuned reply with its per-reply scores,
and at the top each run's mean scores over the prompts shown.
"""

from __future__ import annotations

import argparse
import html
import logging
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tide_exp.commands import at_least, cli_entry, command_parser
from tide_exp.errors import TideError
from tide_exp.files import check_output, write_text
from tide_exp.reporting.table_writers import markdown_table

log = logging.getLogger(__name__)

PHASES = (("zs", "zero-shot"), ("ft", "fine-tuned"))


@dataclass
class Reply:
    """One run's reply to one prompt in one phase, with its per-reply scores."""

    run: str
    phase: str
    text: str
    scores: dict[str, float]


@dataclass
class PromptRow:
    """One prompt with its reference and every run's replies."""

    example_id: str
    theme: str
    prompt: str
    reference: str
    replies: list[Reply] = field(default_factory=list)


def _scores(value: Any, metrics: list[str] | None) -> dict[str, float]:
    if not isinstance(value, dict):
        return {}
    return {
        name: float(score)
        for name, score in value.items()
        if isinstance(score, int | float) and (metrics is None or name in metrics)
    }


def collect(paths: list[Path], metrics: list[str] | None = None, limit: int | None = None):
    """Prompts (in the first run's order) with each run's zero-shot and fine-tuned replies.

    Replies are paired by the prompt's id *and* text, and a prompt is shown only when every run
    replied to it: runs on different corpora can reuse example ids for other messages, and a
    reply to one message must never sit under another. What was left out is counted.

    Returns:
        ``(rows, labels, left_out)``: the prompt rows, the run labels in order, and how many
        prompts were left out because not every run replied to that text.
    """
    from tide_exp.humaneval.runs import load_runs, phase_rows

    runs = load_runs(paths)
    rows: dict[tuple[str, str], PromptRow] = {}
    answered: dict[tuple[str, str], set[str]] = {}
    for run in runs:
        for phase, label in PHASES:
            frame = phase_rows(run, phase)
            for example_id, row in frame.iterrows():
                key = (str(example_id), str(row["prompt"]))
                if key not in rows:
                    rows[key] = PromptRow(
                        key[0], str(row["theme"]), row["prompt"], row["reference"], []
                    )
                rows[key].replies.append(
                    Reply(run.label, label, row["prediction"], _scores(row.get("scores"), metrics))
                )
                answered.setdefault(key, set()).add(run.label)
    every = {run.label for run in runs}
    shared = [row for key, row in rows.items() if answered[key] == every]
    ordered = shared[:limit] if limit else shared
    if not ordered:
        raise TideError(
            f"{', '.join(map(str, paths))}: no prompt that every run answered in zero-shot or "
            "fine-tuned replies (generations.jsonl); compare runs on the same corpus and split."
        )
    return ordered, [run.label for run in runs], len(rows) - len(shared)


def mean_scores(rows: list[PromptRow]) -> dict[tuple[str, str], dict[str, float]]:
    """(run, phase) -> metric -> mean over the prompts shown."""
    sums: dict[tuple[str, str], dict[str, list[float]]] = {}
    for row in rows:
        for reply in row.replies:
            bucket = sums.setdefault((reply.run, reply.phase), {})
            for name, value in reply.scores.items():
                if not math.isnan(value):
                    bucket.setdefault(name, []).append(value)
    return {
        key: {name: sum(values) / len(values) for name, values in bucket.items()}
        for key, bucket in sums.items()
    }


def _metric_names(rows: list[PromptRow]) -> list[str]:
    return list(dict.fromkeys(n for row in rows for reply in row.replies for n in reply.scores))


def _html(text: str) -> str:
    """Text with no HTML and no line breaks (``<br>``); markdown_table escapes a cell's pipes."""
    return html.escape(text, quote=False).replace("\n", "<br>")


def _md(text: str) -> str:
    """Text safe inside a Markdown paragraph (no HTML, pipes or line breaks)."""
    return _html(text).replace("|", "\\|")


def to_markdown(rows: list[PromptRow], labels: list[str], left_out: int = 0) -> str:
    """The comparison as Markdown: mean scores, then one section per prompt."""
    names = _metric_names(rows)
    means = mean_scores(rows)
    skipped = (
        f" {left_out} prompt(s) left out: not every run replied to that text." if left_out else ""
    )
    out = [
        "# Zero-shot vs fine-tuned replies",
        "",
        f"{len(rows)} prompts, runs: {', '.join(_md(label) for label in labels)}.{skipped}",
        "",
    ]
    if names:
        table = [
            [_html(run), phase, *(f"{values[n]:.4f}" if n in values else "" for n in names)]
            for (run, phase), values in means.items()
        ]
        out += [markdown_table(["run", "phase", *map(_html, names)], table), ""]
    for number, row in enumerate(rows, start=1):
        out += [
            f"## {number}. {_md(row.example_id)} ({_md(row.theme)})",
            "",
            f"**Prompt:** {_md(row.prompt)}",
            "",
            f"**Reference:** {_md(row.reference)}",
            "",
        ]
        table = [
            [
                _html(reply.run),
                reply.phase,
                _html(reply.text),
                *(f"{reply.scores[n]:.3f}" if n in reply.scores else "" for n in names),
            ]
            for reply in row.replies
        ]
        out += [markdown_table(["run", "phase", "reply", *map(_html, names)], table), ""]
    return "\n".join(out)


STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1d1d1f;
background:#f6f7f9;line-height:1.45}
h1{font-size:22px;margin:0 0 4px}h2{font-size:15px;margin:0 0 8px;color:#444}
.meta{color:#666;margin-bottom:16px}
table{border-collapse:collapse;background:#fff;margin-bottom:20px}
th,td{border:1px solid #dde1e6;padding:4px 8px;text-align:left;vertical-align:top;font-size:13px}
th{background:#eef1f5}
.card{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:14px 16px;margin:0 0 16px}
.prompt{font-weight:600;margin-bottom:6px}.ref{background:#eef7ee;border-left:4px solid #4a9d5b;
padding:6px 10px;margin:6px 0 10px;white-space:pre-wrap}
.grid{display:grid;grid-template-columns:160px 1fr 1fr;gap:8px;align-items:start}
.run{font-weight:600;font-size:13px;padding-top:6px}
.reply{border:1px solid #e3e6ea;border-radius:6px;padding:6px 8px;white-space:pre-wrap;font-size:14px}
.zs{background:#fbf7ef}.ft{background:#eef3fb}.head{font-size:12px;color:#666;font-weight:600}
.scores{font-size:11px;color:#555;margin-top:4px;font-family:ui-monospace,monospace}
"""


def _html_scores(scores: dict[str, float]) -> str:
    text = "  ".join(f"{name} {value:.3f}" for name, value in scores.items())
    return f'<div class="scores">{html.escape(text)}</div>' if text else ""


def to_html(rows: list[PromptRow], labels: list[str]) -> str:
    """The comparison as one self-contained HTML page (inline CSS, no scripts, all escaped)."""
    e = html.escape
    names = _metric_names(rows)
    means = mean_scores(rows)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>tide_exp: zero-shot vs fine-tuned replies</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>Zero-shot vs fine-tuned replies</h1>",
        f'<div class="meta">{len(rows)} prompts; runs: {e(", ".join(labels))}</div>',
    ]
    if names:
        parts.append(
            "<table><tr><th>run</th><th>phase</th>"
            + "".join(f"<th>{e(n)}</th>" for n in names)
            + "</tr>"
        )
        for (run, phase), values in means.items():
            cells = "".join(
                f"<td>{values[n]:.4f}</td>" if n in values else "<td></td>" for n in names
            )
            parts.append(f"<tr><td>{e(run)}</td><td>{e(phase)}</td>{cells}</tr>")
        parts.append("</table>")
    for number, row in enumerate(rows, start=1):
        parts += [
            '<section class="card">',
            f"<h2>{number}. {e(row.example_id)} · {e(row.theme)}</h2>",
            f'<div class="prompt">{e(row.prompt)}</div>',
            f'<div class="ref"><span class="head">reference</span><br>{e(row.reference)}</div>',
            '<div class="grid"><div></div><div class="head">zero-shot</div>'
            '<div class="head">fine-tuned</div>',
        ]
        by_run: dict[str, dict[str, Reply]] = {}
        for reply in row.replies:
            by_run.setdefault(reply.run, {})[reply.phase] = reply
        for run, replies in by_run.items():
            parts.append(f'<div class="run">{e(run)}</div>')
            for phase, label in PHASES:
                reply = replies.get(label)
                if reply is None:
                    parts.append('<div class="reply">(none)</div>')
                    continue
                parts.append(
                    f'<div class="reply {phase}">{e(reply.text)}{_html_scores(reply.scores)}</div>'
                )
        parts += ["</div>", "</section>"]
    parts.append("</body></html>")
    return "\n".join(parts)


def write_comparison(
    paths: list[Path], out: Path, metrics: list[str] | None = None, limit: int | None = None
) -> dict[str, Path]:
    """Write ``compare.html`` and ``compare.md`` into ``out``; returns their paths."""
    rows, labels, left_out = collect(paths, metrics, limit)
    if left_out:
        log.warning(
            "%d prompt(s) left out: not every run replied to that text (runs on other corpora "
            "or splits reuse example ids for other messages)",
            left_out,
        )
    out.mkdir(parents=True, exist_ok=True)
    files = {"html": out / "compare.html", "markdown": out / "compare.md"}
    write_text(files["html"], to_html(rows, labels))
    write_text(files["markdown"], to_markdown(rows, labels, left_out))
    return files


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = command_parser("compare", __doc__.split("\n\n")[0], prog="tide compare")
    parser.add_argument("paths", nargs="+", type=Path, help="run folders, sweep folders or above")
    parser.add_argument(
        "--out", type=Path, default=Path("outputs") / "compare", help="default: outputs/compare"
    )
    parser.add_argument("--limit", type=at_least(1), default=None, help="show the first N prompts")
    parser.add_argument(
        "--metrics", default=None, help="comma-separated scores to show (default: all recorded)"
    )
    return parser.parse_args(argv)


@cli_entry
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    metrics = [m.strip() for m in args.metrics.split(",") if m.strip()] if args.metrics else None
    check_output(args.out, folder=True)  # before reading every run
    files = write_comparison(args.paths, args.out, metrics, args.limit)
    print("\n".join(f"{kind:>8}: {path}" for kind, path in files.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
