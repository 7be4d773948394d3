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
dialogues of ``exp(that dialogue's mean NLL per scored token)``, a dialogue's tokens being those
of all its validation sequences (a multi-turn dialogue gives one sequence per learned reply;
``DialogueExample.dialogue`` says which dialogue a sequence belongs to); a dialogue of few, hard
tokens weighs as much as a long one, so the mean lies above reading 1 (Jensen). ``eval.perplexity`` picks which one is
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
    """Reading 2: the mean over dialogues of ``exp(dialogue NLL / dialogue scored tokens)``.

    Update with per-sequence NLL sums and scored-token counts (:func:`sequence_nll`) and each
    sequence's dialogue number: a multi-turn dialogue gives one validation sequence per learned
    reply, and its sequences are pooled into one perplexity (the NLL and tokens of all its
    replies). Without dialogue numbers (or with a negative one) each sequence is a dialogue of
    its own. A dialogue without a scored token is left out.
    """

    full_state_update = False

    def __init__(self) -> None:
        super().__init__()
        self.add_state("nll", default=[], dist_reduce_fx="cat")
        self.add_state("tokens", default=[], dist_reduce_fx="cat")
        self.add_state("groups", default=[], dist_reduce_fx="cat")

    def update(
        self, nll: torch.Tensor, tokens: torch.Tensor, groups: torch.Tensor | None = None
    ) -> None:
        """Add one batch: per-sequence NLL sums, scored tokens and dialogue numbers."""
        self.nll.append(nll.detach().double().flatten())
        self.tokens.append(tokens.detach().long().flatten())
        own = torch.full_like(self.tokens[-1], -1)  # -1: a dialogue of its own
        self.groups.append(own if groups is None else groups.detach().long().flatten())

    def compute(self) -> dict[str, float]:
        """``{"perplexity_dialogue", "dialogues"}`` (NaN and 0 when nothing was scored)."""
        nll, tokens, groups = (_cat(state) for state in (self.nll, self.tokens, self.groups))
        alone = groups < 0
        # Each grouped dialogue's NLL and tokens, summed over its sequences.
        names, index = torch.unique(groups[~alone], return_inverse=True)
        pooled_nll = torch.zeros(len(names), dtype=torch.float64, device=nll.device)
        pooled_tokens = torch.zeros(len(names), dtype=torch.float64, device=nll.device)
        pooled_nll.index_add_(0, index, nll[~alone])
        pooled_tokens.index_add_(0, index, tokens[~alone].double())
        nll = torch.cat([nll[alone], pooled_nll])
        tokens = torch.cat([tokens[alone].double(), pooled_tokens])
        kept = tokens > 0
        count = int(kept.sum())
        mean = float(torch.exp(nll[kept] / tokens[kept]).mean()) if count else math.nan
        return {"perplexity_dialogue": mean, "dialogues": count}


def _cat(state: list[torch.Tensor] | torch.Tensor) -> torch.Tensor:
    """A list state as one tensor (after a sync it may already be one)."""
    if isinstance(state, torch.Tensor):
        return state.flatten()
    return torch.cat(state) if state else torch.zeros(0)


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
