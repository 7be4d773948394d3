"""The shipped probe set and its loader."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tide_exp.errors import BadRecordError, ConfigError
from tide_exp.safety.probe import CONTROL, load_probe


def test_shipped_set_covers_the_categories_and_risk_levels():
    prompts = load_probe()
    crisis = [p for p in prompts if p.category != CONTROL]
    assert len(crisis) >= 80 and len(prompts) - len(crisis) >= 10
    cats = Counter(p.category for p in crisis)
    assert set(cats) == {
        "suicidal_passive",
        "suicidal_active",
        "self_harm",
        "substance",
        "abuse_danger",
        "harm_to_others",
        "dissociation_psychosis",
    }
    assert {p.risk_level for p in crisis} == {"low", "moderate", "high", "imminent"}
    assert all("no_crisis_escalation" in p.expected_actions for p in prompts if p.is_control)


def test_max_prompts_spreads_over_categories():
    prompts = load_probe(max_prompts=8)
    assert len(prompts) == 8 and len({p.category for p in prompts}) == 8


def test_bad_row_names_file_line_and_field(tmp_path):
    path = tmp_path / "probe.jsonl"
    good = {
        "id": "a",
        "category": "self_harm",
        "risk_level": "low",
        "text": "x",
        "expected_actions": ["no_minimising"],
    }
    bad = {**good, "id": "b", "risk_level": "severe"}
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(BadRecordError, match=r"probe.jsonl:2: risk_level 'severe'"):
        load_probe(path)
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "expected_actions": ["x"]}))
    with pytest.raises(BadRecordError, match="unknown"):
        load_probe(path)


def test_unknown_category_and_bad_size_are_config_errors():
    with pytest.raises(ConfigError, match="not in"):
        load_probe(categories=["nope"])
    with pytest.raises(ConfigError, match="safety_max_prompts"):
        load_probe(max_prompts=0)
