"""Batched reply generation for evaluation."""

from tide_exp.generation.replies import (
    GeneratedReply,
    Reply,
    evaluation_model,
    generate_outputs,
    generate_replies,
    generate_reply_records,
    has_open_reasoning,
    strip_reasoning,
)

__all__ = [
    "GeneratedReply",
    "Reply",
    "evaluation_model",
    "generate_outputs",
    "generate_replies",
    "generate_reply_records",
    "has_open_reasoning",
    "strip_reasoning",
]
