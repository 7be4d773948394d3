"""Which dataset a run used: short fingerprints of its corpus and split, for grouping runs.

``dataset`` identifies the corpus and the splitting rule (by, fractions, sizes, caps) but not the
seed: runs that differ only in their seed re-draw the same kind of split from the same corpus, and
the report aggregates them as seeds. ``split`` identifies the exact ids on each side.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from tide_exp.files.readers import read_json

# Split settings that do not change which data a run sees, or that vary by design across seeds.
# ``source`` is where the corpus lies (an absolute path): the same data in another checkout is the
# same dataset, and the corpus's own digest (``corpus.sha256``: ids, personas, texts) says which.
_NOT_DATASET = {"seed", "from_manifest", "source"}


def _digest(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def dataset_fingerprint(manifest_path: str | Path | None) -> dict[str, str]:
    """``{"dataset": ..., "split": ...}`` from a run's split manifest ({} when there is none)."""
    if manifest_path is None or not Path(manifest_path).is_file():
        return {}
    manifest = read_json(manifest_path, "re-run the job to rewrite the split manifest")
    settings = {k: v for k, v in manifest.get("settings", {}).items() if k not in _NOT_DATASET}
    return {
        "dataset": _digest([manifest.get("corpus", {}).get("sha256"), settings]),
        "split": _digest([manifest.get(side, []) for side in ("train", "eval", "dev")]),
    }


def corpus_source(manifest_path: str | Path | None) -> dict[str, Any]:
    """``{"corpus": where it was read from, "synthetic": True for the embedded synthetic
    sample}`` from a run's split manifest ({} when there is none): what a model card and the
    run's summary say about the data."""
    from tide_exp.data.tide_folder import SAMPLE_DIR

    if manifest_path is None or not Path(manifest_path).is_file():
        return {}
    manifest = read_json(manifest_path, "re-run the job to rewrite the split manifest")
    source = str(manifest.get("settings", {}).get("source") or "")
    synthetic = bool(source) and Path(source).resolve() == SAMPLE_DIR.resolve()
    return {"corpus": source, "synthetic": synthetic}
