"""Perplexity of reference replies under a causal LM (Study B): teacher-forced, prompt masked.

Each (prompt, reference) pair is laid out with the tokenizer's own chat template, exactly as the
model sees it in training: the prompt part is ``apply_chat_template(messages,
add_generation_prompt=True)`` and the scored part is the rest of the templated conversation (the
reference and the template's end-of-turn text). Prompt tokens are masked; the loss is summed over
reference tokens, so

    loss = total NLL / total reference tokens      (token-weighted, over the whole set)
    perplexity = exp(loss)

That is reading 1 (``token``). Study B's perplexity (16.44 where exp of its loss 2.207 is
9.09) allows a second reading, :class:`DialoguePerplexity` (``dialogue``): the mean over
validation sequences (each one dialogue's context and its scored reply) of
``exp(that sequence's mean NLL per scored token)``; a sequence of few, hard tokens weighs as
much as a long one, so the mean lies above reading 1. ``eval.perplexity`` picks which one is
"perplexity"; both are recorded.

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


READINGS = ("token", "dialogue")  # eval.perplexity


class DialoguePerplexity(Metric):
    """Reading 2: the mean over sequences of ``exp(sequence NLL / sequence scored tokens)``.

    Update with per-sequence NLL sums and scored-token counts (:func:`sequence_nll`).
    """

    full_state_update = False

    def __init__(self) -> None:
        super().__init__()
        self.add_state(
            "total", default=torch.tensor(0.0, dtype=torch.float64), dist_reduce_fx="sum"
        )
        self.add_state("count", default=torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")

    def update(self, nll: torch.Tensor, tokens: torch.Tensor) -> None:
        """Add the sequences with at least one scored token."""
        kept = tokens > 0
        per_sequence = torch.exp(nll[kept].double() / tokens[kept].double())
        self.total = self.total + per_sequence.sum().to(self.total.device)
        self.count = self.count + kept.sum().long().to(self.count.device)

    def compute(self) -> dict[str, float]:
        """``{"perplexity_dialogue", "dialogues"}`` (NaN when nothing was scored)."""
        count = int(self.count)
        mean = float(self.total) / count if count else math.nan
        return {"perplexity_dialogue": mean, "dialogues": count}


def sequence_nll(logits: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per sequence: the NLL summed over its scored tokens, and their number.

    One sequence at a time, on its scored positions only, so the float32 log-softmax never
    spans the whole batch's logits (a 1024-token batch of 32 over a 150k vocabulary would).
    """
    shifted_logits, shifted = logits[:, :-1], labels[:, 1:]
    nll = torch.zeros(labels.shape[0], dtype=torch.float64, device=labels.device)
    tokens = (shifted != IGNORE_INDEX).sum(dim=1)
    for row in range(labels.shape[0]):
        mask = shifted[row] != IGNORE_INDEX
        if mask.any():
            nll[row] = torch.nn.functional.cross_entropy(
                shifted_logits[row][mask].float(), shifted[row][mask], reduction="sum"
            ).double()
    return nll, tokens


def scored_tokens(labels: torch.Tensor) -> torch.Tensor:
    """Tokens a causal LM's loss scores: labels after the one-position shift that are not masked."""
    return (labels[..., 1:] != IGNORE_INDEX).sum()
