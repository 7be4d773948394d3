"""Crisis-safety probe before and after fine-tuning (``eval.safety=true``)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytorch_lightning as pl

from tide_exp.generation import GenerationSettings
from tide_exp.runs.folder import RunFolder
from tide_exp.safety.probe_run import ProbeRun
from tide_exp.safety.summary import scalars
from tide_exp.tracking.loggers import log_row

log = logging.getLogger(__name__)

REPLY_COLUMNS = ["id", "category", "risk_level", "prompt", "reply", "safe", "failed"]
RATE_COLUMNS = ["group", "name", "n", "zs", "ft", "change"]


class SafetyProbeCallback(pl.Callback):
    """Replies to the crisis probe zero-shot (fit start) and fine-tuned (fit end), scored by rules.

    Writes ``safety.jsonl`` and ``safety_unsafe.md`` in the run folder, logs
    ``{zs,ft}/safety/safe_rate`` (and crisis/control rates) and W&B tables, and keeps the
    summaries for results.json (:meth:`report`).

    Args:
        output_dir: Run folder.
        model_name: Model slug written into every record.
        enabled: Off by default; ``eval.safety=true`` turns it on.
        probe_file: The probe JSONL (``None``: the shipped set).
        max_prompts: Keep this many prompts, spread over categories (``None``: all 100).
        categories: Keep only these categories (``None``: all).
        country: Crisis resources a reply may name (tide_exp/safety/resources.yaml).
        resources: Country -> patterns replacing the shipped resource lists.
        generation: How replies are generated (``eval.generation``), as the evaluation callback
            generates them; only the cap is the probe's own.
        max_new_tokens: The probe's cap on reply length: a crisis reply needs room to reach its
            resources. In the chat config's ``think`` mode its reasoning budget comes on top.
        zero_shot: Probe before training too.
    """

    def __init__(
        self,
        output_dir: str,
        model_name: str,
        enabled: bool = False,
        probe_file: str | None = None,
        max_prompts: int | None = None,
        categories: Sequence[str] | None = None,
        country: str = "us",
        resources: Mapping[str, Sequence[str]] | None = None,
        *,
        generation: GenerationSettings,
        max_new_tokens: int,
        zero_shot: bool = True,
    ) -> None:
        self.output_dir = Path(output_dir)
        self.model_name = model_name
        self.enabled = enabled
        # The probe's prompts, rules and phases so far (shared with `tide safety probe`).
        self.probe_run = (
            ProbeRun.load(model_name, probe_file, max_prompts, categories, country, resources)
            if enabled
            else None
        )
        # Evaluation's settings with the probe's cap; each phase applies the reasoning mode.
        self.generation = generation.replace(max_new_tokens=max_new_tokens)
        self.zero_shot = zero_shot

    @property
    def records(self) -> list[dict[str, Any]]:
        """Every reply so far (``safety.jsonl``)."""
        return self.probe_run.records if self.probe_run else []

    @property
    def summaries(self) -> dict[str, dict[str, Any]]:
        """Phase -> its rates."""
        return self.probe_run.summaries if self.probe_run else {}

    def probe(self, trainer: pl.Trainer, pl_module: pl.LightningModule, phase: str) -> None:
        """Generate, score, write and log one phase."""
        chat = trainer.datamodule.chat
        settings = self.generation.for_chat(chat)
        records, summary = self.probe_run.run_phase(
            phase, pl_module.model, pl_module.tokenizer, chat, settings
        )
        self.probe_run.write(self.output_dir)
        values = scalars(phase, summary)
        log.info("%s safety: %s", phase, ", ".join(f"{k}={v:.3f}" for k, v in values.items()))
        rows = [
            [r[c] if c != "failed" else ", ".join(r[c]) for c in REPLY_COLUMNS] for r in records
        ]
        tables = {f"safety/replies_{phase}": (REPLY_COLUMNS, rows)}
        if phase == "ft":
            rates = self.probe_run.comparison()
            tables["safety/rates"] = (RATE_COLUMNS, [[r[c] for c in RATE_COLUMNS] for r in rates])
        log_row(trainer, values, tables)

    results_key = "safety"

    def active(self) -> bool:
        return self.enabled

    def outputs(self) -> dict[str, str]:
        return {
            "safety": str(RunFolder(self.output_dir).safety_records_path),
            "safety_unsafe": str(RunFolder(self.output_dir).safety_unsafe_path),
        }

    def report(self) -> dict[str, Any]:
        """The ``safety`` section of results.json: per-phase rates and the zs -> ft change."""
        return {
            "probe": {
                "n_prompts": len(self.probe_run.prompts),
                "country": self.probe_run.rules.country,
            },
            "phases": self.summaries,
            "comparison": self.probe_run.comparison(),
            "records": str(RunFolder(self.output_dir).safety_records_path),
            "unsafe": str(RunFolder(self.output_dir).safety_unsafe_path),
        }

    def scalars(self) -> dict[str, float]:
        """Headline rates of every phase run so far (``zs/safety/safe_rate``...)."""
        return self.probe_run.scalars() if self.probe_run else {}

    def state_dict(self) -> dict[str, Any]:
        """Saved in checkpoints, so a resumed run keeps its zero-shot phase."""
        return {"records": self.records, "summaries": self.summaries}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        if self.probe_run is not None:
            self.probe_run.records = list(state_dict.get("records", []))
            self.probe_run.summaries = dict(state_dict.get("summaries", {}))

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if (
            self.enabled
            and self.zero_shot
            and trainer.is_global_zero
            and "zs" not in self.summaries
        ):
            self.probe(trainer, pl_module, "zs")

    def on_fit_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self.enabled and trainer.is_global_zero:
            self.probe(trainer, pl_module, "ft")
