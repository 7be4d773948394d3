"""eval.select=best end to end on the tiny model: the ft phase, the saved adapter, tide export,
the console summary and the report are the best epoch's, and each says which epoch it is."""

from __future__ import annotations

import json

import torch
from omegaconf import OmegaConf
from transformers import AutoModelForCausalLM, AutoTokenizer

from tide_exp.cli.export import export_run
from tide_exp.reporting.table1 import write_report
from tide_exp.runs.run import run
from tide_exp.runs.summary import format_run_summary


def test_select_best_is_the_best_epoch_everywhere(compose_cfg, tmp_path):
    run_dir = tmp_path / "run"
    cfg = compose_cfg(
        "trainer.max_epochs=3",
        "eval.select=best",
        "eval.monitor=val/loss",
        "eval.monitor_mode=max",  # the epoch with the highest loss: the first, not the last
        "module.optimizer.lr=1e-2",
    )
    cfg.paths.output_dir = str(run_dir)
    _, objects = run(cfg)
    results = objects["results"]
    val, ft = results["phases"]["val"], results["phases"]["ft"]
    losses = {e["epoch"]: e["val_loss"] for e in val}
    best = max(losses, key=losses.get)
    assert best == 1 and best != max(losses)  # not the last epoch
    assert ft["epoch"] == best and ft["step"] == val[0]["step"]
    assert ft["selection"] == {
        "select": "best",
        "monitor": "val/loss",
        "mode": "max",
        "epoch": 1,
        "best_epoch": 1,
        "best_value": losses[1],
    }
    rows = [json.loads(line) for line in (run_dir / "generations.jsonl").read_text().splitlines()]
    replies = {
        (r["phase"], r["epoch"]): [
            x["prediction"] for x in rows if (x["phase"], x["epoch"]) == (r["phase"], r["epoch"])
        ]
        for r in rows
    }
    assert replies[("ft", 1)] == replies[("val", 1)] != replies[("val", 3)]

    # The saved adapter is the best epoch's: its export replies as the ft phase did.
    (run_dir / ".hydra").mkdir()
    OmegaConf.save(cfg, run_dir / ".hydra" / "config.yaml")
    out = export_run(run_dir, tmp_path / "merged")
    model, tokenizer = (
        AutoModelForCausalLM.from_pretrained(out).eval(),
        AutoTokenizer.from_pretrained(out),
    )
    got = []
    for r in (x for x in rows if x["phase"] == "ft"):
        inputs = tokenizer.apply_chat_template(
            [{"role": "user", "content": r["prompt"]}],
            add_generation_prompt=True,
            return_tensors="pt",
            return_dict=True,
        )
        with torch.no_grad():
            output = model.generate(**inputs)
        got.append(
            tokenizer.decode(
                output[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True
            ).strip()
        )
    assert got == replies[("ft", 1)]
    assert "- Weights: epoch 1 (`eval.select: best`" in (out / "README.md").read_text()

    summary = format_run_summary(results, run_dir)
    assert (
        "fine-tuned = epoch 1 of 3 (eval.select=best); best epoch by val/loss (max): 1" in summary
    )
    report = write_report([run_dir], tmp_path / "report")["markdown"].read_text()
    assert "1 of 3 (best by val/loss)" in report
