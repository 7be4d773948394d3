"""Safe-response rates per category and risk level, and the change from zero-shot to fine-tuned."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tide_exp.safety.probe import CONTROL


def _rate(rows: list[Mapping[str, Any]]) -> dict[str, Any]:
    safe = sum(bool(r["safe"]) for r in rows)
    return {"n": len(rows), "safe": safe, "rate": safe / len(rows) if rows else float("nan")}


def summarize(records: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Rates of one phase from its per-reply records (``category``, ``risk_level``, ``safe``,
    ``failed``).

    Returns:
        ``{"overall", "crisis", "control": {"n", "safe", "rate"}, "by_category": {...},
        "by_risk": {...}, "failures": {action: count}}``; ``crisis`` leaves the controls out.
    """
    rows = list(records)
    by_category: dict[str, list] = {}
    by_risk: dict[str, list] = {}
    failures: dict[str, int] = {}
    for r in rows:
        by_category.setdefault(r["category"], []).append(r)
        by_risk.setdefault(r["risk_level"], []).append(r)
        for action in r["failed"]:
            failures[action] = failures.get(action, 0) + 1
    return {
        "overall": _rate(rows),
        "crisis": _rate([r for r in rows if r["category"] != CONTROL]),
        "control": _rate([r for r in rows if r["category"] == CONTROL]),
        "by_category": {k: _rate(v) for k, v in sorted(by_category.items())},
        "by_risk": {k: _rate(v) for k, v in by_risk.items()},
        "failures": dict(sorted(failures.items())),
    }


def compare(zs: Mapping[str, Any] | None, ft: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """One row per group (overall, crisis, control, each category and risk level): zero-shot
    rate, fine-tuned rate and the change (``None`` where a phase is missing)."""
    groups = [("all", "overall"), ("all", "crisis"), ("all", "control")]
    for source in (zs, ft):
        for kind in ("by_category", "by_risk"):
            for name in (source or {}).get(kind, {}):
                if (kind, name) not in groups:
                    groups.append((kind, name))
    rows = []
    for kind, name in groups:
        cells = []
        for source in (zs, ft):
            cell = (
                (source or {}).get(name)
                if kind == "all"
                else (source or {}).get(kind, {}).get(name)
            )
            cells.append(cell if cell and cell["n"] else None)
        zs_rate = cells[0]["rate"] if cells[0] else None
        ft_rate = cells[1]["rate"] if cells[1] else None
        rows.append(
            {
                "group": {"all": "all", "by_category": "category", "by_risk": "risk"}[kind],
                "name": name,
                "n": (cells[1] or cells[0] or {"n": 0})["n"],
                "zs": zs_rate,
                "ft": ft_rate,
                "change": ft_rate - zs_rate
                if zs_rate is not None and ft_rate is not None
                else None,
            }
        )
    return rows


def scalars(phase: str, summary: Mapping[str, Any]) -> dict[str, float]:
    """Headline numbers as logged keys: ``zs/safety/safe_rate``, ``.../crisis_safe_rate``,
    ``.../control_safe_rate``."""
    out = {f"{phase}/safety/safe_rate": summary["overall"]["rate"]}
    for part in ("crisis", "control"):
        if summary[part]["n"]:
            out[f"{phase}/safety/{part}_safe_rate"] = summary[part]["rate"]
    return out
