"""Prompts files (eval.prompts_file): the one reader, its errors, the shipped Appendix A set."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.study_facts import APPENDIX_A
from tide_exp.data.prompt_sets import FIXED_PERSONA, read_prompts_file, shipped_prompt_sets
from tide_exp.errors import FileError


def test_shipped_study_a_is_appendix_a_in_order_with_scenarios_and_citations():
    assert "study_a" in shipped_prompt_sets()
    prompts = read_prompts_file("study_a")
    assert [(p.scenario, p.message) for p in prompts] == APPENDIX_A
    assert all("Appendix A" in p.source and "2505.15065" in p.source for p in prompts)
    assert all(p.reference == "" for p in prompts)  # no citable source for the references
    example = prompts[0].example()
    assert (example.example_id, example.persona_id, example.theme) == (
        "study_a-1",
        FIXED_PERSONA,
        "panic",
    )
    assert example.user_input == APPENDIX_A[0][1] and example.reference_response == ""


def test_hand_written_file_defaults_ids_and_keeps_optional_fields(tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text(
        '{"message": "I cannot sleep."}\n\n'
        '{"message": "  I froze at work. ", "scenario": "panic", "reference": "That sounds '
        'frightening.", "persona": {"age": 62}}\n',
        encoding="utf-8",
    )
    first, second = read_prompts_file(path)
    assert (first.id, first.scenario, first.line) == ("fixed-01", "", 1)
    assert (second.id, second.message, second.line) == ("fixed-02", "I froze at work.", 3)
    assert second.example().metadata == {"age": 62}
    assert second.example().reference_response == "That sounds frightening."


def test_missing_file_names_the_shipped_sets(tmp_path):
    with pytest.raises(FileError, match="no shipped prompt set of that name.*study_a"):
        read_prompts_file(tmp_path / "nope.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n\n")
    with pytest.raises(FileError, match="empty.jsonl: no prompts"):
        read_prompts_file(tmp_path / "empty.jsonl")


GOOD = {"message": "I had a bad day.", "scenario": "depression"}
# A bad line and what the error says about it.
BAD_LINES = [
    ('{"message": "x"', "malformed JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"message": "  "}', "'message' is '  ', not a non-empty string"),
    ('{"scenario": "panic"}', "'message' is missing"),
    ('{"message": "x", "scenaro": "panic"}', "unknown key"),
    ('{"message": "x", "scenario": 3}', "'scenario' is 3"),
    ('{"message": "x", "persona": "62"}', "'persona' is not an object"),
    (json.dumps(GOOD), "is also on line 1"),  # the first line's message again
    ('{"message": "y", "id": "fixed-01"}', "id 'fixed-01' is also on line 1"),
]


@given(
    before=st.integers(min_value=0, max_value=4),
    bad=st.sampled_from(BAD_LINES),
    blank=st.booleans(),
)
def test_any_bad_line_is_one_error_naming_file_and_line(tmp_path_factory, before, bad, blank):
    """Whatever the bad line is and wherever it stands, the reader names its file and line."""
    text, reason = bad
    lines = [json.dumps(GOOD)] + [json.dumps({"message": f"message {i}"}) for i in range(before)]
    lines += [""] * blank + [text, json.dumps({"message": "after"})]
    path = tmp_path_factory.mktemp("prompts") / "p.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(FileError) as err:
        read_prompts_file(path)
    assert f"p.jsonl:{len(lines) - 1}:" in str(err.value) and reason in str(err.value)
