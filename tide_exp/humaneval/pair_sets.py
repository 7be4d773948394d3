"""Model pair sets: the study's four by default, or the user's own (CLI or YAML).

A set holds two runs (Study A: model A and B, each zero-shot and fine-tuned) or one (Study B:
one model, base vs fine-tuned). Entries name runs by model slug, run label or run dir; labels
of sweep jobs contain commas (``smollm2_135m@12-00-00/0_smollm2_135m,lora.r=4``), so an
entry written ``A,B`` is split only where both sides name a run.
"""

from __future__ import annotations

from pathlib import Path

from tide_exp.files.readers import read_yaml
from tide_exp.humaneval.errors import SurveyConfigError, SurveyInputError
from tide_exp.humaneval.runs import Run

# Study A's four pair sets (protocol.yaml human_eval.pair_sets) as conf/model slugs.
STUDY_PAIRS: list[tuple[str, str]] = [
    ("phi3_5_mini", "granite3_1_3b"),
    ("qwen2_5_3b", "qwen2_5_1_5b"),
    ("qwen2_5_0_5b", "r1_distill_qwen_1_5b"),
    ("llama3_2_3b", "llama3_2_1b"),
]
PAIRS_FIX = "write `pairs: [[model_a, model_b], ...]` (or [model] for one model)"


def parse_pair(values: list[str]) -> tuple[str, ...]:
    """A ``--pair`` entry: ``A B`` (two values), ``A`` (one run) or ``A,B`` (split later).

    A single value stays whole here: whether its commas separate two runs or belong to a run
    label is decided against the runs (:func:`resolve_set`).
    """
    parts = tuple(v.strip() for v in values)
    if not 1 <= len(parts) <= 2 or not all(parts):
        raise SurveyConfigError(
            f"--pair {' '.join(values)!r}: expected one or two runs, e.g. "
            "--pair qwen2_5_3b qwen2_5_1_5b (a run label with commas: --pair LABEL_A LABEL_B)"
        )
    return parts


def read_pairs_file(path: str | Path) -> list[tuple[str, ...]]:
    """Read ``pairs: [[A, B], [C], ...]`` (or a bare list) from a YAML file.

    Run dirs given relative are taken relative to the YAML file.
    """
    path = Path(path)
    data = read_yaml(path, PAIRS_FIX)
    entries = data.get("pairs") if isinstance(data, dict) else data
    if not isinstance(entries, list) or not entries:
        raise SurveyInputError(path, "no `pairs` list", PAIRS_FIX)
    pairs = []
    for i, entry in enumerate(entries):
        if not (isinstance(entry, list | tuple) and 1 <= len(entry) <= 2):
            raise SurveyInputError(path, f"pairs[{i}] is not a list of one or two runs", PAIRS_FIX)
        pairs.append(tuple(_relative(str(e), path.parent) for e in entry))
    return pairs


def _relative(entry: str, base: Path) -> str:
    candidate = base / entry
    return str(candidate) if ("/" in entry and candidate.is_dir()) else entry


def find_run(name: str, runs: list[Run]) -> list[Run]:
    """The runs an entry names: a run dir, a run label, or every run of a model slug."""
    path = Path(name)
    if path.is_dir():
        hits = [r for r in runs if r.path.resolve() == path.resolve()]
        if hits:
            return hits
    hits = [r for r in runs if r.label == name]
    return hits or [r for r in runs if r.slug == name]


def resolve_model(name: str, runs: list[Run]) -> Run:
    """The one run an entry names.

    Raises:
        SurveyConfigError: the entry names no run, or a slug shared by several runs.
    """
    matches = find_run(name, runs)
    if len(matches) == 1:
        return matches[0]
    available = ", ".join(r.label for r in runs)
    if len(matches) > 1:
        raise SurveyConfigError(
            f"model {name!r} matches {len(matches)} runs; name one by its label or dir "
            f"(available: {available})"
        )
    raise SurveyConfigError(f"model {name!r} is in none of the runs given; available: {available}")


def resolve_set(entry: tuple[str, ...], runs: list[Run]) -> tuple[Run, ...]:
    """The runs of one set; a single ``A,B`` entry is split where both sides name one run."""
    if len(entry) == 2:
        return resolve_model(entry[0], runs), resolve_model(entry[1], runs)
    text = entry[0]
    readings = [(text,)] if len(find_run(text, runs)) == 1 else []
    for i, char in enumerate(text):
        if char == ",":
            a, b = text[:i].strip(), text[i + 1 :].strip()
            if len(find_run(a, runs)) == 1 and len(find_run(b, runs)) == 1:
                readings.append((a, b))
    if len(readings) > 1:
        shown = " or ".join(
            f"the run {r[0]}" if len(r) == 1 else f"the runs {r[0]} and {r[1]}" for r in readings
        )
        raise SurveyConfigError(
            f"--pair {text!r} can be read as {shown}; pass two runs as separate values "
            "(--pair A B), or one run by its dir"
        )
    if not readings:
        resolve_model(text, runs)  # names what is missing, with the available labels
    return tuple(resolve_model(name, runs) for name in readings[0])


def resolve_pairs(
    pairs: list[tuple[str, ...]] | None, runs: list[Run]
) -> tuple[list[tuple[Run, ...]], list[str]]:
    """Turn entries into run sets, and say what a default choice left out or assumed.

    With no entries: the study's pair sets present among the runs (a note for each one
    missing); when none is present, the runs themselves: one run alone (zero-shot vs
    fine-tuned) or two runs as one pair.

    Returns:
        ``(sets, notes)``: the run sets in survey order and lines to show the user.
    """
    if pairs:
        return [resolve_set(p, runs) for p in pairs], []
    slugs = {r.slug for r in runs}
    present = [p for p in STUDY_PAIRS if p[0] in slugs and p[1] in slugs]
    notes = []
    if present:
        for number, pair in enumerate(STUDY_PAIRS, start=1):
            if pair not in present:
                lacking = " and ".join(s for s in pair if s not in slugs)
                notes.append(
                    f"study pair set {number} ({pair[0]} & {pair[1]}) left out: no run of {lacking}"
                )
        return [(resolve_model(a, runs), resolve_model(b, runs)) for a, b in present], notes
    if len(runs) <= 2:
        labels = " & ".join(r.label for r in runs)
        notes.append(
            f"none of the study's pair sets is among these runs; built one set of the runs "
            f"given: {labels} (choose others with --pair A B or --pairs pairs.yaml)"
        )
        return [tuple(runs)], notes
    available = ", ".join(r.label for r in runs)
    raise SurveyConfigError(
        "none of the study's default pairs is among these runs "
        f"(available: {available}); pass --pair A B (repeatable) or --pairs pairs.yaml"
    )
