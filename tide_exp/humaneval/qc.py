"""The study's rater quality control, applied in order, each step counted."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tide_exp.errors import check_choice
from tide_exp.files.atomic import write_text
from tide_exp.files.writers import write_csv, write_json
from tide_exp.humaneval.errors import SurveyConfigError
from tide_exp.humaneval.gold import read_gold  # noqa: F401  (re-exported: qc reads gold)
from tide_exp.humaneval.ratings import Ratings

SIGMA_BASES = {
    "all": "all rated replies of the rater (model and reference replies)",
    "models": "the rater's ratings of model replies only (zero-shot and fine-tuned)",
}
EARLY_STATUSES = {"RETURNED", "TIMED-OUT", "TIMED_OUT", "REJECTED"}
# Qualtrics responses that are no participant's: the researcher's Survey Preview and Survey Test
# (and spam), by Status as text or as the numeric export's code (1 preview, 2 test, 8 spam,
# 9 preview spam, 17 preview offline), or by DistributionChannel. They were counted as raters.
NOT_RESPONSES = {"SURVEY PREVIEW", "SURVEY TEST", "SPAM", "SURVEY PREVIEW SPAM", "1", "2", "8", "9"}
NOT_RESPONSES |= {"17"}
NOT_CHANNELS = {"PREVIEW", "TEST"}


@dataclass
class QCRules:
    """Study A's exclusion rules (protocol.yaml human_eval.qc); ``None`` turns a step off.

    Attributes:
        duration_window: completion time in minutes that is kept, inclusive.
        require_attention: drop raters who answered the attention item wrongly.
        fast_fraction: "too fast" is a duration under this fraction of the median duration
            of the raters still in (a common speeder rule; the window usually catches them
            first, this step catches them when the window is off or the survey is short).
        sigma_max, mae_min: straight-lining is sigma < sigma_max AND MAE vs gold > mae_min.
        sigma_basis: which of a rater's ratings sigma and MAE are computed over. The study
            says "over their 24 Likert scores" while each of its 24 items shows five replies,
            so its basis is ambiguous: ``all`` takes every rated reply (reference included),
            ``models`` only the model replies (zero-shot and fine-tuned). Printed in the report.
        dimension: the rating dimension QC uses (default: the first one rated).
    """

    duration_window: tuple[float, float] | None = (10.0, 75.0)
    require_attention: bool = True
    fast_fraction: float | None = 1 / 3
    sigma_max: float | None = 0.6
    mae_min: float = 0.9
    sigma_basis: str = "all"
    dimension: str | None = None

    def __post_init__(self) -> None:
        check_choice("sigma_basis", self.sigma_basis, SIGMA_BASES, SurveyConfigError)


@dataclass
class QCResult:
    """Kept ratings, every rater with the step that excluded them, and the step counts."""

    ratings: pd.DataFrame
    raters: pd.DataFrame
    steps: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rules: QCRules = field(default_factory=QCRules)

    @property
    def kept(self) -> list[str]:
        return list(self.raters.index[self.raters["excluded_at"].isna()])

    def kept_data(self) -> Ratings:
        """The kept raters and their ratings, ready for :func:`analyze`."""
        return Ratings(self.ratings, self.raters.loc[self.kept])


def _attention_failed(data: Ratings, key: pd.DataFrame) -> pd.Series | None:
    raters = data.raters
    if "attention_ok" in raters and raters["attention_ok"].notna().any():
        return raters["attention_ok"].eq(False)
    attn = key[key["condition"] == "attention"]
    if attn.empty:
        return None
    expected = attn.set_index("question_id")["expected"]
    answers = data.ratings[data.ratings["question_id"].isin(expected.index)]
    if answers["rating"].isna().all():  # the item's column is missing or empty: not checkable
        return None
    wrong = answers["rating"].notna() & answers["rating"].ne(answers["question_id"].map(expected))
    failed = set(answers.loc[wrong, "rater_id"])
    return pd.Series(raters.index.isin(failed), index=raters.index)


def _not_responses(raters: pd.DataFrame) -> pd.Series | None:
    """Qualtrics Survey Preview, Survey Test and spam rows (:data:`NOT_RESPONSES`)."""
    if "status" not in raters and "channel" not in raters:
        return None
    hit = pd.Series(False, index=raters.index)
    for column, values in (("status", NOT_RESPONSES), ("channel", NOT_CHANNELS)):
        if column in raters:
            text = raters[column].astype(str).str.strip().str.upper()
            hit |= raters[column].notna() & text.isin(values)
    return hit


def _items_without_ratings(data: Ratings, rated_ids: pd.Index) -> list[str]:
    """Items no rater has a rating for: their columns are missing from the export, or empty."""
    answered = set(data.ratings.dropna(subset=["rating"])["question_id"])
    return [q for q in rated_ids if q not in answered]


def _early_exit(data: Ratings, rated_ids: pd.Index) -> pd.Series:
    raters = data.raters
    early = pd.Series(False, index=raters.index)
    if "finished" in raters:
        early |= raters["finished"].eq(False)
    if "progress" in raters:
        early |= raters["progress"].lt(100)
    if "status" in raters:
        early |= raters["status"].astype(str).str.upper().isin(EARLY_STATUSES)
    answered = data.ratings[data.ratings["question_id"].isin(rated_ids)].dropna(subset=["rating"])
    counts = answered.groupby("rater_id").size().reindex(raters.index, fill_value=0)
    return early | counts.lt(len(rated_ids))


def _one_dimension(data: Ratings, dimension: str | None) -> Ratings:
    """The ratings of one dimension (QC judges a rater on one scale, empathy by default)."""
    ratings = data.ratings
    if "dimension" not in ratings or ratings.empty:
        return data
    dimension = dimension or str(ratings["dimension"].iloc[0])
    return Ratings(ratings[ratings["dimension"] == dimension], data.raters, data.notes)


def straightlining_stats(ratings: pd.DataFrame, gold: pd.Series | None) -> pd.DataFrame:
    """Per rater: sigma (sample SD) of their ratings and MAE against gold scores."""
    frame = ratings.dropna(subset=["rating"])
    stats = frame.groupby("rater_id")["rating"].agg(sigma="std", n="size")
    if gold is not None:
        err = (frame["rating"] - frame["question_id"].map(gold)).abs()
        stats["mae"] = err.groupby(frame["rater_id"]).mean()
    else:
        stats["mae"] = np.nan
    return stats


class _Funnel:
    """The raters still in, and each step's count; a step marks whom it drops."""

    def __init__(self, raters: pd.DataFrame) -> None:
        self.raters = raters
        self.raters["excluded_at"] = pd.Series(np.nan, index=raters.index, dtype=object)
        self.steps = [{"step": "collected", "removed": 0, "remaining": len(raters), "raters": []}]

    def inside(self) -> pd.Series:
        return self.raters["excluded_at"].isna()

    def drop(self, name: str, rule: str, mask: pd.Series | None) -> None:
        inside, raters = self.inside(), self.raters
        hit = inside & (
            mask.reindex(raters.index).fillna(False).astype(bool) if mask is not None else False
        )
        raters.loc[hit, "excluded_at"] = name
        self.steps.append(
            {
                "step": name,
                "rule": rule,
                "removed": int(hit.sum()),
                "remaining": int((inside & ~hit).sum()),
                "raters": sorted(raters.index[hit]),
            }
        )


