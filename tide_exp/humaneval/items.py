"""The survey's items and its key: five shuffled replies per item, in the study's order.

Items run scenario by scenario, each scenario's client message shown once per pair set
(pair set 1 = items 1, 5, 9, ... with four pair sets, as in the study); the replies of an item
(each model's zero-shot and fine-tuned reply, and the reference unless the design leaves it
out) are shuffled with the seed. The key records, per shown reply, where it came from, whether
it was cut at the token cap and whether it repeats another reply of its item; its fingerprint
is the survey id that ratings files are checked against.
"""

from __future__ import annotations

import hashlib
import json
import re

import numpy as np
import pandas as pd

from tide_exp.humaneval.draw import SIDES, pair_frames, select_prompts
from tide_exp.humaneval.runs import Run
from tide_exp.humaneval.survey import ATTENTION_ID, EMPTY_REPLY, SurveySpec, scenario_order

# Whether a reply was cut comes from the run itself: generations.jsonl's ``finished`` (the
# reply ended with an end-of-turn token before max_new_tokens). Rows from elsewhere may say
# ``truncated``; rows with neither fall back to punctuation (a reply that does not end like a
# sentence was most likely cut: the study's survey shows 25 of 96 replies cut mid-sentence).
SENTENCE_END = re.compile(r"[.!?…。！？~)\]\"'”’*]\s*$")
FINGERPRINT_COLUMNS = ["question_id", "item_id", "model", "condition", "example_id", "text"]


def _flag(row: pd.Series, name: str) -> bool | None:
    value = row.get(name)
    return bool(value) if isinstance(value, bool | np.bool_) else None


def _truncated(row: pd.Series, text: str) -> tuple[bool, str]:
    """Whether the reply was cut at the token cap, and what says so."""
    finished = _flag(row, "finished")
    if finished is not None:
        return not finished, "finished"
    truncated = _flag(row, "truncated")
    if truncated is not None:
        return truncated, "truncated"
    return text != EMPTY_REPLY and not SENTENCE_END.search(text), "punctuation"


def _reply(frames, side, cond, run, eid, pair_no) -> dict:
    row = frames[side, cond].loc[eid]
    scores = row.get("scores") if isinstance(row.get("scores"), dict) else {}
    epoch = row.get("epoch")
    text = row["prediction"] if row["prediction"].strip() else EMPTY_REPLY
    truncated, basis = _truncated(row, text)
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
        "truncated": truncated,
        "truncated_from": basis,
        **{f"score_{k}": v for k, v in scores.items()},
    }


def _item(frames, runs, eid: str, pair_no: int, scenario: str, spec: SurveySpec, rng) -> list:
    base = frames["A", "zs"].loc[eid]
    replies = [
        _reply(frames, side, cond, run, eid, pair_no)
        for side, run in zip(SIDES, runs, strict=False)
        for cond in ("zs", "ft")
    ]
    if spec.reference:
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
                "truncated_from": "",
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
        "history": shown_history(base.get("history"), spec.history_turns),
    }
    return [{**common, **replies[i]} for i in rng.permutation(len(replies))]


def shown_history(turns, keep: int | None) -> str:
    """The earlier turns an item shows above the message, as JSON ``[[role, text], ...]``
    (the last ``keep``; ``None``: all the model saw; "" when there are none)."""
    if not isinstance(turns, list) or not turns or keep == 0:
        return ""
    kept = turns if keep is None else turns[-keep:]
    return json.dumps([[str(role), str(text)] for role, text in kept], ensure_ascii=False)


def _ordered_items(pairs, spec: SurveySpec, rng) -> list[list[dict]]:
    chosen, scenarios = select_prompts(pairs, spec)
    order = {s: i for i, s in enumerate(scenario_order(scenarios.unique()))}
    placed = []
    for pair_no, (runs, ids) in enumerate(zip(pairs, chosen, strict=True), start=1):
        frames = pair_frames(runs, spec.fixed)
        seen: dict[str, int] = {}
        for eid in ids:
            scenario = str(scenarios.loc[eid])
            rank = seen[scenario] = seen.get(scenario, -1) + 1
            item = _item(frames, runs, eid, pair_no, scenario, spec, rng)
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
        "history": "",
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
        "truncated_from": "",
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
    """The survey id: a hash of what each question id shows and where it came from (the
    dialogue history too, where an item shows one: keys without history keep their id)."""
    columns = FINGERPRINT_COLUMNS + (["history"] if _shows_history(key) else [])
    cols = key.reindex(columns=columns).fillna("").astype(str)
    text = cols.to_csv(index=False, lineterminator="\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def build_key(pairs: list[tuple[Run, ...]], spec: SurveySpec) -> pd.DataFrame:
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


def _shows_history(key: pd.DataFrame) -> bool:
    return "history" in key and key["history"].fillna("").astype(str).ne("").any()


def rater_view(key: pd.DataFrame) -> pd.DataFrame:
    """The rater-facing table: ids, dialogue history (when shown), prompt and reply text only
    (no model or condition)."""
    history = ["history"] if _shows_history(key) else []
    view = key[["survey_id", "question_id", "item_id", "slot", *history, "prompt", "text"]]
    return view.rename(columns={"text": "response"})
