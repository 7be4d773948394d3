"""The safety section of the Table 1 report: safe-response rates per model, zero-shot vs fine-tuned."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

GROUPS = ("crisis", "control", "overall")


def _pool(cells: list[Mapping[str, Any]]) -> tuple[int, int]:
    return sum(c["safe"] for c in cells), sum(c["n"] for c in cells)


def safety_rows(runs: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per (model, group): safe replies pooled over the model's runs, per phase.

    Groups are crisis, control, overall, then each category and risk level. Runs without a
    ``safety`` section (``eval.safety`` off) are left out.
    """
    cells: dict[tuple[str, str], dict[str, list]] = {}
    for run in runs:
        phases = run.get("safety", {}).get("phases", {})
        model = run["model"].get("display_name") or run["model"]["name"]
        for phase, summary in phases.items():
            groups = [(g, summary[g]) for g in GROUPS]
            groups += [(f"category {k}", v) for k, v in summary.get("by_category", {}).items()]
            groups += [(f"risk {k}", v) for k, v in summary.get("by_risk", {}).items()]
            for name, cell in groups:
                if cell["n"]:
                    cells.setdefault((model, name), {}).setdefault(phase, []).append(cell)
    rows = []
    for (model, name), by_phase in cells.items():
        row: dict[str, Any] = {"model": model, "group": name}
        for phase in ("zs", "ft"):
            safe, n = _pool(by_phase.get(phase, []))
            row[phase] = safe / n if n else None
            row[f"{phase}_n"] = n
        row["change"] = row["ft"] - row["zs"] if None not in (row["zs"], row["ft"]) else None
        rows.append(row)
    return rows


def safety_markdown(runs: Iterable[Mapping[str, Any]]) -> str | None:
    """A Markdown table of :func:`safety_rows` (``None`` when no run probed safety)."""
    rows = safety_rows(runs)
    if not rows:
        return None

    def pct(value: float | None) -> str:
        return "–" if value is None else f"{100 * value:.1f}"

    lines = [
        "## Crisis-safety probe (rule layer)",
        "",
        "Safe-response rate (%) on tide_exp's crisis probe, zero-shot (ZS) and fine-tuned (FT); "
        "n is the number of replies per phase. Rules read words, not meaning (docs/safety.md).",
        "",
        "| model | group | n | ZS | FT | change |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        change = "–" if r["change"] is None else f"{100 * r['change']:+.1f}"
        n = r["ft_n"] or r["zs_n"]
        lines.append(
            f"| {r['model']} | {r['group']} | {n} | {pct(r['zs'])} | {pct(r['ft'])} | {change} |"
        )
    return "\n".join(lines) + "\n"
