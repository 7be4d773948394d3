"""Generic chat corpora (OpenAI ``messages``, ShareGPT ``conversations``) as (context, reply) pairs.

Every assistant turn that follows a user turn becomes one example (``targets="all"``; with
``targets="last"`` only a record's final one: files with one row per target reply, such as
Study B's prepared corpus). The user turn is the message, the assistant turn the reply, up to
``history_turns`` earlier turns travel along as ``history`` and a ``system`` turn as the
example's ``system_prompt``. The DataModule renders them as real turns of the model's chat
template (:mod:`tide_exp.data.multiturn`), keeping as many of the latest turns as fit in
``max_length`` tokens, so training and generation see the same prompt.
"""

from __future__ import annotations

from pathlib import Path

from tide_exp.data.examples import DialogueExample
from tide_exp.data.readers import data_files, read_records
from tide_exp.data.records import Corpus, RowChecker, visible_text
from tide_exp.errors import check_choice

# Role names as the corpora spell them -> user / assistant / system.
ROLES = {
    "user": "user",
    "human": "user",
    "client": "user",
    "person": "user",
    "patient": "user",
    "seeker": "user",
    "assistant": "assistant",
    "gpt": "assistant",
    "chatgpt": "assistant",
    "bot": "assistant",
    "model": "assistant",
    "chatbot": "assistant",
    "counselor": "assistant",
    "counsellor": "assistant",
    "supporter": "assistant",
    "system": "system",
}
# Each style: the list key, then the keys of role and text inside each message.
STYLES = {
    "messages": ("messages", "role", "content"),
    "sharegpt": ("conversations", "from", "value"),
}
STYLES_KEYS = {s[0] for s in STYLES.values()}
TARGETS = ("all", "last")


def parse_turns(record: dict, style: str | None = None) -> tuple[list[tuple[str, str]] | None, str]:
    """``(turns, problem)``: the record's ``(role, text)`` turns, or ``None`` and what is wrong.

    System turns are kept with role ``system`` (see :func:`split_system`). ``style`` is
    ``messages``, ``sharegpt`` or ``None`` to take whichever list key the record has.
    """
    styles = [STYLES[style]] if style else list(STYLES.values())
    found = next(
        ((key, role_key, text_key) for key, role_key, text_key in styles if key in record), None
    )
    if found is None:
        keys = ", ".join(sorted(map(str, record))) or "none"
        wanted = " or ".join(f"'{s[0]}'" for s in styles)
        return None, f"no {wanted} list (keys found: {keys})"
    key, role_key, text_key = found
    messages = record[key]
    if not isinstance(messages, list):
        return None, f"'{key}' is a {type(messages).__name__}, not a list"
    turns = []
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            return None, f"{key}[{index}] is a {type(message).__name__}, not an object"
        role, text = message.get(role_key), message.get(text_key)
        if not isinstance(role, str) or role.strip().lower() not in ROLES:
            return (
                None,
                f"{key}[{index}] has role {role!r}; known roles: {', '.join(sorted(ROLES))}",
            )
        if not isinstance(text, str):
            return None, f"{key}[{index}].{text_key} is a {type(text).__name__}, not a string"
        turns.append((ROLES[role.strip().lower()], visible_text(text)))
    return turns, ""


def split_system(turns: list[tuple[str, str]]) -> tuple[str, list[tuple[str, str]]]:
    """``(system prompt, user and assistant turns)``: system turns joined by a blank line."""
    system = "\n\n".join(text for role, text in turns if role == "system" and text)
    return system, [(role, text) for role, text in turns if role != "system"]


