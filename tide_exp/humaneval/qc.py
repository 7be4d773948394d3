"""The study's rater quality control, applied in order, each step counted."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tide_exp.files import write_csv, write_json, write_text
from tide_exp.humaneval.errors import SurveyInputError
from tide_exp.humaneval.ratings import Ratings

EARLY_STATUSES = {"RETURNED", "TIMED-OUT", "TIMED_OUT", "REJECTED"}


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
    """

    duration_window: tuple[float, float] | None = (10.0, 75.0)
    require_attention: bool = True
    fast_fraction: float | None = 1 / 3
    sigma_max: float | None = 0.6
    mae_min: float = 0.9


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


def read_gold(path: str | Path, key: pd.DataFrame) -> pd.Series:
    """Gold scores per question_id, from a CSV with question_id (or example_id, model,
    condition) and a gold/score/mean column (``judge`` writes such a file)."""
    path = Path(path)
    if not path.is_file():
        raise SurveyInputError(path, "no such file", "pass the gold scores CSV (see `judge`)")
    frame = pd.read_csv(path, dtype={"example_id": str})
    value = next((c for c in ("gold", "mean", "score", "judge") if c in frame), None)
    if value is None:
        raise SurveyInputError(path, "no gold/mean/score column", "name the score column gold", 1)
    if "question_id" not in frame:
        triple = ["example_id", "model", "condition"]
        if not set(triple) <= set(frame.columns):
            raise SurveyInputError(
                path,
                "rows need question_id, or example_id + model + condition",
                "add a question_id column from key.csv",
                1,
            )
        frame = frame.merge(key[["question_id", *triple]], on=triple, how="inner")
    bad = frame[~pd.to_numeric(frame[value], errors="coerce").notna()]
    if len(bad):
        raise SurveyInputError(
            path,
            f"non-numeric gold score {bad[value].iloc[0]!r}",
            "use numbers 1..5",
            line=int(bad.index[0]) + 2,
            column=list(frame.columns).index(value) + 1,
        )
    return frame.set_index("question_id")[value].astype(float).groupby(level=0).mean()


def _attention_failed(data: Ratings, key: pd.DataFrame) -> pd.Series | None:
    raters = data.raters
    if "attention_ok" in raters and raters["attention_ok"].notna().any():
        return raters["attention_ok"].eq(False)
    attn = key[key["condition"] == "attention"]
    if attn.empty:
        return None
    expected = attn.set_index("question_id")["expected"]
    answers = data.ratings[data.ratings["question_id"].isin(expected.index)]
    wrong = answers["rating"].notna() & answers["rating"].ne(answers["question_id"].map(expected))
    failed = set(answers.loc[wrong, "rater_id"])
    return pd.Series(raters.index.isin(failed), index=raters.index)


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


def run_qc(
    data: Ratings, key: pd.DataFrame, gold: pd.Series | None = None, rules: QCRules | None = None
) -> QCResult:
    """Apply the filters in the study's order and count each step.

    Order: completion-time window, failed attention check, early exit, too fast,
    straight-lining (sigma < 0.6 AND MAE vs gold > 0.9). A rater counts at the first
    step that drops them. A step whose input is missing is skipped and noted.
    """
    rules = rules or QCRules()
    raters = data.raters.copy()
    raters["excluded_at"] = pd.Series(np.nan, index=raters.index, dtype=object)
    rated_ids = pd.Index(key.loc[key["condition"] != "attention", "question_id"])
    stats = straightlining_stats(data.ratings[data.ratings["question_id"].isin(rated_ids)], gold)
    raters = raters.join(stats[["sigma", "mae"]])
    steps = [{"step": "collected", "removed": 0, "remaining": len(raters), "raters": []}]
    notes: list[str] = []
    duration = raters.get("duration_min")

    def drop(name: str, rule: str, mask: pd.Series | None) -> None:
        inside = raters["excluded_at"].isna()
        hit = inside & (
            mask.reindex(raters.index).fillna(False).astype(bool) if mask is not None else False
        )
        raters.loc[hit, "excluded_at"] = name
        steps.append(
            {
                "step": name,
                "rule": rule,
                "removed": int(hit.sum()),
                "remaining": int((inside & ~hit).sum()),
                "raters": sorted(raters.index[hit]),
            }
        )

    if rules.duration_window and duration is not None:
        lo, hi = rules.duration_window
        drop(
            "duration_window",
            f"{lo:g} <= minutes <= {hi:g}",
            ~duration.between(lo, hi) & duration.notna(),
        )
    else:
        drop("duration_window", "skipped", None)
        notes.append("completion-time window not applied (off, or no duration column)")
    attention = _attention_failed(data, key) if rules.require_attention else None
    if attention is None:
        notes.append("attention check not applied (off, or no attention item/column)")
    drop("attention_check", "attention item answered as asked", attention)
    drop("early_exit", "finished, progress 100, every item rated", _early_exit(data, rated_ids))
    if rules.fast_fraction and duration is not None:
        median = duration[raters["excluded_at"].isna()].median()
        drop(
            "too_fast",
            f"minutes >= {rules.fast_fraction:.2f} x median ({median:.1f})",
            duration < rules.fast_fraction * median,
        )
    else:
        drop("too_fast", "skipped", None)
        notes.append("too-fast rule not applied (off, or no duration column)")
    if rules.sigma_max is not None and gold is not None:
        flat = (raters["sigma"] < rules.sigma_max) & (raters["mae"] > rules.mae_min)
        drop("straight_lining", f"not (sigma < {rules.sigma_max} and MAE > {rules.mae_min})", flat)
    else:
        drop("straight_lining", "skipped", None)
        notes.append("straight-lining rule not applied (no gold scores: pass --gold)")
    kept_ids = raters.index[raters["excluded_at"].isna()]
    kept = data.ratings[
        data.ratings["rater_id"].isin(kept_ids) & data.ratings["question_id"].isin(rated_ids)
    ]
    return QCResult(kept.reset_index(drop=True), raters, steps, notes, rules)


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
