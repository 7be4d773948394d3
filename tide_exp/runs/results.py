"""The records a run writes: ``results.json`` (:class:`Results`), ``status.json``
(:class:`Status`) and the lines of ``generations.jsonl`` (:class:`GenerationRow`).

Every key a run writes is typed here. ``run(cfg)`` builds results.json through these types and
:meth:`~tide_exp.runs.folder.RunFolder.write_results` checks it against them whole
(:func:`check_results`) before writing; ``tests/integration/test_wandb.py`` checks a real run's
file on disk, and ``tests/unit/runs/test_results_schema.py`` the checker. Readers (the report,
the sweep summary, human evaluation) rely on these names.
"""

import types
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import (
    Any,
    Literal,
    NotRequired,
    TypedDict,
    Union,
    get_args,
    get_origin,
    get_type_hints,
    is_typeddict,
)

from tide_exp.errors import FileError
from tide_exp.files.readers import jsonl_rows, raise_bad, read_bytes
from tide_exp.metrics.ranges import impossible


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
    looping: NotRequired[int]  # repeats itself (metrics/repetition.py); runs before it lack it
    looping_rate: NotRequired[float | None]


class Selection(TypedDict):
    """Which epoch's weights the fine-tuned phase is (eval.select; callbacks/selection.py)."""

    select: str  # last or best
    monitor: str  # val/loss or val/gen/<metric>
    mode: str  # max or min
    epoch: int | None  # the epoch evaluated as fine-tuned
    best_epoch: int | None  # the best epoch by the monitor (whichever was selected)
    best_value: float | None


class PhaseSummary(TypedDict):
    """One generation phase: zero-shot (zs), an epoch's evaluation (val), fine-tuned (ft), dev."""

    epoch: int | None  # epochs trained behind the replies (0: zero-shot), as W&B's eval/epoch
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
    reused_from: NotRequired[str]  # ft reused an epoch's replies (same weights, prompts)
    val_loss: NotRequired[float]  # val: the epoch's validation loss (what eval.monitor may watch)
    selection: NotRequired[Selection]  # ft: which epoch's weights it is
    seed: NotRequired[
        int
    ]  # the phase's replies were sampled from this seed (generation/seeding.py)


class Phases(TypedDict, total=False):
    zs: PhaseSummary
    val: list[PhaseSummary]
    ft: PhaseSummary
    dev: PhaseSummary
    # The prompts file's fixed prompts (eval.prompts_file), zero-shot and fine-tuned: never in
    # the held-out means; metrics only when every prompt has a reference.
    fixed_zs: PhaseSummary
    fixed_ft: PhaseSummary


class Validation(TypedDict, total=False):
    """Validation before (zs) and after (ft) training (eval.validate_base): loss, tokens,
    perplexity_token, perplexity_dialogue, dialogues, and perplexity (the eval.perplexity one)."""

    zs: dict[str, float] | None
    ft: dict[str, float] | None


class Change(TypedDict):
    """One figure base -> fine-tuned (tide_exp.runs.changes): Study B's relative changes."""

    base: float | None
    fine_tuned: float | None
    relative_change: float | None  # (fine_tuned - base) / |base|


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
    fixed_zs: PhaseSeconds
    fixed_ft: PhaseSeconds
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
    config: dict[
        str, Any
    ]  # resolved settings, flat dotted keys (tide_exp.config.settings.run_settings)
    phases: Phases
    safety: NotRequired[dict[str, Any]]  # the crisis probe (eval.safety): rates per phase
    validation: Validation
    # gen/<metric>, val/loss, val/perplexity_token, val/perplexity_dialogue: base -> fine-tuned
    changes: NotRequired[dict[str, Change]]
    not_computed: dict[str, str]  # what a study reports that is not computed, and why
    final: dict[str, float | None]  # flat metrics: zs/gen/rouge_l, val/loss, ...
    params: dict[str, int]  # total, trainable
    data: dict[str, Any]  # example counts, reply-token figures per split, fingerprints
    timings: Timings
    environment: dict[str, str]  # torch, transformers, peft, python versions
    outputs: Outputs


class Status(TypedDict):
    """``status.json``: how the job ended."""

    model: str
    overrides: list[str]
    # running: started, not ended (killed if stale); interrupted: Ctrl-C, resumable
    status: Literal["running", "ok", "failed", "interrupted"]
    error: str | None


class GenerationRow(TypedDict, total=False):
    """One line of ``generations.jsonl``: a prompt, its reference and the model's reply."""

    phase: str  # zs, val, ft, dev; fixed_zs, fixed_ft: the prompts file's (eval.prompts_file)
    epoch: int | None
    step: int
    model: str
    example_id: str
    persona_id: str | None
    theme: str
    prompt: str
    reference: str
    prediction: str
    finished: bool  # an end-of-turn token came within the token cap
    open_reasoning: bool  # stopped inside an unclosed <think> block
    new_tokens: int  # tokens generated, the end token included
    looping: bool  # the reply repeats itself (tide_exp.metrics.repetition.is_looping)
    repetition: float  # share of its word 4-grams that repeat an earlier one
    scores: dict[str, float | None]
    history: list[list[str]]  # multi-turn rows: the earlier turns the model saw, [role, text]


