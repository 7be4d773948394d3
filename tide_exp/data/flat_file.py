"""Flat files: one (message, reply) row per line or record, in JSONL, JSON, CSV/TSV or Parquet."""

from __future__ import annotations

from pathlib import Path

from tide_exp.data.examples import DialogueExample
from tide_exp.data.readers import data_files, read_records
from tide_exp.data.records import Corpus, RowChecker


def load_flat_file(
    path: str | Path,
    format: str | None = None,
    user_field: str = "user_input",
    reply_field: str = "reference_response",
    persona_field: str | None = "persona_id",
    id_field: str | None = "example_id",
    theme_field: str | None = "theme",
    on_error: str = "raise",
    duplicates: str = "error",
    max_chars: int | None = 20000,
    skip_report: str | None = None,
) -> Corpus:
    """Load rows of a flat file (or of every data file in a folder) as examples.

    Columns other than the mapped ones travel in each example's ``metadata`` (persona
    demographics, for instance).

    Args:
        path: A ``.jsonl``, ``.json``, ``.csv``, ``.tsv`` or ``.parquet`` file, or a folder of them.
        format: ``jsonl``, ``json``, ``csv``, ``tsv`` or ``parquet``; ``None``: from the suffix.
        user_field: Column of the client's message.
        reply_field: Column of the reference reply.
        persona_field: Column of the persona id (``None``: the file has none, each row is its own
            persona, so a persona-aware split is a split by sample).
        id_field: Column of a stable example id (``None`` or absent: ``{file stem}-{line or row}``).
        theme_field: Column of the theme or category, if any.
        on_error: ``raise`` at the first bad row, or ``skip`` it and report it.
        duplicates: ``error``: a repeated (persona, message, reply) row is bad data; ``keep``.
        max_chars: Longest accepted message or reply in characters (``None``: no limit).
        skip_report: Where to write skipped rows when called on its own (the DataModule writes
            them to the run folder).

    Raises:
        BadRecordError: A row is malformed (with ``on_error=raise``), naming file and line.
        DataError: The path is missing or holds no data files.
    """
    checker = RowChecker(on_error, duplicates, max_chars)
    hint = f"set data.source.user_field / reply_field (now {user_field} / {reply_field})"
    mapped = {user_field, reply_field, persona_field, id_field, theme_field}
    examples: list[DialogueExample] = []
    for file in data_files(path):
        for where, record in read_records(file, checker, format):
            user = checker.text(record, user_field, file, where, hint)
            reply = (
                checker.text(record, reply_field, file, where, hint) if user is not None else None
            )
            if user is None or reply is None:
                continue
            label = where if isinstance(where, int) else where.split()[-1]
            example_id = _scalar(record, id_field) or f"{file.stem}-{label}"
            persona = example_id
            if persona_field is not None:
                persona = _scalar(record, persona_field)
                if persona is None:
                    checker.bad(
                        file,
                        where,
                        f"field '{persona_field}' is missing or not a string or number; set data.source.persona_field (null: none)",
                        record,
                    )
                    continue
            example = DialogueExample(
                example_id=example_id,
                persona_id=persona,
                user_input=user,
                reference_response=reply,
                theme=_scalar(record, theme_field) or "",
                metadata={k: v for k, v in record.items() if k not in mapped},
            )
            if checker.accept(example, file, where, record):
                examples.append(example)
    return checker.finish(examples, path, skip_report)


def _scalar(record: dict, key: str | None) -> str | None:
    """A string or integer field as text; ``None`` when absent, empty or of another type."""
    if key is None:
        return None
    value = record.get(key)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value).strip()
    return text or None
