"""Batched reply generation for evaluation."""

from tide_exp.generation.replies import (
    GeneratedReply,
    generate_outputs,
    generate_replies,
    has_open_reasoning,
    strip_reasoning,
)

__all__ = [
    "GeneratedReply",
    "generate_outputs",
    "generate_replies",
    "has_open_reasoning",
    "strip_reasoning",
]
