"""Run a configured set of metrics over aligned predictions and references."""

from __future__ import annotations

import functools
import statistics
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from tide_exp.metrics import bertscore as bs
from tide_exp.metrics import (
    distinct,
    embedding,
    empathy,
    generic,
    lexicon,
    meteor,
    rouge,
    topic_shift,
)

# Re-exported: cli/score.py and the benchmarks name the default set through the suite.
from tide_exp.metrics.sets import STUDY_A_METRICS as STUDY_A_METRICS


@dataclass(frozen=True)
class MetricSpec:
    """A registered metric.

    Attributes:
        fn: ``fn(predictions, references, **options)``; a list of per-sample scores for level
            ``sample``, one float for level ``corpus`` (a property of the whole set, e.g. corpus
            distinct-n, with no per-sample value), a list of per-chunk values for level
            ``chunk`` (summarised as mean +- std across chunks).
        level: ``sample``, ``corpus`` or ``chunk``.
        describe: ``describe(**options)`` -> what scores.json records (model, layer, tokenizer,
            versions).
        needs_prompts: ``fn`` also takes ``prompts=``: the client's message of each reply
            (topic shift compares the reply with it).
    """

    fn: Callable[..., Any]
    level: Literal["sample", "corpus", "chunk"]
    describe: Callable[..., dict[str, Any]]
    needs_prompts: bool = False


def _bertscore_part(part: str) -> Callable[..., list[float]]:
    def fn(predictions: list[str], references: list[str], **options: Any) -> list[float]:
        return getattr(bs.bertscore(predictions, references, **options), part)

    fn.__name__ = f"bertscore_{part}"
    return fn


def _distinct(n: int, level: str, chunk_size: int | None = None) -> MetricSpec:
    if level == "corpus":

        def fn(predictions, references=None, tokenizer="treebank", lowercase=True):
            return distinct.distinct_n_corpus(predictions, n, tokenizer, lowercase)
    elif level == "chunk":

        def fn(predictions, references=None, tokenizer="treebank", lowercase=True):
            return distinct.distinct_n_chunks(predictions, n, chunk_size, tokenizer, lowercase)
    else:

        def fn(predictions, references=None, tokenizer="treebank", lowercase=True):
            return distinct.distinct_n_response(predictions, n, tokenizer, lowercase)

    return MetricSpec(
        fn,
        {"corpus": "corpus", "chunk": "chunk"}.get(level, "sample"),
        functools.partial(distinct.describe_distinct, n, level, chunk_size=chunk_size),
    )


def _lexicon_spec(
    fn: Callable[..., Any],
    level: Literal["sample", "corpus"],
    categories: tuple[str, ...],
    definition: str,
) -> MetricSpec:
    return MetricSpec(
        fn, level, functools.partial(lexicon.describe_lexicon, categories, definition)
    )


METRICS: dict[str, MetricSpec] = {
    "cosine": MetricSpec(embedding.cosine, "sample", embedding.describe_cosine),
    "bertscore_f1": MetricSpec(_bertscore_part("f1"), "sample", bs.describe_bertscore),
    "bertscore_precision": MetricSpec(
        _bertscore_part("precision"), "sample", bs.describe_bertscore
    ),
    "bertscore_recall": MetricSpec(_bertscore_part("recall"), "sample", bs.describe_bertscore),
    "meteor": MetricSpec(meteor.meteor, "sample", meteor.describe_meteor),
    "rouge_l": MetricSpec(rouge.rouge_l, "sample", rouge.describe_rouge_l),
    "distinct_1": _distinct(1, "corpus"),
    "distinct_2": _distinct(2, "corpus"),
    "distinct_1_reply": _distinct(1, "reply"),
    "distinct_2_reply": _distinct(2, "reply"),
    "distinct_1_chunk100": _distinct(1, "chunk", 100),
    "distinct_2_chunk100": _distinct(2, "chunk", 100),
    "advice_markers": _lexicon_spec(
        lexicon.advice_markers,
        "sample",
        ("advice", "prescriptive"),
        "advice + prescriptive markers per reply",
    ),
    "empathy_markers": _lexicon_spec(
        lexicon.empathy_markers, "sample", ("empathy",), "empathy markers per reply"
    ),
    "advice_empathy_ratio": _lexicon_spec(
        lexicon.advice_empathy_ratio,
        "corpus",
        ("advice", "prescriptive", "empathy"),
        "all advice+prescriptive markers / all empathy markers of the set",
    ),
    "prescriptive_markers": _lexicon_spec(
        lexicon.prescriptive_markers,
        "sample",
        ("prescriptive",),
        "prescriptive markers per reply (Study B: '28% fewer')",
    ),
    "first_person_imperatives": MetricSpec(
        lexicon.first_person_imperatives,
        "sample",
        lambda reading="hortative", **options: lexicon.describe_lexicon(
            (lexicon.IMPERATIVE_READINGS[reading],),
            f"first-person imperatives per reply, {reading} reading (Study B: '63% fewer')",
            **options,
        ),
    ),
    "topic_shift": MetricSpec(
        topic_shift.topic_shift, "sample", topic_shift.describe_topic_shift, needs_prompts=True
    ),
    "prescriptive_rate": _lexicon_spec(
        lexicon.prescriptive_rate,
        "sample",
        ("prescriptive",),
        "share of replies with >= 1 prescriptive marker",
    ),
    "generic_reply_rate": MetricSpec(
        generic.generic_reply_flags, "sample", generic.describe_generic
    ),
    # The three empathy mechanisms, offline proxies (docs/safety.md).
    **{
        name: MetricSpec(
            getattr(empathy, name), "sample", functools.partial(empathy.describe_empathy, name)
        )
        for name in empathy.MECHANISMS
    },
}

