"""The one Markdown and LaTeX table writer: reports and human-evaluation tables call it.

Cells are plain text. The Markdown writer escapes ``|``; the LaTeX writer escapes LaTeX's special
characters (``\\ & % $ # _ { } ~ ^``) in every cell, header and caption, so display names such as
``Qwen_2.5 & co (50%) #1`` compile, and writes ``±``, ``Δ`` and ``−`` as math.
"""

from __future__ import annotations

from collections.abc import Sequence

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
# After escaping: symbols the report uses, as math (pdflatex has no Unicode glyphs for them).
_MD_RULE = {"l": "---|", "r": "---:|"}
_LATEX_SYMBOLS = {"±": r"$\pm$", "Δ": r"$\Delta$", "−": "$-$", "≥": r"$\geq$", "≤": r"$\leq$"}


def escape_latex(text: object) -> str:
    """``text`` with LaTeX's special characters escaped and ± Δ − ≥ ≤ written as math."""
    out = "".join(_LATEX_SPECIAL.get(char, char) for char in str(text))
    for symbol, latex in _LATEX_SYMBOLS.items():
        out = out.replace(symbol, latex)
    return out


def escape_markdown(text: object) -> str:
    """``text`` safe inside a Markdown table cell: ``|`` escaped, line breaks as spaces."""
    return " ".join(str(text).split("\n")).replace("|", r"\|")


def markdown_table(
    header: Sequence[object], rows: Sequence[Sequence[object]], align: str | None = None
) -> str:
    """A GitHub-flavoured Markdown table (no trailing newline).

    Args:
        header: Column titles.
        rows: Cell values (anything ``str()`` turns into the text shown).
        align: One letter per column, ``l`` or ``r`` (``r`` right-aligns, e.g. numbers); default:
            no alignment marks.
    """
    rule = "---|" * len(header) if align is None else "".join(_MD_RULE[a] for a in align)
    lines = ["| " + " | ".join(escape_markdown(h) for h in header) + " |", "|" + rule]
    lines += ["| " + " | ".join(escape_markdown(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def latex_table(
    header: Sequence[object],
    rows: Sequence[Sequence[object]],
    caption: str | None = None,
    align: str | None = None,
    label: str | None = None,
) -> str:
    """A booktabs ``table`` environment; every cell, header and the caption are escaped.

    Args:
        header: Column titles.
        rows: Cell values (anything ``str()`` turns into the text shown).
        caption: Caption text, escaped like the cells.
        align: Column alignment (default: ``l`` then ``r`` for every further column).
        label: ``\\label`` key (used as is: keep it to letters, digits, ``:`` and ``-``).
    """
    align = align or "l" + "r" * (len(header) - 1)
    body = [" & ".join(escape_latex(c) for c in row) + r" \\" for row in rows]
    lines = [
        r"\begin{table}[t]",
        r"\centering",
        r"\small",
        rf"\begin{{tabular}}{{{align}}}",
        r"\toprule",
        " & ".join(escape_latex(h) for h in header) + r" \\",
        r"\midrule",
        *body,
        r"\bottomrule",
        r"\end{tabular}",
    ]
    if caption:
        lines.append(rf"\caption{{{escape_latex(caption)}}}")
    if label:
        lines.append(rf"\label{{{label}}}")
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"
