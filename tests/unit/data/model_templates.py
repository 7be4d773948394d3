"""The chat-template structure of each shipped model, for tests that cannot download tokenizers.

Each template writes what the model's own ``tokenizer_config.json`` template writes for a
[system], user[, assistant] conversation: role markers, the default system block (Qwen's
"You are Qwen ...", Granite's dated default, Llama 3.2's "Cutting Knowledge Date / Today Date"
header, which it writes even without a system message) and R1-Distill's open ``<think>``.
Tools, documents and multi-turn reasoning stripping are left out (the sample is two-turn).
Rendered through the embedded SmolLM2 tokenizer, special markers such as ``<|eot_id|>`` are
split into several ordinary tokens, so prompt lengths come out a little longer than with the
real tokenizers: a conservative stand-in for a token budget.
"""

from __future__ import annotations

_CHATML = (
    "{%- if messages[0]['role'] != 'system' %}"
    "{{- '<|im_start|>system\\n' + DEFAULT + '<|im_end|>\\n' }}{%- endif %}"
    "{%- for m in messages %}"
    "{{- '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)

QWEN2_5 = _CHATML.replace(
    "DEFAULT", "'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.'"
)
QWEN1_5 = _CHATML.replace("DEFAULT", "'You are a helpful assistant.'")

LLAMA3_2 = (
    "{{- bos_token }}{%- if not date_string is defined %}{%- set date_string = '26 Jul 2024' %}"
    "{%- endif %}{%- if messages[0]['role'] == 'system' %}"
    "{%- set system_message = messages[0]['content'] %}{%- set messages = messages[1:] %}"
    "{%- else %}{%- set system_message = '' %}{%- endif %}"
    "{{- '<|start_header_id|>system<|end_header_id|>\\n\\n' }}"
    "{{- 'Cutting Knowledge Date: December 2023\\n' }}{{- 'Today Date: ' + date_string + '\\n\\n' }}"
    "{{- system_message }}{{- '<|eot_id|>' }}"
    "{%- for m in messages %}{{- '<|start_header_id|>' + m['role'] + '<|end_header_id|>\\n\\n'"
    " + m['content'] + '<|eot_id|>' }}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}"
    "{%- endif %}"
)

GRANITE3_1 = (
    "{%- if messages[0]['role'] == 'system' %}{%- set system_message = messages[0]['content'] %}"
    "{%- set loop_messages = messages[1:] %}{%- else %}"
    "{%- set system_message = 'Knowledge Cutoff Date: April 2024.\\nToday\\'s Date: ' + "
    "strftime_now('%B %d, %Y') + '.\\nYou are Granite, developed by IBM. You are a helpful AI "
    "assistant.' %}{%- set loop_messages = messages %}{%- endif %}"
    "{{- '<|start_of_role|>system<|end_of_role|>' + system_message + '<|end_of_text|>\\n' }}"
    "{%- for m in loop_messages %}{{- '<|start_of_role|>' + m['role'] + '<|end_of_role|>'"
    " + m['content'] + '<|end_of_text|>\\n' }}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|start_of_role|>assistant<|end_of_role|>' }}{%- endif %}"
)

PHI3_5 = (
    "{% for m in messages %}{{ '<|' + m['role'] + '|>\\n' + m['content'] + '<|end|>\\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}"
)

R1_DISTILL = (
    "{{ bos_token }}{%- set ns = namespace(system='') %}{%- for m in messages %}"
    "{%- if m['role'] == 'system' %}{%- set ns.system = m['content'] %}{%- endif %}{%- endfor %}"
    "{{ ns.system }}{%- for m in messages %}"
    "{%- if m['role'] == 'user' %}{{ '<｜User｜>' + m['content'] }}"
    "{%- elif m['role'] == 'assistant' %}{% set c = m['content'] %}"
    "{%- if '</think>' in c %}{% set c = c.split('</think>')[-1] %}{% endif %}"
    "{{ '<｜Assistant｜>' + c + '<｜end▁of▁sentence｜>' }}{%- endif %}{%- endfor %}"
    "{%- if add_generation_prompt %}{{ '<｜Assistant｜><think>\\n' }}{%- endif %}"
)

# conf/model/<slug>.yaml -> its template's structure; None: the embedded tokenizer's own.
TEMPLATES: dict[str, str | None] = {
    "granite3_1_3b": GRANITE3_1,
    "llama3_2_1b": LLAMA3_2,
    "llama3_2_3b": LLAMA3_2,
    "phi3_5_mini": PHI3_5,
    "qwen1_5_1_8b_chat": QWEN1_5,
    "qwen2_5_0_5b": QWEN2_5,
    "qwen2_5_1_5b": QWEN2_5,
    "qwen2_5_3b": QWEN2_5,
    "r1_distill_qwen_1_5b": R1_DISTILL,
    "smollm2_135m": None,
}

# What each model config's chat settings must put in a tide_paper prompt.
PROMPT_MARKS: dict[str, str] = {
    "granite3_1_3b": "You are Granite, developed by IBM.",  # the config's date-free default
    "llama3_2_1b": "Today Date: 26 Jul 2024",  # date_string pins the header
    "llama3_2_3b": "Today Date: 26 Jul 2024",
    "r1_distill_qwen_1_5b": "<｜Assistant｜><think>\n\n</think>\n\n",  # reasoning: skip
}
