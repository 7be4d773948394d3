"""Read a TIDE-shaped folder: per persona a metadata file and a conversation file."""

from __future__ import annotations

import json
from pathlib import Path

from tide_exp.data.examples import DialogueExample
from tide_exp.errors import DataError

SAMPLE_DIR = Path(__file__).parent / "sample_tide"


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise DataError(f"{path}:{err.lineno}:{err.colno}: malformed JSON ({err.msg}); fix or remove the file.") from None
    except UnicodeDecodeError as err:
        raise DataError(f"{path}: not valid UTF-8 at byte {err.start}; re-save the file as UTF-8.") from None


def load_tide_folder(
    path: str | Path | None = None,
    user_field: str = "user_input",
    reply_field: str = "reference_response",
) -> list[DialogueExample]:
    """Load ``conversations/{id}_conversation.json`` and ``metadata/{id}_metadata.json`` pairs.

    Args:
        path: The folder; ``None`` for the embedded synthetic sample corpus.
        user_field: Key of the client's message in each dialogue.
        reply_field: Key of the reference reply in each dialogue.

    Returns:
        Examples in persona then dialogue order, each carrying its persona's metadata.

    Raises:
        DataError: The folder or a file is missing, malformed, or lacks the fields.
    """
    root = Path(path).expanduser() if path is not None else SAMPLE_DIR
    files = sorted((root / "conversations").glob("*_conversation*.json"))
    if not files:
        raise DataError(
            f"{root}: no conversations/*_conversation.json files; point data.source.path at a TIDE-shaped folder."
        )
    examples: list[DialogueExample] = []
    for file in files:
        conversation = _read_json(file)
        if not isinstance(conversation, dict) or not isinstance(conversation.get("dialogues"), list):
            raise DataError(f"{file}: expected an object with a 'dialogues' list.")
        persona_id = str(conversation.get("persona_id") or file.name.split("_")[0])
        meta_file = root / "metadata" / f"{persona_id}_metadata.json"
        metadata = _read_json(meta_file) if meta_file.is_file() else {}
        for index, dialogue in enumerate(conversation["dialogues"]):
            where = f"{file}: dialogue {index}"
            if not isinstance(dialogue, dict):
                raise DataError(f"{where}: expected an object, got {type(dialogue).__name__}.")
            for key in (user_field, reply_field):
                value = dialogue.get(key)
                if not isinstance(value, str) or not value.strip():
                    found = ", ".join(sorted(dialogue)) or "none"
                    raise DataError(
                        f"{where}: field '{key}' is missing or empty (keys found: {found}); "
                        "set data.source.user_field / reply_field."
                    )
            examples.append(
                DialogueExample(
                    example_id=str(dialogue.get("dialogue_id") or f"{persona_id}-d{index:02d}"),
                    persona_id=persona_id,
                    user_input=dialogue[user_field].strip(),
                    reference_response=dialogue[reply_field].strip(),
                    theme=str(dialogue.get("theme", "")),
                    metadata=metadata if isinstance(metadata, dict) else {},
                )
            )
    return examples
