"""The schema of ``results.json``, the record of one finished run (written by ``run(cfg)``).

Every key a run writes is typed here; ``tests/integration/test_results_schema.py`` checks a real
run's file against these types (unknown keys included), so the file and its description cannot
drift apart. Readers (the report, the sweep summary, human evaluation) rely on these names.
"""

from typing import Any, NotRequired, TypedDict


class ModelInfo(TypedDict):
    name: str  # the config slug (conf/model/<name>.yaml)
    display_name: str
    hf_id: str | None
    source: str  # where the weights were loaded from


class MetricSummary(TypedDict, total=False):
    """One metric of one phase (tide_exp.metrics.score_texts): ``mean`` is null when NaN."""

    mean: float | None
    std: float | None
    n: int
    level: str  # sample, chunk or corpus
    partial: bool
    chunks: int


class Prompts(TypedDict):
    count: int
    example_ids: list[str]


class ReplyEndings(TypedDict):
    n: int
    cut: int  # stopped at the token cap
    cut_rate: float | None
    open_reasoning: int  # stopped inside an unclosed <think> block
    open_reasoning_rate: float | None


class PhaseSummary(TypedDict):
    """One generation phase: zero-shot (zs), an epoch's evaluation (val), fine-tuned (ft), dev."""

    epoch: int | None
    step: int
    metrics: dict[str, MetricSummary]
    metric_config: dict[str, Any]  # each metric's resolved options and versions
    prompts: Prompts
    generation_s: float
    new_tokens: int
    generation_tokens_per_s: float | None
    cut_rate: float
    replies: ReplyEndings
    decoding: dict[str, Any]  # every setting that shaped a reply (generation/decoding.py)
    scoring_s: float
    reused_from: NotRequired[str]  # ft reused the last epoch's replies (same weights, prompts)


class Phases(TypedDict, total=False):
    zs: PhaseSummary
    val: list[PhaseSummary]
    ft: PhaseSummary
    dev: PhaseSummary


class Validation(TypedDict, total=False):
    """Token-weighted validation loss before (zs) and after (ft) training (eval.validate_base)."""

    zs: dict[str, float] | None
    ft: dict[str, float] | None


class PhaseSeconds(TypedDict, total=False):
    generation_s: float
    scoring_s: float
    epoch: int | None
    reused_epoch: int | None


class Timings(TypedDict, total=False):
    load_s: float
    fit_s: float
    zs: PhaseSeconds
    val: list[PhaseSeconds]
    ft: PhaseSeconds
    train_s: float  # fit less the evaluations inside it
    total_s: float


class Outputs(TypedDict, total=False):
    adapter: str | None
    generations: str | None
    safety: str
    safety_unsafe: str


class Results(TypedDict):
    """``results.json`` of a finished run."""

    status: str  # ok
    model: ModelInfo
    seed: int
    prompt: dict[str, Any]  # system prompt, persona template, reasoning mode: verbatim
    config: dict[str, Any]  # resolved settings, flat dotted keys (tide_exp.config.run_settings)
    phases: Phases
    safety: NotRequired[dict[str, Any]]  # the crisis probe (eval.safety): rates per phase
    validation: Validation
    not_computed: dict[str, str]  # what a study reports that is not computed, and why
    final: dict[str, float | None]  # flat metrics: zs/gen/rouge_l, val/loss, ...
    params: dict[str, int]  # total, trainable
    data: dict[str, Any]  # example counts, reply-token figures per split, fingerprints
    timings: Timings
    environment: dict[str, str]  # torch, transformers, peft, python versions
    outputs: Outputs
