"""Which client messages the survey shows: scenarios known for certain, a seeded draw.

The study drew (seed 42) one client message per scenario and showed it with all four pair
sets. The draw never shrinks silently: every scenario must offer enough prompts to every
pair set, and data without scenarios needs a mapping file or ``--example-ids``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tide_exp.humaneval.errors import SurveyConfigError
from tide_exp.humaneval.runs import Run, phase_rows
from tide_exp.humaneval.survey import SCENARIO_ORDER, SurveySpec, scenario_order

BLANK_THEMES = {"", "nan", "None", "none", "null"}
NO_SCENARIOS = (
    "the generations have no scenario (their `theme` is blank), so build cannot draw one "
    "prompt per scenario; pass --scenarios mapping.csv (columns example_id,scenario) or "
    "--example-ids in scenario order"
)


def pair_frames(a: Run, b: Run) -> dict[tuple[str, str], pd.DataFrame]:
    """Each side's zero-shot and fine-tuned rows, indexed by example_id."""
    frames = {}
    for side, run in (("A", a), ("B", b)):
        for cond in ("zs", "ft"):
            rows = phase_rows(run, cond)
            if rows.empty:
                raise SurveyConfigError(
                    f"run {run.label} ({run.path}) has no '{cond}' generations; "
                    "re-run it with zero-shot and final evaluation on"
                )
            frames[side, cond] = rows
    return frames


def common_ids(frames: dict) -> pd.Index:
    """Example ids present in every frame (both models, both phases)."""
    ids = None
    for rows in frames.values():
        ids = rows.index if ids is None else ids.intersection(rows.index)
    return ids.sort_values()


def _positional(ids: list[str], per_scenario: int) -> dict[str, str]:
    """``--example-ids`` in scenario order: ids k*n .. k*n+n-1 belong to scenario k."""
    names = list(SCENARIO_ORDER)
    out = {}
    for i, eid in enumerate(ids):
        k = i // per_scenario
        out[eid] = names[k] if k < len(names) else f"scenario_{k + 1}"
    return out


def scenario_of(themes: pd.Series, spec: SurveySpec) -> pd.Series:
    """example_id -> scenario: the mapping file, else the data's themes, else positions."""
    if spec.scenarios:
        return pd.Series(spec.scenarios, dtype=object)
    known = themes[~themes.astype(str).str.strip().isin(BLANK_THEMES)]
    if len(known) == len(themes):
        return themes.astype(str)
    if spec.example_ids:
        return pd.Series(_positional(spec.example_ids, spec.per_scenario), dtype=object)
    raise SurveyConfigError(NO_SCENARIOS)


def _draw(ids: pd.Index, scenarios: pd.Series, spec: SurveySpec, rng, who: str) -> list[str]:
    ids = ids[ids.isin(scenarios.index)]
    chosen = []
    for scenario in scenario_order(scenarios.loc[ids].unique()):
        pool = sorted(ids[scenarios.loc[ids].to_numpy() == scenario])
        if len(pool) < spec.per_scenario:
            raise SurveyConfigError(
                f"scenario {scenario!r} has {len(pool)} prompt(s) shared by {who}, fewer than "
                f"--per-scenario {spec.per_scenario}; lower it or evaluate more prompts"
            )
        picks = rng.choice(len(pool), size=spec.per_scenario, replace=False)
        chosen += [pool[i] for i in sorted(picks)]
    return chosen


def _check_given(pairs, commons, spec: SurveySpec) -> None:
    for (a, b), ids in zip(pairs, commons, strict=True):
        missing = [e for e in spec.example_ids if e not in ids]
        if missing:
            raise SurveyConfigError(
                f"example id(s) {missing} not in both zs and ft generations of "
                f"{a.label} and {b.label}; pick ids from their generations.jsonl"
            )
    if spec.scenarios:
        unmapped = [e for e in spec.example_ids if e not in spec.scenarios]
        if unmapped:
            raise SurveyConfigError(
                f"example id(s) {unmapped} are not in the scenario mapping; add them to it"
            )


def select_prompts(
    pairs: list[tuple[Run, Run]], spec: SurveySpec
) -> tuple[list[list[str]], pd.Series]:
    """Example ids per pair set (given, or a seeded draw) and each id's scenario."""
    all_frames = [pair_frames(a, b) for a, b in pairs]
    commons = [common_ids(f) for f in all_frames]
    for (a, b), ids in zip(pairs, commons, strict=True):
        if len(ids) == 0:
            raise SurveyConfigError(
                f"runs {a.label} and {b.label} share no example_id; run both with the same "
                "data config and seed so their eval prompts match"
            )
    themes = pd.concat([f["A", "zs"]["theme"] for f in all_frames])
    scenarios = scenario_of(themes[~themes.index.duplicated()], spec)
    if spec.example_ids:
        _check_given(pairs, commons, spec)
        return [list(spec.example_ids) for _ in pairs], scenarios
    rng = np.random.default_rng(spec.seed)
    if spec.shared_prompts:
        shared = commons[0]
        for ids in commons[1:]:
            shared = shared.intersection(ids)
        chosen = _draw(shared, scenarios, spec, rng, "every pair set")
        return [chosen for _ in pairs], scenarios
    draws = [
        _draw(ids, scenarios, spec, rng, f"{a.label} and {b.label}")
        for ids, (a, b) in zip(commons, pairs, strict=True)
    ]
    return draws, scenarios
