"""The dataset fingerprint (``data.dataset`` in results.json: report rows, W&B tags) is the data's."""

from __future__ import annotations

import shutil

from data_fixtures import FLAT_ROWS, write_flat

from tide_exp.data.fingerprint import dataset_fingerprint
from tide_exp.data.flat_file import load_flat_file
from tide_exp.data.split_manifest import build_split_manifest, write_split_manifest


def _fingerprint(corpus_path, manifest_dir, **settings):
    corpus = load_flat_file(corpus_path)
    half = len(corpus) // 2
    settings = {"by": "persona", "seed": 1, "source": corpus.source, **settings}
    manifest = build_split_manifest(corpus, corpus[:half], corpus[half:], settings)
    manifest_dir.mkdir()
    return dataset_fingerprint(write_split_manifest(manifest_dir, manifest))


def test_the_same_data_in_another_folder_is_the_same_dataset(tmp_path):
    """Issue 31: the fingerprint hashed the corpus's absolute path, so the same data in another
    checkout was another dataset (its runs in other report rows, under other W&B tags)."""
    here = write_flat(tmp_path / "a" / "rows.jsonl")
    there = tmp_path / "b" / "elsewhere.jsonl"
    there.parent.mkdir()
    shutil.copy(here, there)
    first = _fingerprint(here, tmp_path / "m1")
    assert first == _fingerprint(there, tmp_path / "m2")
    # ... and other data, or another splitting rule, is still another dataset
    assert first["dataset"] != _fingerprint(here, tmp_path / "m3", by="example")["dataset"]
    edited = [{**FLAT_ROWS[0], "reference_response": "Another reply."}, *FLAT_ROWS[1:]]
    other = write_flat(tmp_path / "c" / "rows.jsonl", edited)
    assert first["dataset"] != _fingerprint(other, tmp_path / "m4")["dataset"]
