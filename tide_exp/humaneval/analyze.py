"""``humaneval analyze``: compute every table, write the files, render the summary page.

Three steps, each its own function: :func:`compute_analysis` (ratings + key -> tables),
:func:`write_analysis` (tables -> CSV/Markdown/LaTeX files and plots) and
:func:`render_summary` (tables -> ``summary.md``); :func:`analyze` runs all three.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from tide_exp.files.atomic import write_text
from tide_exp.files.readers import read_json
from tide_exp.files.writers import save_figure, write_csv
from tide_exp.humaneval.agreement import metric_agreement
from tide_exp.humaneval.demographics import (
    demographic_tests,
    multiple_comparison_note,
    per_item_tests,
    region_by_scenario_group,
)
from tide_exp.humaneval.demotable import table3
from tide_exp.humaneval.errors import SurveyInputError
from tide_exp.humaneval.formats import to_latex, to_markdown
from tide_exp.humaneval.mixed import mixed_effects, ordinal_effects
from tide_exp.humaneval.paired_tests import paired_tests
from tide_exp.humaneval.plots import plot_all
from tide_exp.humaneval.qc import RATERS, RATINGS_CLEAN
from tide_exp.humaneval.rating_tables import (
    headline,
    join_ratings,
    mean_ratings,
    model_order,
    table4,
    table4_wide,
)
from tide_exp.humaneval.ratings import Ratings
from tide_exp.humaneval.regions import plot_region_map, region_means
from tide_exp.humaneval.reliability import icc_table, krippendorff_table

TABLE4_CAPTION = (
    "ZS vs FT winner per model and scenario (mean ZS/FT rating); per scenario the share of "
    "ZS and FT wins, ties, and the share of ZS/FT means the reference replies were rated above"
)
# Output name -> (table, formats, caption). Every table is also returned by analyze().
FILES = {
    "means": ("means", ("csv",), "Mean rating per dimension x model x condition x scenario"),
    "table4_long": ("table4", ("csv",), ""),
    "table4": ("table4_wide", ("csv", "md", "tex"), TABLE4_CAPTION),
    "table3": ("table3", ("csv", "md", "tex"), "Demographics of the kept raters"),
    "demographics": ("demographics", ("csv", "md"), "Demographic tests (two units)"),
    "region_groups": ("region_groups", ("csv", "md"), "Region ANOVA per scenario group"),
    "per_item": ("per_item", ("csv",), "Demographic tests per item"),
    "mixed_effects": ("mixed", ("csv", "md"), "Mixed model: factor effect with CI"),
    "ordinal_effects": ("ordinal", ("csv", "md"), "Ordinal model (rater-clustered SEs)"),
    "reliability_alpha": ("alpha", ("csv", "md"), "Krippendorff's alpha (ordinal)"),
    "reliability_icc": ("icc", ("csv", "md"), "Intraclass correlations (pingouin)"),
    "paired_wilcoxon": ("paired", ("csv", "md"), "Base vs fine-tuned, Wilcoxon signed-rank"),
    "metric_agreement": ("agreement", ("csv", "md"), "Metric vs human (Spearman)"),
    "region_means": ("regions", ("csv", "md"), "Figure 3: mean rating per scenario and region"),
}


@dataclass
class AnalysisOptions:
    """Knobs of the analysis.

    Attributes:
        ci: metric-agreement CI, "fieller" (analytic) or "bootstrap".
        formats: plot formats.
        mixed: fit the mixed models, one per factor over all model replies (each REML fit
            takes seconds to a minute).
        mixed_per_model: also fit each model's replies alone (one fit per model and factor).
        ordinal: also fit a proportional-odds model per factor (rater-clustered errors).
        alpha_boot: bootstrap draws for alpha's CI (more: steadier CI, slower).
        scenario_groups: scenario group -> scenarios, for the region test.
        map_scale: Figure 3's colour range, "data" (the regional means') or "full" (1-5).
    """

    ci: str = "fieller"
    formats: tuple[str, ...] = ("png", "pdf")
    mixed: bool = True
    mixed_per_model: bool = False
    ordinal: bool = False
    alpha_boot: int = 500
    scenario_groups: dict[str, tuple[str, ...]] | None = None
    map_scale: str = "data"


def load_qc_dir(path: str | Path) -> tuple[Ratings, str | None]:
    """Kept ratings and kept raters from a ``qc`` output dir, plus the key path it recorded."""
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


def primary(joined: pd.DataFrame) -> pd.DataFrame:
    """The ratings of the first dimension, which Table 4 and the tests use."""
    if "dimension" not in joined or joined.empty:
        return joined
    return joined[joined["dimension"] == joined["dimension"].iloc[0]]


def compute_analysis(
    data: Ratings, key: pd.DataFrame, options: AnalysisOptions | None = None
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Every table of the analysis, and the joined ratings of the first dimension."""
    options = options or AnalysisOptions()
    every = join_ratings(data.ratings, key, data.raters)
    if len(data.raters.index) == 0 or len(data.ratings.index) == 0:  # nobody left to analyse
        raise SurveyInputError(
            "ratings",
            "no rater to analyse (quality control kept none, or the file holds no ratings)",
            "see qc_report.md for why each rater was left out, or loosen a QC rule",
        )
    if every.empty:
        raise SurveyInputError(
            "ratings", "no ratings match the key's question ids", "pass the key.csv of the survey"
        )
    joined, raters = primary(every), data.raters
    t4 = table4(joined, key)
    tables = {
        "means": mean_ratings(every),
        "table4": t4,
        "table4_wide": table4_wide(t4),
        "table3": table3(raters),
        "demographics": demographic_tests(joined, raters, units=model_order(key)),
        "region_groups": region_by_scenario_group(joined, raters, options.scenario_groups),
        "per_item": per_item_tests(joined, raters),
        "mixed": _mixed(joined, raters, key, options),
        "ordinal": ordinal_effects(joined, raters) if options.ordinal else pd.DataFrame(),
        "alpha": krippendorff_table(joined, n_boot=options.alpha_boot),
        "icc": icc_table(joined),
        "paired": paired_tests(every),
        "agreement": metric_agreement(joined, key, method=options.ci),
        "regions": region_means(joined),
    }
    return tables, joined


