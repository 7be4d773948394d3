"""Which client messages the survey shows: scenarios known for certain, a seeded draw.

The study drew (seed 42) one client message per scenario and showed it with all four pair
sets. The draw never shrinks silently: every scenario of the design must offer enough prompts
to every pair set, and data without scenarios needs a mapping file, ``--example-ids`` or
``--prompts``. The design's scenarios are the mapping's, else the data's: the themes of the
runs' held-out split (``split_manifest.json``) and of their replies. A scenario the data never
had is not missing; the study's names only order the scenarios where they match.

``--prompts`` names the client messages by id or by text; given a prompts file
(``eval.prompts_file``), the replies come from the runs' fixed-prompt phases (``fixed_zs``,
``fixed_ft``) instead of the held-out ones. Multi-turn data (rows with a dialogue history) is
drawn one prompt per dialogue (``persona_id`` holds the source dialogue there).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from tide_exp.humaneval.errors import SurveyConfigError
from tide_exp.humaneval.runs import Run, phase_rows
from tide_exp.humaneval.survey import SCENARIO_ORDER, SurveySpec, scenario_order

BLANK_THEMES = {"", "nan", "None", "none", "null"}
NO_SCENARIOS = (
    "the generations have no scenario (their `theme` is blank), so build cannot draw one "
    "prompt per scenario; pass --scenarios mapping.csv (columns example_id,scenario), "
    "--example-ids or --prompts in scenario order, or --no-scenarios to draw from all prompts"
)
ALL = "all"  # the one scenario of --no-scenarios
# The phases holding the replies to a prompts file (eval.prompts_file), per condition.
FIXED_PHASES = {"zs": "fixed_zs", "ft": "fixed_ft"}


SIDES = ("A", "B")


def pair_frames(runs: tuple[Run, ...], fixed: bool = False) -> dict[tuple[str, str], pd.DataFrame]:
    """Each side's zero-shot and fine-tuned rows, indexed by example_id (sides A and B): the
    held-out replies, or with ``fixed`` the replies to the runs' prompts file."""
    frames = {}
    for side, run in zip(SIDES, runs, strict=False):
        for cond in ("zs", "ft"):
            phase = FIXED_PHASES[cond] if fixed else cond
            rows = phase_rows(run, phase)
            if rows.empty and fixed:
                raise SurveyConfigError(
                    f"run {run.label} ({run.path}) has no replies to a prompts file "
                    f"('{phase}' generations); re-run it with eval.prompts_file=FILE, or give "
                    "--prompts @list.txt to find the messages among its held-out prompts"
                )
            if rows.empty:
                raise SurveyConfigError(
                    f"run {run.label} ({run.path}) has no '{cond}' generations; "
                    "re-run it with zero-shot and final evaluation on"
                )
            frames[side, cond] = rows
    return frames


def run_themes(runs) -> set[str]:
    """The data's scenarios: each run's held-out themes (its split manifest) and the themes of
    its held-out replies."""
    themes: set[str] = set()
    for run in runs:
        themes |= set(run.themes or ())
        gens = run.generations
        held_out = gens[gens["phase"].isin(["zs", "val", "ft"])]["theme"].astype(str).str.strip()
        themes |= set(held_out[~held_out.isin(BLANK_THEMES)])
    return themes


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
    if spec.no_scenarios:
        return pd.Series(ALL, index=themes.index, dtype=object)
    if spec.scenarios:
        return pd.Series(spec.scenarios, dtype=object)
    known = themes[~themes.astype(str).str.strip().isin(BLANK_THEMES)]
    if len(known) == len(themes):
        return themes.astype(str)
    if spec.example_ids:
        return pd.Series(_positional(spec.example_ids, spec.per_scenario), dtype=object)
    raise SurveyConfigError(NO_SCENARIOS)


def expected_scenarios(
    scenarios: pd.Series, spec: SurveySpec, themes: set[str] | None = None
) -> list[str]:
    """The design's scenarios, in the study's order where names match: the mapping's, else
    the data's (``themes``: the runs' held-out themes, and those of the prompts)."""
    if spec.no_scenarios:
        return [ALL]
    found = set(scenarios.astype(str))
    if not spec.scenarios:
        found |= set(themes or ())
    return scenario_order(found)


def _pick(pool: list[str], dialogues: pd.Series | None, spec: SurveySpec, rng, label: str):
    """``per_scenario`` prompts of ``pool``, seeded; with ``dialogues``, one per dialogue."""
    if dialogues is None:
        if len(pool) < spec.per_scenario:
            raise SurveyConfigError(
                f"{label} has {len(pool)} prompt(s), fewer than --per-scenario "
                f"{spec.per_scenario}; lower it or evaluate more prompts"
            )
        return [pool[i] for i in sorted(rng.choice(len(pool), spec.per_scenario, replace=False))]
    groups: dict[str, list[str]] = {}
    for eid in pool:
        groups.setdefault(str(dialogues.loc[eid]), []).append(eid)
    names = sorted(groups)
    if len(names) < spec.per_scenario:
        raise SurveyConfigError(
            f"{label} has {len(names)} dialogue(s) ({len(pool)} prompts), fewer than "
            f"--per-scenario {spec.per_scenario}: one item per dialogue; lower it or evaluate "
            "more prompts"
        )
    picks = sorted(rng.choice(len(names), spec.per_scenario, replace=False))
    return [groups[names[i]][int(rng.integers(len(groups[names[i]])))] for i in picks]


