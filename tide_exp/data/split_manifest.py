"""The split manifest: which example ids trained, which were held out, and how the split was made.

The DataModule writes ``split_manifest.json`` into the run folder. It holds the settings
(``by``, ``seed``, fraction or sizes, caps), a SHA-256 fingerprint of the corpus (ids and texts
in load order), the counts and the ids on each side, so a split can be audited, re-created from
the same settings, or re-applied to the same corpus with :func:`apply_split_manifest`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from tide_exp.data.examples import DialogueExample
from tide_exp.errors import DataError
from tide_exp.files.writers import write_json
from tide_exp.runs.names import SPLIT_MANIFEST

log = logging.getLogger(__name__)

MANIFEST_NAME = SPLIT_MANIFEST  # the run folder's name for it (tide_exp.runs.folder)


def corpus_fingerprint(examples: list[DialogueExample]) -> str:
    """SHA-256 over ids, personas and texts in load order: equal fingerprints, same corpus."""
    digest = hashlib.sha256()
    for e in examples:
        for part in (e.example_id, e.persona_id, e.user_input, e.reference_response):
            digest.update(part.encode("utf-8"))
            digest.update(b"\x1f")
        digest.update(b"\x1e")
    return digest.hexdigest()


def build_split_manifest(
    corpus: list[DialogueExample],
    train: list[DialogueExample],
    evaluation: list[DialogueExample],
    settings: dict[str, Any],
    too_long: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """The manifest as a dict: settings, fingerprint, counts, and ids per side (``unused``: neither).

    Args:
        corpus: Every example the loader returned.
        train: The examples trained on (after caps and after ``too_long`` ones are left out).
        evaluation: The held-out examples.
        settings: How the split was made.
        too_long: Ids left out because the prompt alone fills ``max_length``, per use
            (``train``; ``eval_loss``, still in ``eval`` for generation).
    """
    too_long = {key: list(ids) for key, ids in (too_long or {}).items()}
    used = {e.example_id for e in train} | {e.example_id for e in evaluation}
    used |= set(too_long.get("train", []))
    unused = [e.example_id for e in corpus if e.example_id not in used]
    return {
        "settings": settings,
        "corpus": {
            "examples": len(corpus),
            "personas": len({e.persona_id for e in corpus}),
            "sha256": corpus_fingerprint(corpus),
            "skipped_rows": len(getattr(corpus, "skipped", [])),
        },
        "counts": {
            "train": len(train),
            "eval": len(evaluation),
            "unused": len(unused),
            "too_long_train": len(too_long.get("train", [])),
            "too_long_eval_loss": len(too_long.get("eval_loss", [])),
            "train_personas": len({e.persona_id for e in train}),
            "eval_personas": len({e.persona_id for e in evaluation}),
            "personas_on_both_sides": len(
                {e.persona_id for e in train} & {e.persona_id for e in evaluation}
            ),
        },
        # Which scenarios (themes) each side holds: the design of a survey drawn from the
        # held-out side (tide humaneval build), so a theme the data never had is never missing.
        "themes": {"train": _theme_counts(train), "eval": _theme_counts(evaluation)},
        "train": [e.example_id for e in train],
        "eval": [e.example_id for e in evaluation],
        "unused": unused,
        "too_long": too_long,
    }


def _theme_counts(examples: list[DialogueExample]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for e in examples:
        if e.theme:
            counts[e.theme] = counts.get(e.theme, 0) + 1
    return dict(sorted(counts.items()))


def write_split_manifest(directory: str | Path, manifest: dict[str, Any]) -> Path:
    """Write ``split_manifest.json`` into ``directory``, atomically."""
    return write_json(Path(directory) / MANIFEST_NAME, manifest)


def apply_split_manifest(
    examples: list[DialogueExample], manifest_path: str | Path
) -> tuple[list[DialogueExample], list[DialogueExample]]:
    """Re-create a saved split: (train, eval) with the manifest's ids, in load order.

    Raises:
        DataError: The manifest is unreadable or names ids the corpus does not have.
    """
    path = Path(manifest_path).expanduser()
    if path.is_dir():
        path = path / MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        train_ids, eval_ids = set(manifest["train"]), set(manifest["eval"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise DataError(
            f"{path}: not a readable split manifest ({type(err).__name__}: {err}); point split_manifest at a run's {MANIFEST_NAME}."
        ) from None
    missing = (train_ids | eval_ids) - {e.example_id for e in examples}
    if missing:
        raise DataError(
            f"{path}: {len(missing)} ids of the manifest are not in this corpus (e.g. {sorted(missing)[0]!r}); "
            "load the corpus the manifest was made from."
        )
    expected = manifest.get("corpus", {}).get("sha256")
    if expected and expected != corpus_fingerprint(examples):
        log.warning(
            "%s: the corpus differs from the one the manifest was made from (same ids, other texts or order)",
            path,
        )
    return [e for e in examples if e.example_id in train_ids], [
        e for e in examples if e.example_id in eval_ids
    ]
