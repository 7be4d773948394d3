"""BERTScore equals the bert-score package pair by pair."""

from __future__ import annotations

import json

import pytest
import torch

from tide_exp.metrics.bertscore import bertscore, encode_ids, load_bertscore_encoder, resolve_model
from tide_exp.metrics.embedding import embedded_minilm_path, load_sentence_encoder
from tide_exp.metrics.suite import score_texts

bert_score = pytest.importorskip("bert_score")


def _assert_close(ours, theirs, tol=1e-4):
    diffs = [abs(a - b) for a, b in zip(ours, theirs, strict=True)]
    assert max(diffs) <= tol, f"max diff {max(diffs)} at pair {diffs.index(max(diffs))}"


@pytest.mark.parametrize("num_layers", [6, 3])
def test_equals_bert_score_package_on_minilm(pairs_with_edges, num_layers):
    preds, refs = pairs_with_edges
    p, r, f = bert_score.score(
        preds, refs, model_type=str(embedded_minilm_path()), num_layers=num_layers, batch_size=7
    )
    ours = bertscore(preds, refs, num_layers=num_layers)
    _assert_close(ours.precision, p.tolist())
    _assert_close(ours.recall, r.tolist())
    _assert_close(ours.f1, f.tolist())


def test_layer_changes_the_score(english_pairs):
    preds, refs = english_pairs
    assert bertscore(preds, refs, num_layers=2).f1 != pytest.approx(
        bertscore(preds, refs, num_layers=6).f1, abs=1e-3
    )


def test_empty_text_scores_zero():
    # bert-score sets P, R, F to 0 for an empty candidate or reference (its own empty path calls a
    # tokenizer method transformers 5 removed, so the package itself cannot be run on "").
    result = bertscore(["", "   ", "I hear you."], ["I hear you.", "Okay.", ""])
    assert result.f1 == [0.0, 0.0, 0.0]
    assert result.precision == [0.0, 0.0, 0.0] and result.recall == [0.0, 0.0, 0.0]


def _tiny_roberta(path, texts):
    """A random 2-layer RoBERTa with a byte-level BPE tokenizer trained on ``texts``, saved to ``path``."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import RobertaConfig, RobertaModel, RobertaTokenizer

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        texts,
        vocab_size=400,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
        show_progress=False,
    )
    bpe.save_model(str(path))
    tokenizer = RobertaTokenizer(
        vocab_file=str(path / "vocab.json"), merges_file=str(path / "merges.txt")
    )
    tokenizer.model_max_length = 128
    tokenizer.save_pretrained(str(path))
    torch.manual_seed(0)
    config = RobertaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=140,
        pad_token_id=tokenizer.pad_token_id,
    )
    RobertaModel(config).eval().save_pretrained(str(path))


def test_equals_bert_score_package_on_roberta(tmp_path, pairs_with_edges):
    """The RoBERTa path: leading-space handling of the tokenizer and <s>/</s> weights."""
    preds, refs = pairs_with_edges
    _tiny_roberta(tmp_path, preds + refs)
    for layers in (1, 2):
        p, r, f = bert_score.score(preds, refs, model_type=str(tmp_path), num_layers=layers)
        ours = bertscore(preds, refs, model_name_or_path=str(tmp_path), num_layers=layers)
        _assert_close(ours.precision, p.tolist())
        _assert_close(ours.recall, r.tolist())
        _assert_close(ours.f1, f.tolist())
    tokenizer = load_bertscore_encoder(str(tmp_path), 2).tokenizer
    assert encode_ids(tokenizer, "hear") == tokenizer.encode(" hear")  # bert-score's prefix space


def test_shared_pass_with_cosine_equals_separate_runs(pairs_with_edges):
    preds, refs = pairs_with_edges
    joint = score_texts(preds, refs, {"cosine": {}, "bertscore_f1": {}, "bertscore_recall": {}})
    alone = score_texts(preds, refs, {"bertscore_f1": {}, "bertscore_recall": {}})
    cos = score_texts(preds, refs, {"cosine": {}})
    for a, b, c in zip(joint["per_sample"], alone["per_sample"], cos["per_sample"], strict=True):
        assert a["bertscore_f1"] == pytest.approx(b["bertscore_f1"], abs=1e-5)
        assert a["bertscore_recall"] == pytest.approx(b["bertscore_recall"], abs=1e-5)
        assert a["cosine"] == pytest.approx(c["cosine"], abs=1e-5)


def test_text_longer_than_sentence_encoder_window_falls_back():
    """Past MiniLM's 256-token window cosine truncates and BERTScore (512) does not: both still right."""
    long = " ".join(["I keep thinking about what happened that night and I cannot sleep."] * 30)
    preds, refs = [long, "I hear you."], ["That sounds exhausting.", "I hear you, truly."]
    result = bertscore(preds, refs, sentence_encoder=load_sentence_encoder())
    assert result.f1 == pytest.approx(bertscore(preds, refs).f1, abs=1e-5)
    _, _, f = bert_score.score(preds, refs, model_type=str(embedded_minilm_path()), num_layers=6)
    _assert_close(result.f1, f.tolist())


def test_study_setting_is_named_and_needs_a_layer_for_unknown_models():
    assert resolve_model("roberta-large", None)[2] == 17
    with pytest.raises(ValueError, match="num_layers"):
        resolve_model("some/unknown-model", None)
    config = score_texts(["a b"], ["a c"], {"bertscore_f1": {}})["config"]["bertscore_f1"]
    assert config["model"] == "sentence-transformers/all-MiniLM-L6-v2" and config["layer"] == 6
    json.dumps(config)


def test_chunked_passes_equal_one_pass(english_pairs, monkeypatch):
    from tide_exp.metrics import bertscore as module

    preds, refs = english_pairs
    whole = bertscore(preds, refs, sentence_encoder=load_sentence_encoder())
    monkeypatch.setattr(module, "MAX_PAIRS_PER_PASS", 6)
    chunked = bertscore(preds, refs, sentence_encoder=load_sentence_encoder())
    assert chunked.f1 == pytest.approx(whole.f1, abs=1e-6)
    assert chunked.cosine == pytest.approx(whole.cosine, abs=1e-6)
