"""The generation callback alone: schedule, reuse vs regenerate, records, tables, resume."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from pytorch_lightning.loggers import WandbLogger

from tests.generation_helpers import configured_generation
from tide_exp.callbacks import GenerationMetricsCallback
from tide_exp.callbacks import generation_steps as steps
from tide_exp.data.chat import ChatFormatter
from tide_exp.data.tide_folder import load_tide_folder

METRICS = {"rouge_l": {}, "distinct_1": {}}  # one per-reply and one corpus-level metric


class RecordingWandb(WandbLogger):
    """A WandbLogger that records calls instead of starting a W&B run."""

    def __init__(self) -> None:
        self.scalars: list[tuple[dict, int]] = []
        self.tables: list[dict] = []

    def log_metrics(self, metrics, step=None):
        self.scalars.append((dict(metrics), step))

    def log_table(self, key, columns=None, data=None, dataframe=None, step=None):
        self.tables.append({"key": key, "columns": columns, "data": data, "step": step})


class FakeDataModule:
    def __init__(self, tokenizer):
        self.chat = ChatFormatter(tokenizer)
        self.examples = load_tide_folder()[:10]

    def prompt(self, example):
        return self.chat.prompt(example.user_input)

    def eval_subset(self, size):
        return self.examples[:size] if size else list(self.examples)


@pytest.fixture
def harness(tiny_model, tmp_path):
    def make(generation=None, **options):
        callback = GenerationMetricsCallback(
            output_dir=str(tmp_path),
            model_name="tiny",
            metrics=METRICS,
            generation=configured_generation(max_new_tokens=4, batch_size=4, **(generation or {})),
            **options,
        )
        logger = RecordingWandb()
        trainer = SimpleNamespace(
            datamodule=FakeDataModule(tiny_model.tokenizer),
            loggers=[logger],
            global_step=0,
            current_epoch=0,
            is_global_zero=True,
            sanity_checking=False,
            state=SimpleNamespace(fn="fit"),
            validating=False,
            # What tide_exp.tracking.loggers reads for the logging step and the epochs trained.
            fit_loop=SimpleNamespace(
                epoch_loop=SimpleNamespace(_batches_that_stepped=0),
                epoch_progress=SimpleNamespace(current=SimpleNamespace(completed=0)),
            ),
        )
        module = SimpleNamespace(model=tiny_model.model, tokenizer=tiny_model.tokenizer)
        return callback, trainer, module, logger

    return make


def _validate(callback, trainer, module, epoch):
    """The validation at the end of Lightning's epoch ``epoch`` (0-based), as fit runs it."""
    trainer.current_epoch, trainer.validating = epoch, True
    trainer.fit_loop.epoch_progress.current.completed = epoch
    callback.on_validation_epoch_end(trainer, module)
    callback.on_validation_end(trainer, module)
    trainer.validating = False
    trainer.fit_loop.epoch_progress.current.completed = epoch + 1


def _run(callback, trainer, module, epochs=2):
    callback.on_fit_start(trainer, module)
    for epoch in range(epochs):
        trainer.global_step += 5
        _validate(callback, trainer, module, epoch)
    callback.on_fit_end(trainer, module)


def test_schedule_subset_per_epoch_full_split_at_ends(harness):
    callback, trainer, module, _ = harness(num_prompts=3, final_num_prompts=None)
    _run(callback, trainer, module)
    results = callback.results
    assert results["zs"]["prompts"]["count"] == 10
    assert [v["prompts"]["count"] for v in results["val"]] == [3, 3]
    assert results["ft"]["prompts"]["count"] == 10
    assert "reused_from" not in results["ft"]  # different prompts: generated again
    ids = [e.example_id for e in trainer.datamodule.examples]
    assert results["ft"]["prompts"]["example_ids"] == ids
    assert results["val"][0]["prompts"]["example_ids"] == ids[:3]
    phases = [r["phase"] for r in callback.records]
    assert phases.count("zs") == 10 and phases.count("val") == 6 and phases.count("ft") == 10
    on_disk = [json.loads(line) for line in callback.generations_path.read_text().splitlines()]
    assert on_disk == json.loads(json.dumps(callback.records))


def test_final_phase_reuses_last_epoch_only_with_same_prompts_and_weights(harness):
    callback, trainer, module, _ = harness(num_prompts=3, final_num_prompts=3)
    _run(callback, trainer, module)
    assert callback.results["ft"]["reused_from"] == "val epoch 2"
    ft = [r for r in callback.records if r["phase"] == "ft"]
    last_val = [r for r in callback.records if r["phase"] == "val" and r["epoch"] == 2]
    # One epoch count: epochs trained behind the replies (0 = zero-shot), as W&B's eval/epoch.
    assert [(p, callback.results[p]["epoch"]) for p in ("zs", "ft")] == [("zs", 0), ("ft", 2)]
    assert [v["epoch"] for v in callback.results["val"]] == [1, 2]
    assert {r["epoch"] for r in callback.records if r["phase"] == "zs"} == {0}
    assert [r["prediction"] for r in ft] == [r["prediction"] for r in last_val]

    # Weights moved after the last evaluation (a step without validation): generate again.
    callback, trainer, module, _ = harness(num_prompts=3, final_num_prompts=3)
    _validate(callback, trainer, module, 0)
    trainer.global_step += 1
    callback.on_fit_end(trainer, module)
    assert "reused_from" not in callback.results["ft"]


