import json

import pytest
from data_fixtures import write_flat, write_tide_folder

from tide_exp.data.tide_hub import load_tide_hub, resolve_dataset_folder
from tide_exp.errors import DataUnavailableError

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _fake_cache(cache, repo_id="yenopoya/TIDE"):
    """A Hugging Face hub cache holding one snapshot of a dataset repo, as `hf download` leaves it."""
    repo = cache / f"datasets--{repo_id.replace('/', '--')}"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(COMMIT)
    return repo / "snapshots" / COMMIT


def test_cached_tide_folder_loads_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_TOKEN", "hf_secret_never_written")
    write_tide_folder(_fake_cache(tmp_path / "hub"), "side_by_side")
    examples = load_tide_hub(cache_dir=str(tmp_path / "hub"), on_error="skip")
    assert len(examples) == 4 and examples[0].metadata["age"] == 34
    assert "hf_secret" not in json.dumps([e.__dict__ for e in examples], default=str)


def test_cached_flat_parquet_repo_loads(tmp_path):
    snapshot = _fake_cache(tmp_path, "someone/pairs")
    write_flat(snapshot / "data" / "train.parquet")
    assert len(load_tide_hub("someone/pairs", cache_dir=str(tmp_path), subfolder="data")) == 4


def test_uncached_offline_fails_fast_in_one_sentence(tmp_path):
    with pytest.raises(DataUnavailableError) as err:
        resolve_dataset_folder("yenopoya/TIDE", cache_dir=str(tmp_path))
    message = str(err.value)
    assert (
        message.startswith("Dataset 'yenopoya/TIDE' is not available offline")
        and "HF_TOKEN" in message
    )
    assert message.count(". ") == 0 and message.endswith(".")


def test_unreachable_hub_fails_fast_without_offline_flag(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setattr("tide_exp.data.tide_hub.hub_reachable", lambda: False)
    with pytest.raises(DataUnavailableError, match="not available offline"):
        resolve_dataset_folder("yenopoya/TIDE", cache_dir=str(tmp_path))
