"""What leaves a run reproduces it: the default model's export and adapter folder, loaded with
plain transformers (no tide_exp, no generate arguments), give the run's fine-tuned replies byte
for byte."""

from __future__ import annotations

import json

import pytest
import torch
from omegaconf import OmegaConf
from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

from tide_exp.cli.export import export_run
from tide_exp.models.configured import load_configured
from tide_exp.runs.run import run

pytestmark = pytest.mark.slow


def plain_replies(model, tokenizer, messages: list[str]) -> tuple[list[str], list[str]]:
    """(prompts, replies) as a user of the folder gets them: the tokenizer's chat template and
    ``generate`` with nothing but the inputs."""
    prompts, replies = [], []
    for message in messages:
        chat = [{"role": "user", "content": message}]
        prompts.append(
            tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
        )
        inputs = tokenizer.apply_chat_template(
            chat, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        with torch.no_grad():
            output = model.generate(**inputs)
        new = output[0, inputs["input_ids"].shape[1] :]
        replies.append(tokenizer.decode(new, skip_special_tokens=True).strip())
    return prompts, replies


@pytest.fixture
def one_thread():
    """threads=1 as the run sets it (2 threads ran 3x slower on a busy 2-core machine), then
    torch's setting back for the tests after."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def test_the_default_runs_export_and_adapter_give_its_fine_tuned_replies(
    compose_cfg, tmp_path, one_thread
):
    run_dir = tmp_path / "run"
    cfg = compose_cfg(
        "model=smollm2_135m",  # the default run's model, system prompt and decoding, made small
        "threads=1",
        "~eval.metrics.bertscore_f1",  # scoring is not what is tested: the cheap metrics only
        "~eval.metrics.meteor",
        "trainer.max_epochs=1",
        "data.max_train_examples=16",
        "eval.num_prompts=4",
        "eval.generation.max_new_tokens=40",
        "module.optimizer.lr=1e-3",  # enough for 4 steps to change some replies
    )
    cfg.paths.output_dir = str(run_dir)
    run(cfg)
    (run_dir / ".hydra").mkdir()
    OmegaConf.save(cfg, run_dir / ".hydra" / "config.yaml")
    rows = [json.loads(line) for line in (run_dir / "generations.jsonl").read_text().splitlines()]
    ft = [r for r in rows if r["phase"] == "ft"]
    zs = [r for r in rows if r["phase"] == "zs"]
    assert len(ft) == 4 and [r["prediction"] for r in ft] != [r["prediction"] for r in zs]
    messages = [r["prompt"] for r in ft]
    chat = load_configured(cfg).chat  # the run's prompts, as it built them
    run_prompts = [chat.prompt(m) for m in messages]
    assert all("Reply with empathy in at most three sentences." in p for p in run_prompts)

    out = export_run(run_dir, tmp_path / "merged")
    merged = AutoModelForCausalLM.from_pretrained(out).eval()
    prompts, replies = plain_replies(merged, AutoTokenizer.from_pretrained(out), messages)
    assert prompts == run_prompts  # not SmolLM's own "You are a helpful AI assistant named SmolLM"
    assert replies == [r["prediction"] for r in ft]
    card = (out / "README.md").read_text()
    assert "**synthetic** sample corpus" in card and "| cosine |" in card and "n.s." in card

    adapter = run_dir / "adapter"
    base = load_configured(cfg).model.eval()  # the embedded base (no hub access here)
    from peft import PeftModel

    tuned = PeftModel.from_pretrained(base, adapter).eval()
    tuned.generation_config = GenerationConfig.from_pretrained(adapter)
    prompts, replies = plain_replies(tuned, AutoTokenizer.from_pretrained(adapter), messages)
    assert prompts == run_prompts and replies == [r["prediction"] for r in ft]
