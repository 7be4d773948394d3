"""The one table writer: LaTeX escapes every name and compiles; Markdown keeps its columns."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tide_exp.reporting.table_writers import (
    escape_latex,
    latex_table,
    markdown_table,
)

NASTY = r"Qwen_2.5 & co (50% off) #1 {x} ~ ^ $5 \ ± Δ"
MACROS = [
    r"\textbackslash{}",
    r"\textasciitilde{}",
    r"\textasciicircum{}",
    r"$\pm$",
    r"$\Delta$",
    "$-$",
    r"$\geq$",
    r"$\leq$",
]


def latex_document(body: str) -> str:
    """A minimal standalone document around a table, for checking that it compiles."""
    return (
        "\n".join([r"\documentclass{article}", r"\usepackage{booktabs}", r"\begin{document}", body])
        + "\n\\end{document}\n"
    )


@given(st.text())
def test_no_special_character_survives_unescaped(text):
    out = escape_latex(text)
    for macro in MACROS:
        out = out.replace(macro, "")
    for char in "&%$#_{}":
        out = out.replace("\\" + char, "")
    assert not set(out) & set("&%$#_{}~^\\")


def test_special_characters_are_escaped():
    assert escape_latex("a_b & c% #d") == r"a\_b \& c\% \#d"
    assert escape_latex("0.5 ± 0.1") == r"0.5 $\pm$ 0.1"
    table = latex_table(["model", "Δ"], [[NASTY, "+0.1"]], caption="50% of #runs")
    assert r"Qwen\_2.5 \& co (50\% off) \#1" in table
    assert r"\caption{50\% of \#runs}" in table


def test_markdown_escapes_pipes_and_keeps_columns():
    table = markdown_table(["a", "b"], [["x|y", "z\nw"]])
    assert table.splitlines()[2] == r"| x\|y | z w |"


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_latex_with_special_names_compiles(tmp_path):
    table = latex_table(["model", "cosine zs", "Δ [95% CI]"], [[NASTY, "0.5 ± 0.1", "+0.1*"]])
    (tmp_path / "t.tex").write_text(latex_document(table), encoding="utf-8")
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert (tmp_path / "t.pdf").stat().st_size > 1000


def test_markdown_alignment_marks_right_aligned_columns():
    table = markdown_table(["model", "mean"], [["m", "2.5"]], align="lr")
    assert table.splitlines()[1] == "|---|---:|"
    assert markdown_table(["a", "b"], []).splitlines()[1] == "|---|---|"
