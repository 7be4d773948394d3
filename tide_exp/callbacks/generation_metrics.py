"""Generate replies for fixed prompt subsets and score them: zero-shot, every epoch, fine-tuned."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytorch_lightning as pl

from tide_exp.callbacks import generation_steps as steps
from tide_exp.callbacks.selection import EpochSelection
from tide_exp.data.prompt_sets import read_prompts_file
from tide_exp.generation import GenerationSettings
from tide_exp.generation.seeding import phase_seed
from tide_exp.runs.folder import RunFolder
from tide_exp.tracking.loggers import epochs_trained

log = logging.getLogger(__name__)


class GenerationMetricsCallback(pl.Callback):
    """Evaluates generation quality at three moments of one run, on a configured schedule.

    * ``zs``: before training (zero-shot) on ``final_num_prompts`` prompts, logged at step 0;
    * ``val``: after every validation epoch on ``num_prompts`` prompts (the W&B curve), logged as
      ``val/gen/<metric>``;
    * ``ft``: after training on ``final_num_prompts`` prompts (the Table 1 numbers), with the
      weights ``select`` chooses (:mod:`tide_exp.callbacks.selection`: the last epoch's, or the
      best epoch's by ``monitor``). When that epoch's evaluation saw these weights and the same
      prompts it is reused; otherwise ``ft`` generates.

    Every subset is a prefix of one seeded order of the held-out split, so the per-epoch subset
    is part of the final one. With ``prompts_file`` the file's fixed prompts (a survey's, say)
    are answered too, right after ``zs`` (``fixed_zs``) and after ``ft`` (``fixed_ft``): phases
    of their own, so they never enter the held-out means or the run's final metrics. Each phase
    appends its records to ``generations.jsonl`` (rewritten atomically), records which prompts it saw in its summary and logs a W&B table.

    Args:
        output_dir: Run directory for ``generations.jsonl``.
        model_name: Model slug written into every record.
        num_prompts: Prompts evaluated after each epoch (``None``: all held-out examples).
        final_num_prompts: Prompts evaluated zero-shot and after training (``None``: all).
        metrics: Metric name -> options, passed to :func:`tide_exp.metrics.score_texts`.
        generation: How replies are generated (``eval.generation``); each phase applies the
            model's reasoning mode to it
            (:meth:`~tide_exp.generation.GenerationSettings.for_chat`).
        zero_shot: Evaluate before training.
        prompts_file: A prompts file or shipped set (``eval.prompts_file``,
            :mod:`tide_exp.data.prompt_sets`) answered zero-shot and after training; ``None``:
            none.
        select: ``last`` or ``best``: which epoch's weights are "fine-tuned" (``eval.select``).
        monitor: What "best" means: ``val/loss`` or ``val/gen/<metric>`` (``eval.monitor``).
        monitor_mode: ``max`` or ``min`` (``eval.monitor_mode``).
        seed: The run's seed; each phase samples from a random state seeded with it and the
            phase (:func:`~tide_exp.generation.seeding.phase_seed`); ``None``: the global state.
    """

    def __init__(
        self,
        output_dir: str,
        model_name: str,
        num_prompts: int | None = 16,
        final_num_prompts: int | None = None,
        metrics: Mapping[str, Mapping[str, Any] | None] | None = None,
        *,
        generation: GenerationSettings,
        zero_shot: bool = True,
        prompts_file: str | None = None,
        select: str = "last",
        monitor: str = "val/gen/cosine",
        monitor_mode: str = "max",
        seed: int | None = None,
    ) -> None:
        self.output_dir = Path(output_dir)
        self.model_name = model_name
        self.num_prompts = num_prompts
        self.final_num_prompts = final_num_prompts
        self.metrics = dict(metrics or {"rouge_l": {}, "cosine": {}})
        self.generation = generation
        self.zero_shot = zero_shot
        self.prompts_file = prompts_file
        self.fixed = [p.example() for p in read_prompts_file(prompts_file)] if prompts_file else []
        self.records: list[dict[str, Any]] = []
        self.results: dict[str, Any] = {"val": []}
        self.selection = EpochSelection(select, monitor, monitor_mode)
        self.seed = seed

    @property
    def generations_path(self) -> Path:
        return RunFolder(self.output_dir).generations_path

    def prompt_count(self, phase: str) -> int | None:
        """How many prompts ``phase`` evaluates (``None``: all held-out examples)."""
        return self.num_prompts if phase == "val" else self.final_num_prompts

    def evaluate(
        self,
        trainer: pl.Trainer,
        pl_module: pl.LightningModule,
        phase: str,
        epoch: int | None,
        examples: list | None = None,
        step: int | None = None,
    ) -> dict[str, Any]:
        """Generate, score, save and log one phase (on ``examples``, else its held-out subset);
        ``step``: the optimizer steps behind the weights, if not the trainer's."""
        if examples is None:
            examples = trainer.datamodule.eval_subset(self.prompt_count(phase))
        requested = self.prompt_count(phase) if phase in ("zs", "val", "ft") else None
        if requested and len(examples) < requested:
            log.warning(
                "%s: scored %d prompts, fewer than the %d asked for (the held-out split is smaller)",
                phase,
                len(examples),
                requested,
            )
        prompts = steps.build_prompts(trainer.datamodule, examples)
        settings = self.generation.for_chat(trainer.datamodule.chat)
        seed = None if self.seed is None else phase_seed(self.seed, phase, epoch)
        replies, generation = steps.generate_phase(
            pl_module.model, pl_module.tokenizer, prompts, settings, seed
        )
        if all(e.reference_response for e in examples):
            scores, scoring_s = steps.score_phase(replies, examples, self.metrics)
        else:  # fixed prompts without references: replies only (a survey needs no scores)
            scores, scoring_s = steps.unscored(len(examples)), 0.0
        step = trainer.global_step if step is None else step
        records = steps.phase_records(
            phase, epoch, step, self.model_name, examples, replies, scores["per_sample"]
        )
        summary = steps.phase_summary(epoch, step, examples, scores, generation, scoring_s)
        self._record(trainer, phase, records, summary)
        return summary

    def _record(
        self,
        trainer: pl.Trainer,
        phase: str,
        records: list[dict[str, Any]],
        summary: dict[str, Any],
    ) -> None:
        self.records.extend(records)
        steps.save_records(self.output_dir, self.records)
        if phase == "val":
            self.results["val"].append(summary)
        else:
            self.results[phase] = summary
        # One epoch count everywhere (log, progress bar, results.json, generations.jsonl, W&B's
        # eval/epoch): epochs trained behind the replies, 0 = zero-shot.
        moment = (
            f"after epoch {summary['epoch']}"
            if phase == "val"
            else {"zs": "before training", "fixed_zs": "before training"}.get(
                phase, "after training"
            )
        )
        log.info(
            "%s (%s, %d prompts, %.0f%% cut at the cap, %.0f%% looping): %s",
            phase,
            moment,
            summary["prompts"]["count"],
            100 * summary.get("cut_rate", 0.0),
            100 * summary.get("replies", {}).get("looping_rate", 0.0),
            ", ".join(f"{k}={m['mean']:.4f}" for k, m in summary["metrics"].items())
            or "replies only, no references to score against",
        )
        steps.log_phase(trainer, phase, summary, records)

    results_key = "phases"

    def active(self) -> bool:
        return True

    def report(self) -> dict[str, Any]:
        """results.json ``phases``: each phase's summary (``val``: one per epoch)."""
        return self.results

    def scalars(self) -> dict[str, float | None]:
        """Each final phase's metric means and reply-ending rates (``zs/gen/rouge_l``...)."""
        values: dict[str, float | None] = {}
        for phase in ("zs", "ft", "dev"):
            summary = self.results.get(phase, {})
            for name, metric in summary.get("metrics", {}).items():
                values[f"{phase}/gen/{name}"] = metric["mean"]
            for name in ("cut_rate", "open_reasoning_rate", "looping_rate"):
                if name in summary.get("replies", {}):
                    values[f"{phase}/gen/{name}"] = summary["replies"][name]
        return values

    def outputs(self) -> dict[str, str]:
        return {"generations": str(self.generations_path)}

    def reusable_val(self, step: int, example_ids: list[str]) -> dict[str, Any] | None:
        """The epoch's summary that saw these weights (``step``) and these prompts, if any."""
        for summary in reversed(self.results["val"]):
            # Summaries from before the schedule existed name no prompts: never reused.
            same = summary.get("prompts", {}).get("example_ids") == example_ids
            if summary["step"] == step and same:
                return summary
        return None

    def state_dict(self) -> dict[str, Any]:
        """Saved in checkpoints, so a resumed run neither repeats nor duplicates a phase."""
        return {
            "records": self.records,
            "results": self.results,
            "selection": self.selection.state_dict(),
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.records = list(state_dict["records"])
        self.results = dict(state_dict["results"])
        self.selection.load_state_dict(state_dict.get("selection", {}))
        steps.save_records(self.output_dir, self.records)  # drop lines written after it

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self.zero_shot and trainer.is_global_zero and "zs" not in self.results:
            self.evaluate(trainer, pl_module, "zs", 0)
        if self.zero_shot and trainer.is_global_zero:
            self.answer_fixed(trainer, pl_module, "fixed_zs", 0)

    def answer_fixed(
        self,
        trainer: pl.Trainer,
        pl_module: pl.LightningModule,
        phase: str,
        epoch: int,
        step: int | None = None,
    ) -> None:
        """Answer the prompts file's prompts once per phase (a resumed run does not repeat it)."""
        if self.fixed and phase not in self.results:
            self.evaluate(trainer, pl_module, phase, epoch, list(self.fixed), step=step)

    def on_validation_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        # trainer.validate() outside fit (the base/fine-tuned validation phases) generates nothing.
        if trainer.sanity_checking or not trainer.is_global_zero or trainer.state.fn != "fit":
            return
        self.evaluate(trainer, pl_module, "val", epochs_trained(trainer))

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        """After the module logged the epoch's validation loss: record it with the epoch's
        evaluation, and let the selection see the epoch (checkpoints are saved after this)."""
        if trainer.sanity_checking or not trainer.is_global_zero or trainer.state.fn != "fit":
            return
        val = self.results["val"]
        if not val or val[-1]["epoch"] != epochs_trained(trainer):
            return
        validation = getattr(pl_module, "last_validation", None) or {}
        if validation.get("loss") is not None:
            val[-1]["val_loss"] = float(validation["loss"])
        self.selection.observe(val[-1], pl_module)

    def on_fit_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if not trainer.is_global_zero:
            return
        chosen = self.selection.restore(pl_module)  # eval.select=best: that epoch's weights
        step = chosen["step"] if chosen else trainer.global_step
        epoch = chosen["epoch"] if chosen else epochs_trained(trainer)
        final = trainer.datamodule.eval_subset(self.prompt_count("ft"))
        last = self.reusable_val(step, [e.example_id for e in final])
        if last is None:
            self.evaluate(trainer, pl_module, "ft", epoch, step=step)
        else:
            records = [
                {**r, "phase": "ft"}
                for r in self.records
                if r["phase"] == "val" and r["epoch"] == last["epoch"]
            ]
            summary = {**last, "reused_from": f"val epoch {last['epoch']}"}
            self._record(trainer, "ft", records, summary)
        self.results["ft"]["selection"] = self.selection.record(epoch)
        # The ft weights answer the fixed prompts even when ft reused an epoch's replies.
        self.answer_fixed(trainer, pl_module, "fixed_ft", epoch, step=step)
        # Development split (data.dev_fraction): what a search selects on, never the test prompts.
        dev = getattr(trainer.datamodule, "dev_examples", None)
        if dev and "dev" not in self.results:
            self.evaluate(trainer, pl_module, "dev", epoch, dev[: self.num_prompts], step=step)