def _draw(
    ids: pd.Index,
    scenarios: pd.Series,
    spec: SurveySpec,
    rng,
    who: str,
    design: list[str],
    dialogues: pd.Series | None = None,
) -> list[str]:
    ids = ids[ids.isin(scenarios.index)]
    have = set(scenarios.loc[ids])
    missing = [s for s in design if s not in have]
    if missing and not spec.allow_missing_scenarios:
        raise SurveyConfigError(
            f"scenario(s) {', '.join(missing)} have no prompt shared by {who}, so the survey "
            f"would cover {len(have)} of {len(have) + len(missing)} scenarios; evaluate more "
            "prompts (eval.final_num_prompts), choose them with --prompts or --example-ids, or "
            "pass --allow-missing-scenarios to build the shorter survey"
        )
    chosen = []
    for scenario in scenario_order(have):
        pool = sorted(ids[scenarios.loc[ids].to_numpy() == scenario])
        chosen += _pick(pool, dialogues, spec, rng, f"scenario {scenario!r} shared by {who}")
    return chosen


def _label(runs: tuple[Run, ...]) -> str:
    return " and ".join(r.label for r in runs)


def _check_given(pairs, commons, spec: SurveySpec) -> None:
    for runs, ids in zip(pairs, commons, strict=True):
        missing = [e for e in spec.example_ids if e not in ids]
        if missing:
            raise SurveyConfigError(
                f"example id(s) {missing} not in both zs and ft generations of "
                f"{_label(runs)}; pick ids from their generations.jsonl"
            )
    if spec.scenarios:
        unmapped = [e for e in spec.example_ids if e not in spec.scenarios]
        if unmapped:
            raise SurveyConfigError(
                f"example id(s) {unmapped} are not in the scenario mapping; add them to it"
            )


def _normal(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def ids_of_prompts(entries: list[str], frames: list[dict], where: str = "zs") -> list[str]:
    """Example ids for ``--prompts`` entries: each an example id, or a client message's text
    (compared with whitespace collapsed and case folded) among the ``where`` replies."""
    rows = pd.concat([f["A", "zs"]["prompt"] for f in frames])
    rows = rows[~rows.index.duplicated()]
    by_text: dict[str, list[str]] = {}
    for eid, text in rows.items():
        by_text.setdefault(_normal(text), []).append(str(eid))
    ids = []
    for number, entry in enumerate(entries, start=1):
        if entry in rows.index:
            ids.append(entry)
            continue
        hits = by_text.get(_normal(entry), [])
        if len(hits) != 1:
            found = "no" if not hits else f"{len(hits)} ({', '.join(hits)})"
            raise SurveyConfigError(
                f"--prompts entry {number} ({entry[:60]!r}) matches {found} example id or "
                f"client message of these runs' {where} generations; give its example_id, or "
                "the message's exact text, one per line in scenario order"
            )
        ids.append(hits[0])
    return ids


def select_prompts(
    pairs: list[tuple[Run, ...]], spec: SurveySpec
) -> tuple[list[list[str]], pd.Series]:
    """Example ids per pair set (given, or a seeded draw) and each id's scenario."""
    all_frames = [pair_frames(runs, spec.fixed) for runs in pairs]
    commons = [common_ids(f) for f in all_frames]
    for runs, ids in zip(pairs, commons, strict=True):
        if len(ids) == 0:
            raise SurveyConfigError(
                f"runs {_label(runs)} share no example_id in zs and ft; run them with the same "
                "data config and seed so their eval prompts match"
            )
    if spec.prompts:
        where = "fixed-prompt (eval.prompts_file)" if spec.fixed else "zs"
        texts, ids = spec.prompts, ids_of_prompts(spec.prompts, all_frames, where)
        spec = replace(spec, example_ids=ids, prompts=None)
        if spec.fixed:  # each message's scenario: the prompts file's, else the message's id
            named = spec.prompt_scenarios or {}
            mapping = {i: named.get(t) or i for i, t in zip(ids, texts, strict=True)}
            spec = replace(spec, scenarios=mapping)
    first = pd.concat([f["A", "zs"] for f in all_frames])
    first = first[~first.index.duplicated()]
    scenarios = scenario_of(first["theme"], spec)
    if spec.example_ids:
        _check_given(pairs, commons, spec)
        return [list(spec.example_ids) for _ in pairs], scenarios
    rng = np.random.default_rng(spec.seed)
    design = expected_scenarios(scenarios, spec, run_themes([r for p in pairs for r in p]))
    dialogues = first["persona_id"].astype(str) if draws_dialogues(first, spec) else None
    if spec.shared_prompts:
        shared = commons[0]
        for ids in commons[1:]:
            shared = shared.intersection(ids)
        chosen = _draw(shared, scenarios, spec, rng, "every pair set", design, dialogues)
        return [chosen for _ in pairs], scenarios
    draws = [
        _draw(ids, scenarios, spec, rng, _label(runs), design, dialogues)
        for ids, runs in zip(commons, pairs, strict=True)
    ]
    return draws, scenarios


def draws_dialogues(rows: pd.DataFrame, spec: SurveySpec) -> bool:
    """One item per dialogue: ``--draw-unit dialogue``, or ``auto`` on multi-turn data (rows
    that carry a dialogue history)."""
    if spec.draw_unit != "auto":
        return spec.draw_unit == "dialogue"
    if "history" not in rows or "persona_id" not in rows:
        return False
    return bool(rows["history"].map(lambda h: isinstance(h, list) and len(h) > 0).any())
