"""Fake tide_exp outputs and synthetic ratings with planted effects, for the humaneval tests."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from tide_exp.humaneval.pair_sets import STUDY_PAIRS
from tide_exp.humaneval.survey import SCENARIO_ORDER

THEMES = list(SCENARIO_ORDER)
STUDY_SLUGS = [slug for pair in STUDY_PAIRS for slug in pair]


def write_run(
    run_dir: Path,
    slug: str,
    n_per_theme: int = 3,
    display: str | None = None,
    themes: list[str] | None = None,
    fixed: list[tuple[str, str]] | None = None,
) -> Path:
    """Write one run dir: .hydra/config.yaml, results.json, split_manifest.json (the held-out
    themes) and generations.jsonl (zs, val, ft; with ``fixed`` (scenario, message) pairs,
    the prompts file's fixed_zs and fixed_ft too)."""
    themes = themes or THEMES
    (run_dir / ".hydra").mkdir(parents=True, exist_ok=True)
    (run_dir / ".hydra" / "config.yaml").write_text(
        f"model:\n  name: {slug}\n  display_name: {display or slug.upper()}\nseed: 42\n"
    )
    (run_dir / "results.json").write_text(json.dumps({"model": slug}))
    counts = {theme: n_per_theme for theme in themes}
    (run_dir / "split_manifest.json").write_text(json.dumps({"themes": {"eval": counts}}))
    lines = []
    for phase, epoch in (("zs", None), ("val", 0), ("ft", None)):
        for t, theme in enumerate(themes):
            for j in range(n_per_theme):
                eid = f"p{t:04d}-d{j:02d}"
                code = zlib.crc32(f"{slug}|{phase}|{eid}".encode()) % 10**8
                text = f"Reply {code:08d} to {eid}.\nSecond line & <b>tag</b>, [[x]]"
                lines.append(
                    json.dumps(
                        {
                            "phase": phase,
                            "epoch": epoch,
                            "model": slug,
                            "example_id": eid,
                            "persona_id": f"p{t:04d}",
                            "theme": theme,
                            "prompt": f"I feel awful ({theme} {j}), what do I do?",
                            "reference": f"Reference reply for {eid}.",
                            "prediction": text,
                            "scores": {
                                "rouge_l": (code % 100) / 100,
                                "cosine": 0.5 if phase == "zs" else 0.7,
                            },
                        }
                    )
                )
    for phase, epoch in (("fixed_zs", 0), ("fixed_ft", 1)):
        for n, (scenario, message) in enumerate(fixed or [], start=1):
            code = zlib.crc32(f"{slug}|{phase}|{n}".encode()) % 10**8
            row = {"phase": phase, "epoch": epoch, "model": slug, "example_id": f"fixed-{n:02d}"}
            row |= {"persona_id": "fixed", "theme": scenario, "prompt": message, "reference": ""}
            lines.append(json.dumps(row | {"prediction": f"Fixed {code:08d}.", "scores": {}}))
    (run_dir / "generations.jsonl").write_text("\n".join(lines) + "\n")
    return run_dir


def write_sweep(
    root: Path, slugs: list[str] | None = None, n_per_theme: int = 3, **options
) -> Path:
    """A multirun dir with numbered job subdirs, one model per job (the study's 8 by default);
    ``options`` go to :func:`write_run`."""
    sweep = root / "multirun" / "2025-01-01" / "12-00-00"
    for i, slug in enumerate(slugs or STUDY_SLUGS):
        write_run(sweep / str(i), slug, n_per_theme, **options)
    return sweep


def synthetic_ratings(
    key: pd.DataFrame, n_raters: int = 100, seed: int = 0, boosted_model: str = "qwen2_5_3b"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Wide ratings (one row per rater, Qualtrics-like columns) plus gold scores.

    Planted: raters aged >= 60 rate ``boosted_model`` 1.5 points higher; rater ``R_flat``
    answers 3 everywhere (straight-lining); rater ``R_fast`` finished in 4 minutes.
    Nothing else depends on demographics.
    """
    rng = np.random.default_rng(seed)
    rated = key[key["condition"] != "attention"]
    gold = pd.Series(
        rng.choice([1, 2, 3, 4, 5], size=len(rated)).astype(float),
        index=rated["question_id"].to_numpy(),
    )
    gold_frame = pd.DataFrame({"question_id": gold.index, "gold": gold.to_numpy()})
    rows = []
    for r in range(n_raters):
        rid = {0: "R_flat", 1: "R_fast"}.get(r, f"R_{r:03d}")
        age = int(rng.integers(18, 80))
        bias = rng.normal(0, 0.3)
        row = {
            "ResponseId": rid,
            "Duration (in seconds)": float(rng.uniform(15, 60) * 60),
            "Finished": "True",
            "Progress": 100,
            "age": age,
            "education": rng.choice(
                ["High school", "Bachelor's degree", "Master's degree", "Doctorate"]
            ),
            "gender": rng.choice(["Woman", "Man"]),
            "region": rng.choice(["Northeast", "Midwest", "South", "West"]),
            "race": rng.choice(["White", "Black", "Asian", "Hispanic"]),
        }
        for qid, model in zip(rated["question_id"], rated["model"], strict=True):
            value = gold[qid] + bias + rng.normal(0, 0.6)
            if age >= 60 and model == boosted_model:
                value += 1.5
            row[qid] = int(np.clip(np.rint(value), 1, 5))
        row["ATTN_1"] = 2
        if rid == "R_flat":
            row.update({qid: 3 for qid in rated["question_id"]})
        if rid == "R_fast":
            row["Duration (in seconds)"] = 240.0
        rows.append(row)
    return pd.DataFrame(rows), gold_frame


def qualtrics_export(wide: pd.DataFrame) -> str:
    """Render wide ratings as a Qualtrics CSV export (three header rows, label answers)."""
    header2 = {c: f"Question text for {c}" for c in wide.columns}
    header3 = {c: json.dumps({"ImportId": f"QID_{c}"}) for c in wide.columns}
    labelled = wide.copy()
    for c in wide.columns:
        if c[:1] == "I" and c[1:3].isdigit():
            labelled[c] = [f"{v} - label" if str(v).strip() else "" for v in wide[c]]
    frame = pd.concat([pd.DataFrame([header2, header3]), labelled], ignore_index=True)
    return frame.to_csv(index=False)


def constant_judge(prompts: list[str]) -> list[str]:
    """A deterministic judge for CLI tests: always answers 3."""
    return ["Rating: 3"] * len(prompts)
