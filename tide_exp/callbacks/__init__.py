"""Lightning callbacks."""

from tide_exp.callbacks.generation_metrics import GenerationMetricsCallback

__all__ = ["GenerationMetricsCallback"]
