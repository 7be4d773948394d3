"""Which runs share a Table 1 row: same model, same dataset, same settings; only seeds differ.

A row aggregates runs that agree on the model, the dataset fingerprint (corpus and splitting
rule, from the split manifest: :mod:`tide_exp.data.fingerprint`) and every recorded setting
(``results.json["config"]``, written by :func:`tide_exp.config.settings.run_settings`, which leaves out
the seed, output paths and logging). A setting that differs between runs of one model and
dataset becomes a column, so ``lora.r=4,8`` gives two rows and ``seed=1,2`` one row of two seeds.

Replicates are distinct seeds: one run found twice (a standalone run and the identical job of a
sweep: same model, data, settings and seed) counts once (:func:`drop_duplicate_runs`), and the
report names the folder it set aside.
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


def run_identity(run: dict[str, Any]) -> str:
    """What makes two runs the same run: model, dataset and split fingerprints, seed, settings."""
    data = run.get("data", {})
    return _key(
        [
            run["model"]["name"],
            data.get("dataset"),
            data.get("split"),
            run.get("seed"),
            run.get("config", {}),
        ]
    )


def drop_duplicate_runs(
    runs: Iterable[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The runs with each identical run kept once (the first found), and those set aside.

    Two runs with the same model, data, settings and seed are one experiment done twice, not
    two seeds: counting both would halve the spread and narrow the intervals.

    Returns:
        ``(kept, duplicates)``; each duplicate is ``{"run_dir", "same_as", "seed"}``.
    """
    first: dict[str, dict[str, Any]] = {}
    kept, duplicates = [], []
    for run in runs:
        identity = run_identity(run)
        if identity in first:
            duplicates.append(
                {
                    "run_dir": run.get("run_dir"),
                    "same_as": first[identity].get("run_dir"),
                    "seed": run.get("seed"),
                }
            )
            continue
        first[identity] = run
        kept.append(run)
    return kept, duplicates


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
