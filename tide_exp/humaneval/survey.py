"""What the survey asks and how it is laid out: Study A's wording, scale, scenarios, settings.

The prompt draw lives in :mod:`tide_exp.humaneval.draw`, the item layout and key in
:mod:`tide_exp.humaneval.items`.
"""

from __future__ import annotations

from dataclasses import dataclass

from tide_exp.errors import check_choice
from tide_exp.humaneval.errors import SurveyConfigError

# Study A's question, verbatim (studies.md, "Study A: human evaluation").
QUESTION = (
    "Please rate each response on empathy on a scale from 1 to 5, where 1 means "
    "'Not at all empathetic' and 5 means 'Extremely empathetic':"
)
# Only the two ends of the scale are labelled in the study; the middle points are numbers.
LIKERT_LABELS = ("Not at all empathetic", "", "", "", "Extremely empathetic")
# Study B rated three dimensions; a dimension other than empathy gets this wording and
# these end labels unless the spec's ``questions`` gives its own text.
QUESTION_TEMPLATE = (
    "Please rate each response on {dimension} on a scale from 1 to 5, where 1 means "
    "'Very poor' and 5 means 'Excellent':"
)
GENERIC_LABELS = ("Very poor", "", "", "", "Excellent")
DEFAULT_DIMENSIONS = ("empathy",)
DRAW_UNITS = ("auto", "dialogue", "prompt")  # what one draw is (SurveySpec.draw_unit)
STUDY_B_DIMENSIONS = ("empathic_resonance", "conversational_coherence", "advice_appropriateness")
ATTENTION_ID = "ATTN"
# Study order of the six scenarios; other themes follow alphabetically.
SCENARIO_ORDER = (
    "panic",
    "grief_anger",
    "depression",
    "abuse_memory",
    "noise_social_anxiety",
    "substance_use",
)
# How the survey names the speakers of a dialogue's earlier turns (ours; Study B's report shows
# none of its survey).
ROLE_LABELS = {"user": "Client", "assistant": "Counsellor"}
# Shown (and kept in the key) instead of an empty reply: a blank matrix row would vanish
# on import and shift every later row's column.
EMPTY_REPLY = "(no reply)"


@dataclass
class SurveySpec:
    """What to put in the survey; defaults reproduce Study A's design.

    Attributes:
        seed: seeds the prompt draw and the reply order within each item (study: 42).
        per_scenario: prompts per scenario (study: 1).
        example_ids: use these prompts instead of a seeded draw, in scenario order.
        scenarios: example_id -> scenario, for data without a ``theme`` field (the real
            TIDE has none); read from ``--scenarios mapping.csv``.
        shared_prompts: one client message per scenario shown with every pair set (the
            study's design); False draws separately for each pair set.
        attention_check: insert an attention-check item mid-survey.
        attention_value: the rating the attention item asks for.
        question: the empathy question's wording; labels: the five scale labels ("" for a
            point shown by its number only).
        shuffle_items: shuffle the items; the default keeps the study's interleaved order
            (pair set 1 = items 1, 5, 9, ...).
        dimensions: what each reply is rated on; one matrix per dimension per item.
        questions: wording per dimension other than empathy (default QUESTION_TEMPLATE).
        prompts: the client messages to show, each an example id or the message's text, in
            scenario order (resolved to ``example_ids`` against the runs).
        allow_missing_scenarios: build even when a scenario of the design has no prompt
            shared by every pair set (a shorter survey, stated in build.json); default: error.
        no_scenarios: draw ``per_scenario`` prompts from all prompts, ignoring themes
            (Study B's "100 randomly selected dialogues").
        reference: show the reference reply in every item (Study A); Study B rated base vs
            fine-tuned only.
        fixed: take the replies from the runs' fixed-prompt phases (``fixed_zs``,
            ``fixed_ft``: their ``eval.prompts_file``), matching ``prompts`` by text.
        prompt_scenarios: message text -> scenario (the prompts file's ``scenario``); a
            message without one is its own scenario, named by its id.
        history_turns: earlier turns of a multi-turn dialogue shown above the message (the
            last N; ``None``: every turn the model saw; 0: none).
        draw_unit: ``auto`` (one item per dialogue on multi-turn data, else per prompt),
            ``dialogue`` or ``prompt``.
    """

    seed: int = 42
    per_scenario: int = 1
    example_ids: list[str] | None = None
    scenarios: dict[str, str] | None = None
    shared_prompts: bool = True
    attention_check: bool = True
    attention_value: int = 2
    question: str = QUESTION
    labels: tuple[str, ...] = LIKERT_LABELS
    shuffle_items: bool = False
    dimensions: tuple[str, ...] = DEFAULT_DIMENSIONS
    questions: dict[str, str] | None = None
    prompts: list[str] | None = None
    allow_missing_scenarios: bool = False
    no_scenarios: bool = False
    reference: bool = True
    fixed: bool = False
    prompt_scenarios: dict[str, str] | None = None
    history_turns: int | None = None
    draw_unit: str = "auto"

    def __post_init__(self) -> None:
        check_choice("draw_unit", self.draw_unit, DRAW_UNITS, SurveyConfigError)

    def question_for(self, dimension: str) -> str:
        """The question text shown above a dimension's matrix."""
        if self.questions and dimension in self.questions:
            return self.questions[dimension]
        if dimension == "empathy":
            return self.question
        return QUESTION_TEMPLATE.format(dimension=dimension.replace("_", " "))

    def labels_for(self, dimension: str) -> tuple[str, ...]:
        """The scale labels of a dimension's matrix."""
        return self.labels if dimension == "empathy" else GENERIC_LABELS


def rating_column(question_id: str, dimension: str, dimensions: tuple[str, ...]) -> str:
    """The export column of one reply's rating on one dimension.

    With one dimension it is the question id (``I07_3``, matrix ``I07`` row 3); with
    several, matrix ``I07d2`` holds dimension 2 and its row 3 exports as ``I07d2_3``.
    """
    if len(dimensions) == 1:
        return question_id
    item, slot = question_id.rsplit("_", 1)
    return f"{item}d{dimensions.index(dimension) + 1}_{slot}"


def scenario_order(themes) -> list[str]:
    """Study order first, then any other theme alphabetically."""
    themes = set(themes)
    return [s for s in SCENARIO_ORDER if s in themes] + sorted(themes - set(SCENARIO_ORDER))
