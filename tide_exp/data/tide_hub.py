"""TIDE from the Hugging Face hub (gated): the local cache first, then a download when reachable.

The dataset repo is fetched with ``huggingface_hub.snapshot_download`` into the Hugging Face
cache (``HF_HOME`` / ``HF_HUB_CACHE``, the cache ``datasets`` uses too), so a machine without
network reads the copy made elsewhere. Access needs the terms accepted on the hub and a token:
``huggingface_hub`` reads it from ``HF_TOKEN`` or ``hf auth login``; it is never passed through
the config, logged, or written to outputs. The downloaded files are then read by
:func:`~tide_exp.data.sources.load_corpus`, which detects the layout (per-persona JSON folder,
flat JSONL/CSV/Parquet, or chat records).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tide_exp.data.records import Corpus
from tide_exp.data.sources import load_corpus
from tide_exp.errors import DataUnavailableError
from tide_exp.models.loading import hub_reachable

TIDE_REPO = "yenopoya/TIDE"
DATA_PATTERNS = ["*.json", "*.jsonl", "*.csv", "*.tsv", "*.parquet", "*.md"]


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "0").lower() in {"1", "true", "yes"}


def resolve_dataset_folder(
    repo_id: str, revision: str | None = None, cache_dir: str | None = None
) -> Path:
    """A local folder holding the dataset repo: the HF cache, else a download when the hub answers.

    Raises:
        DataUnavailableError: Not cached and the hub cannot be reached, gated, or not found.
    """
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import (
        GatedRepoError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
    )

    kwargs = {
        "repo_type": "dataset",
        "revision": revision,
        "cache_dir": cache_dir,
        "allow_patterns": DATA_PATTERNS,
    }
    try:
        return Path(snapshot_download(repo_id, local_files_only=True, **kwargs))
    except LocalEntryNotFoundError:
        pass
    if _offline() or not hub_reachable():
        raise DataUnavailableError(
            f"Dataset '{repo_id}' is not available offline: it is not in the Hugging Face cache and the hub cannot be "
            f"reached; download it on a machine with network (accept its terms on the hub, set HF_TOKEN, then "
            f"`hf download --repo-type dataset {repo_id}`) and copy the Hugging Face cache here, or use "
            "data=tide_folder with data.source.path set to the downloaded folder."
        )
    try:
        return Path(snapshot_download(repo_id, **kwargs))
    except GatedRepoError:
        raise DataUnavailableError(
            f"Dataset '{repo_id}' is gated: accept its terms on the hub, then set HF_TOKEN or run `hf auth login`."
        ) from None
    except RepositoryNotFoundError:
        raise DataUnavailableError(
            f"Dataset '{repo_id}' was not found on the hub: check data.source.repo_id (and HF_TOKEN if it is private)."
        ) from None


def load_tide_hub(
    repo_id: str = TIDE_REPO,
    revision: str | None = None,
    cache_dir: str | None = None,
    subfolder: str | None = None,
    **loader_kwargs: Any,
) -> Corpus:
    """Load TIDE (or another dataset repo) from the hub cache, detecting its layout.

    Args:
        repo_id: Dataset repo on the hub.
        revision: Branch, tag or commit to pin (recommended for reproducibility).
        cache_dir: Hugging Face cache folder (``None``: ``HF_HUB_CACHE`` or the default).
        subfolder: Folder inside the repo that holds the data (``None``: the repo root).
        **loader_kwargs: Passed to the detected loader (``user_field``, ``on_error``, ...).

    Raises:
        DataUnavailableError: The dataset cannot be had here (one sentence with the fix).
    """
    folder = resolve_dataset_folder(repo_id, revision, cache_dir)
    return load_corpus(folder / subfolder if subfolder else folder, **loader_kwargs)
