"""LightningDataModule over two-turn dialogues."""

from __future__ import annotations

import functools
import logging
import random
from collections.abc import Callable
from pathlib import Path

import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader

from tide_exp.data.chat import ChatFormatter, collate_right_padded
from tide_exp.data.examples import DialogueExample, split_examples
from tide_exp.data.multiturn import (
    LOSS_ON,
    encode_example,
    encode_for_training,
    prompt_text,
)
from tide_exp.data.overlap import OVERLAP, check_overlap
from tide_exp.data.persona import report_persona_coverage
from tide_exp.data.records import write_skip_report
from tide_exp.data.reply_budget import check_reply_budget, measure_replies
from tide_exp.data.split_manifest import (
    apply_split_manifest,
    build_split_manifest,
    write_split_manifest,
)
from tide_exp.errors import ConfigError, check_choice
from tide_exp.runs.names import SKIPPED_ROWS

SKIP_REPORT_NAME = SKIPPED_ROWS  # the run folder's name for it (tide_exp.runs.folder)

log = logging.getLogger(__name__)


class DialogueDataModule(pl.LightningDataModule):
    """Loads a corpus, splits it, and serves chat-formatted, prompt-masked batches.

    Args:
        source: Zero-argument callable returning the corpus (a ``_partial_`` loader in config).
        chat: Formats prompts with the model's chat template (built at run time).
        max_length: Tokens per training sequence, prompt included (Study A's "max length = 80"
            read literally; docs/data.md, "How long a training example is").
        batch_size: Training batch size.
        eval_batch_size: Validation batch size.
        eval_fraction: Share held out for evaluation.
        split_by: ``persona`` (no persona on both sides) or ``sample``.
        seed: Split seed.
        max_train_examples: Cap on training examples after the split (``None``: all).
        max_eval_examples: Cap on validation-loss examples (``None``: all).
        num_workers: DataLoader workers.
        train_size: Training examples by count (Study A: 6000); needs ``eval_size``.
        eval_size: Held-out examples by count (Study A: 4000); overrides ``eval_fraction``.
        manifest_dir: Folder (the run folder) for ``split_manifest.json`` (ids per side and
            the settings) and, when the loader skipped rows, ``skipped_rows.jsonl``.
        split_manifest: A saved ``split_manifest.json`` (or the run folder holding it) to
            re-apply instead of splitting anew.
        loss_on: Multi-turn examples (with history): learn the ``final`` reply only, or
            ``all_assistant`` turns kept in the context too (:mod:`tide_exp.data.multiturn`).
        dev_fraction: Share of the training side (of its personas, with ``split_by=persona``)
            carved off as a development split before training; 0: none. The generation callback
            scores it after training (``dev/gen/*``) so hyperparameter searches select on it,
            never on the held-out prompts the report shows.
        max_target_tokens: Reply tokens learned per example, end-of-turn included; a longer
            reply is cut on the right before ``max_length`` applies. ``None``: only
            ``max_length`` cuts.
        min_reply_tokens: An example learning fewer reply tokens than this after a cut is
            *starved* (:mod:`tide_exp.data.reply_budget`); a reply shorter than this, learned
            whole, is not.
        max_starved_share: Setup stops with a :class:`~tide_exp.errors.ConfigError` when a
            larger share of the training split is starved (1.0: never).
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
        train_size: int | None = None,
        eval_size: int | None = None,
        manifest_dir: str | None = None,
        split_manifest: str | None = None,
        loss_on: str = "final",
        dev_fraction: float = 0.0,
        max_target_tokens: int | None = None,
        min_reply_tokens: int = 16,
        max_starved_share: float = 0.5,
        overlap: str = "warn",
    ) -> None:
        super().__init__()
        self.max_target_tokens = max_target_tokens
        self.min_reply_tokens = min_reply_tokens
        self.max_starved_share = max_starved_share
        check_choice("data.loss_on", loss_on, LOSS_ON)
        check_choice("data.overlap", overlap, OVERLAP)
        self.overlap = overlap
        self.overlapping: list[str] = []  # held-out ids sharing a training example's text
        self.loss_on = loss_on
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
        self.train_size = train_size
        self.eval_size = eval_size
        self.manifest_dir = manifest_dir
        self.split_manifest = split_manifest
        self.dev_fraction = dev_fraction
        self.dev_examples: list[DialogueExample] = []
        self.manifest_path: Path | None = None
        self.train_examples: list[DialogueExample] = []
        self.eval_examples: list[DialogueExample] = []
        self._train_features: list[dict] = []
        self._eval_features: list[dict] = []
        self._multiturn_features: dict[str, dict | None] = {}
        self._eval_order: list[DialogueExample] = []
        # What the run really used (results.json "data"): after skipped rows, caps and examples
        # whose prompt alone fills max_length, reply tokens learned per split; filled by setup().
        self.counts: dict[str, int | float] = {}

    def setup(self, stage: str | None = None) -> None:
        if self.train_examples:
            return
        corpus = self.source()
        without_persona = report_persona_coverage(self.chat, corpus)
        if self.split_manifest:
            train, evaluation = apply_split_manifest(corpus, self.split_manifest)
        else:
            try:
                train, evaluation = split_examples(
                    corpus,
                    self.eval_fraction,
                    self.split_by,
                    self.seed,
                    self.train_size,
                    self.eval_size,
                )
            except ValueError as err:
                raise ConfigError(
                    f"data split: {err}; adjust data.eval_fraction, data.train_size / eval_size or data.split_by."
                ) from None
        train, dev = self._carve_dev(train)
        if self.max_train_examples is not None:
            train = train[: self.max_train_examples]
        if not train:  # not max_length's fault, which _encode would name
            raise ConfigError(
                f"data split: no training example left ({len(evaluation)} of {len(corpus)} held "
                f"out, split by {self.split_by}); lower data.eval_fraction={self.eval_fraction} "
                "(or data.eval_size / dev_fraction), or add data."
            )
        evaluation, self.overlapping = check_overlap(train, evaluation, self.overlap)
        self.dev_examples = [self._with_history(e) for e in dev]
        train = [self._with_history(e) for e in train]
        evaluation = [self._with_history(e) for e in evaluation]
        replies: dict[str, int | float] = {}
        self._train_features, self.train_examples, too_long_train = self._encode(
            train, "train", replies
        )
        self._eval_features, loss_examples, too_long_eval = self._encode(
            evaluation[: self.max_eval_examples], "eval_loss", replies
        )
        # Each validation sequence's dialogue, as a number: the per-dialogue perplexity reading
        # pools a multi-turn dialogue's rows (eval.perplexity, DialogueExample.dialogue).
        dialogues: dict[str, int] = {}
        for feature, example in zip(self._eval_features, loss_examples, strict=True):
            feature["dialogue"] = dialogues.setdefault(example.dialogue, len(dialogues))
        self.eval_examples = evaluation
        # The generation subset: a seeded shuffle, so any size is a prefix and spans personas.
        self._eval_order = sorted(evaluation, key=lambda e: e.example_id)
        random.Random(self.seed).shuffle(self._eval_order)
        self.counts = {
            "corpus_examples": len(corpus),
            "skipped_rows": len(getattr(corpus, "skipped", [])),
            "train_examples": len(self.train_examples),
            "eval_examples": len(evaluation),
            "dev_examples": len(self.dev_examples),
            "val_loss_examples": len(loss_examples),
            "too_long_train": len(too_long_train),
            "too_long_eval_loss": len(too_long_eval),
            "max_target_tokens": self.max_target_tokens,
            "min_reply_tokens": self.min_reply_tokens,
            **replies,
            **({} if without_persona is None else {"prompts_without_persona": without_persona}),
        }
        too_long = {"train": too_long_train, "eval_loss": too_long_eval}
        self._save_manifest(corpus, self.train_examples, evaluation, too_long, self.dev_examples)
        self._multiturn_features.clear()  # eval examples past max_eval_examples

    def _carve_dev(
        self, train: list[DialogueExample]
    ) -> tuple[list[DialogueExample], list[DialogueExample]]:
        """(train, dev): the development split, persona-disjoint from training, seeded."""
        if not self.dev_fraction:
            return train, []
        try:
            return split_examples(train, self.dev_fraction, self.split_by, self.seed)
        except ValueError as err:
            raise ConfigError(
                f"data.dev_fraction={self.dev_fraction}: {err}; use a fraction in (0, 1) or 0 for no development split."
            ) from None

    def _save_manifest(
        self,
        corpus: list[DialogueExample],
        train: list[DialogueExample],
        evaluation: list[DialogueExample],
        too_long: dict[str, list[str]],
        dev: list[DialogueExample] | None = None,
    ) -> None:
        skipped = getattr(corpus, "skipped", [])
        if self.manifest_dir is None:
            if skipped:  # the loader has logged each one; say where a report would go
                log.warning(
                    "%d bad rows were skipped; set data.manifest_dir to write %s",
                    len(skipped),
                    SKIP_REPORT_NAME,
                )
            return
        settings = {
            "by": self.split_by,
            "seed": self.seed,
            "eval_fraction": self.eval_fraction,
            "train_size": self.train_size,
            "eval_size": self.eval_size,
            "max_train_examples": self.max_train_examples,
            "from_manifest": self.split_manifest,
            "source": getattr(corpus, "source", ""),
            "dev_fraction": self.dev_fraction,
        }
        manifest = build_split_manifest(corpus, train, evaluation, settings, too_long)
        manifest["dev"] = [e.example_id for e in dev or []]
        manifest["overlap"] = {"policy": self.overlap, "ids": list(self.overlapping)}
        self.manifest_path = write_split_manifest(self.manifest_dir, manifest)
        log.info("split manifest: %s", self.manifest_path)
        # Written every run, removed when nothing was skipped: never a stale list beside new results.
        report = write_skip_report(Path(self.manifest_dir) / SKIP_REPORT_NAME, skipped)
        if skipped:
            log.warning("%d bad rows were skipped; each one and why: %s", len(skipped), report)

    def _with_history(self, example: DialogueExample) -> DialogueExample:
        """The example with as many of its latest earlier turns as fit ``max_length``."""
        if not example.history:
            return example
        fitted, feature = encode_example(
            self.chat, example, self.max_length, self.loss_on, self.max_target_tokens
        )
        self._multiturn_features[fitted.example_id] = feature  # encoded once, reused below
        return fitted

    def _feature(self, example: DialogueExample) -> dict | None:
        if example.example_id in self._multiturn_features:
            return self._multiturn_features.pop(example.example_id)
        return encode_for_training(
            self.chat, example, self.max_length, self.loss_on, self.max_target_tokens
        )

    def prompt(self, example: DialogueExample) -> str:
        """The generation prompt of ``example``, laid out exactly as in training."""
        return prompt_text(self.chat, example)

    def _encode(
        self, examples: list[DialogueExample], split: str, replies: dict[str, int | float]
    ) -> tuple[list[dict], list[DialogueExample], list[str]]:
        """Features, the examples they came from, and the ids left out as too long.

        Measures the reply tokens learned into ``replies`` and stops a starved training split.
        """
        encoded = [self._feature(example) for example in examples]
        budget = measure_replies(encoded, self.min_reply_tokens)
        replies.update(budget.counts(split))
        log.info("%s: %s", split, budget.describe())
        if split == "train":
            check_reply_budget(
                budget, split, self.max_length, self.max_target_tokens, self.max_starved_share
            )
        features, kept, too_long, truncated = [], [], [], 0
        for example, feature in zip(examples, encoded, strict=True):
            if feature is None:
                too_long.append(example.example_id)
                continue
            feature.pop("reply_tokens")  # measured; batches carry ids and labels only
            truncated += len(feature["input_ids"]) == self.max_length
            features.append(feature)
            kept.append(example)
        dropped = len(too_long)
        # A warning when any was left out: the counts in results.json and the manifest say so too.
        (log.warning if dropped else log.info)(
            "%s: %d examples, %d truncated at max_length=%d, %d left out (prompt alone too long)",
            split,
            len(features),
            truncated,
            self.max_length,
            dropped,
        )
        if not features:
            raise ConfigError(
                f"data.max_length={self.max_length}: no {split} example fits (the prompts alone "
                "are that long); raise data.max_length."
            )
        return features, kept, too_long

    def eval_subset(self, size: int | None) -> list[DialogueExample]:
        """The fixed prompts the generation callback evaluates (seeded; ``None``: all held-out)."""
        return list(self._eval_order) if size is None else self._eval_order[:size]

    def _loader(self, features: list[dict], batch_size: int, shuffle: bool) -> DataLoader:
        collate = functools.partial(
            collate_right_padded, pad_token_id=self.chat.tokenizer.pad_token_id
        )
        return DataLoader(
            features,
            batch_size=batch_size,
            shuffle=shuffle,
            collate_fn=collate,
            num_workers=self.num_workers,
            # Page-locked batches copy to the GPU asynchronously; the batches are unchanged.
            pin_memory=torch.cuda.is_available(),
        )

    def train_dataloader(self) -> DataLoader:
        return self._loader(self._train_features, self.batch_size, shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader(self._eval_features, self.eval_batch_size, shuffle=False)
