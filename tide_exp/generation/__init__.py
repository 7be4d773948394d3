"""Batched reply generation for evaluation."""

from tide_exp.generation.replies import generate_replies, strip_reasoning

__all__ = ["generate_replies", "strip_reasoning"]
