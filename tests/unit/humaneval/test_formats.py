"""Human-evaluation tables go through the one writer: names with LaTeX specials come out escaped."""

from __future__ import annotations

import pandas as pd

from tide_exp.humaneval.analyze import FILES, write_analysis
from tide_exp.humaneval.demotable import table3
from tide_exp.humaneval.formats import to_latex, to_markdown
from tide_exp.humaneval.rating_tables import table4_wide

CATEGORY = "non_binary & other (50%) #1"
MODEL = "Qwen_2.5 & co #2 (100%) {v~1^2}"


def _tables() -> dict[str, pd.DataFrame]:
    raters = pd.DataFrame({"age": [30, 40], "gender": [CATEGORY, "woman"]})
    long = pd.DataFrame(
        {
            "model": ["m"],
            "display_name": [MODEL],
            "scenario": ["panic"],
            "zs_mean": [2.0],
            "ft_mean": [4.0],
            "winner": ["FT"],
            "ref_mean": [5.0],
            "ref_points": [2],
        }
    )
    tables = {table: pd.DataFrame() for table, _, _ in FILES.values()}
    return tables | {"table3": table3(raters), "table4_wide": table4_wide(long), "table4": long}


def test_category_and_model_label_are_escaped_in_the_tex(tmp_path):
    write_analysis(_tables(), tmp_path)
    table3_tex = (tmp_path / "table3.tex").read_text(encoding="utf-8")
    table4_tex = (tmp_path / "table4.tex").read_text(encoding="utf-8")
    assert r"non\_binary \& other (50\%) \#1" in table3_tex
    assert r"Qwen\_2.5 \& co \#2 (100\%) \{v\textasciitilde{}1\textasciicircum{}2\}" in table4_tex
    for tex in (table3_tex, table4_tex):
        assert CATEGORY not in tex and MODEL not in tex
        assert r"\begin{tabular}" in tex and r"\label{tab:human-eval-" in tex


def test_markdown_right_aligns_numbers_and_escapes_pipes():
    frame = pd.DataFrame({"model": ["a|b"], "mean": [2.5]})
    assert to_markdown(frame) == "| model | mean |\n|---|---:|\n| a\\|b | 2.50 |\n"


def test_latex_aligns_numbers_right_and_formats_digits():
    frame = pd.DataFrame({"model": ["m"], "mean": [2.0], "n": [3]})
    tex = to_latex(frame, caption="Means", label="tab:x", digits=3)
    assert r"\begin{tabular}{lrr}" in tex
    assert r"m & 2.000 & 3 \\" in tex
    assert r"\caption{Means}" in tex and r"\label{tab:x}" in tex
