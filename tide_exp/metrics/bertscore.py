"""BERTScore, the algorithm of the ``bert-score`` package (Zhang et al., 2020), without its pinning.

Reproduces ``bert_score.score(cands, refs, model_type=..., num_layers=..., idf=False)``: the same
tokenization (``sent_encode``: strip, special tokens, a prefix space for RoBERTa/GPT-2 tokenizers,
truncation at ``model_max_length``), the same layer (the model cut to its first ``num_layers``
layers), greedy cosine matching in which the special tokens take part but weigh nothing, and
P = R = F = 0 for an empty text. Tests compare it with the package pair by pair.

One deliberate difference: the package pads each matching batch and lets padding positions (similarity
0) into the greedy max, so a token whose best real match is negative scores 0 or its true value
depending on what else is in the batch; here the max is over real tokens only, so a pair's score never
depends on its neighbours. With contextual embeddings best matches are positive, so both agree.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from tide_exp.metrics.embedding import EMBEDDED_MINILM_NAME, embedded_minilm_path, resolve_device

# bert-score's tuned layers (bert_score.utils.model2layers) for the models this project names; any
# other model needs an explicit num_layers. The embedded MiniLM uses its last layer, the one its
# sentence embeddings are trained on (and so one forward pass serves both BERTScore and cosine).
DEFAULT_LAYERS = {
    "roberta-large": 17,
    "roberta-base": 10,
    "bert-base-uncased": 9,
    "distilroberta-base": 5,
    "microsoft/deberta-xlarge-mnli": 40,
    EMBEDDED_MINILM_NAME: 6,
}


# Pairs scored per pass: their distinct texts' token embeddings are held at once (as bert-score
# does for all of them), ~60 KB per 40-token text with MiniLM, ~170 KB with roberta-large.
MAX_PAIRS_PER_PASS = 4096


@dataclass(frozen=True)
class BertScoreEncoder:
    """A tokenizer and a model cut to the scoring layer."""

    name: str
    path: str
    num_layers: int
    tokenizer: Any
    model: Any


@dataclass
class BertScoreResult:
    """Per-pair precision, recall and F1 (and cosine when computed in the same pass)."""

    precision: list[float]
    recall: list[float]
    f1: list[float]
    cosine: list[float] | None = None


def resolve_model(model_name_or_path: str | None, num_layers: int | None) -> tuple[str, str, int]:
    """(display name, loadable path, layer) for a configured model; the default is embedded MiniLM."""
    if model_name_or_path is None:
        name, path = EMBEDDED_MINILM_NAME, str(embedded_minilm_path())
    else:
        name = path = str(model_name_or_path)
    if num_layers is None:
        if name not in DEFAULT_LAYERS:
            raise ValueError(
                f"BERTScore model {name!r} has no default layer: set num_layers (bert-score's model2layers lists tuned ones)"
            )
        num_layers = DEFAULT_LAYERS[name]
    return name, path, int(num_layers)


def _truncate_layers(model: Any, num_layers: int) -> Any:
    """Keep the first ``num_layers`` layers, as ``bert_score.utils.get_model`` does."""
    for owner, attr in (
        (getattr(model, "encoder", None), "layer"),
        (getattr(model, "transformer", None), "layer"),
        (model, "layers"),
    ):
        layers = getattr(owner, attr, None) if owner is not None else None
        if isinstance(layers, torch.nn.ModuleList):
            if not 0 <= num_layers <= len(layers):
                raise ValueError(
                    f"num_layers must be in [0, {len(layers)}] for this model, got {num_layers}"
                )
            setattr(owner, attr, torch.nn.ModuleList(list(layers)[:num_layers]))
            return model
    raise ValueError(f"BERTScore layer selection does not support {type(model).__name__}")


@functools.lru_cache(maxsize=2)
def load_bertscore_encoder(
    model_name_or_path: str | None = None, num_layers: int | None = None, device: str | None = None
) -> BertScoreEncoder:
    """Load tokenizer and model once per process (hub id or local folder)."""
    from transformers import AutoModel, AutoTokenizer

    name, path, layers = resolve_model(model_name_or_path, num_layers)
    tokenizer = AutoTokenizer.from_pretrained(path, use_fast=False)  # what bert-score loads
    model = AutoModel.from_pretrained(path)
    if hasattr(model, "decoder") and hasattr(model, "encoder"):
        model = model.encoder
    model = _truncate_layers(model, layers).eval().to(resolve_device(device))
    return BertScoreEncoder(
        name=name, path=path, num_layers=layers, tokenizer=tokenizer, model=model
    )


def encode_ids(tokenizer: Any, text: str) -> list[int]:
    """Token ids exactly as ``bert_score.utils.sent_encode`` builds them."""
    from transformers import GPT2Tokenizer, RobertaTokenizer

    text = text.strip()
    if not text:  # bert-score: build_inputs_with_special_tokens([]), gone from transformers 5
        return list(tokenizer.encode("", add_special_tokens=True))
    kwargs: dict[str, Any] = {
        "add_special_tokens": True,
        "max_length": tokenizer.model_max_length,
        "truncation": True,
    }
    if isinstance(tokenizer, GPT2Tokenizer | RobertaTokenizer):
        kwargs["add_prefix_space"] = True
    return list(tokenizer.encode(text, **kwargs))


def _batches(ids: Sequence[list[int]], batch_size: int):
    """Indices of ``ids`` grouped into length-sorted batches (less padding, same result)."""
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]


def _pad(rows: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(r) for r in rows)
    input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        input_ids[i, : len(r)] = torch.tensor(r, dtype=torch.long)
        mask[i, : len(r)] = 1
    return input_ids, mask


@torch.inference_mode()
def _token_embeddings(
    encoder: BertScoreEncoder, ids: list[list[int]], batch_size: int
) -> list[torch.Tensor]:
    """Unit-norm embeddings (tokens x dim) of each id list at the encoder's layer."""
    out: list[torch.Tensor | None] = [None] * len(ids)
    device = next(encoder.model.parameters()).device
    pad_id = encoder.tokenizer.pad_token_id
    for batch in _batches(ids, batch_size):
        input_ids, mask = _pad([ids[i] for i in batch], pad_id)
        hidden = (
            encoder.model(input_ids.to(device), attention_mask=mask.to(device))[0].float().cpu()
        )
        for row, i in enumerate(batch):
            emb = hidden[row, : len(ids[i])]
            out[i] = emb / emb.norm(dim=-1, keepdim=True)
    return out  # type: ignore[return-value]


