"""``humaneval build``: runs -> rater-facing survey (CSV + Qualtrics TXT) and a separate key."""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import pandas as pd

from tide_exp.files.atomic import write_text
from tide_exp.files.readers import read_json
from tide_exp.files.writers import write_csv, write_json
from tide_exp.humaneval.csvtable import read_csv_table
from tide_exp.humaneval.draw import FIXED_PHASES, expected_scenarios, run_themes
from tide_exp.humaneval.errors import SurveyInputError
from tide_exp.humaneval.items import build_key, fingerprint, rater_view
from tide_exp.humaneval.pair_sets import resolve_pairs
from tide_exp.humaneval.qualtrics import survey_txt
from tide_exp.humaneval.runs import load_runs
from tide_exp.humaneval.survey import DEFAULT_DIMENSIONS, EMPTY_REPLY, LIKERT_LABELS, SurveySpec

SURVEY_CSV = "survey.csv"
SURVEY_TXT = "survey_qualtrics.txt"
KEY_CSV = "key.csv"
MANIFEST = "build.json"
KEY_FIX = "pass the key.csv that `build` wrote, unedited"


def build_summary(key: pd.DataFrame) -> dict:
    """Counts a reader of build's output should see: items, replies, flags, survey id."""
    rated = key[key["condition"] != "attention"]
    models = rated[rated["condition"].isin(["zs", "ft"])]
    return {
        "survey_id": str(key["survey_id"].iloc[0]),
        "items": int(rated["item_id"].nunique()),
        "replies": len(rated),
        "scenarios": list(dict.fromkeys(rated["scenario"])),
        "truncated_replies": int(models["truncated"].sum()),
        "truncated_from": sorted(set(models.get("truncated_from", pd.Series(dtype=str)))),
        "model_replies": len(models),
        "duplicate_replies": int((rated["duplicate_of"] != "").sum()),
    }


def build_survey(
    paths: list[str | Path],
    out: str | Path,
    pairs: list[tuple[str, str]] | None = None,
    spec: SurveySpec | None = None,
) -> pd.DataFrame:
    """Build the survey from run/sweep dirs and write it under ``out``.

    Writes ``survey.csv`` and ``survey_qualtrics.txt`` (for raters: no model names),
    ``key.csv`` (for you: each question_id's model, condition, prompt, text, flags and
    scores) and ``build.json`` (the settings, survey id, counts, and ``notes``: what a default
    choice left out or assumed, and a shorter survey allowed by the spec).

    Returns:
        The key table.
    """
    spec = spec or SurveySpec()
    out = Path(out)
    runs = load_runs(paths)
    run_pairs, notes = resolve_pairs(pairs, runs)
    key = build_key(run_pairs, spec)
    blank, shown = _blank_references(key)
    if spec.fixed and spec.reference and blank:
        spec = replace(spec, reference=False)
        key = build_key(run_pairs, spec)
        notes.append(
            f"the prompts file gives no reference reply for {blank} of its {shown} messages "
            'shown, so the items show the model replies only; add "reference" to each line to '
            "show one"
        )
    notes += _short_survey(key, spec, runs)
    notes += _fixed_note(runs, spec)
    write_csv(out / SURVEY_CSV, rater_view(key))
    write_text(out / SURVEY_TXT, survey_txt(key, spec))
    write_csv(out / KEY_CSV, key)
    write_json(
        out / MANIFEST,
        {
            "spec": asdict(spec),
            "pairs": [[r.label for r in runs] for runs in run_pairs],
            "runs": {r.label: str(r.path) for r in runs},
            **build_summary(key),
            "notes": notes,
        },
    )
    return key


def _blank_references(key: pd.DataFrame) -> tuple[int, int]:
    """How many of the shown messages have no reference reply, of how many."""
    ref = key[key["condition"] == "reference"]
    return ref.loc[ref["text"].eq(EMPTY_REPLY), "prompt"].nunique(), ref["prompt"].nunique()


def _fixed_note(runs, spec: SurveySpec) -> list[str]:
    """Say so when the runs answered a prompts file the survey was not built from."""
    fixed = [r for r in runs if r.generations["phase"].eq(FIXED_PHASES["zs"]).any()]
    if spec.fixed or not fixed:
        return []
    return [
        f"{len(fixed)} of the runs also answered a prompts file (eval.prompts_file); this survey "
        "draws from their held-out prompts: pass --prompts FILE to build it from those instead"
    ]


