"""``tide compare``'s HTML page: one self-contained file (inline CSS, no scripts, all escaped)
with the summary of :mod:`tide_exp.reporting.compare_page` and a card per prompt."""

from __future__ import annotations

import html

from tide_exp.reporting.compare_page import (
    PHASES,
    SUMMARY_HEADER,
    Comparison,
    PromptRow,
    Reply,
    coverage_sentence,
    summary_rows,
)

# Long run labels, ids and unbroken tokens wrap inside their own box (overflow-wrap:anywhere,
# minmax(0, ...) grid tracks) instead of printing over the next column. The summary table keeps
# its headers and numbers whole (only the run label wraps) and scrolls sideways in its own box
# when the window is too narrow.
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1d1d1f;
background:#f6f7f9;line-height:1.45;overflow-wrap:anywhere}
h1{font-size:22px;margin:0 0 4px}h2{font-size:15px;margin:0 0 8px;color:#444}
.meta{color:#444;margin-bottom:8px}.note{color:#666;font-size:12px;margin-bottom:16px}
.differ{background:#fff6e0;border-left:4px solid #d99a00;padding:6px 10px}
.tablewrap{max-width:100%;overflow-x:auto;margin-bottom:4px}
table{border-collapse:collapse;background:#fff}
th,td{border:1px solid #dde1e6;padding:4px 8px;text-align:left;vertical-align:top;font-size:13px}
th{background:#eef1f5}.summary th,.summary td{white-space:nowrap;overflow-wrap:normal}
.summary td.label{white-space:normal;overflow-wrap:anywhere;min-width:14ch}
.summary td.num{text-align:right}
.card{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:14px 16px;margin:0 0 16px}
.prompt{font-weight:600;margin-bottom:6px}.ref{background:#eef7ee;border-left:4px solid #4a9d5b;
padding:6px 10px;margin:6px 0 10px;white-space:pre-wrap}
.grid{display:grid;grid-template-columns:minmax(0,11rem) minmax(0,1fr) minmax(0,1fr);gap:8px;
align-items:start}
.run{font-weight:600;font-size:13px;padding-top:6px;min-width:0}
.reply{border:1px solid #e3e6ea;border-radius:6px;padding:6px 8px;white-space:pre-wrap;
font-size:14px;min-width:0}
.zs{background:#fbf7ef}.ft{background:#eef3fb}.head{font-size:12px;color:#666;font-weight:600}
.cut{display:inline-block;margin-left:6px;padding:0 6px;border-radius:4px;background:#b3261e;
color:#fff;font-size:11px;font-weight:600;white-space:nowrap}
.scores{font-size:11px;color:#555;margin-top:4px;font-family:ui-monospace,monospace;
white-space:normal}
"""


def _html_scores(scores: dict[str, float]) -> str:
    text = "  ".join(f"{name} {value:.3f}" for name, value in scores.items())
    return f'<div class="scores">{html.escape(text)}</div>' if text else ""


def _html_reply(phase: str, reply: Reply | None) -> str:
    if reply is None:
        return '<div class="reply">(none)</div>'
    cut = (
        f'<span class="cut" title="reached max_new_tokens before an end-of-turn token">'
        f"{html.escape(reply.cut_note())}</span>"
        if reply.cut
        else ""
    )
    if reply.looping:
        cut += '<span class="cut loop" title="the reply repeats itself">looping</span>'
    return (
        f'<div class="reply {phase}">{html.escape(reply.text)}{cut}'
        f"{_html_scores(reply.scores)}</div>"
    )


def _html_summary(comparison: Comparison) -> list[str]:
    header, table = summary_rows(comparison.rows)
    kinds = [
        "label",
        "phase",
        "num",
        "ending",
        "ending",
        *["num"] * (len(header) - len(SUMMARY_HEADER)),
    ]
    cells = [
        "".join(f'<td class="{k}">{html.escape(c)}</td>' for k, c in zip(kinds, row, strict=True))
        for row in table
    ]
    return [
        '<div class="tablewrap"><table class="summary"><tr>'
        + "".join(f"<th>{html.escape(h)}</th>" for h in header)
        + "</tr>",
        *(f"<tr>{c}</tr>" for c in cells),
        "</table></div>",
        '<div class="note">prompts: replies the mean is over; cut at cap: replies that reached '
        "max_new_tokens before an end-of-turn token; looping: replies that repeat themselves "
        "(each tagged below).</div>",
    ]


def _html_card(number: int, row: PromptRow) -> list[str]:
    e = html.escape
    parts = [
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
        # A break opportunity after each / and @ wraps ``slug@sweep/job`` at its parts first.
        wrapped = e(run).replace("/", "/<wbr>").replace("@", "@<wbr>")
        parts.append(f'<div class="run">{wrapped}</div>')
        parts += [_html_reply(phase, replies.get(name)) for phase, name in PHASES]
    return [*parts, "</div>", "</section>"]


def to_html(comparison: Comparison) -> str:
    """The comparison as one self-contained HTML page (inline CSS, no scripts, all escaped)."""
    e = html.escape
    differ = " differ" if any(comparison.left_out().values()) else ""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>tide_exp: zero-shot vs fine-tuned replies</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>Zero-shot vs fine-tuned replies</h1>",
        f'<div class="meta">Runs: {e(", ".join(comparison.labels))}</div>',
        f'<div class="meta coverage{differ}">{e(coverage_sentence(comparison))}</div>',
        *_html_summary(comparison),
    ]
    for number, row in enumerate(comparison.shown, start=1):
        parts += _html_card(number, row)
    parts.append("</body></html>")
    return "\n".join(parts)
