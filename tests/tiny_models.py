"""A tiny random causal LM and a small BPE tokenizer, for tests and benchmarks (test-only: the
package never imports it; ``tests/configs/model/tiny_*.yaml`` build it through Hydra).

Nothing is downloaded: the tokenizer is trained in a second on the embedded sample corpus and the
model is built from a transformers config with random weights, so every code path (chat template,
LoRA, generation, saving) runs in seconds on a CPU.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import AutoConfig, AutoModelForCausalLM, PreTrainedTokenizerFast

from tide_exp.models.loading import LoadedModel, ensure_pad_token

CHATML_TEMPLATE = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] "
    "+ '<|im_end|>' + '\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
# DeepSeek-R1-Distill's shape: the assistant turn opens a <think> block the model must close
# (model.chat.reasoning decides whether the prompt closes it empty or the model reasons).
R1_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}"
    "{% if m['role'] == 'user' %}{{ '<｜User｜>' + m['content'] }}"
    "{% elif m['role'] == 'assistant' %}{% set c = m['content'] %}"
    "{% if '</think>' in c %}{% set c = c.split('</think>')[-1] %}{% endif %}"
    "{{ '<｜Assistant｜>' + c + eos_token }}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<｜Assistant｜><think>\\n' }}{% endif %}"
)
CHAT_TEMPLATES = {"chatml": CHATML_TEMPLATE, "r1": R1_TEMPLATE}
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


@functools.lru_cache(maxsize=4)
def _train_tokenizer(vocab_size: int) -> Tokenizer:
    from tide_exp.data.tide_folder import load_tide_folder

    texts = [t for ex in load_tide_folder() for t in (ex.user_input, ex.reference_response)]
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return tokenizer


def build_tiny_tokenizer(
    vocab_size: int = 512, chat_template: str = "chatml"
) -> PreTrainedTokenizerFast:
    """A byte-level BPE tokenizer with ``<|im_end|>`` as eos and pad, and a ChatML chat template
    (``chat_template="r1"``: an R1-Distill-like one that opens ``<think>``)."""
    return PreTrainedTokenizerFast(
        tokenizer_object=Tokenizer.from_str(
            _train_tokenizer(vocab_size).to_str()
        ),  # a copy: callers may mutate it
        bos_token="<|im_start|>",
        eos_token="<|im_end|>",
        pad_token="<|im_end|>",
        unk_token="<|endoftext|>",
        chat_template=CHAT_TEMPLATES[chat_template],
    )


def build_tiny_random_model(
    model_type: str = "llama",
    hidden_size: int = 32,
    num_hidden_layers: int = 2,
    num_attention_heads: int = 4,
    num_key_value_heads: int = 2,
    intermediate_size: int = 64,
    vocab_size: int = 512,
    initializer_range: float = 0.2,
    seed: int = 0,
    generation_config: Mapping[str, Any] | None = None,
    chat_template: str = "chatml",
) -> LoadedModel:
    """A randomly initialised causal LM of ``model_type`` (llama, qwen2, phi3, ...) and its tokenizer.

    ``initializer_range`` is ten times the usual 0.02: with frozen embeddings of hidden size 32,
    the usual scale caps the logits near zero and no adapter could fit anything.
    ``generation_config`` settings are written into the model's generation config, as a hub
    checkpoint's ``generation_config.json`` carries them (``{repetition_penalty: 1.1}``).
    ``chat_template``: ``chatml`` or ``r1`` (:func:`build_tiny_tokenizer`).
    """
    tokenizer = build_tiny_tokenizer(vocab_size, chat_template)
    config = AutoConfig.for_model(
        model_type,
        hidden_size=hidden_size,
        num_hidden_layers=num_hidden_layers,
        num_attention_heads=num_attention_heads,
        num_key_value_heads=num_key_value_heads,
        intermediate_size=intermediate_size,
        vocab_size=len(tokenizer),
        max_position_embeddings=512,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
        initializer_range=initializer_range,
    )
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = AutoModelForCausalLM.from_config(config)
    model.name_or_path = f"tiny-random-{model_type}"
    ensure_pad_token(tokenizer, model)
    for key, value in (generation_config or {}).items():
        setattr(model.generation_config, key, value)
    return LoadedModel(
        model, tokenizer, source=f"random {model_type} ({hidden_size}x{num_hidden_layers})"
    )
