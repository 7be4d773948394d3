"""Batched reply generation for evaluation, with one settings object for every caller."""

from tide_exp.generation.decoding import decoding_config, effective_settings
from tide_exp.generation.replies import (
    Reply,
    evaluation_model,
    generate_reply_records,
    has_open_reasoning,
    reply_endings,
    strip_reasoning,
)
from tide_exp.generation.settings import ChatGenerationSettings, GenerationSettings

__all__ = [
    "ChatGenerationSettings",
    "GenerationSettings",
    "Reply",
    "decoding_config",
    "effective_settings",
    "evaluation_model",
    "generate_reply_records",
    "has_open_reasoning",
    "reply_endings",
    "strip_reasoning",
]
