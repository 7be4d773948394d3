"""Generate replies for a fixed prompt subset and score them: zero-shot, every epoch, fine-tuned."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
from pytorch_lightning.loggers import WandbLogger

from tide_exp.generation import generate_outputs
from tide_exp.metrics import score_texts
from tide_exp.rundir import RunFolder

log = logging.getLogger(__name__)

TABLE_COLUMNS = ["example_id", "theme", "prompt", "reference", "prediction"]


class GenerationMetricsCallback(pl.Callback):
    """Evaluates generation quality at three moments of one run.

    * ``zs``: before training (zero-shot), logged at step 0;
    * ``val``: after every validation epoch, logged as ``val/gen/<metric>``;
    * ``ft``: after training; when the last epoch's evaluation already saw the final weights it
      is reused rather than generated again (greedy decoding would give the same replies);
    * ``dev``: after training, on the development split when the DataModule carves one
      (``data.dev_fraction``): the number a hyperparameter search selects on, never the test
      prompts the report shows.

    Each phase also records how many replies were cut by ``max_new_tokens`` (no end-of-turn
    token) and how many stopped inside an open reasoning block (``replies`` in its summary,
    ``<phase>/gen/cut_rate`` and ``<phase>/gen/open_reasoning_rate`` in the logs).

    Every phase appends its records to ``generations.jsonl`` (rewritten atomically) and logs a
    W&B table of prompt, reference, prediction and per-sample scores.

    Args:
        output_dir: Run directory for ``generations.jsonl``.
        model_name: Model slug written into every record.
        num_prompts: Size of the fixed held-out prompt subset (``None``: all held-out examples).
        metrics: Metric name -> options, passed to :func:`tide_exp.metrics.score_texts`.
        batch_size: Prompts per ``generate`` call.
        max_new_tokens: Cap on reply length.
        generation_kwargs: Extra ``generate`` arguments (greedy unless they set ``do_sample``).
        strip_think: Remove a ``...</think>`` reasoning block from replies (always done when the
            chat formatter's reasoning mode is ``think``).
        zero_shot: Evaluate before training.
    """

    def __init__(
        self,
        output_dir: str,
        model_name: str,
        num_prompts: int | None = 16,
        metrics: Mapping[str, Mapping[str, Any] | None] | None = None,
        batch_size: int = 8,
        max_new_tokens: int = 64,
        generation_kwargs: Mapping[str, Any] | None = None,
        strip_think: bool = False,
        zero_shot: bool = True,
    ) -> None:
        self.output_dir = Path(output_dir)
        self.model_name = model_name
        self.num_prompts = num_prompts
        self.metrics = dict(metrics or {"rouge_l": {}, "cosine": {}})
        self.batch_size = batch_size
        self.max_new_tokens = max_new_tokens
        self.generation_kwargs = dict(generation_kwargs or {})
        self.strip_think = strip_think
        self.zero_shot = zero_shot
        self.records: list[dict[str, Any]] = []
        self.results: dict[str, Any] = {"val": []}
        self._last_eval: tuple[int, list[dict[str, Any]], dict[str, Any]] | None = None

    @property
    def generations_path(self) -> Path:
        return RunFolder(self.output_dir).generations_path

    def evaluate(
        self,
        trainer: pl.Trainer,
        pl_module: pl.LightningModule,
        phase: str,
        epoch: int | None,
        examples: list | None = None,
    ) -> dict[str, Any]:
        """Generate, score, record and log one phase (on ``examples``, else the held-out subset)."""
        start = time.perf_counter()
        if examples is None:
            examples = trainer.datamodule.eval_subset(self.num_prompts)
        chat = trainer.datamodule.chat
        outputs = generate_outputs(
            pl_module.model,
            pl_module.tokenizer,
            [trainer.datamodule.prompt(e) for e in examples],  # history and persona, if any
            batch_size=self.batch_size,
            max_new_tokens=chat.max_new_tokens(self.max_new_tokens),
            generation_kwargs=self.generation_kwargs,
            strip_think=self.strip_think or getattr(chat, "reasoning", None) == "think",
        )
        predictions = [o.text for o in outputs]
        generation_s = time.perf_counter() - start
        scores = score_texts(predictions, [e.reference_response for e in examples], self.metrics)
        records = [
            {
                "phase": phase,
                "epoch": epoch,
                "step": trainer.global_step,
                "model": self.model_name,
                "example_id": e.example_id,
                "persona_id": e.persona_id,
                "theme": e.theme,
                "prompt": e.user_input,
                "reference": e.reference_response,
                "prediction": output.text,
                "finished": output.finished,
                "open_reasoning": output.open_reasoning,
                "scores": sample,
            }
            for e, output, sample in zip(examples, outputs, scores["per_sample"], strict=True)
        ]
        requested = self.num_prompts if phase != "dev" else None
        if requested and len(examples) < requested:
            log.warning(
                "%s: scored %d prompts, fewer than eval.num_prompts=%d (the held-out split is smaller)",
                phase,
                len(examples),
                requested,
            )
        summary = {
            "epoch": epoch,
            "step": trainer.global_step,
            "prompts": len(examples),
            "prompts_requested": requested,
            "replies": reply_endings(outputs),
            "metrics": scores["metrics"],
            # Plain JSON types only: the summary travels in checkpoints, which torch loads with
            # weights_only=True (a TorchVersion in the versions would refuse to load).
            "metric_config": json.loads(json.dumps(scores["config"], default=str)),
            "generation_s": round(generation_s, 2),
            "scoring_s": round(time.perf_counter() - start - generation_s, 2),
        }
        self._record(trainer, phase, records, summary)
        self._last_eval = (trainer.global_step, records, summary)
        return summary

    def _record(
        self,
        trainer: pl.Trainer,
        phase: str,
        records: list[dict[str, Any]],
        summary: dict[str, Any],
    ) -> None:
        self.records.extend(records)
        RunFolder(self.output_dir).write_generations(self.records)
        if phase == "val":
            self.results["val"].append(summary)
        else:
            self.results[phase] = summary
        means = {name: m["mean"] for name, m in summary["metrics"].items()}
        means.update(
            {
                "cut_rate": summary["replies"]["cut_rate"],
                "open_reasoning_rate": summary["replies"]["open_reasoning_rate"],
            }
        )
        log.info(
            "%s (epoch %s): %s",
            phase,
            summary["epoch"],
            ", ".join(f"{k}={v:.4f}" for k, v in means.items()),
        )
        # Zero-shot also goes on the val curve at step 0, so W&B plots start from the baseline.
        prefixes = {
            "zs": ["zs/gen", "val/gen"],
            "val": ["val/gen"],
            "ft": ["ft/gen"],
            "dev": ["dev/gen"],
        }[phase]
        scalars = {f"{prefix}/{k}": v for prefix in prefixes for k, v in means.items()}
        for logger in trainer.loggers:
            logger.log_metrics(scalars, step=trainer.global_step)
            if isinstance(logger, WandbLogger):
                # Corpus-level metrics (distinct-n) have no per-reply value: scalars only.
                names = [
                    n for n, m in summary["metrics"].items() if m.get("level", "sample") == "sample"
                ]
                rows = [
                    [r[c] for c in ("example_id", "theme", "prompt", "reference", "prediction")]
                    + [r["scores"].get(n) for n in names]
                    for r in records
                ]
                key = (
                    f"{phase}/generations"
                    if phase != "val"
                    else f"val/generations_epoch{summary['epoch']}"
                )
                logger.log_table(
                    key=key, columns=TABLE_COLUMNS + names, data=rows, step=trainer.global_step
                )

    def state_dict(self) -> dict[str, Any]:
        """Saved in checkpoints, so a resumed run neither repeats nor duplicates a phase."""
        return {
            "records": self.records,
            "results": self.results,
            "last_step": self._last_eval[0] if self._last_eval else None,
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.records = list(state_dict["records"])
        self.results = dict(state_dict["results"])
        step = state_dict.get("last_step")
        if step is not None and self.results["val"]:
            last = self.results["val"][-1]
            self._last_eval = (
                step,
                [r for r in self.records if r["phase"] == "val" and r["epoch"] == last["epoch"]],
                last,
            )
        # Drop lines written after the checkpoint.
        RunFolder(self.output_dir).write_generations(self.records)

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self.zero_shot and trainer.is_global_zero and "zs" not in self.results:
            self.evaluate(trainer, pl_module, "zs", None)

    def on_validation_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        # trainer.validate() outside fit (the base/fine-tuned validation phases) generates nothing.
        if trainer.sanity_checking or not trainer.is_global_zero or trainer.state.fn != "fit":
            return
        self.evaluate(trainer, pl_module, "val", trainer.current_epoch)

    def on_fit_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if not trainer.is_global_zero:
            return
        if (
            self._last_eval is not None
            and self._last_eval[0] == trainer.global_step
            and self.results["val"]
        ):
            _, records, summary = self._last_eval
            self._record(trainer, "ft", [{**r, "phase": "ft"} for r in records], dict(summary))
        else:
            self.evaluate(trainer, pl_module, "ft", trainer.current_epoch)
        dev = getattr(trainer.datamodule, "dev_examples", None)
        if dev and "dev" not in self.results:
            self.evaluate(trainer, pl_module, "dev", trainer.current_epoch, dev[: self.num_prompts])


def reply_endings(outputs: list) -> dict[str, Any]:
    """How the replies of one phase ended: counts and rates of cut and open-reasoning replies."""
    n = len(outputs)
    cut = sum(not o.finished for o in outputs)
    open_reasoning = sum(o.open_reasoning for o in outputs)
    return {
        "n": n,
        "cut": cut,
        "cut_rate": cut / n if n else float("nan"),
        "open_reasoning": open_reasoning,
        "open_reasoning_rate": open_reasoning / n if n else float("nan"),
    }