def _timing_steps(funnel: _Funnel, rules: QCRules, notes: list[str], late: bool) -> None:
    """The window (``late`` False) or the too-fast rule (``late`` True)."""
    duration = funnel.raters.get("duration_min")
    if not late and rules.duration_window and duration is not None:
        lo, hi = rules.duration_window
        mask = ~duration.between(lo, hi) & duration.notna()
        funnel.drop("duration_window", f"{lo:g} <= minutes <= {hi:g}", mask)
    elif not late:
        funnel.drop("duration_window", "skipped", None)
        notes.append("completion-time window not applied (off, or no duration column)")
    elif rules.fast_fraction and duration is not None:
        median = duration[funnel.inside()].median()
        rule = f"minutes >= {rules.fast_fraction:.2f} x median ({median:.1f})"
        funnel.drop("too_fast", rule, duration < rules.fast_fraction * median)
    else:
        funnel.drop("too_fast", "skipped", None)
        notes.append("too-fast rule not applied (off, or no duration column)")


def _straight_lining(funnel: _Funnel, rules: QCRules, gold, notes: list[str]) -> None:
    if rules.sigma_max is not None and gold is not None:
        raters = funnel.raters
        flat = (raters["sigma"] < rules.sigma_max) & (raters["mae"] > rules.mae_min)
        rule = f"not (sigma < {rules.sigma_max} and MAE > {rules.mae_min})"
        funnel.drop("straight_lining", rule, flat)
    else:
        funnel.drop("straight_lining", "skipped", None)
        notes.append("straight-lining rule not applied (no gold scores: pass --gold)")


