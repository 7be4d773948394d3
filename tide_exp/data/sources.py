"""Pick the loader for a path: a TIDE-shaped folder, a chat corpus, or a flat file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tide_exp.data.chat_corpus import STYLES_KEYS, load_chat_corpus
from tide_exp.data.flat_file import load_flat_file
from tide_exp.data.readers import data_files, read_records
from tide_exp.data.records import Corpus, RowChecker
from tide_exp.data.tide_folder import files_named, load_tide_folder


def detect_source(path: str | Path) -> str:
    """``tide_folder``, ``chat_corpus`` or ``flat_file``, from the folder layout or the first record.

    Raises:
        DataError: The path is missing or holds no data files.
    """
    root = Path(path).expanduser()
    if root.is_dir() and files_named(root, "conversation"):
        return "tide_folder"
    first = data_files(root)[0]
    for _, record in read_records(first, RowChecker("skip")):
        return "chat_corpus" if STYLES_KEYS & set(record) else "flat_file"
    return "flat_file"  # nothing readable: the flat loader reports why


def load_corpus(path: str | Path, **kwargs: Any) -> Corpus:
    """Load ``path`` with the loader :func:`detect_source` picks; ``kwargs`` go to that loader."""
    loader = {
        "tide_folder": load_tide_folder,
        "chat_corpus": load_chat_corpus,
        "flat_file": load_flat_file,
    }
    return loader[detect_source(path)](path, **kwargs)
