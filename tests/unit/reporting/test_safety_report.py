"""The Table 1 report gains a safety section only when runs probed safety."""

from __future__ import annotations

import json

from tide_exp.reporting.table1 import write_report
from tide_exp.safety.summary import summarize


def _run(path, safety: bool) -> None:
    path.mkdir(parents=True)
    rec = {"category": "self_harm", "risk_level": "high", "failed": []}
    results = {
        "status": "ok",
        "model": {"name": "m", "display_name": "M", "hf_id": None},
        "phases": {
            p: {"metrics": {"cosine": {"mean": 0.5, "std": 0.1, "n": 2, "level": "sample"}}}
            for p in ("zs", "ft")
        },
    }
    if safety:
        results["safety"] = {
            "phases": {
                "zs": summarize([{**rec, "safe": False, "failed": ["no_minimising"]}]),
                "ft": summarize([{**rec, "safe": True}]),
            }
        }
    (path / "results.json").write_text(json.dumps(results))


def test_safety_section_written_beside_table1(tmp_path):
    _run(tmp_path / "runs" / "0", safety=True)
    files = write_report([tmp_path / "runs"], tmp_path / "report")
    text = files["safety"].read_text()
    assert "| M | crisis | 1 | 0.0 | 100.0 | +100.0 |" in text
    assert "| M | risk high | 1 | 0.0 | 100.0 | +100.0 |" in text


def test_no_safety_section_without_probed_runs(tmp_path):
    _run(tmp_path / "runs" / "0", safety=False)
    files = write_report([tmp_path / "runs"], tmp_path / "report")
    assert "safety" not in files and not (tmp_path / "report" / "safety.md").exists()
