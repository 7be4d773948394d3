"""LoRA fine-tuning of a causal LM inside a LightningModule."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytorch_lightning as pl
import torch
from peft import LoraConfig, PeftModel, get_peft_model, prepare_model_for_kbit_training
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from tide_exp.errors import ConfigError, check_choice
from tide_exp.metrics.perplexity import (
    READINGS,
    DialoguePerplexity,
    TokenPerplexity,
    scored_tokens,
    sequence_nll,
)
from tide_exp.tracking.loggers import EVAL_EPOCH, epochs_trained

log = logging.getLogger(__name__)


def build_peft_model(
    model: PreTrainedModel, lora_config: LoraConfig, gradient_checkpointing: bool = False
) -> PeftModel:
    """Wrap ``model`` with LoRA adapters; only the adapters are trainable.

    Raises:
        ConfigError: ``target_modules`` match no layer of this architecture.
    """
    if getattr(model, "is_loaded_in_4bit", False) or getattr(model, "is_loaded_in_8bit", False):
        model = prepare_model_for_kbit_training(
            model, use_gradient_checkpointing=gradient_checkpointing
        )
    elif gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.enable_input_require_grads()
    try:
        return get_peft_model(model, lora_config)
    except ValueError as err:
        if "not found in the base model" not in str(err):
            raise
        layers = sorted(
            {
                name.rsplit(".", 1)[-1]
                for name, m in model.named_modules()
                if isinstance(m, torch.nn.Linear)
            }
        )
        raise ConfigError(
            f"LoRA target modules {sorted(lora_config.target_modules)} match no layer of {type(model).__name__}: "
            f"set model.lora_target_modules to some of its linear layers {layers}."
        ) from None


def count_parameters(model: torch.nn.Module) -> tuple[int, int]:
    """(total, trainable) parameter counts."""
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return total, trainable


class LoraCausalLMModule(pl.LightningModule):
    """A causal LM with LoRA adapters, trained on prompt-masked replies.

    Args:
        model: The base model (loaded by the model config's loader).
        tokenizer: Its tokenizer; used by the generation callback.
        lora_config: peft LoRA settings (conf/lora/).
        optimizer: Partial optimizer, called with the trainable parameters.
        scheduler: Partial ``(optimizer, num_training_steps)`` -> LR scheduler, or ``None``.
        gradient_checkpointing: Trade compute for activation memory.
        perplexity: Which reading ``val/perplexity`` is (``eval.perplexity``): ``token``,
            exp of the token-weighted loss, or ``dialogue``, the mean of per-dialogue
            perplexities (a batch's ``dialogue`` numbers group its rows); both are logged
            (``val/perplexity_token``, ``val/perplexity_dialogue``).
    """

    def __init__(
        self,
        model: PreTrainedModel,
        tokenizer: PreTrainedTokenizerBase,
        lora_config: LoraConfig,
        optimizer: Callable[..., torch.optim.Optimizer],
        scheduler: Callable[..., Any] | None = None,
        gradient_checkpointing: bool = False,
        perplexity: str = "token",
    ) -> None:
        super().__init__()
        check_choice("eval.perplexity", perplexity, READINGS)
        self.perplexity = perplexity
        self.model = build_peft_model(model, lora_config, gradient_checkpointing)
        self.tokenizer = tokenizer
        self.optimizer_factory = optimizer
        self.scheduler_factory = scheduler
        # Checkpoints hold the adapters only, so the frozen base weights are absent on load.
        self.strict_loading = False
        self.total_params, self.trainable_params = count_parameters(self.model)
        # Token-weighted over the whole validation set (not a mean of batch means).
        self.val_perplexity = TokenPerplexity()
        self.val_dialogue_perplexity = DialoguePerplexity()
        self.last_validation: dict[str, float] | None = None

    def on_fit_start(self) -> None:
        share = 100 * self.trainable_params / self.total_params
        log.info(
            "parameters: %s total, %s trainable (%.3f%%)",
            f"{self.total_params:,}",
            f"{self.trainable_params:,}",
            share,
        )
        for logger in self.loggers:
            logger.log_hyperparams(
                {"params/total": self.total_params, "params/trainable": self.trainable_params}
            )

    def forward(self, **batch: torch.Tensor) -> Any:
        return self.model(**batch)

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        loss = self.model(**batch).loss
        self.log("train/loss", loss, prog_bar=True, batch_size=batch["input_ids"].shape[0])
        # Logged here rather than by LearningRateMonitor, which refuses to run without a logger.
        self.log(
            "train/lr",
            self.trainer.optimizers[0].param_groups[0]["lr"],
            batch_size=batch["input_ids"].shape[0],
        )
        return loss

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        # Which dialogue each row belongs to (the DataModule's validation batches): not a model input.
        dialogues = batch.get("dialogue")
        output = self.model(**{k: v for k, v in batch.items() if k != "dialogue"})
        loss = output.loss  # HF's mean over this batch's scored tokens
        tokens = scored_tokens(batch["labels"])
        if tokens > 0:
            self.val_perplexity.update(loss.detach().double() * tokens, tokens)
            nll, counts = sequence_nll(output.logits, batch["labels"])
            self.val_dialogue_perplexity.update(nll, counts, dialogues)
        return loss

    def on_validation_epoch_end(self) -> None:
        """Log ``val/loss`` (mean NLL per reply token over the whole set), both perplexity
        readings, and ``val/perplexity``: the one ``eval.perplexity`` chose."""
        if not self.val_perplexity.update_called:
            return
        result = self.val_perplexity.compute() | self.val_dialogue_perplexity.compute()
        self.val_perplexity.reset()
        self.val_dialogue_perplexity.reset()
        result["perplexity_token"] = result["perplexity"]
        result["perplexity"] = result[f"perplexity_{self.perplexity}"]
        self.last_validation = result
        self.log("val/loss", result["loss"], prog_bar=True)
        for name in ("perplexity", "perplexity_token", "perplexity_dialogue"):
            self.log(f"val/{name}", result[name])
        # The x of the per-epoch curves on W&B (0: before training), in the same row.
        self.log(EVAL_EPOCH, float(epochs_trained(self.trainer)))

    def configure_optimizers(self) -> Any:
        optimizer = self.optimizer_factory(
            params=[p for p in self.model.parameters() if p.requires_grad]
        )
        if self.scheduler_factory is None:
            return optimizer
        scheduler = self.scheduler_factory(
            optimizer=optimizer, num_training_steps=self.trainer.estimated_stepping_batches
        )
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": "step"},
        }

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Keep only the trainable (adapter) weights: megabytes instead of the whole base model."""
        trainable = {name for name, p in self.named_parameters() if p.requires_grad}
        checkpoint["state_dict"] = {
            k: v for k, v in checkpoint["state_dict"].items() if k in trainable
        }