def _mixed(joined, raters, key, options: AnalysisOptions) -> pd.DataFrame:
    if not options.mixed:
        return pd.DataFrame()
    models = joined[joined["condition"].isin(["zs", "ft"])]
    units = {"all models": models}
    if options.mixed_per_model:
        units |= {m: models[models["model"] == m] for m in model_order(key)}
    return mixed_effects(joined, raters, units)


def write_analysis(
    tables: dict[str, pd.DataFrame], out: str | Path, formats: tuple[str, ...] = ()
) -> list[Path]:
    """Write each table in its formats (see ``FILES``); empty tables are written too."""
    out, written = Path(out), []
    for name, (table, kinds, caption) in FILES.items():
        frame = tables[table]
        for kind in kinds:
            path = out / f"{name}.{kind}"
            if kind == "csv":
                write_csv(path, frame)
            elif kind == "md":
                body = to_markdown(frame, digits=3) if len(frame) else "(nothing to report)\n"
                write_text(path, f"{caption}\n\n{body}")
            else:
                write_text(path, to_latex(frame, caption, f"tab:human-eval-{name}"))
            written.append(path)
    return written


def _section(title: str, frame: pd.DataFrame, note: str = "") -> list[str]:
    body = to_markdown(frame, digits=3) if len(frame) else "(nothing to report)\n"
    return [f"## {title}", "", *([note, ""] if note else []), body]


def render_summary(tables: dict[str, pd.DataFrame], joined: pd.DataFrame, plots) -> str:
    """The one-page ``summary.md``: counts, the headline and every table."""
    demo = tables["demographics"]
    note = multiple_comparison_note(demo) if len(demo) else "no demographic columns found"
    lines = [
        "# Human evaluation",
        "",
        f"{joined['rater_id'].nunique()} raters, {joined['question_id'].nunique()} replies, "
        f"{len(joined)} ratings.",
        "",
        headline(tables["table4"]) if len(tables["table4"]) else "",
        "",
        *_section("Table 4", tables["table4_wide"], TABLE4_CAPTION),
        *_section("Table 3: raters", tables["table3"]),
        *_section("Reliability: Krippendorff's alpha (ordinal)", tables["alpha"]),
        *_section("Reliability: ICC", tables["icc"]),
        *_section("Demographics", demo, note),
        *_section("Demographics: mixed model (rater and reply random)", tables["mixed"]),
        *_section("Demographics: ordinal model (rater-clustered errors)", tables["ordinal"]),
        *_section("Region per scenario group", tables["region_groups"]),
        *_section("Base vs fine-tuned (Wilcoxon signed-rank)", tables["paired"]),
        *_section("Metric vs human agreement (Spearman)", tables["agreement"]),
        "## Plots",
        "",
        *(f"- ![{p.stem}](plots/{p.name})" for p in plots if p.suffix == ".png"),
    ]
    return "\n".join(lines) + "\n"


def analyze(
    data: Ratings,
    key: pd.DataFrame,
    out: str | Path,
    ci: str = "fieller",
    formats: tuple[str, ...] = ("png", "pdf"),
    options: AnalysisOptions | None = None,
) -> dict[str, pd.DataFrame]:
    """Compute, write and summarise the analysis under ``out``; returns the tables."""
    options = options or AnalysisOptions(ci=ci, formats=formats)
    tables, joined = compute_analysis(data, key, options)
    write_analysis(tables, out)
    plots = plot_all(joined, key, Path(out) / "plots", options.formats)
    if len(tables["regions"]):  # Figure 3: needs raters' regions
        figure = plot_region_map(tables["regions"], options.map_scale)
        plots += [save_figure(figure, Path(out) / "plots" / f"figure3_regions.{f}")
                  for f in options.formats]  # fmt: skip
        plt.close(figure)
    write_text(Path(out) / "summary.md", render_summary(tables, joined, plots))
    return tables