BERTSCORE_METRICS = ("bertscore_f1", "bertscore_precision", "bertscore_recall")
# Metrics that run an encoder model (their ``model_name_or_path`` option; None: embedded MiniLM).
ENCODER_METRICS = (*BERTSCORE_METRICS, "cosine")


def check_encoders_available(
    metrics: Mapping[str, Mapping[str, Any] | None], key: str = "eval.metrics"
) -> None:
    """Fail before anything loads when an encoder a metric needs cannot be had offline.

    Raises:
        ModelUnavailableError: a hub model neither cached nor downloadable (the LM's sentence,
            naming ``<key>.<metric>.model_name_or_path``).
        ResourceMissingError: the embedded all-MiniLM-L6-v2 package is not installed.
    """
    from tide_exp.models.loading import check_available

    for name in (n for n in metrics if n in ENCODER_METRICS):
        model = dict(metrics[name] or {}).get("model_name_or_path")
        if model is None:
            embedding.embedded_minilm_path()
        else:
            check_available(
                str(model),
                f"{key}.{name}.model_name_or_path",
                alternative=" (or to null: the embedded all-MiniLM-L6-v2, installed offline)",
            )
        if name in BERTSCORE_METRICS:
            _check_bertscore_layer(dict(metrics[name] or {}), f"{key}.{name}")


def _check_bertscore_layer(options: Mapping[str, Any], key: str) -> None:
    """BERTScore's layer against its encoder's config, before the LM loads (a layer the encoder
    lacks was a traceback after the zero-shot replies were generated, minutes in)."""
    from transformers import AutoConfig

    from tide_exp.errors import ConfigError

    try:
        name, path, layers = bs.resolve_model(
            options.get("model_name_or_path"), options.get("num_layers")
        )
    except ValueError as err:
        raise ConfigError(f"{key}.num_layers: {err}.") from None
    try:
        config = AutoConfig.from_pretrained(path)
    except Exception:  # noqa: BLE001 - availability was checked above; loading will say more
        return
    total = next(
        (
            getattr(config, a)
            for a in ("num_hidden_layers", "n_layer", "num_layers")
            if hasattr(config, a)
        ),
        None,
    )
    if isinstance(total, int) and not 0 <= layers <= total:
        raise ConfigError(
            f"{key}.num_layers={layers}: {name} has {total} layers; choose one in 0..{total}, or "
            f"null for its tuned default (a recipe's num_layers belongs to its own "
            f"{key}.model_name_or_path)."
        )


