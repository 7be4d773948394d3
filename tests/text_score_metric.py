"""A thin torchmetrics wrapper over :func:`score_texts`, correct across DDP ranks (test-only: the
package never uses it; the test shows the suite's corpus-level metrics survive a DDP gather).

Texts are kept as UTF-8 byte tensors plus lengths in ``cat`` list states, so torchmetrics gathers
them from every rank like any tensor state; ``compute`` decodes the gathered texts and scores the
whole set once. Corpus-level metrics (distinct-n, AER) therefore see all ranks' replies, not a mean
of per-rank values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torchmetrics import Metric
from torchmetrics.utilities.data import dim_zero_cat

from tide_exp.metrics.suite import score_texts


def encode_texts(texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Concatenated UTF-8 bytes and per-text byte lengths."""
    raw = [t.encode("utf-8") for t in texts]
    data = torch.tensor(list(b"".join(raw)), dtype=torch.uint8)
    return data, torch.tensor([len(r) for r in raw], dtype=torch.long)


def decode_texts(data: torch.Tensor, lengths: torch.Tensor) -> list[str]:
    """Inverse of :func:`encode_texts`."""
    blob = bytes(data.tolist())
    texts, offset = [], 0
    for n in lengths.tolist():
        texts.append(blob[offset : offset + n].decode("utf-8"))
        offset += n
    return texts


class TextScoreMetric(Metric):
    """Accumulates (prediction, reference) pairs; ``compute`` returns each metric's mean.

    Args:
        metrics: Metric name -> options, as for :func:`score_texts`.
    """

    full_state_update = False
    is_differentiable = False
    higher_is_better = None

    def __init__(self, metrics: Mapping[str, Mapping[str, Any] | None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.metrics = {name: dict(opts or {}) for name, opts in metrics.items()}
        for state in ("pred_bytes", "pred_lens", "ref_bytes", "ref_lens"):
            self.add_state(state, default=[], dist_reduce_fx="cat")
        self.last_scores: dict[str, Any] | None = None

    def update(self, predictions: list[str], references: list[str]) -> None:
        if len(predictions) != len(references):
            raise ValueError(f"{len(predictions)} predictions but {len(references)} references")
        for (data, lens), prefix in (
            (encode_texts(list(predictions)), "pred"),
            (encode_texts(list(references)), "ref"),
        ):
            getattr(self, f"{prefix}_bytes").append(data.to(self.device))
            getattr(self, f"{prefix}_lens").append(lens.to(self.device))

    def texts(self) -> tuple[list[str], list[str]]:
        """The accumulated (and, after sync, gathered) predictions and references."""

        def gathered(name: str) -> list[str]:
            data, lens = getattr(self, f"{name}_bytes"), getattr(self, f"{name}_lens")
            if isinstance(lens, list) and not lens:
                return []
            return decode_texts(dim_zero_cat(data).cpu(), dim_zero_cat(lens).cpu())

        return gathered("pred"), gathered("ref")

    def compute(self) -> dict[str, torch.Tensor]:
        predictions, references = self.texts()
        self.last_scores = score_texts(predictions, references, self.metrics)
        return {
            name: torch.tensor(m["mean"], dtype=torch.float64)
            for name, m in self.last_scores["metrics"].items()
        }