def generation_lines(
    path: str | Path, required: Iterable[str] = ()
) -> Iterator[tuple[int, GenerationRow]]:
    """``(line number, row)`` of a ``generations.jsonl`` file: the one reader of that format.

    Raises:
        FileError: a malformed line, a line without one of the ``required`` keys, or a value of
            the wrong type (``"prediction": null`` was an empty reply to ``tide compare`` and an
            error to ``tide score``: one rule for every reader) (file, line).
    """
    path = Path(path)
    required = list(required)
    bad = raise_bad("re-run generation or repair the line")
    seen: dict[tuple[Any, Any, Any], int] = {}  # a run writes one row per phase, epoch, example
    for line, row in jsonl_rows(path, read_bytes(path), bad):
        missing = [k for k in required if k not in row]
        if missing:
            raise FileError(
                path, f"missing key(s) {missing}", f"each line needs {required}", line, 1
            )
        wrong = schema_errors(row, GenerationRow, "row", complete=False) or [
            f"row.scores.{name} {why}"
            for name, value in (row.get("scores") or {}).items()
            if (why := impossible(name, value))
        ]
        if wrong:
            raise FileError(path, wrong[0], "re-run generation or repair the line", line, 1)
        if isinstance(row, dict) and "phase" in row and "example_id" in row:
            key = (row["phase"], row.get("epoch"), row["example_id"])
            if key in seen:  # a reader would pick one reply, or score the example twice
                raise FileError(
                    path,
                    f"a second {key[0]} row of example {key[2]!r} (epoch {key[1]}; first at "
                    f"line {seen[key]})",
                    "keep one row per phase, epoch and example (re-run generation)",
                    line,
                    1,
                )
            seen[key] = line
        yield line, row


def impossible_values(results: Any) -> list[str]:
    """Every metric summary of ``results`` (``phases.<phase>.metrics.<metric>``) holding a value
    no run writes: a mean outside the metric's range (:mod:`tide_exp.metrics.ranges`), NaN or
    infinity, a negative ``std`` or ``n``. A reader refuses them rather than report them."""
    phases = results.get("phases") if isinstance(results, dict) else None
    errors = []
    for phase, summaries in (phases or {}).items():
        listed = summaries if isinstance(summaries, list) else [summaries]
        for i, summary in enumerate(listed):
            where = f"phases.{phase}" + (f"[{i}]" if isinstance(summaries, list) else "")
            metrics = summary.get("metrics") if isinstance(summary, dict) else None
            for name, stats in (metrics or {}).items():
                if not isinstance(stats, dict):
                    continue
                why = impossible(name, stats.get("mean"))
                if why:
                    errors.append(f"{where}.metrics.{name}.mean {why}")
                for key in ("std", "n"):
                    value = stats.get(key)
                    if isinstance(value, (int, float)) and not value >= 0:
                        errors.append(f"{where}.metrics.{name}.{key} is {value!r}, below 0")
    return errors


def schema_errors(value: Any, kind: Any, path: str = "results", complete: bool = True) -> list[str]:
    """Every place where ``value`` does not match ``kind`` (empty: it matches).

    Args:
        complete: Also name missing required keys and keys the schema does not know (what a
            run writes now). ``False``: only values of the wrong type, so files of earlier
            versions still read (a reader names the keys it cannot do without).
    """
    if kind is Any:
        return []
    origin = get_origin(kind)
    if origin in (Union, types.UnionType):
        options = [schema_errors(value, k, path, complete) for k in get_args(kind)]
        return [] if any(not o for o in options) else min(options, key=len)
    if is_typeddict(kind):
        if not isinstance(value, dict):
            return [f"{path} is {_kind(value)}, not an object"]
        hints = get_type_hints(kind)
        errors = []
        if complete:
            required = kind.__required_keys__  # named in the order the schema declares them
            errors += [f"{path}.{k} is missing" for k in hints if k in required and k not in value]
            errors += [f"{path}.{k} is not in the schema" for k in value if k not in hints]
        for key, hint in hints.items():
            if key in value:
                errors += schema_errors(value[key], hint, f"{path}.{key}", complete)
        return errors
    if origin is list:
        if not isinstance(value, list):
            return [f"{path} is {_kind(value)}, not a list"]
        (item,) = get_args(kind)
        return [
            e for i, v in enumerate(value) for e in schema_errors(v, item, f"{path}[{i}]", complete)
        ]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{path} is {_kind(value)}, not an object"]
        _, item = get_args(kind)
        return [
            e for k, v in value.items() for e in schema_errors(v, item, f"{path}.{k}", complete)
        ]
    if kind is type(None):
        return [] if value is None else [f"{path} is {value!r}, not null"]
    if kind is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, kind)
    return [] if ok else [f"{path} is {value!r}, not {_NAMES.get(kind, kind.__name__)}"]


_NAMES = {float: "a number", int: "an integer", str: "a string", bool: "true or false"}


def _kind(value: Any) -> str:
    return {list: "a list", dict: "an object", str: "a string"}.get(type(value), repr(value))


def check_results(results: Any) -> None:
    """Raise unless ``results`` matches :class:`Results` whole (``complete=True``).

    Raises:
        ValueError: Naming the first keys that do not match (a bug, not a user's error).
    """
    errors = schema_errors(results, Results, complete=True)
    if errors:
        shown = "; ".join(errors[:5]) + (f"; and {len(errors) - 5} more" if len(errors) > 5 else "")
        raise ValueError(f"results.json does not match tide_exp.runs.results.Results: {shown}")
