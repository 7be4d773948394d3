"""Which weights are "fine-tuned": the last epoch's, or the epoch that scored best on a monitor.

``eval.select: last`` (the default, as both studies evaluated after their last epoch) keeps the
weights training ended with. ``eval.select: best`` keeps a copy of the adapter's weights at the
epoch whose evaluation scored best on ``eval.monitor`` (``val/loss``, or ``val/gen/<metric>`` of
the per-epoch replies) in the direction ``eval.monitor_mode``, the way Lightning's
``ModelCheckpoint(monitor=..., mode=...)`` and transformers' ``load_best_model_at_end`` choose;
after training those weights are put back, so the ``ft`` phase, the saved adapter, ``tide
export`` and the report are that epoch's. Either way the best epoch by the monitor is recorded
(``phases.ft.selection`` in results.json), and the console and W&B name it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tide_exp.errors import ConfigError, check_choice

SELECT = ("last", "best")
MODES = ("max", "min")
VAL_LOSS = "val/loss"
GEN_PREFIX = "val/gen/"


def check_monitor(monitor: str, metrics: Sequence[str] | None = None) -> None:
    """``eval.monitor`` names ``val/loss`` or a per-epoch generation metric (of ``metrics``).

    Raises:
        ConfigError: Naming the key, the value and the names it can take.
    """
    names = [VAL_LOSS, *(f"{GEN_PREFIX}{m}" for m in metrics or [])]
    known = monitor == VAL_LOSS or (
        monitor.startswith(GEN_PREFIX) and (metrics is None or monitor in names)
    )
    if not known:
        raise ConfigError(
            f"eval.monitor={monitor!r} is not a per-epoch value; choose one of {', '.join(names)}"
            + ("" if metrics else " or val/gen/<metric of eval.metrics>")
            + "."
        )


def monitor_value(summary: Mapping[str, Any], monitor: str) -> float | None:
    """The monitored value of one per-epoch summary (results.json ``phases.val[k]``): its
    ``val_loss``, or its generation metric's mean; ``None`` where it has none."""
    if monitor == VAL_LOSS:
        return summary.get("val_loss")
    name = monitor.removeprefix(GEN_PREFIX)
    return summary.get("metrics", {}).get(name, {}).get("mean")


def best_epoch(
    val: Sequence[Mapping[str, Any]], monitor: str, mode: str = "max"
) -> tuple[int, float] | None:
    """``(epochs trained, value)`` of the per-epoch evaluation best on ``monitor`` (the first of
    ties); ``None`` when no epoch has a value for it."""
    scored = [(e["epoch"], value) for e in val if (value := monitor_value(e, monitor)) is not None]
    if not scored:
        return None
    pick = max if mode == "max" else min
    return pick(scored, key=lambda pair: pair[1])


def adapter_weights(module: Any) -> dict[str, Any]:
    """A detached CPU copy of the module's trainable (LoRA) weights."""
    return {
        name: p.detach().to("cpu", copy=True)
        for name, p in module.model.named_parameters()
        if p.requires_grad
    }


@dataclass
class EpochSelection:
    """The weights the ``ft`` phase evaluates and the run saves (module docstring).

    Attributes:
        select: ``last`` or ``best`` (``eval.select``).
        monitor: ``val/loss`` or ``val/gen/<metric>`` (``eval.monitor``).
        mode: ``max`` or ``min`` (``eval.monitor_mode``).
        best: The best epoch so far: ``{"epoch", "step", "value"}``.
        weights: That epoch's adapter weights (kept only with ``select: best``).
    """

    select: str = "last"
    monitor: str = "val/gen/cosine"
    mode: str = "max"
    best: dict[str, Any] | None = None
    weights: dict[str, Any] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        check_choice("eval.select", self.select, SELECT)
        check_choice("eval.monitor_mode", self.mode, MODES)
        check_monitor(self.monitor)

    def observe(self, summary: Mapping[str, Any], module: Any) -> None:
        """After an epoch's evaluation (its ``summary``): keep it if it is the best so far."""
        value = monitor_value(summary, self.monitor)
        if value is None:
            return
        if self.best is not None:
            better = (
                value > self.best["value"] if self.mode == "max" else value < self.best["value"]
            )
            if not better:
                return
        self.best = {"epoch": summary["epoch"], "step": summary["step"], "value": value}
        if self.select == "best":
            self.weights = adapter_weights(module)

    def restore(self, module: Any) -> dict[str, Any] | None:
        """With ``select: best``, put the best epoch's weights back into ``module``; returns that
        epoch (``{"epoch", "step", "value"}``), or ``None`` when the last weights stay."""
        if self.select != "best" or self.best is None or self.weights is None:
            return None
        params = dict(module.model.named_parameters())
        for name, value in self.weights.items():
            params[name].data.copy_(value.to(params[name].device))
        return self.best

    def record(self, epoch: int | None) -> dict[str, Any]:
        """What results.json states about the choice (``phases.ft.selection``)."""
        best = self.best or {}
        return {
            "select": self.select,
            "monitor": self.monitor,
            "mode": self.mode,
            "epoch": epoch,
            "best_epoch": best.get("epoch"),
            "best_value": best.get("value"),
        }

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "weights": self.weights}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.best, self.weights = state.get("best"), state.get("weights")