def test_tables_and_scalars(harness):
    callback, trainer, module, logger = harness(num_prompts=2, final_num_prompts=2)
    _run(callback, trainer, module, epochs=1)
    keys = [t["key"] for t in logger.tables]
    assert keys == ["generations/zs", "generations/val_epoch1", "generations/ft"]
    for t in logger.tables:
        # distinct-1 is corpus-level: a scalar, never a table column.
        assert t["columns"] == [*steps.TABLE_COLUMNS, "rouge_l"]
        assert all(len(row) == len(t["columns"]) for row in t["data"])
    zs_scalars, step = logger.scalars[0]
    assert step == 0
    assert {"zs/gen/rouge_l", "val/gen/rouge_l", "zs/gen/distinct_1", "zs/gen/cut_rate"} <= set(
        zs_scalars
    )
    assert 0.0 <= zs_scalars["zs/gen/cut_rate"] <= 1.0


def test_records_carry_end_state_and_summary_counts_cuts(harness):
    callback, trainer, module, _ = harness(
        num_prompts=4,
        final_num_prompts=4,
        # The tiny tokenizer's special tokens:
        generation={"generation_kwargs": {"suppress_tokens": [0, 1, 2]}},
    )
    summary = callback.evaluate(trainer, module, "zs", None)
    records = callback.records
    assert all(r["finished"] is False and r["new_tokens"] == 4 for r in records)
    assert summary["cut_rate"] == 1.0
    assert summary["new_tokens"] == 16 and summary["generation_tokens_per_s"] > 0


def test_resume_keeps_phases_and_rewrites_file(harness):
    callback, trainer, module, _ = harness(num_prompts=2, final_num_prompts=2)
    callback.on_fit_start(trainer, module)
    state = json.loads(json.dumps(callback.state_dict()))
    callback.on_validation_epoch_end(trainer, module)  # written after the "checkpoint"
    resumed, trainer2, _, _ = harness(num_prompts=2, final_num_prompts=2)
    resumed.load_state_dict(state)
    assert [r["phase"] for r in resumed.records] == ["zs", "zs"]
    assert len(resumed.generations_path.read_text().splitlines()) == 2
    resumed.on_fit_start(trainer2, module)  # zero-shot is not repeated
    assert len(resumed.records) == 2


def test_prompts_file_is_answered_zero_shot_and_after_training_apart_from_the_means(
    harness, tmp_path
):
    """eval.prompts_file: its prompts get replies in phases of their own (fixed_zs, fixed_ft),
    marked in generations.jsonl, never in the held-out means or the final metrics; a resumed
    run does not answer them twice."""
    callback, trainer, module, logger = harness(
        num_prompts=2, final_num_prompts=2, prompts_file="study_a"
    )
    _run(callback, trainer, module, epochs=1)
    on_disk = [json.loads(line) for line in callback.generations_path.read_text().splitlines()]
    phases = [r["phase"] for r in on_disk]
    assert phases.count("fixed_zs") == 6 and phases.count("fixed_ft") == 6
    assert phases.count("zs") == 2 and phases.count("ft") == 2
    fixed = [r for r in on_disk if r["phase"] == "fixed_zs"]
    assert [r["theme"] for r in fixed][:2] == ["panic", "grief_anger"]
    assert fixed[0]["prompt"].startswith("I had a panic attack") and fixed[0]["reference"] == ""
    assert {r["epoch"] for r in on_disk if r["phase"] == "fixed_ft"} == {1}
    # No references: replies only, and nothing of them in the held-out means or final metrics.
    assert callback.results["fixed_zs"]["metrics"] == {}
    assert callback.results["fixed_ft"]["prompts"]["count"] == 6
    assert callback.results["zs"]["prompts"]["count"] == 2
    assert not [k for k in callback.scalars() if "fixed" in k]
    assert "generations/fixed_zs" in [t["key"] for t in logger.tables]
    # Resumed after the zero-shot phases: neither is repeated.
    state = json.loads(json.dumps(callback.state_dict()))
    resumed, trainer2, _, _ = harness(num_prompts=2, final_num_prompts=2, prompts_file="study_a")
    resumed.load_state_dict(state)
    resumed.on_fit_start(trainer2, module)
    assert [r["phase"] for r in resumed.records].count("fixed_zs") == 6


