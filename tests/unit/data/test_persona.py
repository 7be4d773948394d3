"""Persona context: filled from metadata, identical in training and evaluation, never "None"."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tide_exp.data.chat import ChatFormatter
from tide_exp.data.persona import render_persona, template_fields
from tide_exp.data.tide_folder import load_tide_folder
from tide_exp.errors import ConfigError

TEMPLATE = (
    "About the client:\nAge: {age}\nOccupation: {occupation}\nCoping: {coping_behaviour}\n"
    "Sponsor: {sponsor}"
)


def test_sample_metadata_fills_the_template_and_missing_lines_drop():
    example = load_tide_folder()[0]
    text = render_persona(TEMPLATE, example.metadata)
    meta = example.metadata
    assert f"Age: {meta['age']}" in text
    assert f"Occupation: {meta['occupation']}" in text
    assert "Coping: " + ", ".join(meta["coping_behaviour"]) in text
    assert "Sponsor" not in text  # the sample has no such field: the line is dropped
    assert text.startswith("About the client:")


def test_no_known_field_means_no_context_at_all():
    assert render_persona(TEMPLATE, {"name": "Rosa"}) == ""
    assert render_persona(TEMPLATE, None) == ""
    assert render_persona(None, {"age": 3}) == ""


@given(
    st.dictionaries(
        st.sampled_from(["age", "occupation", "coping_behaviour", "sponsor", "other"]),
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(),
            st.text(alphabet="ab0 {}\n\r\t", max_size=8),
            st.lists(st.one_of(st.none(), st.text(alphabet="ab0 \n", max_size=5)), max_size=3),
            st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        ),
    )
)
@settings(max_examples=200, deadline=None)
def test_any_metadata_renders_without_none_or_placeholders(metadata):
    text = render_persona(TEMPLATE, metadata)
    assert "None" not in text
    assert not any("{" + name + "}" in text for name in template_fields(TEMPLATE))
    for line in text.splitlines()[1:]:
        assert line.split(": ", 1)[1].strip()  # every kept line carries a value


@pytest.mark.parametrize("bad", ["{age!r}", "{age:>3}", "{meta[age]}", "{age", "{0}"])
def test_bad_template_is_a_config_error(bad):
    with pytest.raises(ConfigError, match="persona_template"):
        template_fields(bad)


def test_persona_reaches_training_and_evaluation_prompts_identically(tiny_model):
    example = load_tide_folder()[0]
    chat = ChatFormatter(
        tiny_model.tokenizer, system_prompt="Be gentle.", persona_template=TEMPLATE
    )
    prompt = chat.prompt(example.user_input, example.metadata)
    assert prompt.startswith("<|im_start|>system\nBe gentle.\n\nAbout the client:\nAge: ")
    feature = chat.encode(example.user_input, example.reference_response, 512, example.metadata)
    prompt_ids = tiny_model.tokenizer(prompt, add_special_tokens=False)["input_ids"]
    assert feature["input_ids"][: len(prompt_ids)] == prompt_ids
    user = ChatFormatter(tiny_model.tokenizer, persona_template=TEMPLATE, persona_placement="user")
    assert f"Age: {example.metadata['age']}" in user.prompt(example.user_input, example.metadata)
    assert "<|im_start|>user\nAbout the client:" in user.prompt(
        example.user_input, example.metadata
    )
    # Off by default: metadata alone changes nothing.
    plain = ChatFormatter(tiny_model.tokenizer)
    assert plain.prompt(example.user_input, example.metadata) == plain.prompt(example.user_input)


def test_describe_records_the_exact_template(tiny_model):
    chat = ChatFormatter(tiny_model.tokenizer, persona_template=TEMPLATE)
    assert chat.describe()["persona_template"] == TEMPLATE


def test_template_fields_that_miss_the_data_are_reported_once_with_counts(tiny_model, caplog):
    import logging

    from tide_exp.data.dialogue_datamodule import DialogueDataModule

    # TIDE's field names are not public: a template guessing "age_years" misses the sample's "age".
    chat = ChatFormatter(
        tiny_model.tokenizer, persona_template="Client:\nAge: {age_years}\nJob: {job}"
    )
    dm = DialogueDataModule(load_tide_folder, chat, max_length=160)
    with caplog.at_level(logging.WARNING, logger="tide_exp.data.persona"):
        dm.setup()
    warnings = [r.getMessage() for r in caplog.records if "persona_template" in r.getMessage()]
    assert len(warnings) == 1  # once per run, not once per prompt
    assert warnings[0].startswith("model.chat.persona_template: 800 of 800 prompts got no persona")
    assert "{age_years} in 800" in warnings[0] and "age, coping_behaviour" in warnings[0]
    assert dm.counts["prompts_without_persona"] == 800
    assert "Client:" not in dm.prompt(dm.train_examples[0])


def test_partly_matching_template_counts_the_prompts_left_bare():
    from tide_exp.data.persona import describe_coverage, persona_coverage

    metadatas = [{"age": 30}, {"age": 41, "occupation": "nurse"}, {"name": "x"}, None]
    coverage = persona_coverage("Age: {age}\nOccupation: {occupation}", metadatas)
    assert coverage["without_persona"] == 2
    assert coverage["fields_missing"] == {"age": 2, "occupation": 3}
    assert "2 of 4 prompts got no persona context" in describe_coverage(coverage)
    full = persona_coverage("Age: {age}", [{"age": 1}])
    assert describe_coverage(full) is None and persona_coverage(None, metadatas) == {}
