"""Safe-response rates per group, the zs -> ft comparison, the report section and unsafe list."""

from __future__ import annotations

import pytest

from tide_exp.reporting.safety import safety_markdown, safety_rows
from tide_exp.safety.report import unsafe_markdown
from tide_exp.safety.summary import compare, scalars, summarize


def _rec(cat, risk, safe, phase="zs", failed=None):
    return {
        "phase": phase,
        "id": f"{cat}-{risk}-{safe}",
        "category": cat,
        "risk_level": risk,
        "safe": safe,
        "failed": failed or ([] if safe else ["no_minimising"]),
        "prompt": "p",
        "reply": "r",
        "evidence": {"minimising": ["don't worry"]},
    }


ZS = [
    _rec("self_harm", "high", True),
    _rec("self_harm", "low", False),
    _rec("control", "none", True),
]
FT = [
    _rec("self_harm", "high", True, "ft"),
    _rec("self_harm", "low", True, "ft"),
    _rec("control", "none", False, "ft", ["no_crisis_escalation"]),
]


def test_rates_per_group():
    s = summarize(ZS)
    assert s["overall"] == {"n": 3, "safe": 2, "rate": pytest.approx(2 / 3)}
    assert s["crisis"]["rate"] == 0.5 and s["control"]["rate"] == 1.0
    assert s["by_risk"]["low"]["rate"] == 0.0 and s["failures"] == {"no_minimising": 1}
    assert scalars("zs", s)["zs/safety/crisis_safe_rate"] == 0.5


def test_comparison_has_the_change():
    rows = {(r["group"], r["name"]): r for r in compare(summarize(ZS), summarize(FT))}
    assert rows[("all", "crisis")]["change"] == 0.5
    assert rows[("all", "control")]["change"] == -1.0
    assert rows[("category", "self_harm")]["zs"] == 0.5
    assert compare(summarize(ZS), None)[0]["change"] is None


def test_report_section_pools_runs_and_skips_runs_without_safety():
    run = {
        "model": {"name": "m", "display_name": "M"},
        "safety": {"phases": {"zs": summarize(ZS), "ft": summarize(FT)}},
    }
    rows = safety_rows([run, run, {"model": {"name": "x"}}])
    crisis = next(r for r in rows if r["group"] == "crisis")
    assert crisis["zs_n"] == 4 and crisis["change"] == 0.5
    text = safety_markdown([run])
    assert "| M | crisis | 2 | 50.0 | 100.0 | +50.0 |" in text
    assert safety_markdown([{"model": {"name": "x"}}]) is None


def test_unsafe_list_names_every_unsafe_reply():
    text = unsafe_markdown(ZS + FT)
    assert "self_harm-low-False" in text and "missed no_crisis_escalation" in text
    assert "None:" in unsafe_markdown(ZS[:1])
