import functools

import pytest
import pytorch_lightning as pl
import torch
from peft import LoraConfig, PeftModel

from tide_exp.data.chat import ChatFormatter
from tide_exp.data.dialogue_datamodule import DialogueDataModule
from tide_exp.data.tide_folder import load_tide_folder
from tide_exp.models.tiny import build_tiny_random_model
from tide_exp.modules import LoraCausalLMModule


def _module(lr: float) -> tuple[LoraCausalLMModule, DialogueDataModule]:
    loaded = build_tiny_random_model(seed=1)
    module = LoraCausalLMModule(
        loaded.model,
        loaded.tokenizer,
        LoraConfig(
            task_type="CAUSAL_LM",
            r=8,
            lora_alpha=16,
            target_modules=["q_proj", "v_proj"],
            lora_dropout=0.0,
        ),
        optimizer=functools.partial(torch.optim.AdamW, lr=lr),
    )
    dm = DialogueDataModule(
        load_tide_folder,
        ChatFormatter(loaded.tokenizer),
        max_length=64,
        batch_size=8,
        max_train_examples=8,
    )
    return module, dm


def test_only_adapters_train_and_counts_are_logged():
    module, _ = _module(1e-3)
    assert 0 < module.trainable_params < module.total_params / 10
    names = [n for n, p in module.model.named_parameters() if p.requires_grad]
    assert names and all("lora_" in n for n in names)


@pytest.mark.parametrize(
    ("accelerator", "precision"),
    [("cpu", "32-true"), pytest.param("gpu", "bf16-mixed", marks=[pytest.mark.gpu])],
)
def test_loss_goes_down_when_overfitting_eight_rows(tmp_path, accelerator, precision):
    module, dm = _module(2e-2)
    dm.setup("fit")
    batch = next(iter(dm.train_dataloader()))
    before = module.model(**batch).loss.item()
    trainer = pl.Trainer(
        accelerator=accelerator,
        devices=1,
        precision=precision,
        max_steps=30,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        default_root_dir=tmp_path,
        limit_val_batches=0,
    )
    trainer.fit(module, train_dataloaders=dm.train_dataloader())
    assert trainer.strategy.root_device.type == ("cuda" if accelerator == "gpu" else "cpu")
    after = module.model(**batch).loss.item()  # fit moved the module back to the CPU
    assert after < 0.5 * before, (before, after)


def test_checkpoint_holds_adapter_weights_only_and_adapter_reloads(tmp_path):
    module, dm = _module(1e-2)
    trainer = pl.Trainer(
        max_steps=2,
        logger=False,
        enable_progress_bar=False,
        default_root_dir=tmp_path,
        limit_val_batches=0,
    )
    trainer.fit(module, datamodule=dm)
    trainer.save_checkpoint(tmp_path / "last.ckpt")
    state = torch.load(tmp_path / "last.ckpt", weights_only=False)["state_dict"]
    assert state and all("lora_" in key for key in state)

    module.model.save_pretrained(tmp_path / "adapter")
    fresh = build_tiny_random_model(seed=1).model
    reloaded = PeftModel.from_pretrained(fresh, tmp_path / "adapter")
    ids = torch.tensor([[1, 7, 9, 11]])
    module.model.eval()
    torch.testing.assert_close(reloaded(ids).logits, module.model(ids).logits)