def run_qc(
    data: Ratings, key: pd.DataFrame, gold: pd.Series | None = None, rules: QCRules | None = None
) -> QCResult:
    """Apply the filters in the study's order and count each step.

    Order: completion-time window, failed attention check, early exit, too fast,
    straight-lining (sigma < 0.6 AND MAE vs gold > 0.9). A rater counts at the first
    step that drops them. A step whose input is missing is skipped and noted.
    """
    rules = rules or QCRules()
    all_ratings = data.ratings
    data = _one_dimension(data, rules.dimension)
    rated_ids = pd.Index(key.loc[key["condition"] != "attention", "question_id"])
    basis = key["condition"].isin(["zs", "ft"]) if rules.sigma_basis == "models" else None
    basis_ids = rated_ids if basis is None else pd.Index(key.loc[basis, "question_id"])
    stats = straightlining_stats(data.ratings[data.ratings["question_id"].isin(basis_ids)], gold)
    funnel = _Funnel(data.raters.join(stats[["sigma", "mae"]]))
    notes: list[str] = list(data.notes)
    notes.append(f"sigma and MAE basis ({rules.sigma_basis}): {SIGMA_BASES[rules.sigma_basis]}")
    funnel.drop(
        "preview_or_test",
        "not a Qualtrics Survey Preview, Survey Test or spam response",
        _not_responses(funnel.raters),
    )
    _timing_steps(funnel, rules, notes, late=False)
    attention = _attention_failed(data, key) if rules.require_attention else None
    if attention is None:
        notes.append(
            "attention check not applied (off, or the attention item's column is missing or "
            "empty in the export)"
        )
    funnel.drop("attention_check", "attention item answered as asked", attention)
    absent = _items_without_ratings(data, rated_ids)
    if absent:  # every rater would be an early exit for the export's fault, not theirs
        notes.append(
            f"item(s) {', '.join(absent)} missing from the export (no rater has a rating: their "
            "columns are absent or empty); left out of the early-exit rule and of the analysis; "
            "export again with every question to keep them"
        )
    early = _early_exit(data, rated_ids.difference(absent, sort=False))
    funnel.drop("early_exit", "finished, progress 100, every item rated", early)
    _timing_steps(funnel, rules, notes, late=True)
    _straight_lining(funnel, rules, gold, notes)
    kept_ids = funnel.raters.index[funnel.inside()]
    kept = all_ratings[
        all_ratings["rater_id"].isin(kept_ids) & all_ratings["question_id"].isin(rated_ids)
    ]
    return QCResult(kept.reset_index(drop=True), funnel.raters, funnel.steps, notes, rules)


def qc_report_markdown(result: QCResult) -> str:
    """The QC report: one table row per step, in order, plus notes."""
    lines = [
        "# Rater quality control",
        "",
        "| step | rule | removed | remaining |",
        "|---|---|---:|---:|",
    ]
    for s in result.steps:
        lines.append(f"| {s['step']} | {s.get('rule', '')} | {s['removed']} | {s['remaining']} |")
    lines += ["", f"Kept {len(result.kept)} of {len(result.raters)} raters."]
    lines += [f"- note: {n}" for n in result.notes]
    return "\n".join(lines) + "\n"


def qc_report_json(result: QCResult) -> dict:
    """The QC report as a JSON-ready dict."""
    return {
        "rules": asdict(result.rules),
        "steps": result.steps,
        "notes": result.notes,
        "collected": len(result.raters),
        "kept": len(result.kept),
    }


RATINGS_CLEAN = "ratings_clean.csv"
RATERS = "raters.csv"


def write_qc(result: QCResult, out: str | Path, key_path: str | Path | None = None) -> Path:
    """Write ratings_clean.csv, raters.csv (all raters, ``excluded_at``), qc_report.md/.json."""
    out = Path(out)
    write_csv(out / RATINGS_CLEAN, result.ratings)
    write_csv(out / RATERS, result.raters, index=True)
    write_text(out / "qc_report.md", qc_report_markdown(result))
    report = qc_report_json(result)
    report["key"] = str(Path(key_path).resolve()) if key_path else None
    write_json(out / "qc_report.json", report)
    return out