def load_chat_corpus(
    path: str | Path,
    style: str | None = None,
    format: str | None = None,
    history_turns: int | None = 0,
    targets: str = "all",
    id_field: str = "id",
    persona_field: str | None = None,
    theme_field: str | None = "category",
    dialogue_field: str | None = None,
    on_error: str = "raise",
    duplicates: str = "error",
    max_chars: int | None = 20000,
    skip_report: str | None = None,
) -> Corpus:
    """Load OpenAI-style or ShareGPT-style chat records as examples.

    Args:
        path: A JSONL/JSON/Parquet file, or a folder of them.
        style: ``messages`` (``[{role, content}]``), ``sharegpt`` (``conversations: [{from, value}]``)
            or ``None`` to accept either per record.
        format: File format (``jsonl``, ``json``, ``parquet``); ``None``: from the suffix.
        history_turns: Earlier turns kept as context (``0``: none, ``None``: all); the
            DataModule then drops the oldest until the example fits ``max_length``.
        targets: ``all``: every assistant turn after a user turn is an example; ``last``: only
            each record's final one (files holding one row per target reply).
        id_field: Record key of the conversation id (absent: ``{file stem}-{line or record}``).
        persona_field: Record key grouping conversations for the persona-aware split
            (``None``: each conversation is its own group, so no conversation straddles the split).
        theme_field: Record key of a category or theme, if any.
        dialogue_field: Record key of the source dialogue, for files whose rows are one
            dialogue's replies each (Study B's prepared corpus: ``persona_id``); ``None``: the
            record's conversation id. The per-dialogue perplexity groups by it.
        on_error: ``raise`` at the first bad record, or ``skip`` and report it.
        duplicates: ``error`` or ``keep`` repeated (persona, message, reply) rows.
        max_chars: Longest accepted message or reply in characters.
        skip_report: Where to write the skipped rows when called on its own (the DataModule
            writes them to the run folder).

    Raises:
        BadRecordError: A record is malformed (with ``on_error=raise``).
        DataError: The path is missing or holds no data files.
    """
    if history_turns is not None and history_turns < 0:
        raise ValueError(f"history_turns must be >= 0 or None, got {history_turns}")
    check_choice("targets", targets, TARGETS)
    checker = RowChecker(on_error, duplicates, max_chars)
    examples: list[DialogueExample] = []
    for file in data_files(path):
        for where, record in read_records(file, checker, format):
            examples += _pairs(
                file,
                where,
                record,
                style,
                history_turns,
                targets,
                id_field,
                persona_field,
                theme_field,
                checker,
                dialogue_field,
            )
    return checker.finish(examples, path, skip_report)


def _pairs(
    file: Path,
    where: int | str,
    record: dict,
    style: str | None,
    history_turns: int | None,
    targets: str,
    id_field: str,
    persona_field: str | None,
    theme_field: str | None,
    checker: RowChecker,
    dialogue_field: str | None = None,
) -> list[DialogueExample]:
    parsed, problem = parse_turns(record, style)
    if parsed is None:
        checker.bad(file, where, problem, record)
        return []
    system, turns = split_system(parsed)
    label = where if isinstance(where, int) else where.split()[-1]
    conversation = (
        str(record[id_field]) if record.get(id_field) not in (None, "") else f"{file.stem}-{label}"
    )
    persona = (
        conversation
        if persona_field is None or record.get(persona_field) in (None, "")
        else str(record[persona_field])
    )
    theme = str(record.get(theme_field) or "") if theme_field else ""
    dialogue = (
        str(record[dialogue_field])
        if dialogue_field and record.get(dialogue_field) not in (None, "")
        else conversation
    )
    examples, reported = [], len(checker.skipped)
    indices = range(1, len(turns)) if targets == "all" else range(len(turns) - 1, 0, -1)[:1]
    for index in indices:
        (prev_role, message), (role, reply) = turns[index - 1], turns[index]
        if role != "assistant" or prev_role != "user":
            continue
        if not message or not reply:
            checker.bad(file, where, f"turn {index - 1 if not message else index} is empty", record)
            continue
        if checker.max_chars is not None and max(len(message), len(reply)) > checker.max_chars:
            checker.bad(
                file, where, f"turn {index} is over-long (max_chars={checker.max_chars})", record
            )
            continue
        start = 0 if history_turns is None else max(0, index - 1 - history_turns)
        example = DialogueExample(
            example_id=f"{conversation}-t{index:02d}",
            persona_id=persona,
            user_input=message,
            reference_response=reply,
            theme=theme,
            metadata={
                k: v
                for k, v in record.items()
                if k not in STYLES_KEYS and isinstance(v, (str, int, float, bool))
            },
            history=tuple(turns[start : index - 1]),
            system_prompt=system,
            dialogue_id=dialogue,
        )
        if checker.accept(example, file, where, record):
            examples.append(example)
    if not examples and len(checker.skipped) == reported:
        checker.bad(file, where, "no user turn followed by an assistant turn", record)
    return examples
