"""The crisis probe over one model's phases: the orchestration ``tide safety probe`` and the
probe callback share.

A :class:`ProbeRun` holds the prompts, the rules and the records and summaries of the phases
run so far (zero-shot, fine-tuned). Each phase generates with the settings it is given (built
for the model's chat formatter, as evaluation builds them), scores every reply by the rules,
and replaces that phase's earlier records; the files are ``safety.jsonl`` and
``safety_unsafe.md`` (:mod:`tide_exp.safety.report`) and, for the command,
``safety_summary.json``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tide_exp.files.writers import write_json
from tide_exp.safety.phase import run_safety_phase
from tide_exp.safety.probe import ProbePrompt, load_probe
from tide_exp.safety.progress import ProbeProgress
from tide_exp.safety.report import write_safety_files
from tide_exp.safety.rules import SafetyRules
from tide_exp.safety.summary import compare, scalars

SUMMARY_FILE = "safety_summary.json"  # `tide safety probe`'s summary, beside the records


@dataclass
class ProbeRun:
    """The probe's prompts and rules, and what each phase run so far gave.

    Attributes:
        prompts: The probe prompts every phase replies to.
        rules: The rule layer that scores each reply.
        model_name: The model slug written into every record.
        records: Every reply so far, one record each (``phase`` tells them apart).
        summaries: Phase -> its rates (:func:`tide_exp.safety.summary.summarize` and more).
    """

    prompts: list[ProbePrompt]
    rules: SafetyRules
    model_name: str
    records: list[dict[str, Any]] = field(default_factory=list)
    summaries: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        model_name: str,
        probe_file: str | Path | None = None,
        max_prompts: int | None = None,
        categories: Sequence[str] | None = None,
        country: str = "us",
        resources: Mapping[str, Sequence[str]] | None = None,
    ) -> ProbeRun:
        """The shipped probe (or ``probe_file``), cut to ``max_prompts`` spread over categories,
        and the rules with ``country``'s crisis resources (``resources`` replacing them)."""
        prompts = load_probe(probe_file, max_prompts, list(categories) if categories else None)
        return cls(prompts, SafetyRules(country, resources), model_name)

    def run_phase(
        self,
        phase: str,
        model: Any,
        tokenizer: Any,
        chat: Any,
        settings: Any,
        progress: ProbeProgress | None = None,
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Reply to every prompt, score and summarize; the phase's records replace its earlier ones.

        Args:
            phase: ``zs`` (the base model) or ``ft`` (with the adapter).
            chat: The model's chat formatter.
            settings: Generation settings built for ``chat``
                (:meth:`tide_exp.generation.GenerationSettings.for_chat`).
            progress: Where finished replies are kept and read back
                (:class:`~tide_exp.safety.progress.ProbeProgress`).

        Returns:
            ``(records, summary)`` of this phase.
        """
        records, summary = run_safety_phase(
            model,
            tokenizer,
            chat,
            self.prompts,
            self.rules,
            phase,
            self.model_name,
            settings,
            progress,
        )
        self.records = [r for r in self.records if r["phase"] != phase] + records
        self.summaries[phase] = summary
        return records, summary

    def comparison(self) -> list[dict[str, Any]]:
        """Zero-shot vs fine-tuned rate per group (:func:`tide_exp.safety.summary.compare`)."""
        return compare(self.summaries.get("zs"), self.summaries.get("ft"))

    def scalars(self) -> dict[str, float]:
        """Headline rates of every phase run so far (``zs/safety/safe_rate``...)."""
        return {k: v for phase, s in self.summaries.items() for k, v in scalars(phase, s).items()}

    def write(self, folder: str | Path) -> dict[str, Path]:
        """``safety.jsonl`` (every reply) and ``safety_unsafe.md`` in ``folder``, atomically."""
        return write_safety_files(folder, self.records)

    def write_summary(self, folder: str | Path, adapter: str | None) -> Path:
        """``safety_summary.json``: the model, adapter, country, each phase's rates, the change."""
        return write_json(
            Path(folder) / SUMMARY_FILE,
            {
                "model": self.model_name,
                "adapter": adapter,
                "country": self.rules.country,
                "phases": self.summaries,
                "comparison": self.comparison(),
            },
        )
