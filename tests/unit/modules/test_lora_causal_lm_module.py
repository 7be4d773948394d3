import functools
import math

import pytest
import pytorch_lightning as pl
import torch
from peft import LoraConfig, PeftModel

from tests.tiny_models import build_tiny_random_model
from tide_exp.data.chat import ChatFormatter
from tide_exp.data.dialogue_datamodule import DialogueDataModule
from tide_exp.data.tide_folder import load_tide_folder
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
        max_length=160,
        max_target_tokens=16,  # the first 16 reply tokens: enough to overfit in 30 steps
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


def test_val_perplexity_is_token_weighted_and_equals_reference_perplexity(tmp_path):
    """Two batches with very different reply lengths: exp(total NLL / tokens), not exp(mean)."""
    from torch.utils.data import DataLoader

    from tests.reference_perplexity import reference_perplexity
    from tide_exp.data.chat import collate_right_padded

    module, _ = _module(1e-3)
    chat = ChatFormatter(module.tokenizer)
    pairs = [("I can't sleep.", "Hm."), ("Work is hard.", "That sounds exhausting. " * 12)]
    features = [chat.encode(p, r, max_length=512) for p, r in pairs]
    loader = DataLoader(
        features,
        batch_size=1,
        collate_fn=functools.partial(
            collate_right_padded, pad_token_id=chat.tokenizer.pad_token_id
        ),
    )
    batches = list(loader)
    module.model.eval()
    with torch.no_grad():
        losses = [module.model(**b).loss.item() for b in batches]
    tokens = [int((b["labels"][:, 1:] != -100).sum()) for b in batches]
    assert tokens[1] > 5 * tokens[0]
    weighted = sum(loss * n for loss, n in zip(losses, tokens, strict=True)) / sum(tokens)

    trainer = pl.Trainer(logger=False, enable_progress_bar=False, default_root_dir=tmp_path)
    module.last_validation = None
    trainer.validate(module, dataloaders=loader, verbose=False)
    result = module.last_validation
    assert result["tokens"] == sum(tokens)
    assert result["loss"] == pytest.approx(weighted, rel=1e-5)
    assert result["perplexity"] == pytest.approx(math.exp(weighted), rel=1e-5)
    assert trainer.callback_metrics["val/perplexity"].item() == pytest.approx(
        result["perplexity"], rel=1e-5
    )
    mean_of_batches = math.exp(sum(losses) / len(losses))
    assert abs(result["perplexity"] - mean_of_batches) > 1e-3 * mean_of_batches
    # The metric function scores the same tokens with the same accumulator: the same number.
    reference = reference_perplexity(
        module.model, module.tokenizer, [p for p, _ in pairs], [r for _, r in pairs]
    )
    assert reference.tokens == result["tokens"]
    assert reference.perplexity == pytest.approx(result["perplexity"], rel=1e-4)


def test_validate_phase_before_and_after_training(tmp_path):
    from tide_exp.modules.validation_phase import validate_phase

    module, dm = _module(2e-2)
    dm.max_eval_examples = 16
    trainer = pl.Trainer(
        max_steps=15,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        default_root_dir=tmp_path,
        num_sanity_val_steps=0,
        check_val_every_n_epoch=1000,  # one training batch per epoch: no validation inside fit
    )
    before = validate_phase(trainer, module, dm, "zs")
    trainer.fit(module, datamodule=dm)
    after = validate_phase(trainer, module, dm, "ft")
    assert before["tokens"] == after["tokens"] > 0
    assert after["loss"] < before["loss"]
    assert before["perplexity"] == pytest.approx(math.exp(before["loss"]))


