"""Third-party console messages that repeat every run and say nothing about it, silenced."""

from __future__ import annotations


class _DropLitLoggerTip:
    """Filter for Lightning's advert for its hosted logger, printed at every Trainer start."""

    def filter(self, record: object) -> bool:
        return "litlogger" not in str(getattr(record, "msg", ""))


def quiet_third_party_logs() -> None:
    """Silence messages that repeat every run and say nothing about it."""
    import logging
    import warnings

    from transformers.utils import logging as hf_logging

    logging.getLogger("absl").setLevel(logging.WARNING)  # rouge-score: "Using default tokenizer."
    # One "Loading weights" bar per model loaded (base model, sentence encoder, BERTScore model).
    hf_logging.disable_progress_bar()
    logging.getLogger("pytorch_lightning.utilities.rank_zero").addFilter(_DropLitLoggerTip())
    warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\).*")
    # A resumed run's checkpoints/ holds its own last.ckpt, which the job checked before
    # resuming from it (tide_exp.runs.folder); Lightning's warning about it only alarms.
    warnings.filterwarnings("ignore", message=r"Checkpoint directory .* exists and is not empty")
    warnings.filterwarnings(
        "ignore", message=r".*is_gradient_checkpointing.*is deprecated.*", category=FutureWarning
    )