def greedy_match(
    hyps: list[torch.Tensor],
    hyp_ws: list[torch.Tensor],
    refs: list[torch.Tensor],
    ref_ws: list[torch.Tensor],
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """bert-score's greedy matching for a batch of pairs of unit-norm token embeddings.

    Each hypothesis token takes its best cosine over the reference's tokens (precision), each
    reference token its best over the hypothesis (recall); both are averaged with the token weights
    normalised to sum to 1. Padding never enters a max (it is filled with -inf) nor a sum (weight 0).
    """
    hyp = torch.nn.utils.rnn.pad_sequence(hyps, batch_first=True)
    ref = torch.nn.utils.rnn.pad_sequence(refs, batch_first=True)
    hyp_w = torch.nn.utils.rnn.pad_sequence(hyp_ws, batch_first=True)
    ref_w = torch.nn.utils.rnn.pad_sequence(ref_ws, batch_first=True)
    hyp_mask = torch.nn.utils.rnn.pad_sequence(
        [torch.ones(len(h), dtype=torch.bool) for h in hyps], batch_first=True
    )
    ref_mask = torch.nn.utils.rnn.pad_sequence(
        [torch.ones(len(r), dtype=torch.bool) for r in refs], batch_first=True
    )
    sim = torch.bmm(hyp, ref.transpose(1, 2))
    sim = sim.masked_fill(~(hyp_mask[:, :, None] & ref_mask[:, None, :]), float("-inf"))
    word_precision = sim.max(dim=2).values.masked_fill(~hyp_mask, 0.0)
    word_recall = sim.max(dim=1).values.masked_fill(~ref_mask, 0.0)
    precision = (word_precision * (hyp_w / hyp_w.sum(dim=1, keepdim=True))).sum(dim=1)
    recall = (word_recall * (ref_w / ref_w.sum(dim=1, keepdim=True))).sum(dim=1)
    f1 = (2 * precision * recall / (precision + recall)).nan_to_num(nan=0.0)
    return precision, recall, f1


def _weights(tokenizer: Any, ids: list[int]) -> torch.Tensor:
    """bert-score's idf=False weights: 1 per token, 0 for [CLS]/[SEP] (<s>/</s>)."""
    special = {tokenizer.sep_token_id, tokenizer.cls_token_id}
    return torch.tensor([0.0 if i in special else 1.0 for i in ids])


def _pooled_with_shared_pass(
    sentence_encoder: Any,
    encoder: BertScoreEncoder,
    texts: list[str],
    ids: list[list[int]],
    batch_size: int,
) -> tuple[list[torch.Tensor], list[torch.Tensor | None]]:
    """Sentence embeddings from sentence-transformers' own forward, reusing its token embeddings.

    Returns each text's sentence embedding and, where the sentence-transformers input ids equal
    bert-score's (always, unless a text is longer than the encoder's max_seq_length), its unit-norm
    last-layer token embeddings for BERTScore.
    """
    sentences: list[torch.Tensor | None] = [None] * len(texts)
    tokens: list[torch.Tensor | None] = [None] * len(texts)
    with torch.inference_mode():
        for batch in _batches(ids, batch_size):
            features = sentence_encoder.preprocess([texts[i] for i in batch])
            features = {
                k: v.to(sentence_encoder.device) if isinstance(v, torch.Tensor) else v
                for k, v in features.items()
            }
            out = sentence_encoder.forward(features)
            lengths = out["attention_mask"].sum(dim=1).tolist()
            for row, i in enumerate(batch):
                sentences[i] = out["sentence_embedding"][row].float().cpu()
                if out["input_ids"][row, : lengths[row]].tolist() == ids[i]:
                    emb = out["token_embeddings"][row, : lengths[row]].float().cpu()
                    tokens[i] = emb / emb.norm(dim=-1, keepdim=True)
    return sentences, tokens  # type: ignore[return-value]


def bertscore(
    predictions: list[str],
    references: list[str],
    model_name_or_path: str | None = None,
    num_layers: int | None = None,
    batch_size: int = 64,
    device: str | None = None,
    sentence_encoder: Any = None,
) -> BertScoreResult:
    """BERTScore P, R, F1 of each prediction against its reference (bert-score, idf off, no rescale).

    Args:
        predictions: Candidate texts.
        references: Reference texts, aligned with ``predictions``.
        model_name_or_path: Hub id or local folder; ``None`` is the embedded all-MiniLM-L6-v2. The
            studies' setting is ``roberta-large`` with ``num_layers=17``.
        num_layers: Layer whose output is used; default from :data:`DEFAULT_LAYERS`.
        batch_size: Texts per forward pass.
        device: Torch device; default CUDA when available, else CPU.
        sentence_encoder: A loaded sentence-transformers model over the same weights, with
            ``num_layers`` its last layer: cosine similarity of its sentence embeddings is computed
            in the same forward pass and returned as ``cosine``.

    Returns:
        Per-pair precision, recall and F1 in input order.
    """
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions but {len(references)} references")
    if len(predictions) > MAX_PAIRS_PER_PASS:  # bound memory: token embeddings of a chunk at a time
        parts = [
            bertscore(
                predictions[i : i + MAX_PAIRS_PER_PASS],
                references[i : i + MAX_PAIRS_PER_PASS],
                model_name_or_path,
                num_layers,
                batch_size,
                device,
                sentence_encoder,
            )
            for i in range(0, len(predictions), MAX_PAIRS_PER_PASS)
        ]
        cosines = None if sentence_encoder is None else [c for part in parts for c in part.cosine]
        return BertScoreResult(
            [x for part in parts for x in part.precision],
            [x for part in parts for x in part.recall],
            [x for part in parts for x in part.f1],
            cosines,
        )
    encoder = load_bertscore_encoder(model_name_or_path, num_layers, device)
    texts = list(dict.fromkeys([*predictions, *references]))  # unique, as bert-score dedups
    index = {t: i for i, t in enumerate(texts)}
    ids = [encode_ids(encoder.tokenizer, t) for t in texts]
    sentences = None
    if sentence_encoder is not None:
        sentences, embeddings = _pooled_with_shared_pass(
            sentence_encoder, encoder, texts, ids, batch_size
        )
        missing = [i for i, e in enumerate(embeddings) if e is None]
        if missing:
            for i, emb in zip(
                missing,
                _token_embeddings(encoder, [ids[i] for i in missing], batch_size),
                strict=True,
            ):
                embeddings[i] = emb
    else:
        embeddings = _token_embeddings(encoder, ids, batch_size)
    weights = [_weights(encoder.tokenizer, x) for x in ids]
    h_idx = [index[p] for p in predictions]
    r_idx = [index[r] for r in references]
    precision, recall, f1 = [], [], []
    for start in range(0, len(h_idx), 256):
        hs, rs = h_idx[start : start + 256], r_idx[start : start + 256]
        p, r, f = greedy_match(
            [embeddings[i] for i in hs],
            [weights[i] for i in hs],
            [embeddings[i] for i in rs],
            [weights[i] for i in rs],
        )
        empty = torch.tensor(
            [len(ids[h]) == 2 or len(ids[r]) == 2 for h, r in zip(hs, rs, strict=True)]
        )
        # bert-score: an empty candidate or reference (only the two special tokens) scores 0.
        precision += p.masked_fill(empty, 0.0).tolist()
        recall += r.masked_fill(empty, 0.0).tolist()
        f1 += f.masked_fill(empty, 0.0).tolist()
    result = BertScoreResult(precision, recall, f1)
    if sentences is not None:
        pred_emb = torch.stack([sentences[i] for i in h_idx]) if h_idx else torch.zeros(0, 1)
        ref_emb = torch.stack([sentences[i] for i in r_idx]) if r_idx else torch.zeros(0, 1)
        result.cosine = torch.nn.functional.cosine_similarity(pred_emb, ref_emb, dim=1).tolist()
    return result


def describe_bertscore(
    model_name_or_path: str | None = None, num_layers: int | None = None, **_: Any
) -> dict[str, Any]:
    """What scores.json records about a BERTScore run."""
    import transformers

    name, path, layers = resolve_model(model_name_or_path, num_layers)
    return {
        "algorithm": "bert-score 0.3.13 (idf=False, rescale_with_baseline=False)",
        "model": name,
        "model_path": path,
        "layer": layers,
        "tokenizer": f"{name} tokenizer via bert_score sent_encode (strip; prefix space for RoBERTa/GPT-2)",
        "versions": {"transformers": transformers.__version__, "torch": torch.__version__},
    }
