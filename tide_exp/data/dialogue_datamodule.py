"""LightningDataModule over two-turn dialogues."""

from __future__ import annotations

import functools
import logging
import random
from collections.abc import Callable

import pytorch_lightning as pl
from torch.utils.data import DataLoader

from tide_exp.data.chat import ChatFormatter, collate_right_padded
from tide_exp.data.examples import DialogueExample, split_examples

log = logging.getLogger(__name__)


class DialogueDataModule(pl.LightningDataModule):
    """Loads a corpus, splits it, and serves chat-formatted, prompt-masked batches.

    Args:
        source: Zero-argument callable returning the corpus (a ``_partial_`` loader in config).
        chat: Formats prompts with the model's chat template (built at run time).
        max_length: Tokens per training sequence, prompt included (the study used 80).
        batch_size: Training batch size.
        eval_batch_size: Validation batch size.
        eval_fraction: Share held out for evaluation.
        split_by: ``persona`` (no persona on both sides) or ``sample``.
        seed: Split seed.
        max_train_examples: Cap on training examples after the split (``None``: all).
        max_eval_examples: Cap on validation-loss examples (``None``: all).
        num_workers: DataLoader workers.
    """

    def __init__(
        self,
        source: Callable[[], list[DialogueExample]],
        chat: ChatFormatter,
        max_length: int = 128,
        batch_size: int = 8,
        eval_batch_size: int = 16,
        eval_fraction: float = 0.2,
        split_by: str = "persona",
        seed: int = 42,
        max_train_examples: int | None = None,
        max_eval_examples: int | None = None,
        num_workers: int = 0,
    ) -> None:
        super().__init__()
        self.source = source
        self.chat = chat
        self.max_length = max_length
        self.batch_size = batch_size
        self.eval_batch_size = eval_batch_size
        self.eval_fraction = eval_fraction
        self.split_by = split_by
        self.seed = seed
        self.max_train_examples = max_train_examples
        self.max_eval_examples = max_eval_examples
        self.num_workers = num_workers
        self.train_examples: list[DialogueExample] = []
        self.eval_examples: list[DialogueExample] = []
        self._train_features: list[dict] = []
        self._eval_features: list[dict] = []
        self._eval_order: list[DialogueExample] = []

    def setup(self, stage: str | None = None) -> None:
        if self.train_examples:
            return
        train, evaluation = split_examples(self.source(), self.eval_fraction, self.split_by, self.seed)
        self.train_examples = train[: self.max_train_examples]
        self.eval_examples = evaluation
        # The generation subset: a seeded shuffle, so any size is a prefix and spans personas.
        self._eval_order = sorted(evaluation, key=lambda e: e.example_id)
        random.Random(self.seed).shuffle(self._eval_order)
        self._train_features = self._encode(self.train_examples, "train")
        self._eval_features = self._encode(evaluation[: self.max_eval_examples], "eval")

    def _encode(self, examples: list[DialogueExample], split: str) -> list[dict]:
        features, truncated = [], 0
        for example in examples:
            feature = self.chat.encode(example.user_input, example.reference_response, self.max_length)
            if feature is None:
                continue
            truncated += len(feature["input_ids"]) == self.max_length
            features.append(feature)
        dropped = len(examples) - len(features)
        log.info(
            "%s: %d examples, %d truncated at max_length=%d, %d dropped (prompt alone too long)",
            split, len(features), truncated, self.max_length, dropped,
        )
        if not features:
            raise ValueError(f"no {split} example fits in max_length={self.max_length}: raise data.max_length")
        return features

    def eval_subset(self, size: int | None) -> list[DialogueExample]:
        """The fixed prompts the generation callback evaluates (seeded; ``None``: all held-out)."""
        return self._eval_order[:size] if size else list(self._eval_order)

    def _loader(self, features: list[dict], batch_size: int, shuffle: bool) -> DataLoader:
        collate = functools.partial(collate_right_padded, pad_token_id=self.chat.tokenizer.pad_token_id)
        return DataLoader(features, batch_size=batch_size, shuffle=shuffle, collate_fn=collate, num_workers=self.num_workers)

    def train_dataloader(self) -> DataLoader:
        return self._loader(self._train_features, self.batch_size, shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader(self._eval_features, self.eval_batch_size, shuffle=False)
