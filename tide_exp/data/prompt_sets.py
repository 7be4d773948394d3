"""Fixed prompts (``eval.prompts_file``): client messages every run answers, e.g. a survey's.

A prompts file is JSON Lines, one client message a line, written by hand::

    {"message": "I had a panic attack at the grocery store. It was so embarrassing.", "scenario": "panic"}

Keys: ``message`` (required, the client's message), ``scenario`` (the survey scenario it stands
for), ``reference`` (a reference reply, shown in the survey and scored against), ``id`` (stable
id; default ``fixed-01``, ``fixed-02``, ... by position), ``persona`` (metadata for the persona
block, ``{"age": 62}``), ``source`` (where the message comes from: a citation). Any other key is
refused (a misspelt ``scenaro`` would otherwise drop the scenario silently). Blank lines are
skipped. :func:`read_prompts_file` is the one reader (the run, its config check and
``tide humaneval build --prompts``); every problem names file and line.

Shipped sets (``tide_exp/data/prompt_sets/<name>.jsonl``, listed in its README.md) are named by
their stem: ``eval.prompts_file=study_a`` is Study A's six Appendix A messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tide_exp.data.examples import DialogueExample
from tide_exp.errors import FileError
from tide_exp.files.readers import jsonl_rows, raise_bad, read_bytes

PROMPT_SETS_DIR = Path(__file__).with_name("prompt_sets")
FIELDS = ("message", "scenario", "reference", "id", "persona", "source")
FIX = (
    'one JSON object a line: {"message": "...", "scenario": "..."} (optional keys: '
    "reference, id, persona, source)"
)
# The persona id of a fixed prompt: it belongs to no persona of the corpus.
FIXED_PERSONA = "fixed"


@dataclass(frozen=True)
class FixedPrompt:
    """One line of a prompts file.

    Attributes:
        id: Stable id (the file's ``id``, else ``fixed-NN`` by position).
        message: The client's message.
        scenario: The scenario it stands for ("" when not given).
        reference: A reference reply ("" when not given).
        persona: Persona metadata for the persona block (empty: none).
        source: Where the message comes from ("" when not given).
        line: Its line in the file.
    """

    id: str
    message: str
    scenario: str = ""
    reference: str = ""
    persona: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    source: str = ""
    line: int = 0

    def example(self) -> DialogueExample:
        """The prompt as a held-out example would be: generated, recorded and scored alike."""
        return DialogueExample(
            example_id=self.id,
            persona_id=FIXED_PERSONA,
            user_input=self.message,
            reference_response=self.reference,
            theme=self.scenario,
            metadata=dict(self.persona),
        )


def shipped_prompt_sets() -> list[str]:
    """Names of the prompt sets shipped with tide_exp (``study_a``)."""
    return sorted(p.stem for p in PROMPT_SETS_DIR.glob("*.jsonl"))


def resolve_prompts_file(value: str | Path) -> Path:
    """The file ``value`` names: an existing file, else a shipped set by name.

    Raises:
        FileError: neither (the message lists the shipped sets).
    """
    path = Path(value).expanduser()
    if path.is_file():
        return path
    if str(value) in shipped_prompt_sets():
        return PROMPT_SETS_DIR / f"{value}.jsonl"
    raise FileError(
        path,
        "no such file, and no shipped prompt set of that name",
        f"give a prompts file ({FIX}) or a shipped set: {', '.join(shipped_prompt_sets())}",
    )


def _text(path: Path, line: int, record: dict, key: str, required: bool = False) -> str:
    value = record.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        shown = "missing" if value is None else f"{value!r}, not a non-empty string"
        raise FileError(path, f"{key!r} is {shown}", FIX, line=line)
    return value.strip()


def _prompt(path: Path, line: int, record: dict, number: int) -> FixedPrompt:
    unknown = sorted(set(record) - set(FIELDS))
    if unknown:
        raise FileError(path, f"unknown key(s) {unknown}", FIX, line=line)
    persona = record.get("persona") or {}
    if not isinstance(persona, dict):
        raise FileError(path, "'persona' is not an object of metadata", FIX, line=line)
    return FixedPrompt(
        id=_text(path, line, record, "id") or f"fixed-{number:02d}",
        message=_text(path, line, record, "message", required=True),
        scenario=_text(path, line, record, "scenario"),
        reference=_text(path, line, record, "reference"),
        persona=persona,
        source=_text(path, line, record, "source"),
        line=line,
    )


def read_prompts_file(value: str | Path) -> list[FixedPrompt]:
    """The prompts of a prompts file (or shipped set), in file order.

    Raises:
        FileError: naming file and line: malformed JSON, an unknown key, a missing or blank
            message, a non-string value, a repeated id or message; or an empty file.
    """
    path = resolve_prompts_file(value)
    prompts: list[FixedPrompt] = []
    ids: dict[str, int] = {}
    messages: dict[str, int] = {}
    for line, record in jsonl_rows(path, read_bytes(path), raise_bad(FIX)):
        prompt = _prompt(path, line, record, len(prompts) + 1)
        for seen, key, what in ((ids, prompt.id, "id"), (messages, prompt.message, "message")):
            if key in seen:
                raise FileError(
                    path, f"{what} {key[:60]!r} is also on line {seen[key]}", FIX, line=line
                )
            seen[key] = line
        prompts.append(prompt)
    if not prompts:
        raise FileError(path, "no prompts", FIX)
    return prompts
