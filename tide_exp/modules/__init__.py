"""LightningModules."""

from tide_exp.modules.lora_causal_lm_module import LoraCausalLMModule, build_peft_model

__all__ = ["LoraCausalLMModule", "build_peft_model"]
