"""Crisis-safety probe: prompt set, offline rules, per-phase rates (docs/safety.md).

``tide safety`` (:mod:`tide_exp.cli.safety`) runs the probe on any configured model or saved adapter, and the
crisis-safety and empathy-mechanism judge rubrics on its replies.
"""

from tide_exp.safety.probe import ProbePrompt, load_probe
from tide_exp.safety.rules import SafetyRules
from tide_exp.safety.summary import compare, summarize

__all__ = ["ProbePrompt", "SafetyRules", "compare", "load_probe", "summarize"]
