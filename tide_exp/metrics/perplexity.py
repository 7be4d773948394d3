"""Perplexity of reference replies under a causal LM (Study B): teacher-forced, prompt masked.

Each (prompt, reference) pair is laid out with the tokenizer's own chat template, exactly as the
model sees it in training: the prompt part is ``apply_chat_template(messages,
add_generation_prompt=True)`` and the scored part is the rest of the templated conversation (the
reference and the template's end-of-turn text). Prompt tokens are masked; the loss is summed over
reference tokens, so

    loss = total NLL / total reference tokens      (token-weighted, over the whole set)
    perplexity = exp(loss)

A Trainer's ``eval_loss`` averages per-batch means instead, which weights a batch of few reply
tokens as much as one of many. :class:`TokenPerplexity` is the one accumulator of this sum: the
LightningModule's ``val/loss`` / ``val/perplexity`` use it, and the tests check them against an
independent teacher-forced computation (``tests/reference_perplexity.py``).
"""

from __future__ import annotations

import math

import torch
from torchmetrics import Metric

IGNORE_INDEX = -100


class TokenPerplexity(Metric):
    """Token-weighted loss and perplexity: ``exp(sum of reply-token NLL / reply tokens)``.

    Update with per-batch NLL *sums* and the number of scored tokens (never a batch's mean loss:
    averaging means would weight a short batch like a long one). Synced across processes.
    """

    full_state_update = False

    def __init__(self) -> None:
        super().__init__()
        self.add_state("nll", default=torch.tensor(0.0, dtype=torch.float64), dist_reduce_fx="sum")
        self.add_state("tokens", default=torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")

    def update(self, nll: torch.Tensor, tokens: torch.Tensor | int) -> None:
        """Add ``nll`` (summed over ``tokens`` scored tokens, any shape) to the running totals."""
        # Rebound, not updated in place: states reset under trainer.validate()'s inference mode
        # are inference tensors, which a later fit's validation loop may not modify in place.
        self.nll = (
            self.nll + torch.as_tensor(nll, dtype=torch.float64, device=self.nll.device).sum()
        )
        self.tokens = self.tokens + torch.as_tensor(tokens, device=self.tokens.device).sum().long()

    def compute(self) -> dict[str, float]:
        """``{"loss", "perplexity", "tokens"}``; NaN loss and perplexity when nothing was scored."""
        tokens = int(self.tokens)
        loss = float(self.nll) / tokens if tokens else math.nan
        return {
            "loss": loss,
            "perplexity": math.exp(loss) if tokens else math.nan,
            "tokens": tokens,
        }


def scored_tokens(labels: torch.Tensor) -> torch.Tensor:
    """Tokens a causal LM's loss scores: labels after the one-position shift that are not masked."""
    return (labels[..., 1:] != IGNORE_INDEX).sum()
