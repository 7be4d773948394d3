"""The survey's items and its key: five shuffled replies per item, in the study's order.

Items run scenario by scenario, each scenario's client message shown once per pair set
(pair set 1 = items 1, 5, 9, ... with four pair sets, as in the study); the five replies of
an item are shuffled with the seed. The key records, per shown reply, where it came from,
whether it looks cut at the token cap and whether it repeats another reply of its item;
its fingerprint is the survey id that ratings files are checked against.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd

from tide_exp.humaneval.draw import pair_frames, select_prompts
from tide_exp.humaneval.runs import Run
from tide_exp.humaneval.survey import ATTENTION_ID, EMPTY_REPLY, SurveySpec, scenario_order

# A reply that does not end like a sentence was most likely cut at max_new_tokens (the
# study's survey shows 25 of 96 replies cut mid-sentence). A generations row may say so
# itself with a boolean ``truncated`` field, which then wins.
SENTENCE_END = re.compile(r"[.!?…。！？~)\]\"'”’*]\s*$")
FINGERPRINT_COLUMNS = ["question_id", "item_id", "model", "condition", "example_id", "text"]


def _truncated(row: pd.Series, text: str) -> bool:
    flag = row.get("truncated")
    if isinstance(flag, bool | np.bool_):
        return bool(flag)
    return text != EMPTY_REPLY and not SENTENCE_END.search(text)


def _reply(frames, side, cond, run, eid, pair_no) -> dict:
    row = frames[side, cond].loc[eid]
    scores = row.get("scores") if isinstance(row.get("scores"), dict) else {}
    epoch = row.get("epoch")
    text = row["prediction"] if row["prediction"].strip() else EMPTY_REPLY
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
        "text": text,
        "truncated": _truncated(row, text),
        **{f"score_{k}": v for k, v in scores.items()},
    }


def _item(frames, a: Run, b: Run, eid: str, pair_no: int, scenario: str, rng) -> list[dict]:
    base = frames["A", "zs"].loc[eid]
    replies = [
        _reply(frames, side, cond, run, eid, pair_no)
        for side, run in (("A", a), ("B", b))
        for cond in ("zs", "ft")
    ]
    reference = base["reference"] if base["reference"].strip() else EMPTY_REPLY
    replies.append(
        {
            **replies[0],
            "side": "reference",
            "model": "reference",
            "model_slug": "reference",
            "display_name": "Reference",
            "condition": "reference",
            "text": reference,
            "truncated": False,
            "epoch": None,
            "phase": "reference",
        }
        | {k: np.nan for k in replies[0] if k.startswith("score_")}
    )
    common = {
        "scenario": scenario,
        "example_id": eid,
        "persona_id": str(base.get("persona_id", "")),
        "prompt": base["prompt"],
    }
    return [{**common, **replies[i]} for i in rng.permutation(len(replies))]


def _ordered_items(pairs, spec: SurveySpec, rng) -> list[list[dict]]:
    chosen, scenarios = select_prompts(pairs, spec)
    order = {s: i for i, s in enumerate(scenario_order(scenarios.unique()))}
    placed = []
    for pair_no, ((a, b), ids) in enumerate(zip(pairs, chosen, strict=True), start=1):
        frames = pair_frames(a, b)
        seen: dict[str, int] = {}
        for eid in ids:
            scenario = str(scenarios.loc[eid])
            rank = seen[scenario] = seen.get(scenario, -1) + 1
            item = _item(frames, a, b, eid, pair_no, scenario, rng)
            placed.append(((order[scenario], rank, pair_no), item))
    # The study's interleaved order: scenario, then draw within it, then pair set.
    items = [item for _, item in sorted(placed, key=lambda p: p[0])]
    if spec.shuffle_items:
        items = [items[i] for i in rng.permutation(len(items))]
    return items


def _attention_row(spec: SurveySpec) -> dict:
    label = spec.labels[spec.attention_value - 1]
    shown = f"{spec.attention_value} - {label}" if label else str(spec.attention_value)
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
        "text": f'Please ignore the scale meaning and select "{shown}" for this response.',
        "truncated": False,
        "expected": spec.attention_value,
    }


def flag_duplicates(key: pd.DataFrame) -> pd.Series:
    """Per reply, the question id of an identical earlier reply in its item ("" if none).

    Identical means equal after collapsing whitespace: raters would see the same text twice
    and their two ratings of it are not independent evidence.
    """
    norm = key["text"].astype(str).str.split().str.join(" ")
    first = key.assign(_n=norm).groupby(["item_id", "_n"], sort=False)["question_id"]
    first_id = first.transform("first")
    return first_id.where(first_id != key["question_id"], "")


def fingerprint(key: pd.DataFrame) -> str:
    """The survey id: a hash of what each question id shows and where it came from."""
    cols = key.reindex(columns=FINGERPRINT_COLUMNS).fillna("").astype(str)
    text = cols.to_csv(index=False, lineterminator="\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def build_key(pairs: list[tuple[Run, Run]], spec: SurveySpec) -> pd.DataFrame:
    """The key: one row per shown reply, with its source model, condition, flags and scores.

    ``question_id`` is ``<item>_<slot>`` (e.g. ``I07_3``): the column a Qualtrics matrix
    with export tag ``I07`` writes for its third row. ``survey_id`` is the key's fingerprint.
    """
    rng = np.random.default_rng([spec.seed, 1])
    items = _ordered_items(pairs, spec, rng)
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
    key["duplicate_of"] = flag_duplicates(key)
    key["survey_id"] = fingerprint(key)
    return key


def rater_view(key: pd.DataFrame) -> pd.DataFrame:
    """The rater-facing table: ids, prompt and reply text only (no model or condition)."""
    view = key[["survey_id", "question_id", "item_id", "slot", "prompt", "text"]]
    return view.rename(columns={"text": "response"})
