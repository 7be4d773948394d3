"""``humaneval build``: runs -> rater-facing survey (CSV + Qualtrics TXT) and a separate key."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pandas as pd

from tide_exp.files import write_csv, write_json, write_text
from tide_exp.humaneval.errors import SurveyInputError
from tide_exp.humaneval.pairs import resolve_pairs
from tide_exp.humaneval.qualtrics import survey_txt
from tide_exp.humaneval.runs import load_runs
from tide_exp.humaneval.survey import SurveySpec, build_key, rater_view

SURVEY_CSV = "survey.csv"
SURVEY_TXT = "survey_qualtrics.txt"
KEY_CSV = "key.csv"
MANIFEST = "build.json"


def build_survey(
    paths: list[str | Path],
    out: str | Path,
    pairs: list[tuple[str, str]] | None = None,
    spec: SurveySpec | None = None,
) -> pd.DataFrame:
    """Build the survey from run/sweep dirs and write it under ``out``.

    Writes ``survey.csv`` and ``survey_qualtrics.txt`` (for raters: no model names),
    ``key.csv`` (for you: each question_id's model, condition, prompt, text and scores)
    and ``build.json`` (the settings, for reproduction).

    Returns:
        The key table.
    """
    spec = spec or SurveySpec()
    out = Path(out)
    runs = load_runs(paths)
    run_pairs = resolve_pairs(pairs, runs)
    key = build_key(run_pairs, spec)
    write_csv(out / SURVEY_CSV, rater_view(key))
    write_text(out / SURVEY_TXT, survey_txt(key, spec.question, spec.labels))
    write_csv(out / KEY_CSV, key)
    rated = key[key["condition"] != "attention"]
    write_json(
        out / MANIFEST,
        {
            "spec": asdict(spec),
            "pairs": [[a.label, b.label] for a, b in run_pairs],
            "runs": {r.label: str(r.path) for r in runs},
            "items": int(rated["item_id"].nunique()),
            "replies": len(rated),
            "scenarios": sorted(rated["scenario"].unique()),
        },
    )
    return key


def read_key(path: str | Path) -> pd.DataFrame:
    """Load a key.csv written by :func:`build_survey`."""
    path = Path(path)
    if not path.is_file():
        raise SurveyInputError(path, "no such file", "pass the key.csv that `build` wrote")
    try:
        key = pd.read_csv(path, dtype={"example_id": str, "persona_id": str})
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        problem = f"unreadable CSV ({exc})"
        raise SurveyInputError(path, problem, "restore the file `build` wrote") from None
    need = {"question_id", "item_id", "model", "condition", "scenario"}
    if missing := need - set(key.columns):
        raise SurveyInputError(
            path, f"missing column(s) {sorted(missing)}", "pass the key.csv that `build` wrote", 1
        )
    return key
