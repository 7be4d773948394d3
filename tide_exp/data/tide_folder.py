"""Read a TIDE-shaped folder: per persona a metadata file and a conversation file.

TIDE's field names are not public, so the layout and schema are detected at load time.
Accepted layouts (searched recursively, hidden folders skipped):

- ``conversations/{id}_conversation*.json`` + ``metadata/{id}_metadata.json`` (the sample);
- ``{id}_conversation*.json`` + ``{id}_metadata.json`` side by side (``N_metadata.json``);
- one folder per persona holding ``conversation*.json`` and ``metadata*.json``.

Accepted conversation files: an object with the dialogues under ``dialogues``,
``conversations``, ``conversation``, ``dialogs`` or ``turns``; a bare list of dialogues; or an
object keyed by turn (``{"1": {...}, "2": {...}}``). The dialogues may be a list or a dict keyed
by turn. Each dialogue is an object with the client's text under one of person / client /
user_input / user and the reply under one of chatbot / assistant / reference_response /
response, or two turns (a list or dict of ``{role, content}`` / ``{"person": text}``
objects). ``user_field`` / ``reply_field`` pin the keys; when nothing matches, the error names
the file and the keys it found.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

from tide_exp.data.examples import DialogueExample
from tide_exp.data.records import Corpus, RowChecker
from tide_exp.errors import DataError, DataSchemaError
from tide_exp.files.parsing import ParseProblem, decode_utf8, loads_json

log = logging.getLogger(__name__)

SAMPLE_DIR = Path(__file__).parent / "sample_tide"
USER_KEYS = ("person", "client", "user_input", "user")
REPLY_KEYS = ("chatbot", "assistant", "reference_response", "response")
DIALOGUE_KEYS = ("dialogues", "conversations", "conversation", "dialogs", "turns")
PERSONA_KEYS = ("persona_id", "persona")
THEME_KEYS = ("theme", "scenario", "category", "topic")
ROLE_KEYS = ("role", "speaker", "from")
TEXT_KEYS = ("content", "text", "value", "message", "utterance")
_SUFFIX = re.compile(r"_?(conversations?|metadata)[^/]*$", re.IGNORECASE)


def _natural(key: str) -> tuple:
    """Sort ``turn_2`` before ``turn_10``."""
    return tuple(
        (0, int(part), "") if part.isascii() and part.isdigit() else (1, 0, part)
        for part in re.split(r"([0-9]+)", str(key))
        if part
    )


def _persona_key(path: Path) -> str:
    """``12`` for ``12_conversation.json`` or ``12_metadata.json``; the folder name for ``conversation.json``."""
    stem = _SUFFIX.sub("", path.stem)
    return stem or path.parent.name


def _read_json(path: Path, checker: RowChecker) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as err:  # a folder or a broken link named like a conversation file
        what = "is a folder" if path.is_dir() else f"cannot be read ({err.strerror})"
        checker.bad(path, "whole file", f"{what}; remove or rename it")
        return None
    try:
        return loads_json(decode_utf8(raw))
    except json.JSONDecodeError as err:
        checker.bad(
            path, f"{err.lineno}:{err.colno}", f"malformed JSON ({err.msg}); fix or remove the file"
        )
    except ParseProblem as err:
        checker.bad(path, "whole file", str(err))
    return None


def files_named(root: Path, word: str) -> list[Path]:
    """JSON files named like ``word`` or inside a folder named ``word``/``word``s, hidden folders skipped."""
    return sorted(
        p
        for p in root.rglob("*.json")
        if (word in p.name.lower() or p.parent.name.lower() in (word, word + "s"))
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def _dialogues(data: Any) -> list[tuple[str, Any]] | None:
    """``(key, dialogue)`` pairs of a conversation file, or ``None`` when no shape matches."""
    container = data
    if isinstance(data, dict):
        key = next((k for k in DIALOGUE_KEYS if isinstance(data.get(k), (list, dict))), None)
        if key is not None:
            container = data[key]
        else:  # keyed by turn; scalar entries (persona_id, ...) are the file's header
            container = {k: v for k, v in data.items() if isinstance(v, (dict, list))}
            if not container:
                return None
    if isinstance(container, list):
        return [(str(i), d) for i, d in enumerate(container)]
    if isinstance(container, dict):
        return [(str(k), container[k]) for k in sorted(container, key=_natural)]
    return None


def _flatten(dialogue: Any) -> dict | None:
    """One dict of fields for a dialogue given as an object, or as two turns."""
    if isinstance(dialogue, dict) and not all(isinstance(v, dict) for v in dialogue.values()):
        return dialogue
    turns = list(dialogue.values()) if isinstance(dialogue, dict) else dialogue
    if not isinstance(turns, list) or not turns:
        return None
    merged: dict[str, Any] = {}
    for turn in turns:
        if not isinstance(turn, dict):
            return None
        role = next((turn[k] for k in ROLE_KEYS if isinstance(turn.get(k), str)), None)
        text = next((turn[k] for k in TEXT_KEYS if k in turn), None)
        merged.update({role.strip().lower(): text} if role is not None else turn)
    return merged


def _pick(fields: dict, pinned: str | None, candidates: tuple[str, ...]) -> str | None:
    if pinned is not None:
        return pinned
    lowered = {str(k).lower(): k for k in fields}
    return next((lowered[c] for c in candidates if c in lowered), None)


def load_tide_folder(
    path: str | Path | None = None,
    user_field: str | None = None,
    reply_field: str | None = None,
    on_error: str = "raise",
    duplicates: str | None = None,
    max_chars: int | None = 20000,
    skip_report: str | None = None,
) -> Corpus:
    """Load a TIDE-shaped folder (layout and schema detected; see the module docstring).

    Args:
        path: The folder; ``None`` for the embedded synthetic sample corpus.
        user_field: Key of the client's message (``None``: the first of person, client,
            user_input, user that the dialogue has).
        reply_field: Key of the reference reply (``None``: the first of chatbot, assistant,
            reference_response, response).
        on_error: ``raise`` at the first bad dialogue or file, or ``skip`` and report it.
        duplicates: ``error`` or ``keep`` repeated (persona, message, reply) dialogues;
            ``None``: ``error``, except for the embedded sample, whose templates repeat seven.
        max_chars: Longest accepted message or reply in characters.
        skip_report: Where to write skipped rows when called on its own.

    Returns:
        Examples in file then dialogue order, each carrying its persona's metadata.

    Raises:
        DataError: The folder is missing or holds no conversation files.
        DataSchemaError: A conversation file has no recognised shape (names the keys found).
        BadRecordError: A dialogue or file is malformed (with ``on_error=raise``).
    """
    root = Path(path).expanduser() if path is not None else SAMPLE_DIR
    checker = RowChecker(on_error, duplicates or ("keep" if path is None else "error"), max_chars)
    files = files_named(root, "conversation") if root.is_dir() else []
    if not files:
        found = (
            sorted({p.suffix or p.name for p in root.rglob("*") if p.is_file()})[:10]
            if root.is_dir()
            else []
        )
        what = (
            f"no *conversation*.json below it; file types found: {', '.join(found) or 'none'}"
            if root.is_dir()
            else "it is a file, not a folder: give the folder that holds conversations/"
            if root.exists()
            else "the folder does not exist"
        )
        raise DataError(
            f"{root}: no conversations/*_conversation.json files; point data.source.path at a TIDE-shaped folder, "
            f"or use data=flat_file for JSONL/CSV/Parquet ({what})."
        )
    metadata_files = {_persona_key(p): p for p in files_named(root, "metadata")}
    file_keys = {_persona_key(f): f for f in files}
    examples: list[DialogueExample] = []
    for file in files:
        conversation = _read_json(file, checker)
        if conversation is None:
            continue
        dialogues = _dialogues(conversation)
        if dialogues is None:
            keys = (
                ", ".join(sorted(map(str, conversation)))
                if isinstance(conversation, dict)
                else type(conversation).__name__
            )
            problem = (
                f"no dialogues found (top-level keys: {keys}); expected a list of dialogues, an object with "
                f"one of {', '.join(DIALOGUE_KEYS)}, or an object keyed by turn"
            )
            if checker.on_error == "raise":
                raise DataSchemaError(f"{file}: {problem}.")
            checker.bad(file, "whole file", problem, conversation)
            continue
        key = _persona_key(file)
        header = conversation if isinstance(conversation, dict) else {}
        persona_id = next(
            (str(header[k]) for k in PERSONA_KEYS if isinstance(header.get(k), (str, int))), key
        )
        other = file_keys.get(persona_id)
        if other is not None and other != file:  # its dialogues would join another persona's
            checker.bad(
                file,
                "whole file",
                f"declares persona_id {persona_id!r} but is named for persona {key!r}, and "
                f"{other.name} is persona {persona_id!r}: the two would be merged into one "
                "persona; fix the persona_id or rename the file",
            )
            continue
        meta_file = metadata_files.get(key) or metadata_files.get(persona_id)
        metadata = _metadata(meta_file, checker)
        declared = next(
            (str(metadata[k]) for k in PERSONA_KEYS if isinstance(metadata.get(k), (str, int))),
            persona_id,
        )
        if declared not in (persona_id, key):
            checker.bad(
                meta_file,
                "whole file",
                f"declares persona_id {declared!r} but is the metadata of persona {persona_id!r} "
                f"({file.name}); fix the persona_id or rename the file",
            )
            continue
        examples += _examples(
            file, persona_id, dialogues, metadata, user_field, reply_field, checker
        )
    return checker.finish(examples, root, skip_report)


def _metadata(file: Path | None, checker: RowChecker) -> dict:
    if file is None:
        return {}
    data = _read_json(file, checker)
    if data is not None and not isinstance(data, dict):
        checker.bad(
            file, "whole file", f"persona metadata should be an object, got {type(data).__name__}"
        )
    return data if isinstance(data, dict) else {}


def _examples(
    file: Path,
    persona_id: str,
    dialogues: list[tuple[str, Any]],
    metadata: dict,
    user_field: str | None,
    reply_field: str | None,
    checker: RowChecker,
) -> list[DialogueExample]:
    examples = []
    for key, dialogue in dialogues:
        where = f"dialogue {key}"
        fields = _flatten(dialogue)
        if fields is None:
            checker.bad(
                file,
                where,
                f"expected an object or two turns, got {type(dialogue).__name__}",
                dialogue,
            )
            continue
        user_key, reply_key = (
            _pick(fields, user_field, USER_KEYS),
            _pick(fields, reply_field, REPLY_KEYS),
        )
        if user_key is None or reply_key is None:
            found = ", ".join(sorted(map(str, fields))) or "none"
            role, tried = ("message", USER_KEYS) if user_key is None else ("reply", REPLY_KEYS)
            checker.bad(
                file,
                where,
                f"no {role} field (tried {', '.join(tried)}; keys found: {found}); set data.source.user_field / reply_field",
                dialogue,
            )
            continue
        hint = "set data.source.user_field / reply_field"
        user = checker.text(fields, user_key, file, where, hint)
        reply = checker.text(fields, reply_key, file, where, hint) if user is not None else None
        if user is None or reply is None:
            continue
        own_id = fields.get("dialogue_id", fields.get("id"))
        if isinstance(own_id, (str, int)) and str(own_id).strip():
            own_id = str(own_id).strip()
            example_id = own_id if own_id.startswith(persona_id) else f"{persona_id}-{own_id}"
        else:
            # str.isdigit() is true for "²", which int() rejects: only ASCII digits are a number.
            numeric = key.isascii() and key.isdecimal()
            example_id = f"{persona_id}-d{int(key):02d}" if numeric else f"{persona_id}-{key}"
        theme = next((str(fields[k]) for k in THEME_KEYS if isinstance(fields.get(k), str)), "")
        example = DialogueExample(example_id, persona_id, user, reply, theme, metadata)
        if checker.accept(example, file, where, dialogue):
            examples.append(example)
    return examples
