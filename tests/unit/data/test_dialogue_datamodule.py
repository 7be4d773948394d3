from tide_exp.data.chat import ChatFormatter
from tide_exp.data.dialogue_datamodule import DialogueDataModule
from tide_exp.data.tide_folder import load_tide_folder


def test_batches_and_fixed_eval_subset(tiny_model):
    dm = DialogueDataModule(
        load_tide_folder,
        ChatFormatter(tiny_model.tokenizer),
        max_length=64,
        batch_size=4,
        max_train_examples=12,
    )
    dm.setup("fit")
    batch = next(iter(dm.train_dataloader()))
    assert batch["input_ids"].shape[0] == 4 and batch["input_ids"].shape[1] <= 64
    assert len(dm.train_examples) == 12
    subset = [e.example_id for e in dm.eval_subset(8)]
    assert subset == [e.example_id for e in dm.eval_subset(16)][:8]  # sizes nest
    assert len({e.persona_id for e in dm.eval_subset(8)}) > 1  # spans personas
    assert set(subset) <= {e.example_id for e in dm.eval_examples}