def test_prompts_file_with_references_is_scored_on_its_own(harness, tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text(
        '{"message": "I froze.", "reference": "That sounds frightening."}\n'
        '{"message": "I cannot sleep.", "reference": "Nights can be so hard."}\n'
    )
    callback, trainer, module, _ = harness(
        num_prompts=2, final_num_prompts=2, prompts_file=str(path)
    )
    callback.on_fit_start(trainer, module)
    assert callback.results["fixed_zs"]["metrics"]["rouge_l"]["n"] == 2
    assert callback.results["zs"]["metrics"]["rouge_l"]["n"] == 2


def test_looping_replies_are_counted_beside_the_cut_ones(harness, monkeypatch, caplog):
    from tide_exp.generation import ChatGenerationSettings, Reply

    loop = "I'm sure you're not alone. I'm sure you're not alone. I'm sure you're not alone."
    replies = [
        Reply(loop, True, 20),  # ends within the cap: the cut rate never saw it
        Reply(loop + " I'm sure", False, 4),
        Reply("That sounds hard; I'm here.", True, 8),
    ]
    monkeypatch.setattr(ChatGenerationSettings, "generate", lambda *a, **k: replies)
    callback, trainer, module, logger = harness(num_prompts=3, final_num_prompts=3)
    with caplog.at_level("INFO", logger="tide_exp.callbacks.generation_metrics"):
        summary = callback.evaluate(trainer, module, "zs", 0)
    assert summary["replies"]["looping"] == 2 and summary["replies"]["cut"] == 1
    assert [r["looping"] for r in callback.records] == [True, True, False]
    assert callback.records[0]["repetition"] > 0.25 and callback.records[2]["repetition"] == 0.0
    assert "33% cut at the cap, 67% looping" in caplog.text
    scalars, _ = logger.scalars[-1]
    assert scalars["zs/gen/looping_rate"] == pytest.approx(2 / 3)
    (table,) = logger.tables
    column = table["columns"].index("looping")
    assert [row[column] for row in table["data"]] == [True, True, False]
    assert callback.scalars()["zs/gen/looping_rate"] == pytest.approx(2 / 3)


def test_select_best_puts_the_best_epochs_weights_back_for_the_final_phase(harness):
    import torch

    callback, trainer, module, _ = harness(
        num_prompts=3, final_num_prompts=3, select="best", monitor="val/loss", monitor_mode="min"
    )
    module.last_validation = None
    weights = {}
    callback.on_fit_start(trainer, module)
    first = next(module.model.parameters())
    original = first.detach().clone()
    for epoch, loss in enumerate([2.0, 1.0, 1.5]):  # epoch 2 (index 1) has the lowest loss
        trainer.global_step += 5
        with torch.no_grad():
            first.add_(0.01 * (epoch + 1))  # "training" moves the weights
        weights[epoch + 1] = first.detach().clone()
        trainer.current_epoch, trainer.validating = epoch, True
        trainer.fit_loop.epoch_progress.current.completed = epoch
        callback.on_validation_epoch_end(trainer, module)
        module.last_validation = {"loss": loss}  # the module's hook runs after the callbacks'
        callback.on_validation_end(trainer, module)
        trainer.validating = False
        trainer.fit_loop.epoch_progress.current.completed = epoch + 1
    state = json.loads(
        json.dumps({k: v for k, v in callback.state_dict().items() if k != "selection"})
    )
    callback.on_fit_end(trainer, module)
    ft = callback.results["ft"]
    assert ft["epoch"] == 2 and ft["step"] == 10 and ft["reused_from"] == "val epoch 2"
    assert ft["selection"] == {
        "select": "best",
        "monitor": "val/loss",
        "mode": "min",
        "epoch": 2,
        "best_epoch": 2,
        "best_value": 1.0,
    }
    assert [v["val_loss"] for v in callback.results["val"]] == [2.0, 1.0, 1.5]
    assert torch.equal(first, weights[2]) and not torch.equal(first, weights[3])
    with torch.no_grad():
        first.copy_(original)
    assert state["results"]["val"][1]["val_loss"] == 1.0


def test_select_last_keeps_the_last_weights_and_names_the_best_epoch(harness):
    callback, trainer, module, _ = harness(
        num_prompts=3, final_num_prompts=3, monitor="val/gen/rouge_l"
    )
    _run(callback, trainer, module, epochs=2)
    selection = callback.results["ft"]["selection"]
    assert selection["select"] == "last" and selection["epoch"] == 2
    assert selection["best_epoch"] in (1, 2) and callback.results["ft"]["epoch"] == 2


@pytest.mark.parametrize(
    ("options", "key"),
    [
        ({"select": "bets"}, "eval.select"),
        ({"monitor_mode": "highest"}, "eval.monitor_mode"),
        ({"monitor": "cosine"}, "eval.monitor"),
    ],
)
def test_a_bad_selection_setting_names_its_key(harness, options, key):
    from tide_exp.errors import ConfigError

    with pytest.raises(ConfigError, match=key):
        harness(**options)
