"""``humaneval analyze``: Table 4, means, demographic tests, metric agreement and plots."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tide_exp.files import read_json, write_csv, write_text
from tide_exp.humaneval.agreement import metric_agreement
from tide_exp.humaneval.demographics import demographic_tests, multiple_comparison_note
from tide_exp.humaneval.errors import SurveyInputError
from tide_exp.humaneval.formats import to_latex, to_markdown
from tide_exp.humaneval.plots import plot_all
from tide_exp.humaneval.qc import RATERS, RATINGS_CLEAN
from tide_exp.humaneval.ratings import Ratings
from tide_exp.humaneval.tables import join_ratings, mean_ratings, model_order, table4, table4_wide


def load_qc_dir(path: str | Path) -> tuple[Ratings, str | None]:
    """Kept ratings and all raters from a ``qc`` output dir, plus the key path it recorded."""
    path = Path(path)
    for name in (RATINGS_CLEAN, RATERS):
        if not (path / name).is_file():
            raise SurveyInputError(path / name, "missing", "run `humaneval qc ... --out` first")
    ratings = pd.read_csv(path / RATINGS_CLEAN, dtype={"rater_id": str, "question_id": str})
    raters = pd.read_csv(path / RATERS, dtype={"rater_id": str}).set_index("rater_id")
    raters = raters[raters["excluded_at"].isna()] if "excluded_at" in raters else raters
    report = path / "qc_report.json"
    key = read_json(report).get("key") if report.is_file() else None
    return Ratings(ratings, raters), key


def analyze(
    data: Ratings,
    key: pd.DataFrame,
    out: str | Path,
    ci: str = "fieller",
    formats: tuple[str, ...] = ("png", "pdf"),
) -> dict[str, pd.DataFrame]:
    """Write every analysis output under ``out`` and return the tables.

    Files: means.csv, table4.{md,csv,tex} (+ table4_long.csv), demographics.{csv,md},
    metric_agreement.{csv,md}, plots/kde_<scenario>.{png,pdf} and summary.md.
    """
    out = Path(out)
    joined = join_ratings(data.ratings, key, data.raters)
    if joined.empty:
        raise SurveyInputError(
            out,
            "no ratings match the key's question ids",
            "pass the key.csv of the survey these ratings came from",
        )
    means = mean_ratings(joined)
    t4 = table4(joined, key)
    wide = table4_wide(t4)
    demo = demographic_tests(joined, data.raters, units=model_order(key))
    agree = metric_agreement(joined, key, method=ci)
    write_csv(out / "means.csv", means)
    write_csv(out / "table4_long.csv", t4)
    write_csv(out / "table4.csv", wide)
    caption = (
        "ZS vs FT winner per model and scenario (mean ZS/FT rating); "
        "R: reference points (2 above both, 1 above one)"
    )
    write_text(out / "table4.md", f"{caption}\n\n{to_markdown(wide)}")
    write_text(out / "table4.tex", to_latex(wide, caption, "tab:human-eval-wins"))
    write_csv(out / "demographics.csv", demo)
    note = multiple_comparison_note(demo) if len(demo) else "no demographic columns found"
    write_text(out / "demographics.md", f"{_demo_md(demo)}\n{note}\n")
    write_csv(out / "metric_agreement.csv", agree)
    write_text(out / "metric_agreement.md", to_markdown(agree, digits=3))
    plots = plot_all(joined, key, out / "plots", formats)
    summary = [
        "# Human evaluation",
        "",
        f"{joined['rater_id'].nunique()} raters, {joined['question_id'].nunique()} replies, "
        f"{len(joined)} ratings.",
        "",
        "## Table 4",
        "",
        caption,
        "",
        to_markdown(wide),
        "## Demographics",
        "",
        _demo_md(demo),
        note,
        "",
        "## Metric vs human agreement (Spearman)",
        "",
        to_markdown(agree, digits=3),
        "## Plots",
        "",
        *(f"- ![{p.stem}](plots/{p.name})" for p in plots if p.suffix == ".png"),
    ]
    write_text(out / "summary.md", "\n".join(summary) + "\n")
    return {
        "means": means,
        "table4": t4,
        "table4_wide": wide,
        "demographics": demo,
        "agreement": agree,
    }


def _demo_md(demo: pd.DataFrame) -> str:
    if demo.empty:
        return "No demographic columns (age, education, gender, region, race) were found.\n"
    cols = [
        "unit",
        "factor",
        "test",
        "groups",
        "statistic",
        "p",
        "p_holm",
        "effect",
        "effect_size",
        "significant",
    ]
    shown = demo[cols].copy()
    for col in ("p", "p_holm"):
        shown[col] = [f"{v:.3f}" if v >= 0.001 else "<0.001" for v in shown[col]]
    return to_markdown(shown, digits=3)
