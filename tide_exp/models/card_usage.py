"""The model card's "Prompting", "Generation" and "How to load" sections: how to get the run's
replies out of the saved adapter or the exported model.

The folder carries the run's chat settings (the tokenizer's chat template with the run's system
prompt as its default, ``generation_config.json`` with evaluation's decoding; written by
:mod:`tide_exp.runs.model_files`); these sections say so, and show the code for what no file can
carry: the per-example persona block, ``plain`` prompts, ``generate`` arguments and the seed of
sampled replies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

KINDS = ("adapter", "merged")


@dataclass(frozen=True)
class CardUsage:
    """What the card says about prompting and decoding with the saved folder.

    Attributes:
        kind: ``adapter`` (a run's ``adapter/``) or ``merged`` (``tide export``).
        prompt: results.json ``prompt`` (the run's chat settings, verbatim).
        template_baked: The folder's chat template gives the run's prompt (checked when written).
        decoding: The fine-tuned phase's effective decoding (``phases.ft.decoding``).
        unsaved: ``generate`` arguments the run passed that no config file holds.
        seed: The fine-tuned phase's sampling seed (sampled replies only).
        saved_as: The dtype an exported model's weights were saved in (merged in float32).
    """

    kind: str = "adapter"
    prompt: Mapping[str, Any] = field(default_factory=dict)
    template_baked: bool = False
    decoding: Mapping[str, Any] = field(default_factory=dict)
    unsaved: tuple[str, ...] = ()
    seed: int | None = None
    saved_as: str | None = None


def _code(*lines: str) -> list[str]:
    return ["```python", *lines, "```"]


def prompting(usage: CardUsage) -> list[str]:
    """How the run's prompts are built from the folder."""
    prompt = usage.prompt
    if prompt.get("prompt_format") == "plain":
        separator = prompt.get("plain_separator") or "\n"
        return [
            "The run used no chat template (`model.chat.prompt_format: plain`): a prompt is the "
            "client's message and a separator, the reply continuing as text (with the tokenizer's "
            "start token, if it adds one). Build it yourself:",
            "",
            *_code(
                f"prompt = message + {separator!r}",
                "inputs = tokenizer(prompt, return_tensors='pt')",
            ),
        ]
    lines = []
    if usage.template_baked:
        said = []
        if prompt.get("system_prompt"):
            said.append(
                f"opens with the run's system prompt `{prompt['system_prompt']}` when a "
                "conversation has no system message of its own"
            )
        if prompt.get("chat_template_kwargs"):
            said.append(f"sets the run's template variables {dict(prompt['chat_template_kwargs'])}")
        if prompt.get("reasoning") == "skip":
            said.append("ends the prompt in an empty closed `<think>` block (reasoning: skip)")
        done = "; it " + "; it ".join(said) if said else ""
        lines.append(
            "The tokenizer's chat template is the one the run trained and evaluated with"
            + done
            + ". So `tokenizer.apply_chat_template([{'role': 'user', 'content': message}], "
            "add_generation_prompt=True)` gives the run's prompt exactly."
        )
    else:
        lines.append(
            "The tokenizer's chat template is the checkpoint's own: it could not be made to give "
            "the run's prompt. Pass the run's settings yourself: system prompt "
            f"`{prompt.get('system_prompt')}`, template variables "
            f"`{dict(prompt.get('chat_template_kwargs') or {})}`."
        )
    if prompt.get("reasoning") == "think":
        lines.append(
            "The run let the model reason first (`reasoning: think`) and scored the text after "
            "`</think>`; strip the reasoning from a reply the same way."
        )
    if prompt.get("persona_template"):
        placement = prompt.get("persona_placement") or "system"
        where = (
            "after the system prompt, in the system message"
            if placement == "system"
            else "in front of the client's message"
        )
        lines += [
            "",
            f"The run also put a persona block, filled per example from its metadata, {where}. "
            "No template default can carry it; build it as the run did (tide_exp's own function: "
            "a line whose field a persona lacks is dropped):",
            "",
            *_code(
                "from tide_exp.data.persona import render_persona",
                "",
                f"template = {prompt['persona_template']!r}",
                "persona = render_persona(template, metadata)  # {'age': 34, 'occupation': ...}",
                *(
                    [
                        f"parts = ({prompt.get('system_prompt')!r}, persona)",
                        "system = '\\n\\n'.join(part for part in parts if part)",
                        "messages = [{'role': 'system', 'content': system}] if system else []",
                        "messages.append({'role': 'user', 'content': message})",
                    ]
                    if placement == "system"
                    else [
                        "content = f'{persona}\\n\\n{message}' if persona else message",
                        "messages = [{'role': 'user', 'content': content}]",
                    ]
                ),
            ),
        ]
    return lines


def generation(usage: CardUsage) -> list[str]:
    """What ``generation_config.json`` holds and what it cannot."""
    decoding = usage.decoding
    if not decoding:
        return ["`generation_config.json` holds the run's evaluation decoding."]
    mode = (
        "sampling ("
        + ", ".join(
            f"{k} {decoding[k]}"
            for k in ("temperature", "top_k", "top_p", "min_p", "typical_p")
            if decoding.get(k) is not None
        )
        + ")"
        if decoding.get("do_sample")
        else "greedy (`do_sample: false`)"
    )
    lines = [
        f"`generation_config.json` holds the evaluation's decoding: {mode}, `max_new_tokens` "
        f"{decoding.get('max_new_tokens')}, `repetition_penalty` "
        f"{decoding.get('repetition_penalty')}, `no_repeat_ngram_size` "
        f"{decoding.get('no_repeat_ngram_size')}, and every stop token as an eos id; the "
        "checkpoint's own chat defaults that evaluation does not use are reset"
        + (
            f" (it had {dict(decoding['not_from_checkpoint'])})"
            if decoding.get("not_from_checkpoint")
            else ""
        )
        + ". `model.generate(**inputs)` with no other arguments decodes as the run did"
        + (
            "; greedy replies are the run's fine-tuned ones (tested in float32 on a CPU)."
            if not decoding.get("do_sample")
            else "."
        ),
    ]
    if decoding.get("do_sample") and usage.seed is not None:
        lines.append(
            f"The run sampled its fine-tuned replies after `torch.manual_seed({usage.seed})`; "
            "without it, samples differ from the run's."
        )
    if usage.unsaved:
        lines.append(
            f"Not in the file: the `generate` arguments {', '.join(usage.unsaved)} the run "
            "passed; pass them yourself."
        )
    return lines


def how_to_load(usage: CardUsage, base_model: str | None) -> list[str]:
    """Loading code for the folder, reply decoding included."""
    base = base_model or "<base model>"
    if usage.kind == "merged":
        load = [
            f"# the adapter merged in float32, the weights saved as {usage.saved_as or 'float32'}",
            "from transformers import AutoModelForCausalLM, AutoTokenizer",
            "",
            'model = AutoModelForCausalLM.from_pretrained("folder")',
            'tokenizer = AutoTokenizer.from_pretrained("folder")',
        ]
    else:
        load = [
            "from peft import PeftModel",
            "from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig",
            "",
            f'base = AutoModelForCausalLM.from_pretrained("{base}")',
            'model = PeftModel.from_pretrained(base, "adapter")',
            'tokenizer = AutoTokenizer.from_pretrained("adapter")',
            'model.generation_config = GenerationConfig.from_pretrained("adapter")',
        ]
    if usage.prompt.get("prompt_format") == "plain":
        ask = ["inputs = tokenizer(message + separator, return_tensors='pt')"]
    else:
        ask = [
            "messages = [{'role': 'user', 'content': 'I keep reliving that night.'}]",
            "inputs = tokenizer.apply_chat_template(",
            "    messages, add_generation_prompt=True, return_tensors='pt', return_dict=True",
            ")",
        ]
    return _code(
        *load,
        "",
        *ask,
        "output = model.generate(**inputs)",
        "reply = tokenizer.decode(",
        "    output[0, inputs['input_ids'].shape[1]:], skip_special_tokens=True",
        ").strip()",
    )
