"""Build the survey: pick prompts, pair models, shuffle five replies per item, keep a key."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tide_exp.humaneval.errors import SurveyConfigError
from tide_exp.humaneval.runs import Run, phase_rows

# Study A's wording: 5-point "perceived empathy" scale (protocol.yaml human_eval.scale).
LIKERT_LABELS = (
    "Not at all empathetic",
    "Slightly empathetic",
    "Moderately empathetic",
    "Very empathetic",
    "Extremely empathetic",
)
QUESTION = (
    "How empathetic is each response to the person's message? "
    "Rate each response from 1 (not at all empathetic) to 5 (extremely empathetic)."
)
ATTENTION_ID = "ATTN"
# Study order of the six scenarios; other themes follow alphabetically.
SCENARIO_ORDER = (
    "panic",
    "grief_anger",
    "depression",
    "abuse_memory",
    "noise_social_anxiety",
    "substance_use",
)
# Shown (and kept in the key) instead of an empty reply: a blank matrix row would vanish
# on import and shift every later row's column.
EMPTY_REPLY = "(no reply)"


@dataclass
class SurveySpec:
    """What to put in the survey; defaults reproduce Study A's design.

    Attributes:
        seed: seeds prompt choice, reply order and item order.
        per_scenario: prompts per scenario per pair set (study: 1).
        example_ids: use these prompts (for every pair set) instead of a seeded draw.
        shared_prompts: draw one prompt set used by every pair set.
        attention_check: insert an attention-check item mid-survey.
        attention_value: the rating the attention item asks for.
        question: matrix question wording; labels: the five scale labels.
    """

    seed: int = 42
    per_scenario: int = 1
    example_ids: list[str] | None = None
    shared_prompts: bool = False
    attention_check: bool = True
    attention_value: int = 2
    question: str = QUESTION
    labels: tuple[str, ...] = LIKERT_LABELS
    shuffle_items: bool = True


def scenario_order(themes) -> list[str]:
    """Study order first, then any other theme alphabetically."""
    themes = set(themes)
    return [s for s in SCENARIO_ORDER if s in themes] + sorted(themes - set(SCENARIO_ORDER))


def _frames(a: Run, b: Run) -> dict[tuple[str, str], pd.DataFrame]:
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


def _common_ids(frames: dict) -> pd.Index:
    ids = None
    for rows in frames.values():
        ids = rows.index if ids is None else ids.intersection(rows.index)
    return ids.sort_values()


def _draw(ids: pd.Index, themes: pd.Series, spec: SurveySpec, rng) -> list[str]:
    chosen = []
    for scenario in scenario_order(themes.loc[ids]):
        pool = sorted(ids[themes.loc[ids].to_numpy() == scenario])
        k = min(spec.per_scenario, len(pool))
        chosen += [pool[i] for i in sorted(rng.choice(len(pool), size=k, replace=False))]
    return chosen


def select_prompts(pairs: list[tuple[Run, Run]], spec: SurveySpec) -> list[list[str]]:
    """Example ids per pair set: the given list, or a seeded draw per scenario."""
    all_frames = [_frames(a, b) for a, b in pairs]
    commons = [_common_ids(f) for f in all_frames]
    for (a, b), ids in zip(pairs, commons, strict=True):
        if len(ids) == 0:
            raise SurveyConfigError(
                f"runs {a.label} and {b.label} share no example_id; run both with the same "
                "data config and seed so their eval prompts match"
            )
    if spec.example_ids:
        for (a, b), ids in zip(pairs, commons, strict=True):
            missing = [e for e in spec.example_ids if e not in ids]
            if missing:
                raise SurveyConfigError(
                    f"example id(s) {missing} not in both zs and ft generations of "
                    f"{a.label} and {b.label}; pick ids from their generations.jsonl"
                )
        return [list(spec.example_ids) for _ in pairs]
    rng = np.random.default_rng(spec.seed)
    if spec.shared_prompts:
        shared = commons[0]
        for ids in commons[1:]:
            shared = shared.intersection(ids)
        chosen = _draw(shared, all_frames[0]["A", "zs"]["theme"], spec, rng)
        return [chosen for _ in pairs]
    return [
        _draw(ids, frames["A", "zs"]["theme"], spec, rng)
        for ids, frames in zip(commons, all_frames, strict=True)
    ]


def _reply(frames, side, cond, run, eid, pair_no) -> dict:
    row = frames[side, cond].loc[eid]
    scores = row.get("scores") if isinstance(row.get("scores"), dict) else {}
    epoch = row.get("epoch")
    return {
        "pair_set": pair_no,
        "side": side,
        "model": run.label,
        "model_slug": run.slug,
        "display_name": run.display_name,
        "condition": cond,
        "run_dir": str(run.path),
        "phase": row["phase"],
        "epoch": None if epoch is None or pd.isna(epoch) else int(epoch),
        "text": row["prediction"] if row["prediction"].strip() else EMPTY_REPLY,
        **{f"score_{k}": v for k, v in scores.items()},
    }


def build_key(pairs: list[tuple[Run, Run]], spec: SurveySpec) -> pd.DataFrame:
    """The key: one row per shown reply, with its source model, condition and scores.

    ``question_id`` is ``<item>_<slot>`` (e.g. ``I07_3``): the column a Qualtrics matrix
    with export tag ``I07`` writes for its third row.
    """
    rng = np.random.default_rng([spec.seed, 1])
    chosen = select_prompts(pairs, spec)
    items = []
    for pair_no, ((a, b), ids) in enumerate(zip(pairs, chosen, strict=True), start=1):
        frames = _frames(a, b)
        for eid in ids:
            base = frames["A", "zs"].loc[eid]
            replies = [
                _reply(frames, side, cond, run, eid, pair_no)
                for side, run in (("A", a), ("B", b))
                for cond in ("zs", "ft")
            ]
            replies.append(
                {
                    **replies[0],
                    "side": "reference",
                    "model": "reference",
                    "model_slug": "reference",
                    "display_name": "Reference",
                    "condition": "reference",
                    "text": base["reference"] if base["reference"].strip() else EMPTY_REPLY,
                    "epoch": None,
                    "phase": "reference",
                }
                | {k: np.nan for k in replies[0] if k.startswith("score_")}
            )
            order = rng.permutation(len(replies))
            common = {
                "scenario": base["theme"],
                "example_id": eid,
                "persona_id": str(base.get("persona_id", "")),
                "prompt": base["prompt"],
            }
            items.append([{**common, **replies[i]} for i in order])
    if spec.shuffle_items:
        items = [items[i] for i in rng.permutation(len(items))]
    if spec.attention_check:
        items.insert(len(items) // 2, [_attention_row(spec)])
    rows, item_no = [], 0
    for item in items:
        is_attention = item[0]["condition"] == "attention"
        item_no += 0 if is_attention else 1
        item_id = ATTENTION_ID if is_attention else f"I{item_no:02d}"
        for slot, reply in enumerate(item, start=1):
            rows.append(
                {"question_id": f"{item_id}_{slot}", "item_id": item_id, "slot": slot, **reply}
            )
    key = pd.DataFrame(rows)
    if "expected" not in key:
        key["expected"] = np.nan
    return key


def _attention_row(spec: SurveySpec) -> dict:
    label = spec.labels[spec.attention_value - 1]
    return {
        "scenario": "attention",
        "example_id": "",
        "persona_id": "",
        "prompt": "This item checks that you are reading carefully.",
        "pair_set": 0,
        "side": "attention",
        "model": "attention",
        "model_slug": "attention",
        "display_name": "Attention check",
        "condition": "attention",
        "run_dir": "",
        "phase": "attention",
        "epoch": None,
        "text": f'Please ignore the scale meaning and select "{spec.attention_value} - {label}" '
        "for this response.",
        "expected": spec.attention_value,
    }


def rater_view(key: pd.DataFrame) -> pd.DataFrame:
    """The rater-facing table: ids, prompt and reply text only (no model or condition)."""
    view = key[["question_id", "item_id", "slot", "prompt", "text"]]
    return view.rename(columns={"text": "response"})
