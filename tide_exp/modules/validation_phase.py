"""Validation loss and perplexity as a named phase: the base model before training, the adapter after.

Study B's Table 2 compares the base model with the fine-tuned one on validation loss and
perplexity. :func:`validate_phase` runs Lightning's validation loop once and returns the
module's token-weighted result (:class:`~tide_exp.metrics.perplexity.TokenPerplexity`), logged
as ``{phase}/val/loss`` and ``{phase}/val/perplexity`` (``zs`` before, ``ft`` after training).
"""

from __future__ import annotations

from typing import Any

import pytorch_lightning as pl

from tide_exp.tracking.loggers import log_row


def validate_phase(
    trainer: pl.Trainer, module: pl.LightningModule, datamodule: pl.LightningDataModule, phase: str
) -> dict[str, float] | None:
    """Run the validation loop once and log its loss and perplexity under ``phase``.

    Returns:
        ``{"loss", "perplexity", "tokens"}``, or ``None`` when validation scored nothing
        (``trainer.limit_val_batches=0`` or an empty validation set).
    """
    module.last_validation = None
    trainer.validate(module, datamodule=datamodule, verbose=False)
    result: dict[str, Any] | None = module.last_validation
    if result is None:
        return None
    names = ("loss", "perplexity", "perplexity_token", "perplexity_dialogue")
    scalars = {f"{phase}/val/{name}": result[name] for name in names if name in result}
    log_row(trainer, scalars)
    for logger in trainer.loggers:
        logger.save()  # outside fit nothing flushes a buffering logger (CSV) afterwards
    return dict(result)
