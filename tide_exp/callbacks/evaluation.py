"""What ``run(cfg)`` asks of a callback that evaluates the model: the protocol it loops over.

A callback that generates and scores (the generation metrics, the crisis-safety probe, one a
user adds) reports under its own key of results.json, contributes flat scalars to the run's
final metrics and names the files it wrote. ``run()`` needs no knowledge of which callbacks
those are: it finds them by this protocol.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class EvaluationCallback(Protocol):
    """A callback whose results go into results.json.

    Attributes:
        results_key: Its key in results.json (``phases``, ``safety``).
    """

    results_key: str

    def active(self) -> bool:
        """Whether it ran in this run (an inert probe reports nothing)."""
        ...

    def report(self) -> dict[str, Any]:
        """Its section of results.json."""
        ...

    def scalars(self) -> dict[str, float | None]:
        """Flat metrics for the run's ``final`` (``zs/gen/rouge_l``, ``ft/safety/safe_rate``)."""
        ...

    def outputs(self) -> dict[str, str]:
        """The files it wrote, by name (results.json ``outputs``)."""
        ...


def evaluation_callbacks(callbacks: Iterable[Any]) -> list[EvaluationCallback]:
    """The active evaluation callbacks among ``callbacks``, in order."""
    return [c for c in callbacks if isinstance(c, EvaluationCallback) and c.active()]
