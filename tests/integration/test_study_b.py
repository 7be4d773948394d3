"""Study B end to end on the tiny model: prepare the fixture corpus, then run(cfg) on it."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tide_exp.data.prepare import prepare
from tide_exp.reporting.table1 import write_report
from tide_exp.runs.run import run

STUDY_B = Path(__file__).resolve().parents[1] / "assets" / "data" / "study_b"


@pytest.mark.slow
def test_study_b_run_validates_base_and_adapter_on_multiturn_rows(compose_cfg, tmp_path):
    prepare([STUDY_B], tmp_path / "prepared")
    cfg = compose_cfg(
        "data=study_b_prepared",
        "eval=study_b",
        f"data.source.path={tmp_path / 'prepared' / 'pairs.jsonl'}",
        "data.eval_fraction=0.4",
        "data.max_length=384",  # the tiny BPE spends about three tokens per Chinese character
        "data.batch_size=2",
        "trainer.max_epochs=1",
        "eval.num_prompts=null",  # every held-out row: the multi-turn ones among them
        "eval.generation.max_new_tokens=4",
    )
    metrics, objects = run(cfg)
    results = json.loads((tmp_path / "results.json").read_text())
    validation = results["validation"]
    assert set(validation) == {"zs", "ft"}
    assert validation["zs"]["tokens"] == validation["ft"]["tokens"] > 0
    for phase in ("zs", "ft"):
        assert validation[phase]["perplexity"] == pytest.approx(math.exp(validation[phase]["loss"]))
        assert metrics[f"{phase}/val/perplexity"] == pytest.approx(validation[phase]["perplexity"])
    assert "dialogbert_continuity" in results["not_computed"]
    # The multi-turn row keeps its earlier exchange as real turns of the template.
    dm = objects["datamodule"]
    multiturn = [e for e in dm.train_examples + dm.eval_examples if e.history]
    assert multiturn and all(dm.prompt(e).count("<|im_start|>user") == 2 for e in multiturn)
    csv = (tmp_path / "csv" / "metrics.csv").read_text()
    assert "zs/val/perplexity" in csv and "ft/val/perplexity" in csv
    # Issue 30, item 4: both perplexity readings (token is val/perplexity by default), Table 2's
    # linguistic figures as metrics, each with its relative change base -> fine-tuned.
    for phase in ("zs", "ft"):
        assert validation[phase]["perplexity"] == validation[phase]["perplexity_token"]
        assert validation[phase]["perplexity_dialogue"] > 0 and validation[phase]["dialogues"] > 0
        assert "ft/val/perplexity_dialogue" in csv
    figures = ("prescriptive_markers", "empathy_markers", "first_person_imperatives", "topic_shift")
    for name in figures:
        assert name in results["phases"]["ft"]["metrics"]
        assert set(results["changes"][f"gen/{name}"]) == {"base", "fine_tuned", "relative_change"}
    assert set(results["changes"]) >= {
        "val/loss",
        "val/perplexity_token",
        "val/perplexity_dialogue",
    }
    # Issue 30, item 3: a multi-turn row's reply is recorded with the earlier turns it saw.
    rows = [json.loads(line) for line in (tmp_path / "generations.jsonl").read_text().splitlines()]
    history = {e.example_id: [list(t) for t in e.history] for e in dm.eval_examples}
    assert any(history.values())
    assert all(r.get("history", []) == history[r["example_id"]] for r in rows)
    # Issue 30, "Done when": the figures and both readings are in the report a reviewer reads.
    text = write_report([tmp_path], tmp_path / "report")["table2"].read_text()
    for label in ("perplexity, token reading (chosen)", "perplexity, dialogue reading"):
        assert f"| {label} |" in text
    for label in ("prescriptive markers", "first-person imperatives", "affective alignment"):
        assert f"| {label}" in text
    assert "| share of replies that shift topic |" in text
