"""Offline WordNet: assembled from Debian's files, and a clear error when absent."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tide_exp.cli.wordnet import main
from tide_exp.metrics.wordnet import (
    DEBIAN_WORDNET_DIR,
    LEXNAMES,
    WordNetMissingError,
    install_wordnet,
)


def test_lexnames_is_wordnet_3_0_list():
    lines = LEXNAMES.splitlines()
    assert len(lines) == 45
    assert [int(line.split()[0]) for line in lines] == list(range(45))
    assert lines[5].split()[1] == "noun.animal" and lines[44].split()[1] == "adj.ppl"


def test_install_from_incomplete_source_names_the_apt_fix(tmp_path):
    with pytest.raises(
        WordNetMissingError, match="apt-get install -y wordnet-base wordnet-sense-index"
    ):
        install_wordnet(tmp_path / "nltk_data", source_dir=tmp_path)
    assert main(["install", "--nltk-data", str(tmp_path / "x"), "--source", str(tmp_path)]) == 2


@pytest.mark.skipif(
    not (DEBIAN_WORDNET_DIR / "data.noun").is_file(), reason="Debian wordnet-base not installed"
)
def test_install_builds_a_corpus_nltk_reads(tmp_path, monkeypatch):
    import nltk
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    # NLTK only reads corpora under its data path (nltk.pathsec), as a real install is.
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path / "nltk_data"), *nltk.data.path])
    target = install_wordnet(tmp_path / "nltk_data")
    assert target == tmp_path / "nltk_data" / "corpora" / "wordnet"
    reader = WordNetCorpusReader(str(target), None)
    assert reader.get_version() == "3.0"
    assert reader.synsets("dog")[0].lexname() == "noun.animal"
    assert install_wordnet(tmp_path / "nltk_data") == target  # re-install replaces in place


def test_missing_wordnet_stops_meteor_with_the_fix(tmp_path):
    code = (
        f"import nltk; nltk.data.path[:] = [{str(tmp_path)!r}]\n"
        "from tide_exp.metrics.meteor import meteor\n"
        "try:\n    meteor(['a'], ['a'])\nexcept Exception as e:\n    print(type(e).__name__, e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[3],
        timeout=120,
    )
    assert "WordNetMissingError" in out.stdout, out.stderr
    assert "python -m tide_exp.cli.wordnet install" in out.stdout
