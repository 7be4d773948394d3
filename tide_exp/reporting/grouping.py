"""Which runs share a Table 1 row: same model, same dataset, same settings; only seeds differ.

A row aggregates runs that agree on the model, the dataset fingerprint (corpus and splitting
rule, from the split manifest: :mod:`tide_exp.data.fingerprint`) and every recorded setting
(``results.json["config"]``, written by :func:`tide_exp.config.run_settings`, which leaves out
the seed, output paths and logging). A setting that differs between runs of one model and
dataset becomes a column, so ``lora.r=4,8`` gives two rows and ``seed=1,2`` one row of two seeds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

_UNSET = "-"  # a setting a run does not record (an older results.json, a key added since)


@dataclass
class RunGroup:
    """Runs that differ only in their seed.

    Attributes:
        model: Model slug.
        display_name: The model's display name.
        hf_id: Hub id (joins the paper's table), or ``None``.
        dataset: Dataset fingerprint, or ``-`` when the run has none.
        settings: Value of each differing setting, in column order.
        runs: The runs' ``results.json`` contents (with ``run_dir``).
    """

    model: str
    display_name: str
    hf_id: str | None
    dataset: str
    settings: dict[str, Any]
    runs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def seeds(self) -> int:
        """How many runs (seeds) the row aggregates."""
        return len(self.runs)


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _dataset(run: dict[str, Any]) -> str:
    return run.get("data", {}).get("dataset") or _UNSET


def setting_columns(runs: Iterable[dict[str, Any]]) -> list[str]:
    """Settings whose value differs between runs of the same model and dataset, sorted."""
    seen: dict[tuple[str, str, str], set[str]] = {}
    keys: set[str] = set()
    runs = list(runs)
    for run in runs:
        keys.update(run.get("config", {}))
    for run in runs:
        base = (run["model"]["name"], _dataset(run))
        config = run.get("config", {})
        for key in keys:
            seen.setdefault((*base, key), set()).add(_key(config.get(key, _UNSET)))
    return sorted({key for (_, _, key), values in seen.items() if len(values) > 1})


def group_runs(runs: Iterable[dict[str, Any]]) -> tuple[list[RunGroup], list[str]]:
    """Runs grouped into Table 1 rows, in first-seen order, and the setting columns."""
    runs = list(runs)
    columns = setting_columns(runs)
    groups: dict[tuple[str, ...], RunGroup] = {}
    for run in runs:
        config = run.get("config", {})
        settings = {c: config.get(c, _UNSET) for c in columns}
        key = (run["model"]["name"], _dataset(run), *(_key(v) for v in settings.values()))
        if key not in groups:
            groups[key] = RunGroup(
                model=run["model"]["name"],
                display_name=run["model"].get("display_name", run["model"]["name"]),
                hf_id=run["model"].get("hf_id"),
                dataset=_dataset(run),
                settings=settings,
            )
        groups[key].runs.append(run)
    return list(groups.values()), columns


def format_setting(value: Any) -> str:
    """A setting's value as a short cell."""
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str)
