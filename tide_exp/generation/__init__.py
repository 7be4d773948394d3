"""Batched reply generation for evaluation."""

from tide_exp.generation.decoding import decoding_config, effective_settings
from tide_exp.generation.replies import (
    Reply,
    evaluation_model,
    generate_replies,
    generate_reply_records,
    has_open_reasoning,
    strip_reasoning,
)

__all__ = [
    "Reply",
    "decoding_config",
    "effective_settings",
    "evaluation_model",
    "generate_replies",
    "generate_reply_records",
    "has_open_reasoning",
    "strip_reasoning",
]
