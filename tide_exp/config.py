"""OmegaConf resolvers used by conf/ (registered on import of the entry points)."""

from __future__ import annotations

from omegaconf import OmegaConf


def _sweep_group(mode: str, sweep_dir: str) -> str | None:
    """W&B group: the sweep folder in a multirun (the same for every job), none for a single run."""
    return sweep_dir.replace("/", "_") if str(mode).endswith("MULTIRUN") else None


def _run_name(model: str, overrides: str) -> str:
    """W&B run name: the model slug, then the job's overrides (``model=...`` is left out)."""
    rest = ",".join(o for o in str(overrides).split(",") if o and not o.startswith("model="))
    return f"{model}:{rest}" if rest else str(model)


def _run_id(output_dir: str) -> str:
    """A W&B run id derived from the job folder, so a resumed job continues the same W&B run."""
    import hashlib

    return hashlib.sha1(str(output_dir).encode()).hexdigest()[:16]


RESOLVERS = {"tide_sweep_group": _sweep_group, "tide_run_name": _run_name, "tide_run_id": _run_id}


def register_resolvers() -> None:
    """Register the ``${tide_*:...}`` resolvers once per process."""
    for name, fn in RESOLVERS.items():
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, fn)


class _DropLitLoggerTip:
    """Filter for Lightning's advert for its hosted logger, printed at every Trainer start."""

    def filter(self, record: object) -> bool:
        return "litlogger" not in str(getattr(record, "msg", ""))


def quiet_third_party_logs() -> None:
    """Silence messages that repeat every run and say nothing about it."""
    import logging
    import warnings

    logging.getLogger("absl").setLevel(logging.WARNING)  # rouge-score: "Using default tokenizer."
    logging.getLogger("pytorch_lightning.utilities.rank_zero").addFilter(_DropLitLoggerTip())
    warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\).*")
    warnings.filterwarnings(
        "ignore", message=r".*is_gradient_checkpointing.*is deprecated.*", category=FutureWarning
    )