def _shared_encoder_values(
    predictions: list[str], references: list[str], metrics: Mapping[str, Mapping[str, Any]]
) -> dict[str, list[float]]:
    """BERTScore P/R/F1 (one pass for all three) and, when it uses the same encoder, cosine too.

    Cosine shares the forward pass when its sentence-transformers model wraps the BERTScore model
    and BERTScore uses its last layer (the default for the embedded MiniLM): the token embeddings
    of that layer feed both, which halves the encoder cost. Values equal separate runs.
    """
    names = [n for n in BERTSCORE_METRICS if n in metrics]
    if not names:
        return {}
    options = dict(metrics[names[0]])
    if any(dict(metrics[n]) != options for n in names):
        return {}  # differently configured BERTScores run separately
    sentence_encoder = None
    if "cosine" in metrics:
        cos = dict(metrics["cosine"])
        _, path, layer = bs.resolve_model(
            options.get("model_name_or_path"), options.get("num_layers")
        )
        same = embedding.resolve_encoder_path(cos.get("model_name_or_path")) == path and cos.get(
            "device"
        ) == options.get("device")
        if same:
            encoder = embedding.load_sentence_encoder(
                cos.get("model_name_or_path"), cos.get("device")
            )
            auto_model = getattr(encoder[0], "auto_model", None)
            if auto_model is not None and auto_model.config.num_hidden_layers == layer:
                sentence_encoder = encoder
    result = bs.bertscore(predictions, references, sentence_encoder=sentence_encoder, **options)
    values = {n: getattr(result, n.removeprefix("bertscore_")) for n in names}
    if result.cosine is not None:
        values["cosine"] = result.cosine
    return values


def score_texts(
    predictions: list[str],
    references: list[str],
    metrics: Mapping[str, Mapping[str, Any] | None],
    prompts: list[str] | None = None,
) -> dict[str, Any]:
    """Score predictions against references with each configured metric.

    Args:
        predictions: Generated replies.
        references: Reference replies, aligned with ``predictions``.
        metrics: Metric name (a key of :data:`METRICS`) -> keyword options for it (``None`` for
            defaults).
        prompts: The client's message of each reply, for metrics that compare a reply with
            it (``needs_prompts``: topic shift); such a metric without them is a ValueError.

    Returns:
        ``{"metrics": {name: {"mean", "std", "n", "level"}}, "config": {name: {"options", model,
        layer, tokenizer, versions ...}}, "per_sample": [{name: value, ...}, ...]}``, ``per_sample``
        in input order. Corpus-level metrics (``level: corpus``) have one value for the set: it is
        the ``mean``, ``std`` is ``None``, and they are absent from ``per_sample``. Chunk-level
        metrics (``level: chunk``) give mean and std across chunks, with ``chunks`` and
        ``partial`` (fewer replies than one chunk), and are absent from ``per_sample`` too.
    """
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions but {len(references)} references")
    unknown = sorted(set(metrics) - set(METRICS))
    if unknown:
        raise KeyError(f"unknown metric(s) {unknown}; available: {sorted(METRICS)}")
    predictions, references = list(predictions), list(references)
    options = {name: dict(opts or {}) for name, opts in metrics.items()}
    shared = _shared_encoder_values(predictions, references, options)
    per_sample: list[dict[str, float]] = [{} for _ in predictions]
    summary: dict[str, dict[str, Any]] = {}
    for name, opts in options.items():
        spec = METRICS[name]
        if spec.needs_prompts:
            if prompts is None:
                raise ValueError(f"metric {name} needs the client's message of every reply")
            opts = {**opts, "prompts": list(prompts)}
        values = shared[name] if name in shared else spec.fn(predictions, references, **opts)
        if spec.level == "corpus":
            summary[name] = {
                "mean": float(values),
                "std": None,
                "n": len(predictions),
                "level": "corpus",
            }
            continue
        if spec.level == "chunk":
            chunks = [float(v) for v in values]
            size = METRICS[name].describe(**opts).get("chunk_size") or len(predictions)
            summary[name] = {
                "mean": statistics.fmean(chunks) if chunks else float("nan"),
                "std": statistics.pstdev(chunks) if len(chunks) > 1 else None,
                "n": len(predictions),
                "level": "chunk",
                "chunks": len(chunks),
                "partial": len(predictions) < size,  # under one full chunk: size-dependent
            }
            continue
        values = [float(v) for v in values]
        for row, value in zip(per_sample, values, strict=True):
            row[name] = value
        summary[name] = {
            "mean": statistics.fmean(values) if values else float("nan"),
            "std": statistics.pstdev(values) if len(values) > 1 else 0.0,
            "n": len(values),
            "level": "sample",
        }
    config = {
        name: {"options": opts, "level": METRICS[name].level, **METRICS[name].describe(**opts)}
        for name, opts in options.items()
    }
    return {"metrics": summary, "config": config, "per_sample": per_sample}