def _short_survey(key: pd.DataFrame, spec: SurveySpec, runs=()) -> list[str]:
    """A note when the survey covers fewer scenarios than its design (only ever allowed)."""
    rated = key.loc[key["condition"] != "attention", "scenario"]
    present = list(dict.fromkeys(rated))
    shown = pd.Series([*present, *(spec.scenarios or {}).values()])
    wanted = expected_scenarios(shown, spec, None if spec.scenarios else run_themes(runs))
    missing = [s for s in wanted if s not in present]
    if not missing or spec.example_ids or spec.prompts:
        return []
    return [
        f"short survey: {len(present)} of {len(wanted)} scenarios (none shared by every pair "
        f"set for {', '.join(missing)}), built because --allow-missing-scenarios was given"
    ]


def read_scenarios(path: str | Path) -> dict[str, str]:
    """Read a scenario mapping CSV (``example_id,scenario``), one row per example id."""
    fix = "write a CSV with columns example_id,scenario (one row per example id)"
    table = read_csv_table(path, fix)
    if not {"example_id", "scenario"} <= set(table.header):
        raise SurveyInputError(path, "needs columns example_id and scenario", fix, line=1)
    mapping: dict[str, str] = {}
    for line, rec in table.records():
        eid, scenario = rec["example_id"].strip(), rec["scenario"].strip()
        if not eid or not scenario:
            raise SurveyInputError(path, "blank example_id or scenario", fix, line=line)
        if eid in mapping and mapping[eid] != scenario:
            raise SurveyInputError(path, f"example_id {eid!r} mapped twice", fix, line=line)
        mapping[eid] = scenario
    return mapping


def read_key(path: str | Path) -> pd.DataFrame:
    """Load a key.csv written by :func:`build_survey` and check its survey id.

    Raises:
        SurveyInputError: unreadable, columns missing, or rows that no longer match the
            survey id recorded in them (the key was edited or mixed with another build).
    """
    path = Path(path)
    table = read_csv_table(path, KEY_FIX)
    need = {"question_id", "item_id", "model", "condition", "scenario", "text", "survey_id"}
    if missing := need - set(table.header):
        raise SurveyInputError(path, f"missing column(s) {sorted(missing)}", KEY_FIX, 1)
    if not table.rows:
        raise SurveyInputError(path, "no rows", KEY_FIX, 1)
    key = pd.DataFrame([row for _, row in table.rows], columns=table.header)
    ids = key["survey_id"].unique()
    if len(ids) != 1 or fingerprint(key) != ids[0]:
        raise SurveyInputError(
            path,
            f"rows do not match the survey id they carry ({', '.join(map(str, ids))}): the "
            "key was edited or comes from several builds",
            KEY_FIX,
        )
    return _typed_key(key)


def _typed_key(key: pd.DataFrame) -> pd.DataFrame:
    key = key.replace("", float("nan"))
    text_columns = (
        "example_id",
        "persona_id",
        "text",
        "prompt",
        "history",
        "duplicate_of",
        "run_dir",
    )
    for col in (*text_columns, "truncated_from"):
        if col in key:
            key[col] = key[col].fillna("")
    for col in ("slot", "pair_set", "expected", *[c for c in key if c.startswith("score_")]):
        if col in key:
            key[col] = pd.to_numeric(key[col], errors="coerce")
    if "truncated" in key:
        key["truncated"] = key["truncated"].astype(str).str.lower().eq("true")
    return key


def survey_settings(key_path: str | Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The scale labels and rating dimensions the survey was built with (:data:`MANIFEST`
    beside the key), or the study's."""
    manifest = Path(key_path).with_name(MANIFEST)
    spec = read_json(manifest).get("spec", {}) if manifest.is_file() else {}
    labels = tuple(spec.get("labels") or LIKERT_LABELS)
    return labels, tuple(spec.get("dimensions") or DEFAULT_DIMENSIONS)


def read_built_ratings(
    path: str | Path, key: pd.DataFrame, key_path: str | Path, demographics: Any = None
) -> Any:
    """A ratings file read against the survey a build wrote: its key's question ids and survey
    id, its scale labels and dimensions (:func:`survey_settings`)."""
    from tide_exp.humaneval.ratings import read_ratings

    labels, dimensions = survey_settings(key_path)
    survey_id = str(key["survey_id"].iloc[0])
    return read_ratings(path, list(key["question_id"]), labels, demographics, dimensions, survey_id)