def test_both_perplexity_readings_are_logged_and_config_picks_val_perplexity(tmp_path):
    """Study B's perplexity under both readings: exp of the token-weighted loss, and the mean
    of per-sequence perplexities (one padded batch of a short and a long reply, so the
    per-sequence part is tested inside a batch); eval.perplexity picks val/perplexity."""
    from torch.utils.data import DataLoader

    from tide_exp.data.chat import collate_right_padded
    from tide_exp.errors import ConfigError

    module, _ = _module(1e-3)
    chat = ChatFormatter(module.tokenizer)
    pairs = [("I can't sleep.", "Hm."), ("Work is hard.", "That sounds exhausting. " * 12)]
    features = [chat.encode(p, r, max_length=512) for p, r in pairs]
    collate = functools.partial(collate_right_padded, pad_token_id=chat.tokenizer.pad_token_id)
    module.model.eval()
    with torch.no_grad():  # each sequence alone: HF's own masked loss
        alone = [module.model(**collate([f])).loss.item() for f in features]
    tokens = [sum(label != -100 for label in f["labels"][1:]) for f in features]
    token_reading = math.exp(sum(a * n for a, n in zip(alone, tokens, strict=True)) / sum(tokens))
    dialogue_reading = sum(math.exp(a) for a in alone) / 2
    assert dialogue_reading > token_reading * 1.01  # the readings differ on these two

    for reading, expected in (("token", token_reading), ("dialogue", dialogue_reading)):
        module.perplexity = reading
        trainer = pl.Trainer(logger=False, enable_progress_bar=False, default_root_dir=tmp_path)
        trainer.validate(
            module,
            dataloaders=DataLoader(features, batch_size=2, collate_fn=collate),
            verbose=False,
        )
        result, logged = module.last_validation, trainer.callback_metrics
        assert result["perplexity_token"] == pytest.approx(token_reading, rel=1e-4)
        assert result["perplexity_dialogue"] == pytest.approx(dialogue_reading, rel=1e-4)
        assert result["dialogues"] == 2 and result["perplexity"] == pytest.approx(
            expected, rel=1e-4
        )
        assert logged["val/perplexity"].item() == pytest.approx(expected, rel=1e-4)
        assert logged["val/perplexity_dialogue"].item() == pytest.approx(dialogue_reading, rel=1e-4)
    loaded = build_tiny_random_model(seed=1)
    with pytest.raises(ConfigError, match="eval.perplexity must be one of token, dialogue"):
        LoraCausalLMModule(
            loaded.model,
            loaded.tokenizer,
            LoraConfig(task_type="CAUSAL_LM", r=4, target_modules=["q_proj"]),
            optimizer=torch.optim.AdamW,
            perplexity="sequence",
        )


def test_dialogue_perplexity_pools_the_sequences_of_one_dialogue(tmp_path):
    """A multi-turn dialogue gives one validation sequence per learned reply: the per-dialogue
    reading pools them (their NLL over their tokens) before exp, then averages over dialogues;
    the DataModule numbers each sequence's dialogue from its examples."""
    from torch.utils.data import DataLoader

    from tide_exp.data.chat import collate_right_padded

    module, _ = _module(1e-3)
    chat = ChatFormatter(module.tokenizer)
    pairs = [
        ("I can't sleep.", "Hm."),
        ("Still awake?", "That sounds exhausting. " * 10),
        ("Work is hard.", "I hear you."),
    ]
    features = [chat.encode(p, r, max_length=512) for p, r in pairs]
    for feature, dialogue in zip(features, (0, 0, 1), strict=True):  # rows 1 and 2: dialogue 0
        feature["dialogue"] = dialogue
    collate = functools.partial(collate_right_padded, pad_token_id=chat.tokenizer.pad_token_id)
    module.model.eval()
    with torch.no_grad():
        batches = [collate([f]) for f in features]
        alone = [module.model(**{k: v for k, v in b.items() if k != "dialogue"}).loss.item()
                 for b in batches]  # fmt: skip
    tokens = [sum(label != -100 for label in f["labels"][1:]) for f in features]
    pooled = (alone[0] * tokens[0] + alone[1] * tokens[1]) / (tokens[0] + tokens[1])
    expected = (math.exp(pooled) + math.exp(alone[2])) / 2
    per_sequence = sum(math.exp(a) for a in alone) / 3
    assert abs(expected - per_sequence) > 0.01 * expected  # grouping changes the figure

    module.perplexity = "dialogue"
    trainer = pl.Trainer(logger=False, enable_progress_bar=False, default_root_dir=tmp_path)
    loader = DataLoader(features, batch_size=2, collate_fn=collate)  # dialogue 0 spans batches
    trainer.validate(module, dataloaders=loader, verbose=False)
    result = module.last_validation
    assert result["dialogues"] == 2
    assert result["perplexity_dialogue"] == pytest.approx(expected, rel=1e-4)
    assert trainer.callback_metrics["val/perplexity"].item() == pytest.approx(expected, rel=1e-4)
